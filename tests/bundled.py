"""pydicom's bundled test files, listed offline.

``pydicom.data.get_testdata_files()`` also tries to download the pydicom-data
package and, with no network, retries with sleeps for minutes; list the bundled
folder of the installed wheel directly instead.
"""

from __future__ import annotations

from pathlib import Path

from pydicom.data.data_manager import DATA_ROOT

TEST_FILES = Path(DATA_ROOT, "test_files")


def bundled_files(suffix: str | None = None) -> list[str]:
    """Every bundled test file (sorted), optionally only those ending with `suffix`."""
    return sorted(
        str(p)
        for p in TEST_FILES.rglob("*")
        if p.is_file() and (suffix is None or p.name.endswith(suffix))
    )


def bundled_id(path: str) -> str:
    """A readable test id: the path relative to the bundled folder."""
    return Path(path).relative_to(TEST_FILES).as_posix()
