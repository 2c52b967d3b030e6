"""The harness itself, and the routes every version of both servers has."""

from __future__ import annotations

import pytest

from tests.compat.helpers import Pair, assert_compatible, field_paths

CT_FILE = "ct/CORPUS-CT0001/20240115_CT_CHEST_ABDOMEN/series_002_AX_2.5mm/IM00011.dcm"


def test_field_paths_walks_objects_and_first_array_element() -> None:
    value = {"a": 1, "b": {"c": [{"d": 2}, {"e": 3}]}, "f": []}
    assert field_paths(value) == {"a", "b", "b.c", "b.c[].d", "f"}


def test_both_servers_list_the_same_files(pair: Pair) -> None:
    ours = {f["path"] for f in pair.ours.get("/api/files").json()["files"]}
    prev = {f["path"] for f in pair.prev.get("/api/files").json()["files"]}
    # Ours reads files without the 128-byte preamble too; the predecessor skips them.
    assert prev <= ours
    assert {p.rsplit("/", 1)[1] for p in ours - prev} == {
        "no_preamble_no_meta_implicit_le.dcm",
        "no_preamble_with_meta.dcm",
    }
    assert len(prev) > 50


@pytest.mark.parametrize("route", ["/api/health", "/api/files"])
def test_catalog_routes(pair: Pair, route: str) -> None:
    assert_compatible(*pair.get(route))


@pytest.mark.parametrize(
    "template",
    [
        "/api/file/{i}/info",
        "/api/file/{i}/tags",
        "/api/file/{i}/frame/0",
        "/api/file/{i}/frame/0/raw",
        "/api/file/{i}/annotations",
    ],
)
def test_file_routes(pair: Pair, template: str) -> None:
    assert_compatible(*pair.get(template, CT_FILE))


def test_unknown_file_is_404_on_both(pair: Pair) -> None:
    ours, prev = pair.ours.get("/api/file/99999/info"), pair.prev.get("/api/file/99999/info")
    assert ours.status_code == prev.status_code == 404
