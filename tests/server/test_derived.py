"""The derived-object routes (server/derived.py) over the ci corpus's CT, SEG and DBT files.

Shapes checked against the predecessor (dcmview-py 0.4.1) on the same corpus:
``/references`` answers ``source_file_index``, ``source_sop_instance_uid`` and
``references`` (``relationship``, ``target``, ``matches``); ours adds the SDK's fields.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from dcmview.sdk.catalog import Catalog, scan
from dcmview.sdk.segmentation import read_segmentation

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def derived_catalog(corpus_ci: Path) -> Catalog:
    """The CT series, the mammography files and the derived objects of the ci corpus."""
    return scan(corpus_ci / "ct", corpus_ci / "mg", corpus_ci / "derived")


@pytest.fixture
def client(make_client: Callable[..., Any], derived_catalog: Catalog) -> Any:
    return make_client(catalog=derived_catalog)


def _by_name(catalog: Catalog) -> dict[str, int]:
    return {Path(catalog.header(i).path).name: i for i in range(len(catalog))}


def test_references_of_a_seg_name_its_ct_sources(client: Any, derived_catalog: Catalog) -> None:
    names = _by_name(derived_catalog)
    seg = names["SEG_binary_organs.dcm"]
    r = client.get(f"/api/file/{seg}/references")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert body["source_file_index"] == seg
    assert body["source_sop_instance_uid"] == derived_catalog.header(seg).sop_instance_uid
    ct = names["IM00001.dcm"]
    ct_uid = derived_catalog.header(ct).sop_instance_uid
    [entry] = [e for e in body["references"] if e["target"]["sop_instance_uid"] == ct_uid]
    assert entry["relationship"] == "source_image"
    assert entry["target"]["frame_numbers"] == []
    assert entry["target"]["segment_numbers"] == []
    assert entry["matches"] == [
        {
            "file_index": ct,
            "path": derived_catalog.header(ct).path,
            "sop_instance_uid": ct_uid,
            "frame_indices": [0],
        }
    ]
    # one entry per instance, every one found in the catalog
    uids = [e["target"]["sop_instance_uid"] for e in body["references"]]
    assert len(uids) == len(set(uids))
    assert all(e["matches"] for e in body["references"])
    assert body["kind"] == "SEG"
    assert body["missing"] == []


def test_references_of_a_frame_subset_are_one_based_and_zero_based(
    client: Any, derived_catalog: Catalog
) -> None:
    names = _by_name(derived_catalog)
    body = client.get(f"/api/file/{names['SEG_binary_lesions_dbt.dcm']}/references").json()
    [entry] = body["references"]
    [match] = entry["matches"]
    assert match["file_index"] in {
        names["DBT_L_CC_12f_j2k_lossless.dcm"],
        names["DBT_L_CC_12f_rle_lossless.dcm"],
    }
    assert [f - 1 for f in entry["target"]["frame_numbers"]] == match["frame_indices"]
    assert match["frame_indices"]


def test_references_of_a_ct_source_list_what_refers_to_it(
    client: Any, derived_catalog: Catalog
) -> None:
    names = _by_name(derived_catalog)
    ct = names["IM00001.dcm"]
    body = client.get(f"/api/file/{ct}/references").json()
    assert body["source_file_index"] == ct
    assert body["references"] == []  # the predecessor's answer for an image
    kinds = {r["index"]: r["kind"] for r in body["referenced_by"]}
    assert kinds[names["SEG_binary_organs.dcm"]] == "SEG"
    assert kinds[names["RTSTRUCT_organs.dcm"]] == "RTSTRUCT"


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/api/file/99999/references", 404, "not_found"),
        ("/api/file/abc/references", 400, "invalid_path"),
    ],
)
def test_references_errors(client: Any, url: str, status: int, code: str) -> None:
    r = client.get(url)
    assert r.status_code == status
    assert r.json()["code"] == code


def _rgba(body: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(body))
    assert image.mode == "RGBA"
    return np.asarray(image)


@pytest.mark.parametrize("name", ["IM00001.dcm", "IM00020.dcm"])
def test_segmentation_overlay_is_the_sdk_mask(
    client: Any, derived_catalog: Catalog, name: str
) -> None:
    names = _by_name(derived_catalog)
    ct, seg = names[name], names["SEG_binary_organs.dcm"]
    r = client.get(f"/api/file/{ct}/frame/0/segmentation-overlay?seg={seg}")
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/png"
    rgba = _rgba(r.content)
    mask = read_segmentation(derived_catalog[seg], derived_catalog).mask(derived_catalog[ct], 0)
    assert mask.any()
    np.testing.assert_array_equal(rgba[..., 3] > 0, mask.any(axis=2))


def test_segmentation_overlay_of_every_seg_covers_each(
    client: Any, derived_catalog: Catalog
) -> None:
    names = _by_name(derived_catalog)
    ct = names["IM00020.dcm"]
    everything = _rgba(client.get(f"/api/file/{ct}/frame/0/segmentation-overlay").content)
    for name in ("SEG_binary_organs.dcm", "SEG_fractional_liver.dcm"):
        one = _rgba(
            client.get(f"/api/file/{ct}/frame/0/segmentation-overlay?seg={names[name]}").content
        )
        assert np.all(everything[..., 3][one[..., 3] > 0] > 0)


def test_segmentation_overlay_of_a_seg_frame_as_the_predecessor_serves_it(
    client: Any, derived_catalog: Catalog
) -> None:
    # dcmview-py 0.4.1: file i is the SEG, frame f one of its own frames, RGBA PNG.
    names = _by_name(derived_catalog)
    seg_index = names["SEG_binary_organs.dcm"]
    seg = read_segmentation(derived_catalog[seg_index], derived_catalog)
    drawn = 0
    for k in range(0, derived_catalog[seg_index].number_of_frames, 17):
        r = client.get(f"/api/file/{seg_index}/frame/{k}/segmentation-overlay")
        assert r.status_code == 200
        assert r.headers["content-type"] == "image/png"
        rgba = _rgba(r.content)
        assert rgba.shape == (seg.rows, seg.columns, 4)
        stored = derived_catalog[seg_index].frame(k).array()
        np.testing.assert_array_equal(rgba[..., 3] > 0, stored != 0)
        drawn += int((stored != 0).any())
    assert drawn
    past = derived_catalog[seg_index].number_of_frames
    r = client.get(f"/api/file/{seg_index}/frame/{past}/segmentation-overlay")
    assert (r.status_code, r.json()["code"]) == (404, "frame_out_of_range")


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/api/file/{mg}/frame/0/segmentation-overlay", 404, "not_found"),
        ("/api/file/{ct}/frame/5/segmentation-overlay", 404, "frame_out_of_range"),
        ("/api/file/{ct}/frame/0/segmentation-overlay?seg={mg}", 404, "not_found"),
        ("/api/file/{ct}/frame/0/segmentation-overlay?seg=x", 400, None),
        ("/api/file/99999/frame/0/segmentation-overlay", 404, "not_found"),
    ],
)
def test_segmentation_overlay_errors(
    client: Any, derived_catalog: Catalog, url: str, status: int, code: str | None
) -> None:
    names = _by_name(derived_catalog)
    r = client.get(url.format(mg=names["L_CC_explicit_le.dcm"], ct=names["IM00001.dcm"]))
    assert r.status_code == status
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert set(body) >= {"code", "error"}
    if code is not None:
        assert body["code"] == code
