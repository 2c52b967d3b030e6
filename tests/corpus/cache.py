"""The built corpora in ``.cache/corpus/<profile>-<key>``: keyed, locked, built once.

The key is a hash of the builder's own source files, the seed and the versions
of the libraries whose output ends up in the files' bytes (the encoders, numpy's
random streams and FFTs, zlib's deflate). Any change to one of them is a new
key, so a stale corpus is never used; the folders of older keys of the same
profile are removed once the new one is complete.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import os
import platform
import re
import shutil
import zlib
from importlib import metadata
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
REPO = PACKAGE.parents[1]
#: Distributions whose versions change the bytes the builder writes.
BYTE_AFFECTING = (
    "pydicom",
    "numpy",
    "highdicom",
    "imagecodecs",
    "pillow",
    "pylibjpeg",
    "pylibjpeg-openjpeg",
    "pylibjpeg-rle",
    "pyjpegls",
)


def cache_root() -> Path:
    """Where built corpora live: ``DCMVIEW_CORPUS_CACHE``, else ``.cache/corpus`` in the repo."""
    env = os.environ.get("DCMVIEW_CORPUS_CACHE")
    return Path(env) if env else REPO / ".cache" / "corpus"


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "absent"


def builder_key(seed: int = 0) -> str:
    """12 hex digits naming what the builder would write now."""
    h = hashlib.sha256(f"seed={seed}\n".encode())
    for path in sorted(PACKAGE.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    for dist in BYTE_AFFECTING:
        h.update(f"{dist}={_version(dist)}\n".encode())
    h.update(f"zlib={zlib.ZLIB_RUNTIME_VERSION}\npython={platform.python_version()}\n".encode())
    return h.hexdigest()[:12]


class BuildError(RuntimeError):
    """The builder failed, or a file it wrote did not re-read as its MANIFEST row says."""


def locate(profile: str = "ci", seed: int = 0) -> Path:
    """The folder of `profile`, built first if this key has none yet (safe across processes).

    pytest-xdist workers collect at the same time: an exclusive lock makes one of
    them build while the others wait, then all use the same folder. The build
    goes to a temporary folder renamed into place, so an interrupted build leaves
    nothing that looks complete.
    """
    root = cache_root()
    key = builder_key(seed)
    name = f"{profile}-{key}" if seed == 0 else f"{profile}-seed{seed}-{key}"
    out = root / name
    if (out / "MANIFEST.csv").is_file():
        return out
    root.mkdir(parents=True, exist_ok=True)
    with open(root / f"{profile}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (out / "MANIFEST.csv").is_file():
            return out
        from tests.corpus.build import build

        partial = root / f"{name}.partial-{os.getpid()}"
        shutil.rmtree(partial, ignore_errors=True)
        log = io.StringIO()
        try:
            with contextlib.redirect_stdout(log):
                report = build(partial, profile, seed=seed, quiet=True)
        except Exception as exc:
            shutil.rmtree(partial, ignore_errors=True)
            raise BuildError(f"building the {profile} corpus failed:\n{log.getvalue()}") from exc
        (root / f"{name}.log").write_text(log.getvalue(), encoding="utf-8")
        if report.problems or report.skipped:
            shutil.rmtree(partial, ignore_errors=True)
            raise BuildError(f"the {profile} corpus is incomplete:\n{log.getvalue()}")
        partial.rename(out)
        _prune(root, profile, keep=name)
    return out


def _prune(root: Path, profile: str, keep: str) -> None:
    """Remove the corpora of older keys (and partial builds) of `profile`."""
    pattern = re.compile(rf"{re.escape(profile)}-(seed\d+-)?[0-9a-f]{{12}}(\.partial-\d+|\.log)?")
    for path in root.iterdir():
        if path.name.startswith(keep) or not pattern.fullmatch(path.name):
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
