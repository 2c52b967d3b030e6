"""EMBED ROI columns and cell syntax: parse and write the ROI_coords, ROI_frames and count cells.

Plain Python (no pandas): :class:`~dcmview.sdk.roi.Roi` and the JSON body use it too.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

if TYPE_CHECKING:
    from dcmview.sdk.roi._box import Roi


Dialect: TypeAlias = Literal["json", "tuple", "nested"]
DIALECTS: tuple[Dialect, ...] = ("json", "tuple", "nested")

PATH_COLUMN = "anon_dicom_path"
COORDS_COLUMN = "ROI_coords"
FRAMES_COLUMN = "ROI_frames"
#: The count column as the predecessor tool (``num_ROI``) and EMBED (``num_roi``) name it.
COUNT_COLUMNS = ("num_ROI", "num_roi")
#: The columns an export writes when no table was read (the predecessor's header).
DEFAULT_COLUMNS = (PATH_COLUMN, "num_ROI", COORDS_COLUMN, FRAMES_COLUMN)


# ------------------------------------------------------------------ cell parsing


class CellError(Exception):
    """A cell that cannot be read; the caller adds the row and column."""


# The fast path accepts only the usual spellings, each a strict subset of what the
# literal parser accepts with the same meaning: no leading zeros (a SyntaxError in
# Python, invalid in JSON), ASCII digits only, spaces and tabs around brackets and
# commas (Python allows them inside brackets), no trailing comma in a list, and a
# one-box tuple only with its trailing comma (``((1, 2, 3, 4))`` is a 4-tuple of
# ints, not a tuple of boxes). Anything else goes the slow, precise way; the tests
# check that both ways agree.
_W = r"[ \t]*"
# At most 18 digits: longer numbers go the slow way, where int() past Python's
# 4300-digit limit is a CellError, not a ValueError (issue 7 fuzzing).
_INT = r"(?:0|[1-9][0-9]{0,17})"
_SEP = rf"{_W},{_W}"
_FOUR = rf"{_W}{_INT}{_SEP}{_INT}{_SEP}{_INT}{_SEP}{_INT}{_W}"
_LBOX = rf"\[{_FOUR}\]"
_TBOX = rf"\({_FOUR}\)"
_LBOXES = rf"{_W}{_LBOX}(?:{_SEP}{_LBOX})*{_W}"
_FAST_COORDS: dict[Dialect, re.Pattern[str]] = {
    "json": re.compile(rf"\[(?:{_LBOXES}|{_W})\]"),
    "tuple": re.compile(rf"\({_W}(?:{_TBOX}{_W},|{_TBOX}(?:{_SEP}{_TBOX})+(?:{_W},)?)?{_W}\)"),
    "nested": re.compile(rf"\[{_W}\[{_LBOXES}\](?:{_SEP}\[{_LBOXES}\])*{_W}\]"),
}
_NESTED_START = re.compile(rf"\[{_W}\[{_W}\[")
_LFRAMES = rf"\[(?:{_INT}(?:{_SEP}{_INT})*)?\]"
_FAST_FRAMES = re.compile(rf"\[(?:{_LFRAMES}(?:{_SEP}{_LFRAMES})*)?\]")
_DIGITS = re.compile(r"[0-9]+")
COUNT_CELL = re.compile(r"[0-9]{1,18}(\.0*)?")

Box: TypeAlias = tuple[int, int, int, int]


def _literal(text: str) -> Any:
    # ast.literal_eval only builds literals (never calls or names); the errors it
    # raises on anything else, and on pathological nesting, become a CellError.
    try:
        return ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise CellError("is not a list literal") from None


def shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def as_box(item: object, kind: type) -> Box:
    if type(item) is not kind:
        raise CellError(
            f"box {shown(item)} is not a {kind.__name__} like the rest of the cell; "
            "write every box as [ymin, xmin, ymax, xmax]"
        )
    assert isinstance(item, list | tuple)
    if len(item) != 4:
        raise CellError(
            f"box {shown(item)} has {len(item)} number{'s' if len(item) != 1 else ''}, "
            "expected 4 (ymin, xmin, ymax, xmax)"
        )
    for value in item:
        if type(value) is not int:
            raise CellError(f"coordinate {value!r} of box {shown(item)} is not an integer")
    return (item[0], item[1], item[2], item[3])


def parse_coords(text: str, *, fast: bool = True) -> tuple[list[Box], Dialect]:
    """Boxes and dialect of one ROI_coords cell (the stripped text; not empty)."""
    if fast:
        dialect: Dialect = (
            "tuple" if text[:1] == "(" else "nested" if _NESTED_START.match(text) else "json"
        )
        if _FAST_COORDS[dialect].fullmatch(text):
            numbers = list(map(int, _DIGITS.findall(text)))
            it = iter(numbers)
            # The pattern guarantees groups of exactly four.
            return list(zip(it, it, it, it, strict=False)), dialect
    value = _literal(text)
    if isinstance(value, tuple):
        return [as_box(item, tuple) for item in value], "tuple"
    if isinstance(value, list):
        if (
            value
            and all(isinstance(source, list) for source in value)
            and any(isinstance(b, list | tuple) for source in value for b in source)
        ):
            return [as_box(b, list) for source in value for b in source], "nested"
        return [as_box(item, list) for item in value], "json"
    raise CellError(
        "is not a list of [ymin, xmin, ymax, xmax] boxes such as [[120,340,220,430]] "
        "or ((120, 340, 220, 430),)"
    )


def parse_frames(text: str, n_boxes: int) -> list[tuple[int, ...]] | None:
    """Frame lists of one ROI_frames cell, one per box; None when it means all frames."""
    if not text:
        return None
    value = json.loads(text) if _FAST_FRAMES.fullmatch(text) else _literal(text)
    if not isinstance(value, list | tuple):
        raise CellError("is not a list of frame-index lists such as [[0,1,2],[]]")
    if not value:
        return None
    if len(value) != n_boxes:
        raise CellError(
            f"has {len(value)} frame list{'s' if len(value) != 1 else ''} for "
            f"{n_boxes} box{'es' if n_boxes != 1 else ''}; give one list per box, or [] "
            "for all frames"
        )
    out = []
    for item in value:
        if type(item) is not type(value):
            raise CellError(f"frame list {shown(item)} is not a {type(value).__name__}")
        for f in item:
            if type(f) is not int:
                raise CellError(f"frame index {f!r} is not an integer")
        out.append(tuple(item))
    return out


@dataclass(frozen=True, slots=True)
class RowFormat:
    """How one row's ROI cells were spelled, so that an edit writes them alike."""

    dialect: Dialect
    spaced: bool
    frames: str  # "" blank cell, "[]" / "()" collapsed, "list" / "tuple" one per box
    frames_spaced: bool
    count_float: bool  # the count was written "2.0" (a float column after a merge)


def _spell(obj: object, spaced: bool) -> str:
    # repr() of Python tuples gives exactly the EMBED spelling "((1, 2, 3, 4),)";
    # for lists it equals JSON with ", " separators.
    text = repr(obj)
    return text if spaced else text.replace(" ", "")


def format_coords(rois: Sequence[Roi], fmt: RowFormat) -> str:
    boxes = [r.box for r in rois]
    if fmt.dialect == "tuple":
        return _spell(tuple(boxes), fmt.spaced)
    lists = [list(b) for b in boxes]
    # An edit merges the sources of a nested cell into one: who drew which box is
    # not known for boxes drawn in the viewer.
    return _spell([lists] if fmt.dialect == "nested" and lists else lists, fmt.spaced)


def format_frames(rois: Sequence[Roi], fmt: RowFormat) -> str:
    if all(not r.frames for r in rois) and fmt.frames in ("", "[]", "()"):
        return fmt.frames
    if fmt.frames in ("tuple", "()") or (fmt.frames == "" and fmt.dialect == "tuple"):
        return _spell(tuple(r.frames for r in rois), fmt.frames_spaced)
    return _spell([list(r.frames) for r in rois], fmt.frames_spaced)


def format_count(n: int, fmt: RowFormat) -> str:
    return f"{n}.0" if fmt.count_float else str(n)


DEFAULT_FORMAT: dict[Dialect, RowFormat] = {
    # The predecessor wrote compact JSON; EMBED writes Python's repr.
    "json": RowFormat("json", False, "list", False, False),
    "tuple": RowFormat("tuple", True, "tuple", True, False),
    "nested": RowFormat("nested", True, "list", True, False),
}
