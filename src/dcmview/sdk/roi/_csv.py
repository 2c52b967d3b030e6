"""The annotations table behind a RoiSet: read an EMBED CSV, parse its rows, write it back.

:class:`RoiTable` is what a :class:`~dcmview.sdk.roi.RoiSet` holds (under its lock):
the table row for row, how each row was spelled, and the ROIs per file. These
functions build it (reading, then parsing every row: dialect, spelling, ROIs) and
write it back with the edited cells rewritten; :mod:`._match` re-keys it to a
catalog.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from typing import IO, Any, Literal

import pandas as pd

from dcmview.sdk._types import StrPath
from dcmview.sdk.errors import InvalidPathError, RoiFormatError
from dcmview.sdk.roi._box import Roi
from dcmview.sdk.roi._cells import (
    COORDS_COLUMN,
    COUNT_CELL,
    COUNT_COLUMNS,
    DEFAULT_COLUMNS,
    DEFAULT_FORMAT,
    FRAMES_COLUMN,
    PATH_COLUMN,
    CellError,
    Dialect,
    RowFormat,
    format_coords,
    format_count,
    format_frames,
    parse_coords,
    parse_frames,
    shown,
)

__all__ = [
    "RoiTable",
    "normalize",
    "parse_rows",
    "read_embed_csv",
    "table_with_rois",
    "write_embed_csv",
]


def normalize(path: StrPath, base_dir: str | None = None) -> str:
    """The key of a file: its normalized absolute path (relative to `base_dir` if given)."""
    text = os.fspath(path)
    if base_dir is not None:  # an absolute, normalized folder
        return os.path.normpath(os.path.join(base_dir, text))
    return os.path.normpath(os.path.abspath(text))


# ------------------------------------------------------------------------- read


def read_embed_csv(
    source: StrPath | IO[str] | IO[bytes],
) -> tuple[pd.DataFrame, str, str | None, str]:
    """Read a CSV as text cells: ``(table, label, path, folder)``, see ``RoiSet.from_embed_csv``."""
    if isinstance(source, str | os.PathLike):
        path = normalize(source)
        label = f"annotations CSV {path}"
        folder = os.path.dirname(path)
    else:
        path = None
        name = getattr(source, "name", None)
        label = f"annotations CSV {name}" if isinstance(name, str) else "annotations CSV"
        folder = (
            os.path.dirname(normalize(name))
            if isinstance(name, str) and os.path.isfile(name)
            else os.getcwd()
        )
    try:
        with warnings.catch_warnings():
            # A row longer than the header: pandas would drop its extra cells
            # with only a warning (index_col=False stops it from silently
            # turning the first columns into an index instead).
            warnings.simplefilter("error", pd.errors.ParserWarning)
            table = pd.read_csv(
                path if path is not None else source,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                index_col=False,
                encoding="utf-8-sig",
            )
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        raise InvalidPathError(f"cannot read {label}: {exc.strerror or exc}", path=path) from exc
    except pd.errors.EmptyDataError as exc:
        raise RoiFormatError(
            f"{label} is empty; row 1 must be a header with {PATH_COLUMN} and {COORDS_COLUMN}",
            path=path,
        ) from exc
    except (
        pd.errors.ParserError,
        pd.errors.ParserWarning,
        UnicodeDecodeError,
        ValueError,
    ) as exc:
        raise RoiFormatError(f"{label} is not a readable CSV: {exc}", path=path) from exc
    return table, label, path, folder


# ------------------------------------------------------------------------ parse


@dataclass(slots=True, eq=False)
class RoiTable:
    """The annotations table behind a RoiSet: its rows, how each was spelled, the ROIs per file.

    Mutable; the RoiSet that holds it guards it with its lock. Files are keyed
    by their normalized absolute path (:func:`normalize`).
    """

    default: RowFormat  # how new rows are spelled
    base_dir: str  # what relative paths are resolved against
    label: str = "annotations"  # names the table in messages
    source: str | None = None  # the absolute path of the CSV read
    table: pd.DataFrame | None = None  # as read (never modified); None: no table
    count_columns: tuple[str, ...] = ()
    row_paths: list[str] = field(default_factory=list)  # as written, stripped
    row_keys: list[str] = field(default_factory=list)  # the key of every row
    row_formats: list[RowFormat] = field(default_factory=list)
    rows_by_key: dict[str, list[int]] = field(default_factory=dict)
    rois: dict[str, tuple[Roi, ...]] = field(default_factory=dict)  # in table order
    edited: set[str] = field(default_factory=set)  # keys whose ROIs changed since read
    relative_paths: bool = False  # the table spells its paths relative to base_dir
    problems: tuple[RoiFormatError, ...] = ()  # the rows left out (errors="warn")
    problem_rows: frozenset[int] = frozenset()


def parse_rows(
    table: pd.DataFrame,
    label: str,
    source: str | None,
    base_dir: str,
    errors: Literal["raise", "warn"] = "raise",
) -> RoiTable:
    """Check the header and parse every row (see :meth:`RoiSet.from_embed_csv` for `errors`).

    `table` is kept as the returned RoiTable's table, not copied.
    """
    if errors not in ("raise", "warn"):
        raise TypeError(f"errors must be 'raise' or 'warn', not {errors!r}")
    columns = [str(c) for c in table.columns]
    for name in (PATH_COLUMN, COORDS_COLUMN, FRAMES_COLUMN, *COUNT_COLUMNS):
        if columns.count(name) > 1:
            raise RoiFormatError(
                f"{label} row 1 (the header) has the column {name!r} more than once",
                path=source,
            )
    for required in (PATH_COLUMN, COORDS_COLUMN):
        if required not in columns:
            raise RoiFormatError(
                f"{label} row 1 (the header) has no column {required!r} "
                f"(columns: {', '.join(columns) or 'none'}); an annotations table needs "
                f"{PATH_COLUMN} and {COORDS_COLUMN}",
                path=source,
            )
    count_columns = tuple(c for c in COUNT_COLUMNS if c in columns)
    has_frames_column = FRAMES_COLUMN in columns
    n = len(table)
    paths = _column_text(table[PATH_COLUMN])
    coords = _column_text(table[COORDS_COLUMN])
    frames = _column_text(table[FRAMES_COLUMN]) if has_frames_column else [""] * n
    counts = [_column_text(table[c]) for c in count_columns]

    def fail(i: int, column: str, value: str, what: str) -> RoiFormatError:
        return RoiFormatError(
            f"{label} row {i + 2}, column {column}: {shown(value)} {what}",
            path=source,
            row=i + 2,
            column=column,
            value=value,
        )

    keys: list[str] = []
    formats: list[RowFormat] = []
    rows_by_key: dict[str, list[int]] = {}
    rois_by_key: dict[str, tuple[Roi, ...]] = {}
    default: RowFormat | None = None
    # Few distinct frame cells ("[]", "[[],[]]") and row formats occur: parse
    # and build each once. Paths are normalized in one pass.
    frames_seen: dict[tuple[str, int], list[tuple[int, ...]] | None] = {}
    formats_seen: dict[tuple[Dialect, bool, str, bool, bool], RowFormat] = {}
    join, normpath = os.path.join, os.path.normpath
    all_keys = [normpath(join(base_dir, p)) for p in paths]
    problems: list[RoiFormatError] = []
    problem_rows: set[int] = set()
    for i in range(n):
        try:
            path, text, ftext = paths[i], coords[i], frames[i]
            if not path:
                raise fail(i, PATH_COLUMN, path, "is empty; give the DICOM file's path")
            try:
                boxes, dialect = parse_coords(text) if text else ([], "json")
            except CellError as exc:
                raise fail(i, COORDS_COLUMN, text, str(exc)) from None
            count_float = False
            for column, values in zip(count_columns, counts, strict=True):
                value = values[i]
                if not value:
                    continue
                match = COUNT_CELL.fullmatch(value)
                if match is None or int(value.partition(".")[0]) != len(boxes):
                    raise fail(
                        i,
                        column,
                        value,
                        f"does not equal the {len(boxes)} box{'es' if len(boxes) != 1 else ''} "
                        f"of {COORDS_COLUMN} {shown(text)}",
                    )
                count_float = match.group(1) is not None
            frame_lists = frames_seen.get((ftext, len(boxes)), ())
            if frame_lists == ():
                try:
                    frame_lists = parse_frames(ftext, len(boxes))
                except CellError as exc:
                    raise fail(i, FRAMES_COLUMN, ftext, str(exc)) from None
                if len(frames_seen) < 1024:
                    frames_seen[ftext, len(boxes)] = frame_lists
            try:
                if frame_lists is None:
                    rois = tuple([Roi(*b) for b in boxes])
                else:
                    rois = tuple([Roi(*b, fl) for b, fl in zip(boxes, frame_lists, strict=True)])
            except RoiFormatError as exc:
                column = FRAMES_COLUMN if exc.message.startswith("frame index") else COORDS_COLUMN
                raise RoiFormatError(
                    f"{label} row {i + 2}, column {column}: {exc.message}",
                    path=source,
                    row=i + 2,
                    column=column,
                    value=text if column == COORDS_COLUMN else ftext,
                ) from None
            if ftext in ("", "[]", "()"):
                frames_style = ftext
            else:
                frames_style = "tuple" if ftext[:1] == "(" else "list"
            spelling = (
                dialect,
                ", " in text if boxes else DEFAULT_FORMAT[dialect].spaced,
                frames_style,
                ", " in ftext if frame_lists else DEFAULT_FORMAT[dialect].frames_spaced,
                count_float,
            )
            fmt = formats_seen.get(spelling)
            if fmt is None:
                fmt = formats_seen[spelling] = RowFormat(*spelling)
            if default is None and boxes:
                default = fmt
            key = all_keys[i]
            seen = rows_by_key.get(key)
            if seen is None:
                rows_by_key[key] = [i]
                rois_by_key[key] = rois
            else:
                if rois_by_key[key] != rois:
                    first = seen[0]
                    raise RoiFormatError(
                        f"{label} rows {first + 2} and {i + 2} give different ROIs for "
                        f"the same file {key}: column {COORDS_COLUMN} "
                        f"{shown(coords[first])} with {FRAMES_COLUMN} "
                        f"{shown(frames[first])} vs {shown(text)} with "
                        f"{shown(ftext)}; keep one of them",
                        path=source,
                        row=i + 2,
                        column=COORDS_COLUMN,
                        value=text,
                    )
                seen.append(i)
            keys.append(key)
            formats.append(fmt)
        except RoiFormatError as exc:
            if errors == "raise":
                raise
            # errors="warn": the row stays in the table as read, applies nothing.
            problems.append(exc)
            problem_rows.add(i)
            keys.append(all_keys[i])
            formats.append(DEFAULT_FORMAT["json"])  # never used: the row is not rewritten
    good = [f for i, f in enumerate(formats) if i not in problem_rows]
    if default is None and good:
        default = DEFAULT_FORMAT[good[0].dialect]
    # New rows follow the table: its dialect, spacing and frames spelling.
    if default is not None:
        default = RowFormat(
            default.dialect,
            default.spaced,
            "tuple" if default.frames in ("tuple", "()") else "list",
            default.frames_spaced,
            default.count_float,
        )
    return RoiTable(
        # A table without a good row writes new rows as the predecessor did.
        default=default if default is not None else DEFAULT_FORMAT["json"],
        base_dir=base_dir,
        label=label,
        source=source,
        table=table,
        count_columns=count_columns,
        row_paths=paths,
        row_keys=keys,
        row_formats=formats,
        rows_by_key=rows_by_key,
        rois=rois_by_key,
        relative_paths=bool(paths) and not os.path.isabs(paths[0]),
        problems=tuple(problems),
        problem_rows=frozenset(problem_rows),
    )


# ------------------------------------------------------------------------ write


def table_with_rois(state: RoiTable) -> pd.DataFrame:
    """The table read (not modified) with the current ROIs, for :meth:`RoiSet.to_dataframe`."""
    read, rois_by_key, edited = state.table, state.rois, state.edited
    rows_by_key, row_formats = state.rows_by_key, state.row_formats
    table = (
        read.copy()
        if read is not None
        else pd.DataFrame({c: pd.Series([], dtype=str) for c in DEFAULT_COLUMNS})
    )
    count_columns = state.count_columns if read is not None else ("num_ROI",)
    new_keys = [k for k, v in rois_by_key.items() if v and k not in rows_by_key]
    needs_frames = any(r.frames for k in [*edited, *new_keys] for r in rois_by_key.get(k, ()))
    if needs_frames and FRAMES_COLUMN not in table.columns:
        table[FRAMES_COLUMN] = ""
    edits = [(i, k) for k in edited for i in rows_by_key.get(k, ())]
    if edits:
        columns = {c: table[c].tolist() for c in (COORDS_COLUMN, *count_columns)}
        if FRAMES_COLUMN in table.columns:
            columns[FRAMES_COLUMN] = table[FRAMES_COLUMN].tolist()
        for i, key in edits:
            rois, fmt = rois_by_key[key], row_formats[i]
            columns[COORDS_COLUMN][i] = format_coords(rois, fmt)
            for c in count_columns:
                integer = pd.api.types.is_integer_dtype(table[c].dtype)
                columns[c][i] = len(rois) if integer else format_count(len(rois), fmt)
            if FRAMES_COLUMN in columns:
                columns[FRAMES_COLUMN][i] = format_frames(rois, fmt)
        for c, values in columns.items():
            table[c] = pd.Series(values, index=table.index, dtype=table[c].dtype)
    if new_keys:
        rows = []
        fmt = state.default
        for key in new_keys:
            rois = rois_by_key[key]
            row: dict[str, object] = dict.fromkeys(table.columns, "")
            row[PATH_COLUMN] = _spell_path(state, key)
            for c in count_columns:
                row[c] = format_count(len(rois), fmt)
            row[COORDS_COLUMN] = format_coords(rois, fmt)
            if FRAMES_COLUMN in table.columns:
                row[FRAMES_COLUMN] = format_frames(rois, fmt)
            rows.append(row)
        added = pd.DataFrame(rows, columns=table.columns)
        if not len(table):
            table = added
        else:
            # Keep the table's own index labels; new rows continue a RangeIndex.
            fresh = isinstance(table.index, pd.RangeIndex)
            table = pd.concat([table, added], ignore_index=fresh)
    return table


def _spell_path(state: RoiTable, key: str) -> str:
    # A table of relative paths gets relative paths for files below its folder.
    if state.relative_paths and key.startswith(os.path.join(state.base_dir, "")):
        return os.path.relpath(key, state.base_dir)
    return key


def write_embed_csv(
    table: pd.DataFrame, target: StrPath | IO[str] | None, source: str | None, label: str
) -> str | None:
    """Write `table` to `target` (never `source`, the CSV read), or return the text."""
    quoting = _csv_quoting(table)
    if target is None:
        return table.to_csv(index=False, lineterminator="\n", quoting=quoting)
    if isinstance(target, str | os.PathLike):
        path = normalize(target)
        if source is not None and (
            path == source or (os.path.exists(path) and os.path.samefile(path, source))
        ):
            raise InvalidPathError(
                f"refusing to overwrite the input {label}; export to another file",
                path=path,
            )
        try:
            table.to_csv(path, index=False, lineterminator="\n", quoting=quoting)
        except OSError as exc:
            raise InvalidPathError(
                f"cannot write annotations CSV {path}: {exc.strerror or exc}", path=path
            ) from exc
        return None
    table.to_csv(target, index=False, lineterminator="\n", quoting=quoting)
    return None


# -------------------------------------------------------------------- cell text


def _csv_quoting(table: pd.DataFrame) -> Literal[0, 1]:
    """The ``to_csv`` quoting: every cell quoted when one holds a carriage return.

    Python's csv writer quotes a field only for the characters of the line
    terminator, so a bare carriage return would be written unquoted and read
    back as a line break (issue 7 fuzzing).
    """
    has_cr = any("\r" in str(c) for c in table.columns) or any(
        isinstance(v, str) and "\r" in v
        for name in table.columns
        if not pd.api.types.is_numeric_dtype(table[name].dtype)
        for v in table[name]
    )
    # csv.QUOTE_ALL is 1, csv.QUOTE_MINIMAL is 0 (the literals pandas-stubs types).
    return 1 if has_cr else 0


def _column_text(column: pd.Series[Any]) -> list[str]:
    # The stripped text of every cell; vectorized for the string columns of a CSV.
    if pd.api.types.is_string_dtype(column.dtype) and not column.hasnans:
        values = column.tolist()
        if all(type(v) is str for v in values):
            return column.str.strip().tolist()
    return [_cell_text(v) for v in column.tolist()]


def _cell_text(value: object) -> str:
    # A DataFrame built in code may hold numbers, None/NaN or Python lists in the
    # ROI columns; str() of a list or tuple is one of the accepted dialects.
    if isinstance(value, str):
        return value.strip()
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()
