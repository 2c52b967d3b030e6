"""Catalog: scan files and folders into stable indexes (grouped by dcmview.sdk.grouping); filters.

:func:`scan` walks the paths it is given (sorted, depth first), reads the
header of every file with the lean reader of :mod:`dcmview.sdk._headerscan`
(on every core), and returns a :class:`Catalog`: ``catalog[i]`` is the
:class:`~dcmview.sdk.instance.Instance` of index ``i`` (the ``:index`` of the
HTTP API), :attr:`Catalog.headers` the scan-time attributes of every file,
:attr:`Catalog.patients` / :attr:`Catalog.studies` / :attr:`Catalog.series`
the DICOM grouping, and :attr:`Catalog.skipped` what was not listed and why.

Order
-----
A blocking ``scan()`` sorts its catalog by patient (ID, name), study (date,
UID), series (number, UID), instance number, then path, so two scans of the
same files give the same indexes. A background scan (``background=True``)
appends files in walk order as they are read, because an index, once given,
never changes; its order is deterministic too (the walk is sorted and worker
results are merged in walk order), just not sorted by patient. The grouping
(:attr:`Catalog.series`, ...) is sorted the same way in both cases.

Speed
-----
Reading headers is the whole cost of a scan. The lean reader takes about
50 µs for a small file (pydicom's ``dcmread(stop_before_pixels=True)`` about
1.2 ms); for more than ``_SMALL`` files the scan also starts ``cores - 1``
worker processes (plain ``python _scanworker.py`` subprocesses: safe from a
thread, never re-importing the caller's ``__main__``) that take chunks of
paths from the same queue as the scanning thread.
"""

from __future__ import annotations

import collections
import operator
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, cast

from dcmview.sdk._headerrecord import SkipReason as SkipReason
from dcmview.sdk._scanner import (
    _SMALL as _SMALL,
    ScanProgress,
    SkippedFile,
    _compile_filters,
    _Engine,
)
from dcmview.sdk.errors import InvalidInputError, InvalidPathError, NotFoundError
from dcmview.sdk.grouping import (
    Patient as Patient,
    Series as Series,
    Study as Study,
    group,
    stack_order as stack_order,
)
from dcmview.sdk.header import Header
from dcmview.sdk.sources import is_location

if TYPE_CHECKING:
    from dcmview.sdk._types import StrPath
    from dcmview.sdk.cache import ByteCache
    from dcmview.sdk.instance import Instance
    from dcmview.sdk.sources import Source

__all__ = [
    "Catalog",
    "Patient",
    "ScanProgress",
    "Series",
    "SkippedFile",
    "Study",
    "check_filters",
    "scan",
]

# -- the catalog ----------------------------------------------------------------


class Catalog:
    """Everything one :func:`scan` found: an append-only, indexed list of instances.

    Indexes run ``0 .. len(catalog) - 1`` and never change once given; a
    catalog filled by a background scan only grows. Reading is thread-safe.

    Parameters
    ----------
    headers : iterable of Header, optional
        The files, in index order (a catalog built this way is complete).
    skipped : iterable of SkippedFile, optional
    filtered : int, optional
        How many DICOM files filters left out.
    cache : ByteCache, optional
        Passed to every :class:`~dcmview.sdk.instance.Instance` for decoded frames.
    max_open : int, optional
        How many opened instances (each holds a parsed header) to keep.

    Examples
    --------
    >>> import pydicom
    >>> cat = scan(pydicom.examples.get_path("ct"))
    >>> len(cat), cat.headers[0].modality, cat.skipped
    (1, 'CT', [])
    """

    def __init__(
        self,
        headers: Iterable[Header] = (),
        *,
        skipped: Iterable[SkippedFile] = (),
        filtered: int = 0,
        cache: ByteCache | None = None,
        max_open: int = 32,
    ) -> None:
        self._lock = threading.Lock()
        self._headers: list[Header] = []
        self._index: dict[str, int] = {}
        self._skipped: list[SkippedFile] = list(skipped)
        self._filtered = filtered
        self._discovered = 0
        self._scanned = 0
        self._done = threading.Event()
        self._cancel = threading.Event()
        self._cache = cache
        self._max_open = max(1, max_open)
        self._open: collections.OrderedDict[int, Instance] = collections.OrderedDict()
        self._groups: tuple[int, list[Patient]] | None = None
        self._source: Source | None = None
        self.error: BaseException | None = None
        """An unexpected error that ended a background scan early (None normally)."""
        self._add(headers)
        self._discovered = self._scanned = len(self._headers) + len(self._skipped) + filtered
        self._done.set()

    # -- filling: the interface of the scan engine (dcmview.sdk._scanner) --
    # The engine writes the scan state only through these methods: every write holds
    # self._lock, so that a reader in another thread (the server, a progress bar) sees
    # a header, its counts and `progress` change together.

    @classmethod
    def _scanning(cls, cache: ByteCache | None, source: Source | None = None) -> Catalog:
        """An empty catalog for a scan to fill: nothing discovered yet, not complete."""
        catalog = cls(cache=cache)
        catalog._source = source
        catalog._done.clear()
        catalog._discovered = catalog._scanned = 0
        return catalog

    def _discover(self, count: int) -> int:
        """Count `count` more files found by the walk; return how many so far."""
        with self._lock:
            self._discovered += count
            return self._discovered

    def _add(
        self,
        headers: Iterable[Header],
        skipped: Iterable[SkippedFile] = (),
        *,
        filtered: int = 0,
        scanned: int = 0,
    ) -> None:
        """List `headers` (a path already listed is not listed again) and count a chunk.

        `scanned` is how many files the chunk read, `filtered` how many of them
        the filters left out, `skipped` the files it did not list.
        """
        with self._lock:
            for h in headers:
                if h.path in self._index:
                    continue
                self._index[h.path] = len(self._headers)
                self._headers.append(h)
            self._skipped.extend(skipped)
            self._filtered += filtered
            self._scanned += scanned

    @property
    def _cancelled(self) -> bool:
        """Whether :meth:`cancel` asked the scan to stop."""
        return self._cancel.is_set()

    def _finish(self, error: BaseException | None = None) -> None:
        """Mark the scan complete; `error` is what ended it early, if anything."""
        if error is not None:
            self.error = error
        self._done.set()

    # -- sequence of instances --

    def __len__(self) -> int:
        return len(self._headers)

    def __repr__(self) -> str:
        state = "complete" if self.complete else "scanning"
        return f"<Catalog {len(self)} files, {len(self._skipped)} skipped, {state}>"

    def _check(self, index: int) -> int:
        index = operator.index(index)  # TypeError for a str, float, ...
        n = len(self._headers)
        if not 0 <= index < n:
            valid = f"{n} files (0..{n - 1})" if n else "no files"
            more = "" if self.complete else " so far; the scan is still running"
            raise NotFoundError(f"file index {index} out of range: the catalog has {valid}{more}")
        return index

    def header(self, index: int) -> Header:
        """Return the Header of file `index`.

        Raises
        ------
        NotFoundError
            `index` is outside ``0 .. len(catalog) - 1``.
        """
        return self._headers[self._check(index)]

    def __getitem__(self, index: int) -> Instance:
        """Return the Instance of file `index` (opened lazily, kept in a small LRU).

        Raises
        ------
        NotFoundError
            `index` is outside ``0 .. len(catalog) - 1``.
        """
        header = self.header(index)
        with self._lock:
            inst = self._open.get(index)
            if inst is not None:
                self._open.move_to_end(index)
                return inst
        if self._source is not None:
            inst = self._source.open_instance(header, self._cache)
        else:
            from dcmview.sdk.instance import Instance  # deferred: imports pydicom

            inst = Instance(header.path, header=header, cache=self._cache)
        with self._lock:
            inst = self._open.setdefault(index, inst)
            self._open.move_to_end(index)
            while len(self._open) > self._max_open:
                self._open.popitem(last=False)
        return inst

    def __iter__(self) -> Iterator[Instance]:
        for i in range(len(self)):
            yield self[i]

    def index_of(self, path: StrPath) -> int | None:
        """Return the index of a file (any spelling of its path, or its URL), or None."""
        if self._source is not None:
            return self._index.get(os.fspath(path))
        return self._index.get(os.path.abspath(os.fspath(path)))

    @property
    def source(self) -> Source | None:
        """Where the instances come from when not local files (a DICOMweb archive), else None."""
        return self._source

    @property
    def headers(self) -> list[Header]:
        """The Header of every file, in index order (a copy)."""
        with self._lock:
            return list(self._headers)

    # -- scan state --

    @property
    def skipped(self) -> list[SkippedFile]:
        """What the scan did not list, and why (a copy)."""
        with self._lock:
            return list(self._skipped)

    @property
    def filtered(self) -> int:
        """How many DICOM files the filters left out."""
        return self._filtered

    @property
    def scanned(self) -> int:
        """Files read so far, whatever the outcome (listed, skipped or filtered)."""
        return self._scanned

    @property
    def discovered(self) -> int:
        """Files found by the walk so far."""
        return self._discovered

    @property
    def complete(self) -> bool:
        """Whether the scan has finished (always True for a blocking scan)."""
        return self._done.is_set()

    @property
    def progress(self) -> ScanProgress:
        """A snapshot of the scan's counts."""
        with self._lock:
            return ScanProgress(
                discovered=self._discovered,
                scanned=self._scanned,
                listed=len(self._headers),
                skipped=len(self._skipped),
                filtered=self._filtered,
                complete=self._done.is_set(),
            )

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the scan is complete or `timeout` seconds passed; return :attr:`complete`."""
        return self._done.wait(timeout)

    def cancel(self) -> None:
        """Ask a background scan to stop after the chunk it is reading; a no-op when complete."""
        self._cancel.set()

    # -- grouping --

    def _grouped(self) -> list[Patient]:
        headers = self.headers
        groups = self._groups
        if groups is None or groups[0] != len(headers):
            groups = (len(headers), group(self, headers))
            self._groups = groups
        return groups[1]

    @property
    def patients(self) -> list[Patient]:
        """Patients → studies → series, sorted (patient ID, study date, series number)."""
        return self._grouped()

    @property
    def studies(self) -> list[Study]:
        """Every study, patient by patient."""
        return [st for p in self._grouped() for st in p.studies]

    @property
    def series(self) -> list[Series]:
        """Every series, study by study; each lists its instances in stack order."""
        return [se for p in self._grouped() for st in p.studies for se in st.series]


# -- scan -------------------------------------------------------------------------


def scan(
    *paths: StrPath | Source,
    recursive: bool = True,
    filters: Mapping[str, object] | None = None,
    progress: Callable[[ScanProgress], None] | None = None,
    background: bool = False,
    cache: ByteCache | None = None,
) -> Catalog:
    """Find the DICOM files under `paths` and read their headers into a :class:`Catalog`.

    Files are read header-only (never their pixel data). What is not DICOM, or
    cannot be read, is listed in :attr:`Catalog.skipped` with a reason; no
    file's content makes ``scan`` raise. Files without the 128-byte preamble
    and ``DICM`` prefix that pydicom can read with ``force=True`` are listed.
    Files without Pixel Data (a structured report, say) are listed with
    ``has_pixels`` False, for the tag browser.

    Parameters
    ----------
    *paths : str, os.PathLike or Source
        Files and folders; or one URL (``https://host/dicom-web``: a DICOMweb
        archive) or source object (:mod:`dcmview.sdk.sources`), which lists
        the archive's instances instead (their ``path`` is their URL).
    recursive : bool, optional
        Walk sub-folders (default). With False, only the files directly in each
        folder given; files given by name are always read.
    filters : mapping of str to str, optional
        ``{FIELD: VALUE}``: keep files whose FIELD contains VALUE, ignoring case;
        several filters must all match. FIELD is one of
        :data:`~dcmview.sdk.header.FILTER_FIELDS` (``patient_id``, ``modality``,
        ...) or any DICOM keyword (``BodyPartExamined``), read at the top level.
    progress : callable, optional
        Called with a :class:`ScanProgress` after every chunk of files and at the
        end; from the scanning thread (a background thread when `background`).
    background : bool, optional
        Return at once a catalog that fills while the scan runs in a background
        thread (in walk order; see the module docs). Use :meth:`Catalog.wait`.
    cache : ByteCache, optional
        A frame cache shared by the catalog's instances.

    Returns
    -------
    Catalog

    Raises
    ------
    InvalidPathError
        A path does not exist (checked before anything is read).
    InvalidInputError
        No path, or an unknown filter field.

    Examples
    --------
    >>> import os, pydicom
    >>> folder = os.path.dirname(pydicom.examples.get_path("ct"))
    >>> sorted({h.modality for h in scan(folder, filters={"modality": "mr"}).headers})
    ['MR']
    >>> sorted({h.modality for h in scan(folder, filters={"modality": "ct"}).headers})
    ['CT', 'RTSTRUCT']

    A filter is a substring match, as in the predecessor tool: "ct" also
    matches RTSTRUCT.
    """
    if not paths:
        raise InvalidInputError("scan() needs at least one file or folder")
    if any(is_location(p) for p in paths):
        return _scan_source(paths, filters, progress, background, cache)
    roots = []
    for p in cast("tuple[StrPath, ...]", paths):
        root = os.path.abspath(os.fspath(p))
        if not os.path.lexists(root):
            raise InvalidPathError(f"{os.fspath(p)}: no such file or folder", path=root)
        roots.append(root)
    compiled, extra = _compile_filters(filters)
    catalog = Catalog._scanning(cache)
    engine = _Engine(catalog, roots, recursive, compiled, extra, progress, sort=not background)
    if not background:
        engine.run()
        return catalog

    def run() -> None:
        try:
            engine.run()
        except BaseException as exc:  # keep the server alive; the catalog says what happened
            catalog._finish(exc)

    # The scan thread may fall back to pydicom while the caller's threads open
    # files; pydicom's modules import each other in a cycle, and two threads
    # importing them at once can meet a half-initialized module. Import it here.
    import pydicom  # noqa: F401

    threading.Thread(target=run, name="dcmview-scan", daemon=True).start()
    return catalog


def _scan_source(
    paths: tuple[object, ...],
    filters: Mapping[str, object] | None,
    progress: Callable[[ScanProgress], None] | None,
    background: bool,
    cache: ByteCache | None,
) -> Catalog:
    """:func:`scan` of one source (a URL or a source object): its own listing, same catalog."""
    from dcmview.sdk.sources import source_for

    if len(paths) != 1:
        raise InvalidInputError(
            "scan() reads one remote source at a time, without local paths beside it"
        )
    source = source_for(paths[0])
    compiled, extra = _compile_filters(filters)
    catalog = Catalog._scanning(cache, source)

    def run() -> None:
        source.fill(catalog, filters=compiled, extra=extra, progress=progress, sort=not background)

    if not background:
        run()
        return catalog

    def run_guarded() -> None:
        try:
            run()
        except BaseException as exc:  # keep the server alive; the catalog says what happened
            catalog._finish(exc)

    import pydicom  # noqa: F401 - see scan(): imported before the thread starts

    threading.Thread(target=run_guarded, name="dcmview-scan", daemon=True).start()
    return catalog


def check_filters(filters: Mapping[str, object]) -> None:
    """Check `filters` as :func:`scan` does, without scanning.

    For a caller that wants a bad filter rejected before it starts anything
    else (the ``dcmview`` command, for ``--filter``).

    Parameters
    ----------
    filters : mapping of str to str
        ``{FIELD: VALUE}``, as :func:`scan` takes them.

    Raises
    ------
    InvalidInputError
        An empty or unknown field, or the keyword of a sequence (SQ), which has
        no text to match.

    Examples
    --------
    >>> check_filters({"modality": "CT", "BodyPartExamined": "BREAST"})
    >>> check_filters({"ReferencedImageSequence": "1.2.3"})
    Traceback (most recent call last):
    ...
    dcmview.sdk.errors.InvalidInputError: filter field 'ReferencedImageSequence' is a sequence...
    """
    _compile_filters(filters)
