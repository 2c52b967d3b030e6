"""Match an annotations table to a catalog: RoiSet's match and validate, MatchReport.

:class:`CatalogMatching` holds the methods of :class:`~dcmview.sdk.roi.RoiSet` that
face a catalog (:meth:`~CatalogMatching.match`, :meth:`~CatalogMatching.validate`
and the re-keying of rows to the catalog's paths); RoiSet inherits them and owns
the state they work on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from dcmview.sdk.errors import RoiFormatError
from dcmview.sdk.header import Header
from dcmview.sdk.roi._box import Roi

__all__ = ["CatalogLike", "CatalogMatching", "MatchReport"]


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


class CatalogMatching:
    """RoiSet's methods that face a catalog: match rows to files, validate ROIs against images."""

    # RoiSet's state that these methods read and re-key (RoiSet.__init__ sets it).
    _lock: threading.RLock
    _label: str
    _source: str | None
    _rois: dict[str, tuple[Roi, ...]]
    _edited: set[str]
    _row_keys: list[str]
    _row_paths: list[str]
    _rows_by_key: dict[str, list[int]]
    _problem_rows: frozenset[int]

    @staticmethod
    def _lookup(
        catalog: Header | CatalogLike | Sequence[Header],
    ) -> tuple[Sequence[Header], Callable[[str], int | None]]:
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

    def match(self, catalog: Header | CatalogLike | Sequence[Header]) -> MatchReport:
        """Match the rows to the files of a catalog, by normalized absolute path.

        Rows are keyed by the catalog's spelling of the path afterwards, so that
        :meth:`for_instance` answers for ``catalog.headers[i].path``. Unmatched
        rows are reported, kept, and written back on export.

        Parameters
        ----------
        catalog : Catalog or sequence of Header

        Returns
        -------
        MatchReport
        """
        return self._match(*self._lookup(catalog))[0]

    def _match(
        self, headers: Sequence[Header], lookup: Callable[[str], int | None]
    ) -> tuple[MatchReport, dict[str, int]]:
        with self._lock:
            found: dict[str, int] = {}
            for key in list(self._rois):
                index = lookup(key)
                if index is None:
                    continue
                canonical = headers[index].path
                found[canonical] = index
                if canonical != key:
                    self._rekey(key, canonical)
            # A row left out as a problem matches by its path alone (it has no ROIs).
            unmatched = [
                i
                for i, k in enumerate(self._row_keys)
                if k not in found and (i not in self._problem_rows or lookup(k) is None)
            ]
            shown = tuple((i + 2, self._row_paths[i]) for i in unmatched[:_EXAMPLES])
            report = MatchReport(
                rows=len(self._row_keys),
                matched_rows=len(self._row_keys) - len(unmatched),
                unmatched_rows=len(unmatched),
                indexes=tuple(sorted(found[k] for k in found if self._rois.get(k))),
                unmatched=shown,
            )
            return report, found

    def _rekey(self, old: str, new: str) -> None:
        if new in self._rois and self._rois[new] != self._rois[old]:
            where = ", ".join(
                f"row {i + 2}" for k in (new, old) for i in self._rows_by_key.get(k, [])[:1]
            )
            raise RoiFormatError(
                f"{self._label} ({where or 'no rows'}): {old} and {new} are the same file with "
                "different ROIs; keep one of them",
                path=self._source,
            )
        self._rois[new] = self._rois.pop(old)
        rows = self._rows_by_key.pop(old, [])
        if rows:
            self._rows_by_key.setdefault(new, []).extend(rows)
            for i in rows:
                self._row_keys[i] = new
        if old in self._edited:
            self._edited.discard(old)
            self._edited.add(new)

    def validate(self, target: Header | CatalogLike | Sequence[Header]) -> MatchReport:
        """Check every ROI of the matched files against its image.

        Parameters
        ----------
        target : Header, Catalog or sequence of Header
            One instance, or a catalog (matched first, see :meth:`match`).

        Returns
        -------
        MatchReport
            The match of the rows to `target`.

        Raises
        ------
        RoiFormatError
            For the first problem in table order: a box outside rows x columns or
            a frame index >= number of frames. The message names the row and
            column (or the file, for ROIs set through :meth:`set`) and the value,
            and counts any further problems.
        """
        headers, lookup = self._lookup(target)
        problems: list[tuple[str, str]] = []
        with self._lock:
            report, found = self._match(headers, lookup)
            for key, rois in self._rois.items():  # table order
                index = found.get(key)
                if index is None or not rois:
                    continue
                header = headers[index]
                for roi in rois:
                    problem = roi._problem(header)
                    if problem is not None:
                        problems.append((key, self._where(key, problem)))
                        break
        if problems:
            more = len(problems) - 1
            text = problems[0][1] + (
                f" ({more} more file{'s' if more != 1 else ''} with problems)" if more else ""
            )
            raise RoiFormatError(text, path=problems[0][0])
        return report

    def _where(self, key: str, problem: tuple[str, str]) -> str:
        rows = self._rows_by_key.get(key)
        if rows and key not in self._edited:
            return f"{self._label} row {rows[0] + 2}, column {problem[0]}: {problem[1]}"
        return f"ROIs of {key}: {problem[1]}"
