"""Match an annotations table to a catalog, and validate its ROIs against the images; MatchReport.

The functions take the :class:`~._csv.RoiTable` of a RoiSet (whose
:meth:`~dcmview.sdk.roi.RoiSet.match` and :meth:`~dcmview.sdk.roi.RoiSet.validate`
call them under the set's lock) and re-key its rows to the catalog's paths.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeAlias

from dcmview.sdk.errors import RoiFormatError
from dcmview.sdk.header import Header
from dcmview.sdk.roi._box import problem_of

if TYPE_CHECKING:
    from dcmview.sdk.roi._csv import RoiTable

__all__ = ["CatalogLike", "Lookup", "MatchReport", "lookup_of", "match_rows", "validate_rois"]


# Paths of unmatched rows quoted in a MatchReport's text.
_EXAMPLES = 5


class CatalogLike(Protocol):
    """What :meth:`RoiSet.match` needs of a catalog: its headers and a path lookup."""

    @property
    def headers(self) -> Sequence[Header]:
        """The headers of the catalog, in index order."""
        ...

    def index_of(self, path: str) -> int | None:
        """Return the index of the file at `path`, or ``None``."""
        ...


@dataclass(frozen=True, slots=True)
class MatchReport:
    """How the rows of an annotations table matched the files of a catalog.

    Attributes
    ----------
    rows : int
        Data rows in the table.
    matched_rows, unmatched_rows : int
        Rows whose path is / is not a file of the catalog. Unmatched rows are
        kept and written back on export.
    indexes : tuple of int
        Catalog indexes of the instances that have at least one ROI, sorted.
    unmatched : tuple of (int, str)
        Row number and path (as written in the table) of the first unmatched rows.
    """

    rows: int
    matched_rows: int
    unmatched_rows: int
    indexes: tuple[int, ...]
    unmatched: tuple[tuple[int, str], ...]

    def __str__(self) -> str:
        text = f"{self.matched_rows} of {self.rows} annotation rows matched a file"
        if self.unmatched_rows:
            shown = ", ".join(f"row {row}: {path}" for row, path in self.unmatched)
            more = self.unmatched_rows - len(self.unmatched)
            text += (
                f"; {self.unmatched_rows} did not ({shown}{f', and {more} more' if more else ''})"
            )
        return text


Lookup: TypeAlias = Callable[[str], int | None]


def lookup_of(catalog: Header | CatalogLike | Sequence[Header]) -> tuple[Sequence[Header], Lookup]:
    """The headers of `catalog` and its path -> index lookup (a Header is a one-file catalog)."""
    if isinstance(catalog, Header):
        catalog = [catalog]
    index_of = getattr(catalog, "index_of", None)
    if callable(index_of):
        return catalog.headers, index_of  # type: ignore[union-attr]  # has index_of
    headers = list(catalog)  # type: ignore[arg-type]  # a Sequence[Header]
    for h in headers:
        if not isinstance(h, Header):
            raise TypeError(f"expected a Catalog or Headers, got a {type(h).__name__}")
    index = {h.path: i for i, h in enumerate(headers)}
    return headers, index.get


def match_rows(
    state: RoiTable, headers: Sequence[Header], lookup: Lookup
) -> tuple[MatchReport, dict[str, int]]:
    """Re-key `state` to the catalog's spelling of each path; the report and the key -> index."""
    found: dict[str, int] = {}
    for key in list(state.rois):
        index = lookup(key)
        if index is None:
            continue
        canonical = headers[index].path
        found[canonical] = index
        if canonical != key:
            _rekey(state, key, canonical)
    # A row left out as a problem matches by its path alone (it has no ROIs).
    unmatched = [
        i
        for i, k in enumerate(state.row_keys)
        if k not in found and (i not in state.problem_rows or lookup(k) is None)
    ]
    shown = tuple((i + 2, state.row_paths[i]) for i in unmatched[:_EXAMPLES])
    report = MatchReport(
        rows=len(state.row_keys),
        matched_rows=len(state.row_keys) - len(unmatched),
        unmatched_rows=len(unmatched),
        indexes=tuple(sorted(found[k] for k in found if state.rois.get(k))),
        unmatched=shown,
    )
    return report, found


def _rekey(state: RoiTable, old: str, new: str) -> None:
    rois, rows_by_key = state.rois, state.rows_by_key
    if new in rois and rois[new] != rois[old]:
        where = ", ".join(f"row {i + 2}" for k in (new, old) for i in rows_by_key.get(k, [])[:1])
        raise RoiFormatError(
            f"{state.label} ({where or 'no rows'}): {old} and {new} are the same file with "
            "different ROIs; keep one of them",
            path=state.source,
        )
    rois[new] = rois.pop(old)
    rows = rows_by_key.pop(old, [])
    if rows:
        rows_by_key.setdefault(new, []).extend(rows)
        for i in rows:
            state.row_keys[i] = new
    if old in state.edited:
        state.edited.discard(old)
        state.edited.add(new)


def validate_rois(state: RoiTable, headers: Sequence[Header], lookup: Lookup) -> MatchReport:
    """Match (see :func:`match_rows`), then check every ROI of a matched file against its image.

    Raises the :class:`RoiFormatError` of the first problem in table order,
    counting the files with further problems.
    """
    report, found = match_rows(state, headers, lookup)
    problems: list[tuple[str, str]] = []
    for key, rois in state.rois.items():  # table order
        index = found.get(key)
        if index is None or not rois:
            continue
        header = headers[index]
        for roi in rois:
            problem = problem_of(roi, header)
            if problem is not None:
                problems.append((key, _where(state, key, problem)))
                break
    if problems:
        more = len(problems) - 1
        text = problems[0][1] + (
            f" ({more} more file{'s' if more != 1 else ''} with problems)" if more else ""
        )
        raise RoiFormatError(text, path=problems[0][0])
    return report


def _where(state: RoiTable, key: str, problem: tuple[str, str]) -> str:
    rows = state.rows_by_key.get(key)
    if rows and key not in state.edited:
        return f"{state.label} row {rows[0] + 2}, column {problem[0]}: {problem[1]}"
    return f"ROIs of {key}: {problem[1]}"
