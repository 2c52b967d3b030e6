"""Memory bombs: small files that declare huge images are refused before allocating (issue 7).

Each file comes from the corpus's hostile profile (tests/corpus/bombs.py) and
runs through every SDK entry point in the sandbox child (sandbox.py), which
reports its peak resident set size (VmHWM, reset before the case). The
property: the answer is the expected DcmviewError and the peak stays within a
few MiB of what an ordinary small file costs; a regression shows up as
hundreds of MiB, or as a MemoryError against the child's address-space limit.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dcmview.sdk.instance import MAX_FRAME_BYTES, open as sdk_open
from tests.corpus import corpus_dir
from tests.dicom_factory import make_dataset, write

#: Peak RSS a bomb may add over an ordinary small file in the same child.
SLACK_KIB = 48 * 1024


def bomb(kind: str) -> Path:
    """The memory bomb `kind` of the hostile corpus (tests/corpus/bombs.py writes them)."""
    path = corpus_dir("hostile") / "bombs" / f"{kind}.dcm"
    assert path.is_file(), f"the hostile corpus has no {kind}"
    return path


BOMBS = {
    # kind: {step: expected code}
    "native-65535x65535": {"open": "ok", "opened.frame(0).array": "image_too_large"},
    "native-1e6-frames": {
        "open": "ok",
        "opened.frame(0).array": "ok",  # the one frame that is there
        "opened.frame(999999).array": "pixel_decode_failed",  # truncated, said so
    },
    "j2k-header-and-stream-65535x65535": {"opened.frame(0).array": "image_too_large"},
    "j2k-stream-60000x60000-header-64x64": {"opened.frame(0).array": "pixel_decode_failed"},
    "j2k-1kib-declaring-16000x16000": {"opened.frame(0).array": "image_too_large"},
    "rle-8mib-expanding-to-512mib": {"opened.frame(0).array": "pixel_decode_failed"},
    "deflate-256kib-inflating-to-256mib": {"scan": "ok", "open": "image_too_large"},
}


@pytest.fixture(scope="module")
def baseline_kib(sandbox, tmp_path_factory) -> int:
    """Peak RSS of the child for an ordinary small file (imports and all)."""
    folder = tmp_path_factory.mktemp("baseline")
    ds = make_dataset(rows=512, columns=512, frames=2)
    outcome = sandbox.run("file", write(ds, folder / "ordinary.dcm"))
    assert not outcome.problems
    return outcome.peak_kib


@pytest.mark.parametrize("kind", sorted(BOMBS))
def test_bomb_refused_without_allocating(sandbox, baseline_kib, kind):
    path = bomb(kind)
    assert path.stat().st_size < 9 << 20  # the attack is a small file
    outcome = sandbox.run("file", path)
    assert outcome.problems == []
    codes = outcome.codes()
    assert {step: codes.get(step) for step in BOMBS[kind]} == BOMBS[kind]
    assert outcome.peak_kib <= baseline_kib + SLACK_KIB, (
        f"peak RSS {outcome.peak_kib >> 10} MiB vs {baseline_kib >> 10} MiB for an ordinary file"
    )


def test_refusal_names_the_size_and_the_limit():
    """The error says what was declared and what the limit is, before any decode."""
    inst = sdk_open(bomb("j2k-1kib-declaring-16000x16000"))
    with pytest.raises(Exception, match="16000 x 16000") as info:
        inst.frame(0).array()
    assert info.value.code == "image_too_large"
    assert f"{MAX_FRAME_BYTES / 2**30:g} GiB" in str(info.value)
    assert "JPEG 2000 decoder memory" in str(info.value)


def test_million_frames_header_is_cheap():
    """A header of 10^6 frames lists, indexes and answers without per-frame work."""
    import tracemalloc

    path = bomb("native-1e6-frames")
    tracemalloc.start()
    try:
        inst = sdk_open(path)
        assert len(inst) == 1_000_000
        last = inst.frame(999_999)
        with pytest.raises(Exception, match="truncated") as info:
            last.array()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.value.code == "pixel_decode_failed"
    assert peak < 8 << 20  # Python and numpy allocations, traced
