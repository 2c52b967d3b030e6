"""RoiSet: the ROIs of many instances and the annotations table they were read from."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import IO, Literal

import pandas as pd

from dcmview.sdk._types import StrPath
from dcmview.sdk.errors import RoiFormatError
from dcmview.sdk.header import Header
from dcmview.sdk.roi._box import Roi, RoiPayload, problem_of, rois_from_json, rois_to_json
from dcmview.sdk.roi._cells import DEFAULT_FORMAT, DIALECTS, Dialect
from dcmview.sdk.roi._csv import (
    RoiTable,
    normalize,
    parse_rows,
    read_embed_csv,
    table_with_rois,
    write_embed_csv,
)
from dcmview.sdk.roi._match import CatalogLike, MatchReport, lookup_of, match_rows, validate_rois

__all__ = ["RoiSet"]


class RoiSet:
    """The ROIs of many instances, and the annotations table they were read from.

    Keys are normalized absolute paths (relative paths in a CSV are resolved
    against the CSV's folder). A RoiSet read from a table keeps every row and
    column of it; :meth:`to_embed_csv` and :meth:`to_dataframe` write the same
    table back, with the ROI cells of edited instances rewritten in the dialect
    their row was read in, and one new row per instance that gained ROIs
    without having a row. All methods are thread-safe.

    Parameters
    ----------
    rois : mapping of path to iterable of Roi, optional
        Initial ROIs per file (no table).
    dialect : {"json", "tuple", "nested"}
        The ROI_coords dialect of new rows when no table was read.

    Examples
    --------
    >>> rs = RoiSet({"/data/a.dcm": [Roi(1, 2, 3, 4)]})
    >>> rs.for_instance("/data/a.dcm")
    (Roi(ymin=1, xmin=2, ymax=3, xmax=4, frames=()),)
    >>> print(rs.to_embed_csv(), end="")
    anon_dicom_path,num_ROI,ROI_coords,ROI_frames
    /data/a.dcm,1,"[[1,2,3,4]]",[[]]
    """

    def __init__(
        self,
        rois: Mapping[StrPath, Iterable[Roi]] | None = None,
        *,
        dialect: Dialect = "json",
    ) -> None:
        if dialect not in DIALECTS:
            raise TypeError(f"dialect must be one of {DIALECTS}, not {dialect!r}")
        self._lock = threading.RLock()
        # The table read (if any) and the ROIs per file; guarded by the lock.
        self._state = RoiTable(default=DEFAULT_FORMAT[dialect], base_dir=os.getcwd())
        for path, items in (rois or {}).items():
            self.set(path, items)

    # ------------------------------------------------------------- constructors

    @classmethod
    def from_embed_csv(
        cls,
        source: StrPath | IO[str] | IO[bytes],
        *,
        base_dir: StrPath | None = None,
        errors: Literal["raise", "warn"] = "raise",
    ) -> RoiSet:
        """Read an EMBED-style annotations CSV; the file is only read, never written.

        Parameters
        ----------
        source : path or file object
            The CSV (UTF-8, a byte-order mark is accepted).
        base_dir : path, optional
            Folder that relative ``anon_dicom_path`` values are resolved against;
            default the CSV's folder (the current directory for a file object
            without a name).
        errors : {"raise", "warn"}
            What a bad row does: ``"raise"`` raises its :class:`RoiFormatError`;
            ``"warn"`` keeps the row verbatim (written back unchanged on export,
            like an unmatched row) without applying it, and records the error in
            :attr:`problems`. Problems of the file (unreadable, no header, a
            missing or repeated column) raise either way.

        Returns
        -------
        RoiSet

        Raises
        ------
        InvalidPathError
            The CSV cannot be opened.
        RoiFormatError
            A malformed CSV, a missing required column, or (with ``"raise"``) a
            bad row; the message names the row (the header is row 1), the column
            and the value, also given as the error's ``row``, ``column``, ``value``.

        Examples
        --------
        >>> import io
        >>> text = 'anon_dicom_path,ROI_coords\\n/a.dcm,"[[1,2,3,4]]"\\n/b.dcm,"[[1,2]]"\\n'
        >>> rs = RoiSet.from_embed_csv(io.StringIO(text), errors="warn")
        >>> len(rs), [(p.row, p.column, p.value) for p in rs.problems]
        (1, [(3, 'ROI_coords', '[[1,2]]')])
        """
        table, label, path, folder = read_embed_csv(source)
        out = cls()
        out._load(
            table, label, path, normalize(base_dir) if base_dir is not None else folder, errors
        )
        return out

    @classmethod
    def from_dataframe(
        cls,
        table: pd.DataFrame,
        *,
        base_dir: StrPath | None = None,
        errors: Literal["raise", "warn"] = "raise",
    ) -> RoiSet:
        """Read annotations from a DataFrame with the columns of the EMBED CSV.

        The DataFrame is copied; its other columns keep their values and dtypes.
        ROI cells may be strings in any dialect, or Python lists/tuples (read as
        their ``str()``). Row numbers in messages are counted as in the CSV the
        frame would be written to: position 0 is row 2.

        Parameters
        ----------
        table : pandas.DataFrame
        base_dir : path, optional
            Folder for relative paths; default the current directory.
        errors : {"raise", "warn"}
            What a bad row does (see :meth:`from_embed_csv`).
        """
        if not isinstance(table, pd.DataFrame):
            raise TypeError(f"from_dataframe needs a pandas DataFrame, not {type(table).__name__}")
        out = cls()
        out._load(
            table.copy(),  # lazy under pandas copy-on-write; later edits of `table` stay out
            "annotations DataFrame",
            None,
            normalize(base_dir if base_dir is not None else os.getcwd()),
            errors,
        )
        return out

    @classmethod
    def from_json(cls, payload: object, target: StrPath | Header) -> RoiSet:
        """A RoiSet with the ROIs of one instance from the annotations API body.

        See :func:`rois_from_json` for the accepted body; a `target` Header also
        validates the boxes against the image.
        """
        out = cls()
        out.set(target, rois_from_json(payload))
        return out

    # --------------------------------------------------------------------- load

    def _load(
        self,
        table: pd.DataFrame,
        label: str,
        source: str | None,
        base_dir: str,
        errors: Literal["raise", "warn"] = "raise",
    ) -> None:
        parsed = parse_rows(table, label, source, base_dir, errors)
        with self._lock:
            self._state = parsed

    # ------------------------------------------------------------------- access

    def _key(self, target: StrPath | Header) -> str:
        if isinstance(target, Header):
            return target.path
        if isinstance(target, str | os.PathLike):
            return normalize(target)
        raise TypeError(f"expected a path or a Header, not {type(target).__name__}")

    def for_instance(self, target: StrPath | Header) -> tuple[Roi, ...]:
        """The ROIs of one file, ``()`` when it has none.

        Parameters
        ----------
        target : path or Header
            The file (any path spelling that normalizes to the same absolute path).
        """
        key = self._key(target)
        with self._lock:
            return self._state.rois.get(key, ())

    def set(self, target: StrPath | Header, rois: Iterable[Roi]) -> tuple[Roi, ...]:
        """Replace the ROIs of one file (the server's ``PUT``); ``[]`` deletes them.

        Parameters
        ----------
        target : path or Header
            The file. With a :class:`Header` the boxes are first validated against
            the image (rows, columns, number of frames).
        rois : iterable of Roi

        Returns
        -------
        tuple of Roi
            The ROIs now stored.

        Raises
        ------
        RoiFormatError
            A box outside the image or a frame out of range (with a Header).
        """
        items = tuple(rois)
        for i, roi in enumerate(items):
            if not isinstance(roi, Roi):
                raise TypeError(f"rois[{i}] is a {type(roi).__name__}, not a Roi")
        key = self._key(target)
        if isinstance(target, Header):
            for i, roi in enumerate(items):
                problem = problem_of(roi, target)
                if problem is not None:
                    raise RoiFormatError(f"ROI {i}: {problem[1]}", path=key)
        with self._lock:
            # An unchanged PUT keeps the row's cells exactly as read.
            state = self._state
            if state.rois.get(key, ()) != items:
                state.rois[key] = items
                state.edited.add(key)
        return items

    def delete(self, target: StrPath | Header) -> None:
        """Remove every ROI of one file; its row (if any) stays, with 0 boxes."""
        self.set(target, ())

    def to_json(self, target: StrPath | Header) -> RoiPayload:
        """The annotations API body for one file (``num_roi`` 0 when it has none)."""
        return rois_to_json(self.for_instance(target))

    def items(self) -> list[tuple[str, tuple[Roi, ...]]]:
        """``(path, rois)`` for every file with at least one ROI, in table order."""
        with self._lock:
            return [(k, v) for k, v in self._state.rois.items() if v]

    def __contains__(self, target: object) -> bool:
        if not isinstance(target, str | os.PathLike | Header):
            return False
        return bool(self.for_instance(target))

    def __len__(self) -> int:
        """Number of files with at least one ROI."""
        with self._lock:
            return sum(1 for v in self._state.rois.values() if v)

    def __iter__(self) -> Iterator[str]:
        return iter([k for k, _ in self.items()])

    @property
    def num_rois(self) -> int:
        """Total number of ROIs over all files."""
        with self._lock:
            return sum(len(v) for v in self._state.rois.values())

    @property
    def source(self) -> str | None:
        """Absolute path of the CSV read, or ``None``."""
        return self._state.source

    @property
    def dialect(self) -> Dialect:
        """The ROI_coords dialect new rows are written in (that of the table read)."""
        return self._state.default.dialect

    @property
    def problems(self) -> tuple[RoiFormatError, ...]:
        """The bad rows left out when read with ``errors="warn"``, in table order.

        Each error names its row, column and value (also as its ``row``,
        ``column`` and ``value`` attributes). The rows are kept verbatim and
        written back unchanged by :meth:`to_embed_csv`.
        """
        return self._state.problems

    @property
    def edited(self) -> frozenset[str]:
        """Paths whose ROIs changed since the table was read."""
        with self._lock:
            return frozenset(self._state.edited)

    def __repr__(self) -> str:
        source = self._state.source
        where = f", source={source!r}" if source else ""
        return f"<RoiSet {len(self)} files, {self.num_rois} ROIs, dialect={self.dialect!r}{where}>"

    # ------------------------------------------------------------------- export

    def to_dataframe(self) -> pd.DataFrame:
        """The annotations table with the current ROIs.

        Every row read is kept, in order (unmatched rows and identical duplicates
        included); the count, ROI_coords and ROI_frames cells of edited files are
        rewritten in the row's dialect, other columns untouched. A file whose ROIs
        were all deleted keeps its row with count 0 and ``[]``/``()``. Files that
        gained ROIs without a row get a new row at the end (other columns empty).
        A ``ROI_frames`` column is added at the end only when a frame-scoped ROI
        needs it.
        """
        with self._lock:
            return table_with_rois(self._state)

    def to_embed_csv(self, target: StrPath | IO[str] | None = None) -> str | None:
        """Write the annotations table as CSV (see :meth:`to_dataframe` for what it holds).

        Parameters
        ----------
        target : path or text file, optional
            Where to write; ``None`` returns the text.

        Returns
        -------
        str or None
            The CSV text when `target` is ``None``.

        Raises
        ------
        InvalidPathError
            `target` is the CSV this set was read from (the input is never
            overwritten), or cannot be written.
        """
        state = self._state
        return write_embed_csv(self.to_dataframe(), target, state.source, state.label)

    # ------------------------------------------------------------------ catalog

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
        headers, lookup = lookup_of(catalog)
        with self._lock:
            return match_rows(self._state, headers, lookup)[0]

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
        headers, lookup = lookup_of(target)
        with self._lock:
            return validate_rois(self._state, headers, lookup)
