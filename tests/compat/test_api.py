"""Every route both servers have answers alike: status, media type, JSON field names.

The predecessor's routes are those its binary serves (``PREDECESSOR_ROUTES``); the ones
ours has too (its OpenAPI document) are each asked here, with good and bad parameters,
on the same corpus file. ``test_every_shared_route_is_compared`` fails when a route
both have is added without a case here.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.compat.helpers import Pair, assert_compatible, field_paths

CT = "ct/CORPUS-CT0001/20240115_CT_CHEST_ABDOMEN/series_002_AX_2.5mm/IM00011.dcm"
NESTED = "edge/nested_sequences_private_tags.dcm"
US = "us/CORPUS-US0001/20240118_US_CAROTID/cine_rgb_20f_explicit_le.dcm"
DBT = "mg/CORPUS-MG0001/20240117_MAMMO/DBT_L_CC_12f_j2k_lossless.dcm"
SEG = "derived/ct/SEG_binary_organs.dcm"

#: The predecessor's (dcmview-py 0.4.1) routes.
PREDECESSOR_ROUTES = frozenset(
    {
        "/api/health",
        "/api/files",
        "/api/series",
        "/api/annotations/export.csv",
        "/api/file/{index}/info",
        "/api/file/{index}/tags",
        "/api/file/{index}/tags/select",
        "/api/file/{index}/annotations",
        "/api/file/{index}/references",
        "/api/file/{index}/semantic-context",
        "/api/file/{index}/redactions",
        "/api/file/{index}/redactions/series",
        "/api/file/{index}/frame/{frame}",
        "/api/file/{index}/frame/{frame}/raw",
        "/api/file/{index}/frame/{frame}/raw/pixel",
        "/api/file/{index}/frame/{frame}/segmentation-overlay",
        "/api/file/{index}/frame/{frame}/parametric-map-overlay",
        "/api/file/{index}/frame/{frame}/parametric-map-overlay/values",
        "/api/file/{index}/frame/{frame}/dose-overlay",
        "/api/file/{index}/frame/{frame}/dose-overlay/values",
        "/api/file/{index}/frame/{frame}/graphic-annotations",
        "/api/file/{index}/frame/{frame}/presentation-layer",
        "/api/file/{index}/frame/{frame}/value-mapping",
        "/api/file/{index}/frame/{frame}/wsi-context",
    }
)

#: route -> the requests asked of both: (file, params).
CASES: dict[str, list[tuple[str | None, dict[str, Any]]]] = {
    "/api/health": [(None, {})],
    "/api/files": [(None, {})],
    "/api/series": [(None, {})],
    "/api/annotations/export.csv": [(None, {})],
    "/api/file/{index}/info": [(CT, {}), (US, {}), (DBT, {})],
    "/api/file/{index}/tags": [(CT, {}), (NESTED, {})],
    "/api/file/{index}/tags/select": [
        (CT, {"path": "(0010,0010)"}),
        (CT, {"path": "(0008,0060)", "offset": "0", "limit": "3"}),
        (NESTED, {"path": "(0040,A730)"}),
        (NESTED, {"path": "(0040,A730)", "offset": "1", "limit": "1"}),
        (NESTED, {"path": "(0040,a730)/0/(0040,A043)"}),
        (NESTED, {"path": "(0040,A730)/1/(0040,A043)"}),
        (NESTED, {"path": "(0040,A730)/0"}),
        (CT, {"path": "(0099,0099)"}),
        (CT, {"path": "xx"}),
        (CT, {"path": "(0008,0060)", "limit": "0"}),
        (CT, {"path": "(0008,0060)", "limit": "257"}),
        (CT, {"path": "(0008,0060)", "offset": "3"}),
        (CT, {}),
    ],
    "/api/file/{index}/annotations": [(CT, {}), (DBT, {})],
    "/api/file/{index}/references": [(CT, {}), (SEG, {})],
    "/api/file/{index}/frame/{frame}": [
        (CT, {}),
        (CT, {"wc": "40", "ww": "400"}),
        (CT, {"wc": "40", "ww": "400", "unit": "HU"}),
        (CT, {"wc": "40", "ww": "400", "preview": "true"}),
        (CT, {"mode": "full_dynamic"}),
        (CT, {"wc": "40"}),
        (US, {}),
        (DBT, {"preview": "false"}),
    ],
    "/api/file/{index}/frame/{frame}/raw": [(CT, {}), (US, {}), (DBT, {})],
    "/api/file/{index}/frame/{frame}/raw/pixel": [
        (CT, {"row": "10", "column": "20"}),
        (US, {"row": "3", "column": "4"}),
        (DBT, {"row": "0", "column": "0"}),
        (CT, {"row": "9999", "column": "0"}),
    ],
    "/api/file/{index}/frame/{frame}/segmentation-overlay": [(SEG, {})],
}


def _ours_routes(pair: Pair) -> set[str]:
    return set(pair.ours.get("/api/openapi.json").json()["paths"])


#: Shared routes compared in the other compat modules, each with its own corpus objects.
COMPARED_ELSEWHERE = {
    # tests/compat/test_derived.py: the derived objects (SEG, RT, maps, GSPS).
    "/api/file/{index}/semantic-context": "test_derived",
    "/api/file/{index}/frame/{frame}/dose-overlay": "test_derived",
    "/api/file/{index}/frame/{frame}/dose-overlay/values": "test_derived",
    "/api/file/{index}/frame/{frame}/parametric-map-overlay": "test_derived",
    "/api/file/{index}/frame/{frame}/parametric-map-overlay/values": "test_derived",
    "/api/file/{index}/frame/{frame}/graphic-annotations": "test_derived",
    "/api/file/{index}/frame/{frame}/presentation-layer": "test_derived",
    "/api/file/{index}/frame/{frame}/value-mapping": "test_derived",
    # tests/compat/test_privacy.py: the redaction boxes.
    "/api/file/{index}/redactions": "test_privacy",
    "/api/file/{index}/redactions/series": "test_privacy",
}


def test_every_shared_route_is_compared(pair: Pair) -> None:
    shared = PREDECESSOR_ROUTES & _ours_routes(pair)
    missing = shared - set(CASES) - set(COMPARED_ELSEWHERE)
    assert not missing, f"shared routes without a case: {sorted(missing)}"


@pytest.mark.parametrize(
    ("route", "file", "params"),
    [
        pytest.param(route, file, params, id=f"{route} {file or ''} {params}")
        for route, cases in CASES.items()
        for file, params in cases
    ],
)
def test_route_answers_as_the_predecessor(
    pair: Pair, route: str, file: str | None, params: dict[str, Any]
) -> None:
    template = route.replace("{index}", "{i}").replace("{frame}", "0")
    assert_compatible(*pair.get(template, file, **params))


@pytest.mark.parametrize("route", sorted(r for r in CASES if r.startswith("/api/file/{index}")))
def test_an_unknown_file_is_404_on_both(pair: Pair, route: str) -> None:
    path = route.replace("{index}", "99999").replace("{frame}", "0")
    params = {"path": "(0008,0060)", "row": "0", "column": "0"}
    ours, prev = pair.ours.get(path, params=params), pair.prev.get(path, params=params)
    assert ours.status_code == prev.status_code == 404


def test_series_matches_series_by_series(pair: Pair) -> None:
    ours = {s["series_instance_uid"]: s for s in pair.ours.get("/api/series").json()["series"]}
    prev = pair.prev.get("/api/series").json()["series"]
    # Every series the predecessor lists, with all its field names, and its files' frames.
    index_of = _prev_to_ours(pair)
    for series in prev:
        mine = ours[series["series_instance_uid"]]
        assert field_paths(series) <= field_paths(mine)
        theirs_frames = sorted(
            (index_of[f["file_index"]], f["frame_index"])
            for st in series["stacks"]
            for f in st["frames"]
        )
        my_frames = sorted(
            (f["file_index"], f["frame_index"]) for st in mine["stacks"] for f in st["frames"]
        )
        assert theirs_frames == my_frames, series["series_instance_uid"]


def _prev_to_ours(pair: Pair) -> dict[int, int]:
    ours = {f["path"]: f["index"] for f in pair.ours.get("/api/files").json()["files"]}
    return {f["index"]: ours[f["path"]] for f in pair.prev.get("/api/files").json()["files"]}
