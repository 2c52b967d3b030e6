"""Read a DICOMweb archive with the SDK: a throw-away Orthanc, fed with pydicom's sample files.

Needs Debian's (or any) Orthanc with its DICOMweb plugin on this machine
(``apt-get install orthanc orthanc-dicomweb``). The script writes an Orthanc
configuration into a temporary folder (loopback only, credentials required),
starts Orthanc, uploads two sample files through its REST API, then lists the
archive with ``dcmview.sdk.scan`` and renders a frame fetched through WADO-RS.
Orthanc is stopped and its folder removed at the end.

    python examples/dicomweb_orthanc.py
"""

from __future__ import annotations

import glob
import json
import secrets
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import pydicom.examples

import dcmview.sdk as sdk
from dcmview.sdk.sources.dicomweb import DicomWebSource

ORTHANC = "/usr/sbin/Orthanc"
PLUGIN = (glob.glob("/usr/share/orthanc/plugins/libOrthancDicomWeb.so") or [""])[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    if not PLUGIN:
        raise SystemExit("needs Orthanc's DICOMweb plugin: apt-get install orthanc-dicomweb")
    password = secrets.token_urlsafe(12)
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="dcmview-orthanc-") as tmp:
        config = {
            "StorageDirectory": tmp,
            "IndexDirectory": tmp,
            "HttpPort": port,
            "DicomServerEnabled": False,
            "RemoteAccessAllowed": False,
            "AuthenticationEnabled": True,
            "RegisteredUsers": {"demo": password},
            "Plugins": [PLUGIN],
            "DicomWeb": {"Enable": True, "Root": "/dicom-web/"},
        }
        Path(tmp, "orthanc.json").write_text(json.dumps(config))
        orthanc = subprocess.Popen(
            [ORTHANC, "orthanc.json"], cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        try:
            base = f"http://127.0.0.1:{port}"
            with httpx.Client(base_url=base, auth=("demo", password), timeout=30) as rest:
                for _ in range(300):  # up to 30 s for Orthanc to listen
                    try:
                        if rest.get("/system").status_code == 200:
                            break
                    except httpx.TransportError:
                        time.sleep(0.1)
                for name in ("ct", "mr"):
                    data = Path(pydicom.examples.get_path(name)).read_bytes()
                    rest.post("/instances", content=data).raise_for_status()

            archive = DicomWebSource(f"{base}/dicom-web", username="demo", password=password)
            catalog = sdk.scan(archive)
            for header in catalog.headers:
                print(header.modality, header.rows, "x", header.columns, header.path)
            png = catalog[0].frame(0).png()
            print(f"frame 0 of {catalog.headers[0].sop_instance_uid}: {len(png)} bytes of PNG")
            print("requests:", archive.stats.snapshot())
        finally:
            orthanc.terminate()
            orthanc.wait(30)


if __name__ == "__main__":
    main()
