"""A real Orthanc for the DICOMweb tests: started on a loopback port, fed through its REST API.

Debian's ``orthanc`` and ``orthanc-dicomweb`` packages (scripts/test installs them)
give the server and its DICOMweb plugin. :class:`Orthanc` writes a JSON
configuration into a folder of its own (storage and index there, DICOM port off,
HTTP on a free port, basic credentials required, the DICOMweb plugin at
``/dicom-web/``), starts the process, waits until ``/system`` answers, uploads
files with ``POST /instances`` and stops it (SIGTERM, then SIGKILL).

:func:`require_orthanc` skips a test where Orthanc is not installed, and fails it
in CI, where scripts/test must have installed it.
"""

from __future__ import annotations

import glob
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests import IN_CI

ORTHANC_BIN = os.environ.get("DCMVIEW_ORTHANC", "/usr/sbin/Orthanc")
# Where Debian's orthanc-dicomweb puts the plugin (the first is a symlink to the second).
PLUGIN_GLOBS = (
    "/usr/share/orthanc/plugins/libOrthancDicomWeb.so",
    "/usr/lib/orthanc/libOrthancDicomWeb.so*",
    "/usr/lib/*/orthanc/plugins/libOrthancDicomWeb.so*",
)
USER = "dcmview"


def dicomweb_plugin() -> str | None:
    """The path of the DICOMweb plugin, or None when it is not installed."""
    for pattern in PLUGIN_GLOBS:
        found = sorted(glob.glob(pattern))
        if found:
            return found[0]
    return None


def require_orthanc() -> str:
    """The DICOMweb plugin's path; skip (outside CI) or fail (in CI) without Orthanc."""
    plugin = dicomweb_plugin()
    if plugin is not None and (shutil.which(ORTHANC_BIN) or os.path.isfile(ORTHANC_BIN)):
        return plugin
    reason = (
        "DICOMweb tests need Orthanc and its DICOMweb plugin "
        "(apt-get install orthanc orthanc-dicomweb)"
    )
    if IN_CI:
        pytest.fail(reason)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Orthanc:
    """One Orthanc process with its own storage under `workdir`.

    Attributes
    ----------
    url : str
        The REST API (``http://127.0.0.1:PORT``).
    dicomweb : str
        The DICOMweb root (``url + "/dicom-web"``).
    password : str
        The generated password of user :data:`USER`.
    """

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.plugin = require_orthanc()
        self.password = secrets.token_urlsafe(12)
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def dicomweb(self) -> str:
        return f"{self.url}/dicom-web"

    @property
    def auth(self) -> tuple[str, str]:
        return (USER, self.password)

    def env(self) -> dict[str, str]:
        """The environment a ``dcmview`` process reads these credentials from."""
        return {
            **os.environ,
            "DCMVIEW_DICOMWEB_USER": USER,
            "DCMVIEW_DICOMWEB_PASSWORD": self.password,
        }

    def start(self, timeout: float = 60) -> Orthanc:
        """Write the configuration, start Orthanc and wait until it answers."""
        storage = self.workdir / "storage"
        storage.mkdir(parents=True, exist_ok=True)
        for attempt in range(3):
            self.port = _free_port()
            config = {
                "Name": "dcmview-tests",
                "StorageDirectory": str(storage),
                "IndexDirectory": str(storage),
                "HttpPort": self.port,
                "DicomServerEnabled": False,
                "RemoteAccessAllowed": False,
                "AuthenticationEnabled": True,
                "RegisteredUsers": {USER: self.password},
                "StorageCompression": False,
                "HttpTimeout": 30,
                "ConcurrentJobs": 1,
                "Plugins": [self.plugin],
                "DicomWeb": {"Enable": True, "Root": "/dicom-web/", "EnableWado": False},
            }
            cfg = self.workdir / "orthanc.json"
            cfg.write_text(json.dumps(config, indent=1))
            log = open(self.workdir / "orthanc.log", "ab")  # noqa: SIM115 - closed with the process
            self.proc = subprocess.Popen(
                [ORTHANC_BIN, str(cfg)], stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir
            )
            log.close()
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    r = httpx.get(f"{self.url}/system", auth=self.auth, timeout=2)
                    if r.status_code == 200:
                        return self
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
            self.stop()
            if attempt == 2:
                tail = (self.workdir / "orthanc.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"Orthanc did not start on port {self.port}:\n{tail}")
        raise AssertionError("unreachable")

    def upload(self, paths: Iterable[Path]) -> dict[Path, int]:
        """``POST /instances`` every file; return the HTTP status of each."""
        out = {}
        with httpx.Client(auth=self.auth, timeout=60) as c:
            for p in paths:
                r = c.post(f"{self.url}/instances", content=p.read_bytes())
                out[p] = r.status_code
        return out

    def pause(self) -> None:
        """Stop the process without killing it: connections are accepted, nothing answers."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        """Terminate Orthanc (SIGKILL after 20 s)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGCONT)
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@dataclass
class OrthancCorpus:
    """The Orthanc of the ``orthanc_ci`` fixture and the corpus files it accepted."""

    server: Orthanc
    root: Path
    accepted: list[Path]
