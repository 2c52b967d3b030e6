"""Files over HTTP with range requests (and fsspec's memory store): header bytes, frame ranges.

A loopback server (helpers.py) serves the corpus and counts what it sends: a scan
reads a small part of each file, a frame only its own byte ranges, and what is decoded
equals the local decode of the same files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import dcmview.sdk as sdk
from dcmview.sdk.errors import RemoteSourceError
from dcmview.sdk.sources import is_file_url, source_for
from dcmview.sdk.sources.dicomweb import DicomWebSource
from dcmview.sdk.sources.objectstore import FsspecSource
from tests.sdk.sources.helpers import serve

pytestmark = [pytest.mark.corpus]


def test_http_prefix_scan_reads_headers_only_and_equals_the_local_scan(corpus_ci: Path) -> None:
    folder = corpus_ci / "mg"
    files = sorted(p for p in folder.rglob("*.dcm"))
    total = sum(p.stat().st_size for p in files)
    local = {str(Path(h.path).relative_to(folder)): h for h in sdk.scan(folder).headers}
    with serve(folder) as (base, counter):
        catalog = sdk.scan(base + "/")
        scanned_bytes = counter.bytes
        remote = {h.path.removeprefix(base + "/"): h for h in catalog.headers}
    assert remote.keys() == local.keys()
    for rel, lh in local.items():
        assert remote[rel].replace(path=lh.path) == lh, rel
    # Header bytes only: a read-ahead block per file, a small part of the files.
    assert scanned_bytes < 0.15 * total, (scanned_bytes, total)


def test_frames_read_only_their_ranges_and_equal_the_local_decode(corpus_ci: Path) -> None:
    folder = corpus_ci / "mg"
    with serve(folder) as (base, counter):
        catalog = sdk.scan(base + "/")
        for i, h in enumerate(catalog.headers):
            local = sdk.open(folder / h.path.removeprefix(base + "/"))
            try:
                want = local.frame(local.number_of_frames - 1).array()
            except sdk.DcmviewError:
                continue
            got = catalog[i].frame(local.number_of_frames - 1).array()
            np.testing.assert_array_equal(got, want, err_msg=h.path)
            assert got.dtype == want.dtype
        # One frame of a 12-frame JPEG 2000 stack: its own fragments, not the file.
        dbt = next(
            i for i, h in enumerate(catalog.headers) if h.path.endswith("12f_j2k_lossless.dcm")
        )
        size = (folder / catalog.headers[dbt].path.removeprefix(base + "/")).stat().st_size
        counter.reset()
        fresh = sdk.scan(FsspecSource(catalog.headers[dbt].path))
        fresh[0].frame(5).array()
        assert counter.bytes < 0.35 * size, (counter.bytes, size)


def test_a_single_file_url_and_a_stopped_server(corpus_ci: Path) -> None:
    path = next((corpus_ci / "ct").rglob("*.dcm"))
    rel = path.relative_to(corpus_ci).as_posix()
    with serve(corpus_ci) as (base, _counter):
        catalog = sdk.scan(f"{base}/{rel}")
        assert len(catalog) == 1
        assert catalog.headers[0].path == f"{base}/{rel}"
        inst = catalog[0]
        inst.dataset  # noqa: B018 - the header is in; the server goes away
    with pytest.raises(RemoteSourceError, match=rf"{base}/{rel}"):
        inst.frame(0).array()


def test_urls_go_to_the_right_source() -> None:
    assert isinstance(source_for("https://pacs.example/dicom-web"), DicomWebSource)
    assert isinstance(source_for("dicomweb+https://pacs.example/data/"), DicomWebSource)
    assert isinstance(source_for("memory://bucket/"), FsspecSource)
    assert is_file_url("https://host/files/")
    assert is_file_url("https://host/files/a.dcm")
    assert not is_file_url("https://healthcare.googleapis.com/v1/projects/p/dicomWeb")


def test_a_remote_deflate_bomb_is_refused_before_it_is_inflated(tmp_path: Path) -> None:
    """A deflated data set is inflated whole: over HTTP, as on disk, its size is checked
    first (a 256 KiB file inflating to 256 MiB is refused, naming the URL and the limit)."""
    from tests.corpus import corpus_dir

    bomb = corpus_dir("hostile") / "bombs" / "deflate-256kib-inflating-to-256mib.dcm"
    (tmp_path / "bomb.dcm").write_bytes(bomb.read_bytes())
    with serve(tmp_path) as (base, _counter):
        catalog = sdk.scan(base + "/")
        url = f"{base}/bomb.dcm"
        # The scan reads the header, so it meets the bomb first: skipped, as a local scan
        # skips it, with the reason.
        assert len(catalog) == 0
        (skipped,) = catalog.skipped
        assert (skipped.path, skipped.reason) == (url, "parse_failed")
        assert "inflates to more than 256 MiB" in skipped.detail
        assert url in skipped.detail
        # Reading it directly is refused the same way, with the error's code.
        source = FsspecSource(url)
        with pytest.raises(sdk.DcmviewError, match="inflates to more than 256 MiB") as info:
            source.read(source.files()[0])
        assert info.value.code == "image_too_large"
