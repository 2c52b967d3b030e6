"""Client.redactions / put_redactions / put_series_redactions / export_redactions_csv."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable

import pytest

from dcmview.client import AsyncClient, Client
from dcmview.sdk.errors import RedactionError
from dcmview.sdk.roi import Roi, RoiSet


def test_put_get_and_pixels(client: Client, index_of: Callable[[str], int]) -> None:
    i = index_of("rle_3f.dcm")
    assert client.redactions(i) == ()
    stored = client.put_redactions(i, [Roi(2, 3, 6, 9, frames=(1,))])
    assert stored == (Roi(2, 3, 6, 9, frames=(1,)),)
    assert client.redactions(i) == stored
    arr = client.frame_array(i, 1)
    assert (arr[2:7, 3:10] == arr.min()).all()
    untouched = client.frame_array(i, 0)
    assert not (untouched[2:7, 3:10] == untouched.min()).all()
    assert client.pixel(i, 1, 4, 5)["stored"] == arr.min()


def test_bad_boxes_raise_redaction_error(client: Client, index_of: Callable[[str], int]) -> None:
    i = index_of("rle_3f.dcm")
    with pytest.raises(RedactionError) as err:
        client.put_redactions(i, [Roi(0, 0, 50, 5)])
    assert err.value.status == 400
    with pytest.raises(RedactionError):
        client.put_redactions(i, {"roi_coords": [[0, 0, 1, 1]], "roi_frames": [[7]]})
    assert client.redactions(i) == ()


def test_series_and_export(client: Client, index_of: Callable[[str], int]) -> None:
    i = index_of("gray_u16.dcm")
    client.put_redactions(i, [Roi(1, 1, 4, 4)])
    others = client.put_series_redactions(i)
    # The test files share one series; the box fits every image of it, not the SR.
    assert others
    assert i not in others
    assert index_of("sr_no_pixels.dcm") not in others
    assert all(client.redactions(j) == (Roi(1, 1, 4, 4),) for j in others)
    csv = client.export_redactions_csv()
    table = RoiSet.from_embed_csv(io.StringIO(csv))
    assert {r for _, rois in table.items() for r in rois} == {Roi(1, 1, 4, 4)}
    assert len(table.items()) == len(others) + 1


def test_async_twin(async_client: Callable[[], AsyncClient], index_of) -> None:
    i = index_of("gray_u8.dcm")

    async def run() -> tuple[object, object]:
        async with async_client() as c:
            await c.put_redactions(i, [Roi(0, 0, 2, 2)])
            return await c.redactions(i), await c.put_series_redactions(i)

    boxes, others = asyncio.run(run())
    assert boxes == (Roi(0, 0, 2, 2),)
    assert isinstance(others, list)
    assert i not in others
