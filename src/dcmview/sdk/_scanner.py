"""The scan engine behind catalog.scan(): walk, chunk, worker processes, merge, progress."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import pickle
import queue
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from dcmview.sdk import _scanworker
from dcmview.sdk._headerrecord import ExtraTag, SkipReason
from dcmview.sdk._headerscan import scan_records
from dcmview.sdk.errors import InvalidInputError
from dcmview.sdk.grouping import none_last
from dcmview.sdk.header import _KEYWORD_ATTRS, FILTER_FIELDS, Header
from dcmview.sdk.threads import usable_cores

if TYPE_CHECKING:
    from dcmview.sdk.catalog import Catalog


_SMALL: Final = 200  # below this many files a scan stays in-process
_FIRST_CHUNK: Final = 32  # small first chunks: a background catalog fills early
_CHUNK: Final = 256
_MAX_WORKERS: Final = 16
_WORKERS_ENV: Final = "DCMVIEW_SCAN_WORKERS"


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """A file the scan did not list, and why.

    Parameters
    ----------
    path : str
        Absolute path.
    reason : str
        ``not_dicom`` (no DICOM data set in it, an empty file), ``parse_failed``
        (a DICOM file whose header cannot be parsed), ``unreadable`` (the OS
        refused to open or read it, or a folder could not be listed),
        ``dicomdir`` (a DICOMDIR index; the files it lists are scanned as files)
        or ``not_a_file`` (a FIFO, socket or device).
    detail : str
        What exactly was wrong, for a human.
    """

    path: str
    reason: SkipReason
    detail: str


@dataclass(frozen=True, slots=True)
class ScanProgress:
    """How far a scan has come; passed to the ``progress`` callback of :func:`scan`.

    Parameters
    ----------
    discovered : int
        Files found by the walk so far.
    scanned : int
        Files whose header has been read, whatever the outcome (listed,
        skipped or filtered).
    listed : int
        Files in the catalog.
    skipped : int
        Entries in :attr:`Catalog.skipped`.
    filtered : int
        DICOM files left out by the filters.
    complete : bool
        Whether the scan has finished.
    """

    discovered: int
    scanned: int
    listed: int
    skipped: int
    filtered: int
    complete: bool


# -- scan order -----------------------------------------------------------------


def _catalog_key(h: Header) -> tuple[Any, ...]:
    """Sort key of a blocking scan: patient, study, series, instance number, path."""
    return (
        h.patient_id,
        h.patient_name,
        h.study_date,
        h.study_instance_uid,
        none_last(h.series_number),
        h.series_instance_uid,
        none_last(h.instance_number),
        h.path,
    )


# -- filters --------------------------------------------------------------------


def _compile_filters(
    filters: Mapping[str, object] | None,
) -> tuple[list[tuple[str, str]], tuple[ExtraTag, ...]]:
    """Validate filters; return (field, casefolded value) pairs and the extra tags to read."""
    if not filters:
        return [], ()
    compiled: list[tuple[str, str]] = []
    extra: list[ExtraTag] = []
    for field, value in filters.items():
        if not isinstance(field, str):
            raise TypeError(f"filter fields are strings, not {type(field).__name__}")
        if not field:
            raise InvalidInputError("empty filter field '': use FIELD=VALUE, e.g. modality=CT")
        if field not in FILTER_FIELDS and field not in _KEYWORD_ATTRS:
            from pydicom.datadict import dictionary_VR, tag_for_keyword  # deferred: pydicom

            tag = tag_for_keyword(field)
            if tag is None:
                raise InvalidInputError(
                    f"unknown filter field {field!r}: use one of "
                    f"{', '.join(FILTER_FIELDS)} or a DICOM keyword such as PatientID"
                )
            vr = dictionary_VR(tag)
            if vr == "SQ":
                raise InvalidInputError(
                    f"filter field {field!r} is a sequence (SQ) and has no text to match; "
                    "filter on an attribute with a value"
                )
            extra.append((int(tag), field, vr))
        compiled.append((field, str(value).casefold()))
    return compiled, tuple(extra)


def _matches(h: Header, filters: list[tuple[str, str]]) -> bool:
    return all(v in h.value(f).casefold() for f, v in filters)


# -- the walk -------------------------------------------------------------------


@dataclass(slots=True)
class _Chunk:
    number: int
    paths: list[str]
    skipped: list[SkippedFile]  # found by the walk, merged before the chunk's results


def _walk(roots: list[str], recursive: bool) -> Iterator[str | SkippedFile]:
    """Yield files (absolute paths) and walk problems, sorted, depth first."""
    seen_files: set[str] = set()
    seen_dirs: set[tuple[int, int]] = set()

    def visit_dir(path: str, top: bool) -> Iterator[str | SkippedFile]:
        try:
            st = os.stat(path)
            key = (st.st_dev, st.st_ino)
            if key in seen_dirs:
                return  # a symlink loop or the same folder given twice
            seen_dirs.add(key)
            with os.scandir(path) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            yield SkippedFile(path, "unreadable", f"cannot list folder: {exc.strerror or exc}")
            return
        for entry in entries:
            try:
                is_dir = entry.is_dir()
                is_file = not is_dir and entry.is_file()
            except OSError as exc:
                yield SkippedFile(entry.path, "unreadable", f"cannot stat: {exc.strerror or exc}")
                continue
            if is_dir:
                if recursive:
                    yield from visit_dir(entry.path, False)
            elif is_file:
                if entry.path not in seen_files:
                    seen_files.add(entry.path)
                    yield entry.path
            elif top or recursive:
                yield from special(entry.path)

    def special(path: str) -> Iterator[SkippedFile]:
        try:
            mode = os.stat(path).st_mode
        except OSError as exc:  # a dangling symlink
            yield SkippedFile(path, "unreadable", f"cannot stat: {exc.strerror or exc}")
            return
        if not stat.S_ISREG(mode):
            yield SkippedFile(path, "not_a_file", "not a regular file (FIFO, socket or device)")

    for root in roots:
        if os.path.isdir(root):
            yield from visit_dir(root, True)
        elif os.path.isfile(root):
            if root not in seen_files:
                seen_files.add(root)
                yield root
        else:
            yield from special(root)


def _chunks(items: Iterator[str | SkippedFile]) -> Iterator[_Chunk]:
    number = 0
    paths: list[str] = []
    skipped: list[SkippedFile] = []
    size = _FIRST_CHUNK
    for item in items:
        if isinstance(item, str):
            paths.append(item)
            if len(paths) >= size:
                yield _Chunk(number, paths, skipped)
                number += 1
                paths, skipped = [], []
                size = _CHUNK
        else:
            skipped.append(item)
    if paths or skipped:
        yield _Chunk(number, paths, skipped)


# -- worker processes -------------------------------------------------------------


# A chunk's header records and skip records: NamedTuples read in this process,
# plain tuples from a worker (see _scanworker); Header(*r) and SkippedFile(*r) take both.
_Records = tuple[Sequence[tuple[Any, ...]], Sequence[tuple[Any, ...]]]


def _worker_count() -> int:
    env = os.environ.get(_WORKERS_ENV)
    if env is not None:
        try:
            return max(0, int(env))
        except ValueError:
            pass
    return min(_MAX_WORKERS, usable_cores() - 1)


class _Worker(threading.Thread):
    """A thread that feeds chunks from the queue to one :mod:`~dcmview.sdk._scanworker` process."""

    def __init__(self, engine: _Engine) -> None:
        super().__init__(name="dcmview-scan-worker", daemon=True)
        self.engine = engine
        self.proc: subprocess.Popen[bytes] | None = None

    def run(self) -> None:
        engine = self.engine
        try:
            self.proc = subprocess.Popen(
                [sys.executable, _scanworker.__file__],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except OSError:
            return  # no worker: the scanning thread does the work
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        stdin, stdout = self.proc.stdin, self.proc.stdout
        first = True
        try:
            while True:
                chunk = engine.work.get()
                if chunk is None:
                    return
                try:
                    # The first request also carries sys.path, so that the worker
                    # finds pydicom wherever this process found it.
                    request = (chunk.paths, engine.extra, list(sys.path) if first else None)
                    pickle.dump(request, stdin, protocol=pickle.HIGHEST_PROTOCOL)
                    stdin.flush()
                    records = pickle.load(stdout)  # (headers, skipped): see _scanworker
                    first = False
                except Exception:
                    # The worker died (killed, out of memory...): give the chunk back.
                    engine.work.put(chunk)
                    return
                engine.done(chunk, records)
        finally:
            with contextlib.suppress(OSError):
                stdin.close()
            stdout.close()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class _Engine:
    """Runs one scan: walk, share chunks between this thread and the workers, merge in order."""

    def __init__(
        self,
        catalog: Catalog,
        roots: list[str],
        recursive: bool,
        filters: list[tuple[str, str]],
        extra: tuple[ExtraTag, ...],
        progress: Callable[[ScanProgress], None] | None,
        sort: bool,
    ) -> None:
        self.catalog = catalog
        self.chunks = _chunks(_walk(roots, recursive))
        self.filters = filters
        self.extra = extra
        self.progress = progress
        self.sort = sort
        self.work: queue.Queue[_Chunk | None] = queue.Queue()
        self.results: dict[int, _Records] = {}
        self.ready = threading.Condition()
        self.workers: list[_Worker] = []
        self.collected: list[Header] = []

    def done(self, chunk: _Chunk, records: _Records) -> None:
        with self.ready:
            self.results[chunk.number] = records
            self.ready.notify_all()

    def run(self) -> None:
        cat = self.catalog
        produced = 0  # chunks taken from the walk
        merged = 0  # chunks merged into the catalog, in order
        pending: dict[int, _Chunk] = {}
        exhausted = False
        try:
            while True:
                if cat._cancelled:
                    break
                # Keep a little work queued ahead of the consumers.
                while not exhausted and self.work.qsize() <= len(self.workers):
                    chunk = next(self.chunks, None)
                    if chunk is None:
                        exhausted = True
                        break
                    pending[chunk.number] = chunk
                    produced += 1
                    discovered = cat._discover(len(chunk.paths))
                    self.work.put(chunk)
                    if not self.workers and discovered > _SMALL:
                        self._start_workers()
                # This thread works too: take the next chunk if there is one.
                try:
                    chunk_or_none = self.work.get_nowait()
                except queue.Empty:
                    chunk_or_none = None
                if chunk_or_none is not None:
                    self.done(chunk_or_none, scan_records(chunk_or_none.paths, self.extra))
                # Merge whatever is ready, in walk order.
                with self.ready:
                    if chunk_or_none is None and merged not in self.results and merged < produced:
                        self.ready.wait(0.05)
                    ready = []
                    while merged in self.results:
                        ready.append((pending.pop(merged), self.results.pop(merged)))
                        merged += 1
                for chunk, records in ready:
                    self._merge(chunk, records)
                if exhausted and merged == produced:
                    break
        finally:
            self._stop_workers()
        if self.sort:
            self.collected.sort(key=_catalog_key)
            cat._add(self.collected)
        cat._finish()
        self._report()

    def _merge(self, chunk: _Chunk, records: _Records) -> None:
        cat = self.catalog
        header_records, skip_records = records
        headers: list[Header] = []
        skipped = [*chunk.skipped, *(SkippedFile(*rec) for rec in skip_records)]
        filtered = 0
        for rec in header_records:
            h = Header(*rec)
            if self.filters and not _matches(h, self.filters):
                filtered += 1
            else:
                headers.append(h)
        if self.sort:
            self.collected.extend(headers)  # listed at the end, sorted; counted now
        scanned = len(header_records) + len(skip_records)
        cat._add([] if self.sort else headers, skipped, filtered=filtered, scanned=scanned)
        self._report()

    def _report(self) -> None:
        if self.progress is None:
            return
        p = self.catalog.progress
        if self.sort:
            p = dataclasses.replace(p, listed=len(self.collected))
        self.progress(p)

    def _start_workers(self) -> None:
        for _ in range(_worker_count() if sys.executable else 0):
            w = _Worker(self)
            w.start()
            self.workers.append(w)

    def _stop_workers(self) -> None:
        # After a cancel the queue may still hold chunks: drop them.
        while True:
            try:
                self.work.get_nowait()
            except queue.Empty:
                break
        for _ in self.workers:
            self.work.put(None)
        for w in self.workers:
            w.join()
        self.workers = []
