"""DICOMweb source against a real Orthanc holding the ci corpus (tests/orthanc.py).

Listing, headers, frames of every transfer syntax equal to the local decode of the
same file, credentials, studies, filters, and a refused, stopped or killed archive.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pydicom
import pytest

import dcmview.sdk as sdk
from dcmview.sdk.errors import RemoteSourceError
from dcmview.sdk.sources.dicomweb import DicomWebSource
from tests.orthanc import Orthanc, OrthancCorpus

pytestmark = [pytest.mark.corpus, pytest.mark.slow]


def _source(oc: OrthancCorpus, **kw: object) -> DicomWebSource:
    user, password = oc.server.auth
    return DicomWebSource(oc.server.dicomweb, username=user, password=password, **kw)  # type: ignore[arg-type]


def _uid(path: Path) -> str:
    return str(pydicom.dcmread(path, stop_before_pixels=True, force=True).SOPInstanceUID)


def _float_pixels(path: Path) -> bool:
    ds = pydicom.dcmread(path, force=True)
    return "FloatPixelData" in ds or "DoubleFloatPixelData" in ds


def test_scan_lists_every_uploaded_instance_without_pixel_data(orthanc_ci: OrthancCorpus) -> None:
    src = _source(orthanc_ci)
    catalog = sdk.scan(src)
    uploaded = {_uid(p) for p in orthanc_ci.accepted}
    assert len(uploaded) > 90
    assert {h.sop_instance_uid for h in catalog.headers} == uploaded
    assert catalog.complete
    assert not catalog.skipped
    stats = src.stats.snapshot()
    assert stats.get("frames", 0) == 0, stats
    assert stats.get("bulkdata", 0) == 0, stats
    # One metadata request per series, nothing per instance.
    assert stats["metadata"] == len(catalog.series)
    # The path is the instance's WADO-RS URL, and the catalog finds it again.
    h = catalog.headers[0]
    uids = (h.study_instance_uid, h.series_instance_uid, h.sop_instance_uid)
    assert h.path == "{}/studies/{}/series/{}/instances/{}".format(src.url, *uids)
    assert catalog.index_of(h.path) == 0


def test_headers_equal_the_local_scan(orthanc_ci: OrthancCorpus) -> None:
    remote = {h.sop_instance_uid: h for h in sdk.scan(_source(orthanc_ci)).headers}
    local = {h.sop_instance_uid: h for h in sdk.scan(*orthanc_ci.accepted).headers}
    assert remote.keys() == local.keys()
    for uid, lh in local.items():
        # Every attribute but where the file is and its syntax (Orthanc 1.10's metadata
        # does not say it; a frame does).
        rh = remote[uid].replace(path=lh.path, transfer_syntax_uid=lh.transfer_syntax_uid)
        assert rh == lh, lh.path


def test_frames_equal_the_local_decode_for_every_transfer_syntax(orthanc_ci: OrthancCorpus) -> None:
    catalog = sdk.scan(_source(orthanc_ci))
    by_uid = {h.sop_instance_uid: i for i, h in enumerate(catalog.headers)}
    syntaxes: set[str] = set()
    compared = 0
    for path in orthanc_ci.accepted:
        local = sdk.open(path)
        if not local.has_pixels:
            continue
        remote = catalog[by_uid[local.sop_instance_uid]]
        for index in sorted({0, local.number_of_frames - 1}):
            try:
                expected = local.frame(index).array()
            except sdk.DcmviewError:
                continue  # the odd files of the corpus that do not decode locally either
            if _float_pixels(path):
                # Orthanc 1.10 serves no frames of Float Pixel Data: a clear error.
                with pytest.raises(RemoteSourceError, match=r"frames/1 answered 400"):
                    remote.frame(index).array()
                break
            got = remote.frame(index).array()
            # Equal values and type; Orthanc sends Big Endian frames as Little Endian.
            assert got.dtype.newbyteorder("=") == expected.dtype.newbyteorder("="), path
            assert got.shape == expected.shape, path
            np.testing.assert_array_equal(got, expected, err_msg=str(path))
            compared += 1
        syntaxes.add(str(local.transfer_syntax_uid))
    assert compared > 90
    # Every transfer syntax of the corpus's mammogram series, natively or transcoded.
    assert {
        "1.2.840.10008.1.2.4.90",
        "1.2.840.10008.1.2.4.50",
        "1.2.840.10008.1.2.4.80",
        "1.2.840.10008.1.2.4.201",
        "1.2.840.10008.1.2.5",
        "1.2.840.10008.1.2.1.99",
        "1.2.840.10008.1.2.2",
    } <= syntaxes


def test_render_png_and_tags_work_on_a_remote_instance(orthanc_ci: OrthancCorpus) -> None:
    catalog = sdk.scan(_source(orthanc_ci), filters={"modality": "CT"})
    # A filter matches a substring, as for local files: "CT" also matches RTSTRUCT.
    assert {h.modality for h in catalog.headers} == {"CT", "RTSTRUCT"}
    inst = catalog[next(i for i, h in enumerate(catalog.headers) if h.modality == "CT")]
    assert inst.frame(0).png(window=(40, 400)).startswith(b"\x89PNG")
    assert inst.tags()  # the tag tree of the WADO-RS metadata
    assert inst.dataset.SOPInstanceUID == inst.sop_instance_uid


def test_overlay_planes_of_a_remote_image_equal_the_local_ones(orthanc_ci: OrthancCorpus) -> None:
    # The metadata's 60xx keys say presentation_layer; the layer is drawn from the archive.
    from dcmview.sdk.image_layers import presentation_layer
    from tests.corpus.overlays import OVERLAY_FILES

    catalog = sdk.scan(_source(orthanc_ci))
    by_uid = {h.sop_instance_uid: i for i, h in enumerate(catalog.headers)}
    flagged = {h.sop_instance_uid for h in catalog.headers if sdk.classify(h).presentation_layer}
    paths = [orthanc_ci.root / rel for rel in OVERLAY_FILES]
    assert flagged == {_uid(p) for p in paths}
    for path in paths:
        local = sdk.scan(path)
        index = by_uid[_uid(path)]
        for frame in range(local.header(0).number_of_frames):
            np.testing.assert_array_equal(
                presentation_layer(catalog, index, frame), presentation_layer(local, 0, frame)
            )


def test_studies_option_lists_only_those_studies(orthanc_ci: OrthancCorpus) -> None:
    everything = sdk.scan(_source(orthanc_ci))
    study = everything.studies[0].study_instance_uid
    one = sdk.scan(_source(orthanc_ci, studies=[study, "1.2.3.404"]))
    assert {h.study_instance_uid for h in one.headers} == {study}
    # The study that is not there is reported, not fatal.
    assert [s.reason for s in one.skipped] == ["unreadable"]
    assert "1.2.3.404" in one.skipped[0].path


def test_background_scan_lists_the_first_series_early(orthanc_ci: OrthancCorpus) -> None:
    catalog = sdk.scan(_source(orthanc_ci), background=True)
    assert catalog.wait(120)
    assert catalog.error is None
    assert len(catalog) == len(orthanc_ci.accepted)


def test_credentials_are_needed_sent_and_never_shown(
    orthanc_ci: OrthancCorpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    user, password = orthanc_ci.server.auth
    for name in ("DCMVIEW_DICOMWEB_TOKEN", "DCMVIEW_DICOMWEB_USER", "DCMVIEW_DICOMWEB_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RemoteSourceError, match="answered 401") as info:
        sdk.scan(orthanc_ci.server.dicomweb)
    assert info.value.remote_status == 401
    assert info.value.url.startswith(orthanc_ci.server.dicomweb)
    # In the URL: taken out, sent, never printed.
    url = orthanc_ci.server.dicomweb.replace("://", f"://{user}:{password}@")
    src = DicomWebSource(url)
    assert len(sdk.scan(src)) == len(orthanc_ci.accepted)
    assert password not in repr(src)
    assert password not in src.url
    # From the environment.
    monkeypatch.setenv("DCMVIEW_DICOMWEB_USER", user)
    monkeypatch.setenv("DCMVIEW_DICOMWEB_PASSWORD", password)
    assert len(sdk.scan(orthanc_ci.server.dicomweb)) == len(orthanc_ci.accepted)
    # A wrong password: the error names the URL and the status, not the password.
    bad = DicomWebSource(orthanc_ci.server.dicomweb, username=user, password="wrong-" + password)
    with pytest.raises(RemoteSourceError) as info:
        sdk.scan(bad)
    assert "401" in str(info.value)
    assert password not in str(info.value)


def test_refused_connection_fails_fast_with_the_url() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    src = DicomWebSource(f"http://127.0.0.1:{port}/dicom-web", retries=2)
    t0 = time.monotonic()
    with pytest.raises(
        RemoteSourceError, match=rf"cannot connect to http://127.0.0.1:{port}/dicom-web/studies"
    ):
        sdk.scan(src)
    assert time.monotonic() - t0 < 10


@pytest.fixture
def small_orthanc(corpus_ci: Path, tmp_path: Path):
    """An Orthanc of its own with one CT series, for the tests that stop or kill it."""
    server = Orthanc(tmp_path).start()
    files = sorted((corpus_ci / "ct").rglob("*.dcm"))[:3]
    server.upload(files)
    try:
        yield server, files
    finally:
        server.stop()


def test_stopped_archive_times_out_with_a_clear_error(small_orthanc) -> None:
    server, files = small_orthanc
    user, password = server.auth
    src = DicomWebSource(
        server.dicomweb, username=user, password=password, read_timeout=1.5, retries=1
    )
    catalog = sdk.scan(src)
    assert len(catalog) == 3
    assert catalog[0].dataset.Rows == 256  # the header is in; the frame is not
    server.pause()  # connections are accepted; nothing answers
    try:
        t0 = time.monotonic()
        with pytest.raises(RemoteSourceError, match="did not answer in time") as info:
            catalog[0].frame(0).array()
        took = time.monotonic() - t0
        assert took < 15
        assert "/frames/1" in info.value.url
    finally:
        server.resume()
    # The archive answers again: the same instance decodes.
    assert catalog[0].frame(0).array().shape == (256, 256)


def test_killed_archive_fails_fast_and_the_catalog_keeps_what_it_has(small_orthanc) -> None:
    server, files = small_orthanc
    user, password = server.auth
    src = DicomWebSource(server.dicomweb, username=user, password=password, retries=1)
    catalog = sdk.scan(src)
    first = catalog[0].frame(0).array()
    server.stop()
    with pytest.raises(RemoteSourceError, match="cannot connect"):
        catalog[1].frame(0).array()
    assert len(catalog) == 3
    assert catalog.header(1).rows == 256
    assert first.shape == (256, 256)


def test_archive_lost_mid_listing_keeps_what_was_listed(corpus_ci: Path, tmp_path: Path) -> None:
    server = Orthanc(tmp_path).start()
    try:
        series = [sorted((corpus_ci / kind).glob("*/*/series_*"))[0] for kind in ("ct", "mr")]
        server.upload([p for s in series for p in sorted(s.glob("*.dcm"))[:2]])
        user, password = server.auth
        src = DicomWebSource(server.dicomweb, username=user, password=password, retries=1)

        def kill_after_first_series(progress: sdk.ScanProgress) -> None:
            if progress.listed and not progress.complete:
                server.stop()

        catalog = sdk.scan(src, background=True, progress=kill_after_first_series)
        assert catalog.wait(60)
    finally:
        server.stop()
    assert isinstance(catalog.error, RemoteSourceError)
    assert "cannot connect" in str(catalog.error)
    assert len(catalog) == 2  # the first series, listed before the archive went away
    assert {h.series_instance_uid for h in catalog.headers} == {
        catalog.headers[0].series_instance_uid
    }
