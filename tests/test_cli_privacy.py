"""`dcmview --mask --redactions CSV`: the real process masks every answer and redacts."""

from __future__ import annotations

from pathlib import Path

import httpx
import numpy as np

from dcmview import wire
from dcmview.sdk.roi import Roi, RoiSet
from tests.dicom_factory import make_dicom
from tests.test_cli import Server


def test_mask_and_redactions_from_the_command_line(tmp_path: Path) -> None:
    data = tmp_path / "Doe_John"
    data.mkdir()
    path = make_dicom(data, "ct1.dcm", modality="CT", rows=16, columns=16)
    rois = RoiSet()
    rois.set(str(path.resolve()), [Roi(2, 3, 5, 7)])
    csv = tmp_path / "boxes.csv"
    rois.to_embed_csv(str(csv))
    server = Server("--mask", "--redactions", str(csv), str(data))
    try:
        server.wait_scan()
        base, token = server.started["base_url"], server.started["token"]
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as c:
            assert c.get("/api/health").json()["masked"] is True
            files = c.get("/api/files").json()
            assert "Doe_John" not in str(files)
            assert files["files"][0]["path"].startswith("/masked/")
            assert c.get("/api/file/0/redactions").json()["roi_coords"] == [[2, 3, 5, 7]]
            r = c.get("/api/file/0/frame/0/raw", headers={"Accept-Encoding": "identity"})
            arr = wire.decode_frame(r.headers, [r.content])
            assert (arr[2:6, 3:8] == arr.min()).all()
            assert not np.array_equal(arr[8:, 8:], np.full((8, 8), arr.min()))
    finally:
        code, out, err = server.stop()
    assert code == 0, err
    assert "display masking is on" in out


def test_view_with_mask_and_redactions(tmp_path: Path) -> None:
    import pydicom.examples

    from dcmview import view
    from dcmview.client import Client

    ct = str(pydicom.examples.get_path("ct"))
    rois = RoiSet()
    rois.set(ct, [Roi(0, 0, 9, 9)])
    with (
        view([ct], browser=False, block=False, quiet=True, mask=True, redactions=rois) as v,
        Client(v.url) as c,
    ):
        assert c.health()["masked"] is True
        assert c.files()["files"][0]["path"].startswith("/masked/")
        assert c.redactions(0) == (Roi(0, 0, 9, 9),)
        arr = c.frame_array(0, 0)
        assert (arr[:10, :10] == arr.min()).all()
