"""Fuzz the SDK entry points on mutated real DICOM files (issue 7).

Every case is a real file (pydicom's bundled files, files written by
tests/dicom_factory.py, the ci corpus) with bytes changed: bit flips in the
header and in the pixel data, truncations, corrupted length fields, another
Transfer Syntax UID in the File Meta Information, and nested sequences of
undefined length cut or mangled. The sandbox (sandbox.py) runs ``scan``,
``open``, ``Instance.header``, ``Instance.tags()``, ``frame(i).array()``,
``default_window()`` and ``png()`` on it in a child process with a deadline; the
property is that each returns or raises a DcmviewError subclass, that tags and
headers stay JSON-ready, that the child neither hangs nor dies.

A failing case prints ``seed`` and ``operations``; add them to
crashers/__init__.py so the input stays a regression test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from tests.reliability.budget import fuzz_settings
from tests.reliability.crashers import CRASHERS
from tests.reliability.mutate import build, layout, seeds
from tests.reliability.sandbox import Outcome, Sandbox

SEEDS = seeds()

# Transfer syntaxes to put in the File Meta Information in place of the real one:
# every one pydicom knows that changes how bytes are read, and nonsense.
SYNTAXES = (
    "1.2.840.10008.1.2",  # Implicit VR Little Endian
    "1.2.840.10008.1.2.1",  # Explicit VR Little Endian
    "1.2.840.10008.1.2.2",  # Explicit VR Big Endian (retired)
    "1.2.840.10008.1.2.1.99",  # Deflated Explicit VR Little Endian
    "1.2.840.10008.1.2.5",  # RLE Lossless
    "1.2.840.10008.1.2.4.50",  # JPEG Baseline
    "1.2.840.10008.1.2.4.51",  # JPEG Extended
    "1.2.840.10008.1.2.4.57",  # JPEG Lossless
    "1.2.840.10008.1.2.4.70",  # JPEG Lossless SV1
    "1.2.840.10008.1.2.4.80",  # JPEG-LS Lossless
    "1.2.840.10008.1.2.4.81",  # JPEG-LS Near-Lossless
    "1.2.840.10008.1.2.4.90",  # JPEG 2000 Lossless
    "1.2.840.10008.1.2.4.91",  # JPEG 2000
    "1.2.840.10008.1.2.4.201",  # HTJ2K Lossless
    "1.2.840.10008.1.2.4.100",  # MPEG2 (no decoder)
    "1.2.840.10008.1.2.4.102",  # MPEG-4 (no decoder)
    "1.2.840.10008.1.2.4.94",  # JPIP Referenced (no pixel data in the file)
    "1.2.840.10008.1.2.1.98",  # Encapsulated Uncompressed Explicit VR Little Endian
    "1.2.3.4",
    "",
    "1.2.840.10008.1.2.1\x00",
)

# Values for a corrupted length field: zero, odd, undefined, past the end.
LENGTHS = (0, 1, 2, 3, 7, 0xFFFF, 0xFFFFFFFE, 0xFFFFFFFF, 0x7FFFFFFF, 0x80000000)


def check(sandbox: Sandbox, seed: str, operations: list[list[object]], folder: Path) -> Outcome:
    """Build the case, run it in the sandbox and fail with a reproducible report."""
    path = build(seed, operations, folder / "case.dcm")
    outcome = sandbox.run("file", path)
    if outcome.problems:
        case = json.dumps({"seed": seed, "operations": operations})
        problems = "\n".join(outcome.problems)
        pytest.fail(f"{case}\n{problems}\nsteps: {outcome.steps}", pytrace=False)
    return outcome


# Seeds whose first frame the SDK refuses on purpose, with the code it answers.
REFUSED = {"bundled:badVR.dcm": "unsupported_pixel_layout"}  # NumberOfFrames is "1A"


@pytest.mark.parametrize("seed", SEEDS)
def test_seed_unmutated(sandbox, tmp_path, seed):
    """Every seed runs clean as is, so a failure below is the mutation's doing."""
    codes = check(sandbox, seed, [], tmp_path).codes()
    assert codes["scan"] == "ok"
    if "opened.frame(0).array" in codes:
        # Both paths (a scanned header, a file opened directly) agree.
        assert codes["opened.frame(0).array"] == REFUSED.get(seed, "ok")
        assert codes["scanned.frame(0).array"] == codes["opened.frame(0).array"]
        if codes["opened.frame(0).array"] == "ok":
            assert codes["opened.frame(0).png"] == "ok"


@st.composite
def flips(draw, region: str):
    seed = draw(st.sampled_from(SEEDS))
    lay = layout(seed)
    lo, hi = (0, lay.pixel_offset) if region == "header" else (lay.pixel_offset, lay.size)
    if hi <= lo:
        lo, hi = 0, lay.size
    count = draw(st.integers(1, 8))
    ops = [["flip", draw(st.integers(lo, hi - 1)), draw(st.integers(0, 7))] for _ in range(count)]
    return seed, ops


@st.composite
def truncations(draw):
    seed = draw(st.sampled_from(SEEDS))
    lay = layout(seed)
    # Most cuts fall in the header, where parsing is most delicate.
    end = draw(st.one_of(st.integers(0, lay.pixel_offset + 16), st.integers(0, lay.size - 1)))
    return seed, [["truncate", end]]


@st.composite
def length_fields(draw):
    seed = draw(st.sampled_from([s for s in SEEDS if layout(s).lengths]))
    lay = layout(seed)
    count = draw(st.integers(1, 3))
    ops = []
    for _ in range(count):
        offset, width = draw(st.sampled_from(lay.lengths))
        value = draw(
            st.one_of(
                st.sampled_from(LENGTHS),
                st.integers(0, lay.size * 2),
                st.just(lay.size - offset),
            )
        )
        ops.append(["length", offset, width, value])
    return seed, ops


@st.composite
def syntaxes(draw):
    seed = draw(st.sampled_from([s for s in SEEDS if layout(s).meta_end]))
    ops: list[list[object]] = [["tsuid", draw(st.sampled_from(SYNTAXES))]]
    if draw(st.booleans()):
        lay = layout(seed)
        lo = lay.pixel_offset if lay.pixel_offset < lay.size else lay.meta_end
        ops.append(["flip", draw(st.integers(lo, lay.size - 1)), draw(st.integers(0, 7))])
    return seed, ops


@st.composite
def nested(draw):
    seed = draw(st.sampled_from([s for s in SEEDS if "nested" in s or s == "bundled:test-SR.dcm"]))
    lay = layout(seed)
    items = [f for f in lay.lengths if f[0] >= lay.meta_end] or list(lay.lengths)
    ops: list[list[object]] = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["length", "truncate", "delimiter", "flip"]))
        offset, width = draw(st.sampled_from(items))
        if kind == "length":
            ops.append(["length", offset, width, draw(st.sampled_from(LENGTHS))])
        elif kind == "truncate":
            ops.append(["truncate", offset + draw(st.integers(-8, 8))])
        elif kind == "delimiter":
            # An item or sequence delimiter (PS3.5 7.5) where a length or a tag was.
            marker = draw(
                st.sampled_from(["feff0de000000000", "feffdde000000000", "feff00e0ffffffff"])
            )
            ops.append(["set", max(offset - 4, 0), marker])
        else:
            ops.append(["flip", offset + draw(st.integers(-4, 8)), draw(st.integers(0, 7))])
    return seed, ops


@st.composite
def mixed(draw):
    """Several kinds of damage at once."""
    seed = draw(st.sampled_from(SEEDS))
    lay = layout(seed)
    ops: list[list[object]] = []
    for _ in range(draw(st.integers(2, 5))):
        kind = draw(st.sampled_from(["flip", "length", "insert", "set"]))
        if kind == "length" and lay.lengths:
            offset, width = draw(st.sampled_from(lay.lengths))
            ops.append(["length", offset, width, draw(st.sampled_from(LENGTHS))])
        elif kind == "insert":
            at = draw(st.integers(0, lay.size))
            ops.append(["insert", at, draw(st.binary(min_size=1, max_size=16)).hex()])
        elif kind == "set":
            at = draw(st.integers(0, max(lay.size - 1, 0)))
            ops.append(["set", at, draw(st.binary(min_size=1, max_size=16)).hex()])
        else:
            ops.append(["flip", draw(st.integers(0, lay.size - 1)), draw(st.integers(0, 7))])
    if draw(st.booleans()):
        ops.append(["truncate", draw(st.integers(lay.size // 2, lay.size))])
    return seed, ops


@fuzz_settings(60)
@given(case=flips("header"))
def test_header_bit_flips(sandbox, tmp_path, case):
    check(sandbox, *case, tmp_path)


@fuzz_settings(40)
@given(case=flips("pixels"))
def test_pixel_bit_flips(sandbox, tmp_path, case):
    check(sandbox, *case, tmp_path)


@fuzz_settings(40)
@given(case=truncations())
def test_truncations(sandbox, tmp_path, case):
    check(sandbox, *case, tmp_path)


@fuzz_settings(50)
@given(case=length_fields())
def test_corrupted_length_fields(sandbox, tmp_path, case):
    check(sandbox, *case, tmp_path)


@fuzz_settings(40)
@given(case=syntaxes())
def test_wrong_transfer_syntax(sandbox, tmp_path, case):
    check(sandbox, *case, tmp_path)


@fuzz_settings(40)
@given(case=nested())
def test_nested_undefined_length_sequences(sandbox, tmp_path, case):
    check(sandbox, *case, tmp_path)


@fuzz_settings(40)
@given(case=mixed())
def test_mixed_damage(sandbox, tmp_path, case):
    check(sandbox, *case, tmp_path)


@pytest.mark.parametrize("crasher", CRASHERS, ids=[c.id for c in CRASHERS])
def test_crasher(sandbox, tmp_path, crasher):
    """Every input that once broke the SDK now gives the recorded outcome."""
    codes = check(sandbox, crasher.seed, crasher.operations, tmp_path).codes()
    assert {step: codes.get(step) for step in crasher.expect} == crasher.expect
