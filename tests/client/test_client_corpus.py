"""frame_array over HTTP equals the SDK's Frame.array() for every file of the ci corpus.

One viewer (``dcmview.view(block=False)``: uvicorn on a real socket, in a thread)
serves the whole corpus; every decodable file is compared on its first and last
frame, and files the SDK refuses must raise the same error class through the client.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from dcmview import view
from dcmview.client import Client
from dcmview.sdk.errors import DcmviewError
from dcmview.sdk.instance import open as sdk_open
from tests.corpus import manifest, params

ROWS = [
    r for r in manifest("ci") if r["expect"] in {"pixels", "pixels_force", "no_pixels", "broken"}
]

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def served(corpus_ci: Path) -> Iterator[tuple[Client, dict[str, int]]]:
    """A client of a viewer over the corpus, and path -> file index."""
    with (
        view([corpus_ci], browser=False, block=False, quiet=True) as handle,
        Client(handle.url) as client,
    ):
        client.wait_until_scanned(timeout=60)
        index = {str(Path(f["path"]).resolve()): f["index"] for f in client.files()["files"]}
        yield client, index


@pytest.mark.parametrize("row", params(ROWS))
def test_frame_array_equals_sdk(served, row: dict[str, str]) -> None:
    client, index_of = served
    path = str(Path(row["abspath"]).resolve())
    assert path in index_of, f"the viewer does not serve {row['path']}"
    index = index_of[path]
    frames = max(int(row["frames"] or 1), 1)
    for frame in sorted({0, frames - 1}):
        try:
            want = sdk_open(path).frame(frame).array()
        except DcmviewError as exc:
            refused: type[DcmviewError] | None = type(exc)
        else:
            refused = None
        if refused is not None:
            # A file the SDK refuses: the same class, through HTTP.
            with pytest.raises(refused) as info:
                client.frame_array(index, frame)
            assert type(info.value) is refused
            continue
        got = client.frame_array(index, frame)
        # The raw route is little-endian; pydicom keeps a big-endian file's byte order
        # (dtype '>u2'): the same values and kind, in the machine's order here.
        assert got.dtype == want.dtype.newbyteorder("<")
        assert got.shape == want.shape
        np.testing.assert_array_equal(got, want)
