"""The value and layer routes of derived objects over the ci corpus: each answer is the SDK's.

``/semantic-context``, ``/dose-overlay[/values]``, ``/parametric-map-overlay[/values]``,
``/value-legend``, ``/graphic-annotations``, ``/presentation-layer``, ``/value-mapping``
and ``/rt-contours`` (server/derived.py). Their statuses and field names are checked
against the predecessor in tests/compat/test_derived.py.
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
from dcmview.sdk.presentation import read_presentation_state
from dcmview.sdk.rtstruct import read_structure_set
from dcmview.sdk.value_overlays import dose_on_frame, parametric_map_on_frame

pytestmark = pytest.mark.corpus

CT = "IM00020.dcm"
MR = "IM0010.dcm"
MG = "L_CC_explicit_le.dcm"


@pytest.fixture(scope="module")
def derived_catalog(corpus_ci: Path) -> Catalog:
    """The CT, MR and mammography files with the derived objects of the ci corpus."""
    mr = corpus_ci / "mr" / "CORPUS-MR0001" / "20240116_MR_BRAIN" / "series_003_T1_SE_AX"
    return scan(corpus_ci / "ct", mr, corpus_ci / "mg", corpus_ci / "derived")


@pytest.fixture
def client(make_client: Callable[..., Any], derived_catalog: Catalog) -> Any:
    return make_client(catalog=derived_catalog)


@pytest.fixture(scope="module")
def names(derived_catalog: Catalog) -> dict[str, int]:
    return {Path(h.path).name: i for i, h in enumerate(derived_catalog.headers)}


def _rgba(body: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(body))
    assert image.mode == "RGBA"
    return np.asarray(image)


def test_dose_overlay_and_values_are_the_sdk_layer(
    client: Any, derived_catalog: Catalog, names: dict[str, int]
) -> None:
    ct, dose = names[CT], names["RTDOSE_plan.dcm"]
    layer = dose_on_frame(derived_catalog, ct, 0, dose)
    assert np.isfinite(layer.values).any()
    r = client.get(f"/api/file/{ct}/frame/0/dose-overlay?dose={dose}")
    assert (r.status_code, r.headers["content-type"]) == (200, "image/png")
    np.testing.assert_array_equal(_rgba(r.content), layer.rgba)
    r = client.get(f"/api/file/{ct}/frame/0/dose-overlay/values?dose={dose}")
    assert (r.status_code, r.headers["content-type"]) == (200, "application/octet-stream")
    rows, columns = int(r.headers["x-frame-rows"]), int(r.headers["x-frame-columns"])
    values = np.frombuffer(r.content, "<f4").reshape(rows, columns)
    np.testing.assert_array_equal(values, layer.values)
    again = client.get(f"/api/file/{ct}/frame/0/dose-overlay/values?dose={dose}")
    assert again.headers["x-cache"] == "HIT"
    legend = client.get(f"/api/file/{ct}/frame/0/value-legend?dose={dose}").json()
    assert legend["unit"] == "Gy"
    assert legend == layer.legend()


def test_parametric_map_overlay_and_values_are_the_sdk_layer(
    client: Any, derived_catalog: Catalog, names: dict[str, int]
) -> None:
    mr, pmap = names[MR], names["PMAP_T1.dcm"]
    layer = parametric_map_on_frame(derived_catalog, mr, 0, pmap)
    r = client.get(f"/api/file/{mr}/frame/0/parametric-map-overlay?map={pmap}")
    assert (r.status_code, r.headers["content-type"]) == (200, "image/png")
    np.testing.assert_array_equal(_rgba(r.content), layer.rgba)
    r = client.get(f"/api/file/{mr}/frame/0/parametric-map-overlay/values?map={pmap}")
    values = np.frombuffer(r.content, "<f4").reshape(layer.values.shape)
    np.testing.assert_array_equal(values, layer.values)
    legend = client.get(f"/api/file/{mr}/frame/0/value-legend?map={pmap}").json()
    assert (legend["unit"], legend["label"]) == ("ms", "T1")


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/api/file/{ct}/frame/0/dose-overlay", 400, "invalid_query"),
        ("/api/file/{ct}/frame/0/dose-overlay?dose=x", 400, "invalid_query"),
        ("/api/file/{ct}/frame/0/dose-overlay?dose={pmap}", 400, "derived_object_kind"),
        ("/api/file/{ct}/frame/0/dose-overlay/values?dose={ct}", 400, "derived_object_kind"),
        ("/api/file/{mr}/frame/0/dose-overlay?dose={dose}", 422, "derived_geometry_mismatch"),
        ("/api/file/{dose}/frame/0/dose-overlay?dose={dose}", 422, "derived_geometry_mismatch"),
        ("/api/file/{rts}/frame/0/dose-overlay?dose={dose}", 422, "no_image_geometry"),
        ("/api/file/{rts}/frame/1/dose-overlay?dose={dose}", 404, "frame_out_of_range"),
        ("/api/file/{ct}/frame/3/dose-overlay?dose={dose}", 404, "frame_out_of_range"),
        ("/api/file/{ct}/frame/0/dose-overlay?dose=99999", 404, "not_found"),
        ("/api/file/{ct}/frame/0/parametric-map-overlay?map={pmap}", 422, None),
        ("/api/file/{mr}/frame/0/parametric-map-overlay?map={dose}", 400, None),
        ("/api/file/{mr}/frame/0/parametric-map-overlay/values", 400, "invalid_query"),
        ("/api/file/{ct}/frame/0/value-legend", 400, "invalid_query"),
        ("/api/file/{mg}/frame/0/graphic-annotations", 400, "invalid_query"),
        ("/api/file/{mg}/frame/0/graphic-annotations?state={ct}", 400, "derived_object_kind"),
        ("/api/file/{mg}/frame/1/graphic-annotations?state={gsps}", 404, "frame_out_of_range"),
        ("/api/file/{rts}/frame/0/presentation-layer", 404, "no_pixel_data"),
        ("/api/file/{ct}/frame/1/value-mapping", 404, "frame_out_of_range"),
        ("/api/file/{ct}/frame/0/rt-contours?structure_set={ct}", 400, "derived_object_kind"),
        ("/api/file/{rts}/frame/0/rt-contours", 404, "no_pixel_data"),
        ("/api/file/99999/semantic-context", 404, "not_found"),
    ],
)
def test_errors(
    client: Any, names: dict[str, int], url: str, status: int, code: str | None
) -> None:
    r = client.get(
        url.format(
            ct=names[CT],
            mr=names[MR],
            mg=names[MG],
            dose=names["RTDOSE_plan.dcm"],
            pmap=names["PMAP_T1.dcm"],
            gsps=names["GSPS_L_CC_findings.dcm"],
            rts=names["RTSTRUCT_organs.dcm"],
        )
    )
    assert r.status_code == status
    assert r.headers["content-type"] == "application/json"
    if code is not None:
        assert r.json()["code"] == code


def test_graphic_annotations_are_the_sdk_annotations_in_the_predecessors_points(
    client: Any, derived_catalog: Catalog, names: dict[str, int]
) -> None:
    mg, gsps = names[MG], names["GSPS_L_CC_findings.dcm"]
    body = client.get(f"/api/file/{mg}/frame/0/graphic-annotations?state={gsps}").json()
    ours = read_presentation_state(derived_catalog[gsps], derived_catalog).annotations(
        derived_catalog[mg], 0
    )
    assert [g["graphic_type"] for g in body["graphics"]] == [g.type.lower() for g in ours.graphics]
    for g, sdk_g in zip(body["graphics"], ours.graphics, strict=True):
        # [x, y] from the image's corner == (row, column) pixel centre swapped, + 0.5
        assert g["points"] == [[c + 0.5, r + 0.5] for r, c in sdk_g.points]
    assert [t["text"] for t in body["texts"]] == ["mass", "calcifications"]
    assert body["annotations"] == ours.to_json()
    assert body["skipped"] == {
        "display_units": 0,
        "matrix_units": 0,
        "malformed": 0,
        "masked_text": 0,
    }
    # an image the state does not name: its layers, nothing drawn
    other = client.get(f"/api/file/{names[CT]}/frame/0/graphic-annotations?state={gsps}").json()
    assert (other["graphics"], other["texts"], other["annotations"]) == ([], [], None)
    assert other["layers"] == body["layers"]


def test_graphic_annotations_carry_the_states_display_settings(
    client: Any, derived_catalog: Catalog, names: dict[str, int]
) -> None:
    ct, gsps = names["IM00025.dcm"], names["GSPS_CT_display.dcm"]
    body = client.get(f"/api/file/{ct}/frame/0/graphic-annotations?state={gsps}").json()
    state = read_presentation_state(derived_catalog[gsps], derived_catalog)
    want = state.display_settings(derived_catalog[ct], 0)
    assert body["presentation"] == want
    window = state.window(derived_catalog[ct], 0)
    assert window is not None
    assert (body["presentation"]["window"]["center"], body["presentation"]["window"]["width"]) == (
        window.center,
        window.width,
    )
    assert (body["presentation"]["rotation"], body["presentation"]["flip"]) == (90, False)
    assert [s["type"] for s in body["presentation"]["shutter"]["shapes"]] == ["rectangle", "circle"]
    other = client.get(f"/api/file/{names[CT]}/frame/0/graphic-annotations?state={gsps}").json()
    assert other["presentation"] is None


def test_rt_contours_are_the_structure_sets_contours(
    client: Any, derived_catalog: Catalog, names: dict[str, int]
) -> None:
    ct, rts = names[CT], names["RTSTRUCT_organs.dcm"]
    body = client.get(f"/api/file/{ct}/frame/0/rt-contours").json()
    assert (body["file_index"], body["frame_index"]) == (ct, 0)
    [one] = body["structure_sets"]
    assert one["file_index"] == rts
    expected = read_structure_set(derived_catalog[rts]).contours_for(derived_catalog[ct], 0)
    assert expected
    assert one["contours"] == [c.to_json() for c in expected]
    only = client.get(f"/api/file/{ct}/frame/0/rt-contours?structure_set={rts}").json()
    assert only == body


def test_presentation_layer_is_transparent_without_overlay_planes(
    client: Any, derived_catalog: Catalog, names: dict[str, int]
) -> None:
    mg = names[MG]
    r = client.get(f"/api/file/{mg}/frame/0/presentation-layer")
    assert (r.status_code, r.headers["content-type"]) == (200, "image/png")
    rgba = _rgba(r.content)
    assert rgba.shape == (derived_catalog[mg].rows, derived_catalog[mg].columns, 4)
    assert not rgba[..., 3].any()


def test_value_mapping(client: Any, names: dict[str, int]) -> None:
    ct = client.get(f"/api/file/{names[CT]}/frame/0/value-mapping").json()
    assert ct["modality"]["rescale_intercept"] == -1024.0
    assert (ct["stored_value_type"], ct["real_world"]) == ("integer", [])
    dose = client.get(f"/api/file/{names['RTDOSE_plan.dcm']}/frame/0/value-mapping").json()
    [scaling] = dose["real_world"]
    assert (scaling["source"], scaling["unit_label"]) == ("dose_grid_scaling", "Gy")
    assert scaling["transform"]["slope"] == pytest.approx(1e-5)
    pmap = client.get(f"/api/file/{names['PMAP_T1.dcm']}/frame/0/value-mapping").json()
    assert pmap["stored_value_type"] == "float32"
    assert pmap["real_world"][0]["unit_label"] == "ms"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("SEG_binary_organs.dcm", "segmentation"),
        ("SEG_fractional_lesions_dbt.dcm", "segmentation"),
        ("RTDOSE_plan.dcm", "rt_dose"),
        ("PMAP_T1.dcm", "parametric_map"),
        ("GSPS_L_CC_findings.dcm", "presentation_state"),
        ("RTSTRUCT_organs.dcm", "not_applicable"),
        (CT, "not_applicable"),
    ],
)
def test_semantic_context_kinds(client: Any, names: dict[str, int], name: str, kind: str) -> None:
    body = client.get(f"/api/file/{names[name]}/semantic-context").json()
    assert body["source_file_index"] == names[name]
    context = body["context"]
    assert context["kind"] == kind
    if kind == "segmentation":
        assert context["overlay"]["eligible"] is True
        assert all(m["mapping_status"] == "resolved" for m in context["frame_mappings"])
        assert context["references"]
    if kind == "parametric_map":
        assert context["source_references"]
        assert context["legend"]["unit_label"] == "ms"
    if kind == "rt_dose":
        assert context["legend"]["unit_label"] == "Gy"
        assert len(context["geometry"]["grid_frame_offsets"]) == 20


def test_files_list_each_files_kind_and_links(client: Any, names: dict[str, int]) -> None:
    files = {f["index"]: f for f in client.get("/api/files").json()["files"]}
    ct, seg, dose = names[CT], names["SEG_binary_organs.dcm"], names["RTDOSE_plan.dcm"]
    rts, gsps, mg = names["RTSTRUCT_organs.dcm"], names["GSPS_L_CC_findings.dcm"], names[MG]
    kinds = {i: files[i]["kind"] for i in (ct, seg, dose, rts, gsps, names["PMAP_T1.dcm"])}
    assert kinds == {
        ct: "IMAGE",
        seg: "SEG",
        dose: "RTDOSE",
        rts: "RTSTRUCT",
        gsps: "GSPS",
        names["PMAP_T1.dcm"]: "PMAP",
    }
    assert {seg, dose, rts, names["SEG_fractional_liver.dcm"]} <= set(files[ct]["referenced_by"])
    assert files[ct]["refers_to"] == []
    assert ct in files[seg]["refers_to"]
    assert files[gsps]["refers_to"] == [mg] or mg in files[gsps]["refers_to"]
    assert gsps in files[mg]["referenced_by"]


def test_segmentation_overlay_of_chosen_segments(
    client: Any, derived_catalog: Catalog, names: dict[str, int]
) -> None:
    from dcmview.sdk.segmentation import read_segmentation

    ct, seg = names[CT], names["SEG_binary_organs.dcm"]
    mask = read_segmentation(derived_catalog[seg], derived_catalog).mask(derived_catalog[ct], 0)
    shown = [k for k in range(mask.shape[2]) if mask[..., k].any()]
    assert len(shown) >= 2
    number = shown[0] + 1  # the corpus numbers its segments 1..n in order
    url = f"/api/file/{ct}/frame/0/segmentation-overlay?seg={seg}&segments={number}"
    rgba = _rgba(client.get(url).content)
    np.testing.assert_array_equal(rgba[..., 3] > 0, mask[..., shown[0]])
    none = _rgba(client.get(f"{url.split('&')[0]}&segments=").content)
    assert not none[..., 3].any()
    bad = client.get(f"{url.split('&')[0]}&segments=a,1")
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_query")


def test_segmentation_overlay_in_chosen_colours(
    client: Any, derived_catalog: Catalog, names: dict[str, int]
) -> None:
    from dcmview.sdk.segmentation import read_segmentation

    ct, seg = names[CT], names["SEG_binary_organs.dcm"]
    segmentation = read_segmentation(derived_catalog[seg], derived_catalog)
    mask = segmentation.mask(derived_catalog[ct], 0)
    k = next(k for k in range(mask.shape[2]) if mask[..., k].any())
    number = segmentation.segments[k].number
    base = f"/api/file/{ct}/frame/0/segmentation-overlay?seg={seg}&segments={number}"
    own = _rgba(client.get(base).content)
    painted = client.get(f"{base}&colors={number}:00ff80")
    assert painted.status_code == 200
    rgba = _rgba(painted.content)
    inside = mask[..., k] > 0
    # The same pixels, at the same opacity, in the colour asked for.
    np.testing.assert_array_equal(rgba[..., 3], own[..., 3])
    assert (rgba[inside][:, :3] == (0, 255, 128)).all()
    assert tuple(segmentation.segments[k].color) != (0, 255, 128)
    # Kept apart from the recommended colours in the cache, and back again without it.
    np.testing.assert_array_equal(_rgba(client.get(base).content), own)
    # A colour for a segment not drawn changes nothing; "#" before the hex is accepted.
    other = f"{base}&colors=999:%23ffffff"
    np.testing.assert_array_equal(_rgba(client.get(other).content), own)
    np.testing.assert_array_equal(_rgba(client.get(f"{base}&colors=").content), own)
    for bad in ("1:ff00", "x:ff0000", "1:gg0000", "1ff0000"):
        r = client.get(f"{base}&colors={bad}")
        assert (r.status_code, r.json()["code"]) == (400, "invalid_query"), bad
        assert "colors" in r.json()["error"]
