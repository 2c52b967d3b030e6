"""The derived-object routes answer as the predecessor does on the same files (issue 15).

Same status, same media type and every JSON field name the predecessor has, for
``/references``, ``/semantic-context``, ``/segmentation-overlay`` (a SEG's own frames,
the predecessor's form), ``/dose-overlay[/values]``, ``/parametric-map-overlay[/values]``,
``/graphic-annotations``, ``/presentation-layer`` and ``/value-mapping``: on the files
each is for, and on the files and parameters each refuses (another Frame of Reference,
an object of the wrong kind, a missing parameter, a frame out of range, a file without
pixel data). Query parameters that name a file are each server's own index of it.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from PIL import Image
from pydicom.data import get_testdata_file

from tests.compat.helpers import Pair, assert_compatible, start_pair

CT = "ct/CORPUS-CT0001/20240115_CT_CHEST_ABDOMEN/series_002_AX_2.5mm/IM00020.dcm"
MR = "mr/CORPUS-MR0001/20240116_MR_BRAIN/series_003_T1_SE_AX/IM0010.dcm"
MG = "mg/CORPUS-MG0001/20240117_MAMMO/L_CC_explicit_le.dcm"
DBT = "mg/CORPUS-MG0001/20240117_MAMMO/DBT_L_CC_12f_j2k_lossless.dcm"
SEG = "derived/ct/SEG_binary_organs.dcm"
SEG_FRACTIONAL = "derived/ct/SEG_fractional_liver.dcm"
SEG_DBT = "derived/mg/SEG_binary_lesions_dbt.dcm"
DOSE = "derived/ct/RTDOSE_plan.dcm"
PMAP = "derived/mr/PMAP_T1.dcm"
GSPS = "derived/mg/GSPS_L_CC_findings.dcm"
# a GSPS that sets the display (window, rotation, area, shutters) of one CT slice
GSPS_DISPLAY = "derived/ct/GSPS_CT_display.dcm"
CT_25 = "ct/CORPUS-CT0001/20240115_CT_CHEST_ABDOMEN/series_002_AX_2.5mm/IM00025.dcm"
RTSTRUCT = "derived/ct/RTSTRUCT_organs.dcm"
SR = "edge/sr_basic_text_no_pixels.dcm"
OVERLAY = "edge/overlay_planes_single.dcm"
OVERLAY_MF = "edge/overlay_planes_multiframe.dcm"


def _get(
    pair: Pair, template: str, image: str, **objects: str | None
) -> tuple[httpx.Response, httpx.Response]:
    """GET on both servers; each ``objects`` value is a corpus path sent as that file's index."""
    ours_i, prev_i = pair.index(image)
    params: list[dict[str, Any]] = [{}, {}]
    for name, rel in objects.items():
        if rel is None:
            continue
        for side, index in zip(params, pair.index(rel), strict=True):
            side[name] = index
    path_ours = template.replace("{i}", str(ours_i))
    path_prev = template.replace("{i}", str(prev_i))
    return pair.ours.get(path_ours, params=params[0]), pair.prev.get(path_prev, params=params[1])


@pytest.mark.parametrize("rel", [SEG, SEG_FRACTIONAL, SEG_DBT, DOSE, PMAP, GSPS, RTSTRUCT, CT, SR])
def test_semantic_context(pair: Pair, rel: str) -> None:
    ours, prev = _get(pair, "/api/file/{i}/semantic-context", rel)
    assert prev.status_code == 200
    assert ours.json()["context"]["kind"] == prev.json()["context"]["kind"]
    assert_compatible(ours, prev)


@pytest.mark.parametrize("rel", [SEG, DOSE, PMAP, GSPS, RTSTRUCT, CT, MG, SR])
def test_references(pair: Pair, rel: str) -> None:
    assert_compatible(*_get(pair, "/api/file/{i}/references", rel))


@pytest.mark.parametrize(
    ("template", "rel"),
    [
        ("/api/file/{i}/frame/0/segmentation-overlay", SEG),
        ("/api/file/{i}/frame/0/segmentation-overlay", SEG_FRACTIONAL),
        ("/api/file/{i}/frame/3/segmentation-overlay", SEG_DBT),
        ("/api/file/{i}/frame/500/segmentation-overlay", SEG),
    ],
)
def test_segmentation_overlay_of_a_segs_own_frames(pair: Pair, template: str, rel: str) -> None:
    # The predecessor's form. An image as `i` is ours only (it answers 400 there).
    assert_compatible(*_get(pair, template, rel))


VALUE_ROUTES = [
    ("dose-overlay", "dose", DOSE),
    ("dose-overlay/values", "dose", DOSE),
    ("parametric-map-overlay", "map", PMAP),
    ("parametric-map-overlay/values", "map", PMAP),
]


@pytest.mark.parametrize(("route", "param", "obj"), VALUE_ROUTES)
@pytest.mark.parametrize(
    ("image", "frame", "which"),
    [
        (CT, 0, "own"),  # drawn (dose) or another Frame of Reference (map)
        (MR, 0, "own"),  # another Frame of Reference (dose) or drawn (map)
        (MG, 0, "own"),
        (SEG, 0, "own"),  # a SEG in the CT's Frame of Reference
        (RTSTRUCT, 0, "own"),  # no image geometry
        (RTSTRUCT, 1, "own"),  # frame out of range
        (CT, 3, "own"),
        (CT, 0, "wrong"),  # the parameter names an object of another kind
        (CT, 0, "none"),  # the parameter is missing
    ],
)
def test_value_overlays(
    pair: Pair, route: str, param: str, obj: str, image: str, frame: int, which: str
) -> None:
    chosen = {"own": obj, "wrong": GSPS, "none": None}[which]
    ours, prev = _get(pair, f"/api/file/{{i}}/frame/{frame}/{route}", image, **{param: chosen})
    assert_compatible(ours, prev)
    if prev.status_code == 200 and route.endswith("values"):
        assert len(ours.content) == len(prev.content)  # float32 per pixel of the frame


def test_value_overlays_on_the_object_itself(pair: Pair) -> None:
    for route, param, obj in VALUE_ROUTES:
        assert_compatible(*_get(pair, f"/api/file/{{i}}/frame/0/{route}", obj, **{param: obj}))


@pytest.mark.parametrize(
    ("image", "frame", "state"),
    [
        (MG, 0, GSPS),
        (CT, 0, GSPS),
        (GSPS, 0, GSPS),
        (MG, 1, GSPS),
        (MG, 0, CT),
        (MG, 0, None),
        (CT_25, 0, GSPS_DISPLAY),
        (CT, 0, GSPS_DISPLAY),
    ],
)
def test_graphic_annotations(pair: Pair, image: str, frame: int, state: str | None) -> None:
    template = f"/api/file/{{i}}/frame/{frame}/graphic-annotations"
    ours, prev = _get(pair, template, image, state=state)
    assert_compatible(ours, prev)  # ours adds `annotations` and `presentation`
    if ours.status_code == 200 and state == GSPS_DISPLAY:
        assert (ours.json()["presentation"] is None) == (image != CT_25)
    if prev.status_code == 200:
        want = [(g["graphic_type"], g["points"]) for g in prev.json()["graphics"]]
        assert [(g["graphic_type"], g["points"]) for g in ours.json()["graphics"]] == want


@pytest.mark.parametrize(
    ("image", "frame"),
    [
        (MG, 0),
        (CT, 0),
        (DBT, 3),
        (SEG, 0),
        (GSPS, 0),
        (RTSTRUCT, 0),
        (MG, 1),
        (OVERLAY, 0),
        (OVERLAY_MF, 2),
        (OVERLAY_MF, 0),
        (OVERLAY_MF, 6),
    ],
)
def test_presentation_layer(pair: Pair, image: str, frame: int) -> None:
    ours, prev = _get(pair, f"/api/file/{{i}}/frame/{frame}/presentation-layer", image)
    assert_compatible(ours, prev)
    if prev.status_code == 200:
        assert np.array_equal(_rgba(ours), _rgba(prev))


def _rgba(response: httpx.Response) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(response.content)).convert("RGBA"))


def test_presentation_layer_field_of_every_file(pair: Pair) -> None:
    # /api/files says presentation_layer where the predecessor does: files with overlay planes.
    ours = {f["path"]: f["presentation_layer"] for f in pair.ours.get("/api/files").json()["files"]}
    prev = {f["path"]: f["presentation_layer"] for f in pair.prev.get("/api/files").json()["files"]}
    assert {p: ours[p] for p in prev} == prev
    assert sorted(p for p, on in prev.items() if on) == sorted(
        p for p in prev if p.endswith((OVERLAY, OVERLAY_MF))
    )


@pytest.fixture(scope="module")
def overlay_pair(predecessor: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    """Both servers on a folder holding pydicom's examples_overlay.dcm (one overlay, 6000)."""
    root = tmp_path_factory.mktemp("pydicom-overlay")
    shutil.copy(get_testdata_file("examples_overlay.dcm"), root / "examples_overlay.dcm")
    yield from start_pair(root)


def test_presentation_layer_of_pydicoms_overlay_file(overlay_pair: Pair) -> None:
    ours, prev = overlay_pair.get("/api/files")
    assert [f["presentation_layer"] for f in ours.json()["files"]] == [True]
    assert [f["presentation_layer"] for f in prev.json()["files"]] == [True]
    ours, prev = overlay_pair.get(
        "/api/file/{i}/frame/0/presentation-layer", "examples_overlay.dcm"
    )
    assert_compatible(ours, prev)
    assert np.array_equal(_rgba(ours), _rgba(prev))
    assert _rgba(ours)[..., 3].any()


@pytest.mark.parametrize(
    ("image", "frame"),
    [(CT, 0), (MR, 0), (DOSE, 0), (PMAP, 0), (SEG, 0), (GSPS, 0), (RTSTRUCT, 0), (CT, 2)],
)
def test_value_mapping(pair: Pair, image: str, frame: int) -> None:
    ours, prev = _get(pair, f"/api/file/{{i}}/frame/{frame}/value-mapping", image)
    assert_compatible(ours, prev)
    if prev.status_code == 200:
        assert ours.json()["stored_value_type"] == prev.json()["stored_value_type"]
        assert [m["source"] for m in ours.json()["real_world"]] == [
            m["source"] for m in prev.json()["real_world"]
        ]
