"""Batch jobs on Dask: map an SDK function over every file of a catalog, failures per file.

:func:`run` sends the files of a :class:`~dcmview.sdk.Catalog` (or of the paths
it is given, scanned first) to a ``dask.distributed`` cluster in chunks, calls a
function on each file's :class:`~dcmview.sdk.Instance` in the workers, and
returns a pandas DataFrame with one row per file: ``index``, ``path``,
``sop_instance_uid``, ``ok``, ``error`` (the error's code), ``message``, and the
columns the function returned. A file whose function raised is a row with
``ok`` False and the reason; a chunk whose worker died makes a row per file of it;
a file the scan did not list (not DICOM, unreadable) is a row without an index,
its skip reason as ``error``. The job never stops for one file.

The cluster is a ``LocalCluster`` of worker processes by default (one thread
each: the SDK's codecs use their own threads), or any ``distributed.Client``
given, e.g. one connected to a cluster on Kubernetes or SLURM (docs/batch.md).

Ready-made jobs: :func:`thumbnails` (a PNG per file) and :func:`statistics`
(sample statistics per file). Uses only the public SDK (``dcmview.sdk``); Dask
is the optional extra ``dcmview[batch]``.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dcmview.sdk as sdk

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from distributed import Client

    from dcmview.sdk.sources import Source

__all__ = ["Job", "Thumbnail", "main", "run", "statistics", "thumbnails"]

#: What a job function is given and returns: an instance -> the row's own columns.
Job = Callable[["sdk.Instance"], Mapping[str, Any]]
#: Files per task: large enough that the scheduler's per-task cost (~1 ms) is noise,
#: small enough that a 10,000-file job keeps two workers busy to the end.
CHUNK = 64
_BASE = ("index", "path", "sop_instance_uid", "ok", "error", "message")


def run(
    fn: Job,
    files: sdk.Catalog | str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    *,
    client: Client | None = None,
    workers: int | None = None,
    chunk: int = CHUNK,
    progress: bool | Callable[[int, int], None] = True,
) -> pd.DataFrame:
    """Call `fn` on every file's Instance on a Dask cluster; one result row per file.

    Parameters
    ----------
    fn : callable
        ``fn(instance) -> mapping`` of the row's columns. Runs in the workers:
        it must be picklable (a module-level function, or a closure with
        cloudpickle, which Dask uses).
    files : Catalog, path or sequence of paths
        A catalog (local files or a DICOMweb archive), or files and folders to
        :func:`dcmview.sdk.scan` first.
    client : distributed.Client, optional
        The cluster to run on; by default a ``LocalCluster`` of `workers`
        processes, closed at the end.
    workers : int, optional
        Worker processes of the default cluster (default: the usable cores).
    chunk : int, optional
        Files per task.
    progress : bool or callable, optional
        A progress bar on stderr (default), nothing (False), or
        ``progress(done, total)`` after each chunk.

    Returns
    -------
    pandas.DataFrame
        One row per file, by catalog index; the files the scan skipped last.

    Examples
    --------
    >>> import pydicom.examples
    >>> from dcmview import batch
    >>> def size(inst):
    ...     return {"rows": inst.rows, "columns": inst.columns}
    >>> df = batch.run(size, [pydicom.examples.get_path("ct")], workers=1, progress=False)
    >>> df[["ok", "rows", "columns"]].values.tolist()
    [[True, 128, 128]]
    """
    import pandas as pd

    catalog = files if isinstance(files, sdk.Catalog) else _scan(files)
    catalog.wait()
    headers = catalog.headers
    source = catalog.source
    items = list(enumerate(headers))
    chunks = [items[i : i + max(1, chunk)] for i in range(0, len(items), max(1, chunk))]
    report = _progress_bar(len(items)) if progress is True else (progress or None)
    rows: list[dict[str, Any]] = []
    own = client is None
    if own:
        client = _local_client(workers)
    assert client is not None
    try:
        from distributed import as_completed

        futures = {client.submit(_run_chunk, fn, source, part, pure=False): part for part in chunks}
        done = 0
        for future in as_completed(futures):
            part = futures[future]
            try:
                rows.extend(future.result())
            except Exception as exc:  # the worker died or the task could not run
                rows.extend(_failed(i, h, exc) for i, h in part)
            done += len(part)
            if report is not None:
                report(done, len(items))
    finally:
        if own:
            cluster = client.cluster
            client.close()
            if cluster is not None:
                cluster.close()
    # Files the scan did not list (not DICOM, unreadable) are rows too, without an index.
    rows.extend(
        {"index": None, "path": s.path, "sop_instance_uid": "", "ok": False}
        | {"error": s.reason, "message": s.detail}
        for s in catalog.skipped
    )
    df = pd.DataFrame(rows, columns=[*_BASE, *_extra_columns(rows)])
    df["index"] = df["index"].astype("Int64")
    return df.sort_values("index", kind="stable", na_position="last").reset_index(drop=True)


def _extra_columns(rows: list[dict[str, Any]]) -> list[str]:
    """The job's own columns, in the order they first appear."""
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(k for k in row if k not in _BASE))
    return list(seen)


def _scan(files: str | os.PathLike[str] | Sequence[str | os.PathLike[str]]) -> sdk.Catalog:
    paths = [files] if isinstance(files, str | os.PathLike) else list(files)
    return sdk.scan(*paths)


def _local_client(workers: int | None) -> Client:
    """A LocalCluster of worker processes, one thread each, no dashboard."""
    from distributed import Client, LocalCluster

    n = workers or max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)
    cluster = LocalCluster(
        n_workers=n,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=40,  # logging.ERROR: no worker chatter on the terminal
    )
    return Client(cluster)


def _run_chunk(
    fn: Job, source: Source | None, part: list[tuple[int, sdk.Header]]
) -> list[dict[str, Any]]:
    """In a worker: `fn` on each file of a chunk; an exception is that file's row."""
    rows = []
    for index, header in part:
        row: dict[str, Any] = {
            "index": index,
            "path": header.path,
            "sop_instance_uid": header.sop_instance_uid,
            "ok": True,
            "error": None,
            "message": None,
        }
        try:
            if source is not None:
                inst = source.open_instance(header, None)
            else:
                inst = sdk.Instance(header.path, header=header)
            for key, value in fn(inst).items():
                if key not in _BASE:
                    row[key] = value
        except Exception as exc:
            row.update(_reason(exc))
        rows.append(row)
    return rows


def _reason(exc: BaseException) -> dict[str, Any]:
    code = exc.code if isinstance(exc, sdk.DcmviewError) else type(exc).__name__
    return {"ok": False, "error": code, "message": str(exc) or type(exc).__name__}


def _failed(index: int, header: sdk.Header, exc: BaseException) -> dict[str, Any]:
    return {
        "index": index,
        "path": header.path,
        "sop_instance_uid": header.sop_instance_uid,
        **_reason(exc),
    }


def _progress_bar(total: int) -> Callable[[int, int], None]:
    """A one-line text bar on stderr, redrawn at most 10 times a second."""
    start = time.monotonic()
    last = [0.0]

    def report(done: int, total_: int) -> None:
        now = time.monotonic()
        if done < total_ and now - last[0] < 0.1:
            return
        last[0] = now
        width = 30
        filled = width if total_ == 0 else math.floor(width * done / total_)
        bar = "#" * filled + "-" * (width - filled)
        end = "\n" if done >= total_ else ""
        sys.stderr.write(f"\r[{bar}] {done}/{total_} files, {now - start:.1f} s{end}")
        sys.stderr.flush()

    return report


# -- ready-made jobs -----------------------------------------------------------------


class Thumbnail:
    """The job of :func:`thumbnails`: ``Thumbnail(out, size)(instance)`` writes one PNG.

    A class, so that workers import it by name. Calling it returns the row's
    columns: ``thumbnail`` (the PNG's path), ``width``, ``height``.

    Parameters
    ----------
    out : str
        The folder the PNG goes to (named by SOP Instance UID).
    size : int
        The longer side of the thumbnail, at most.
    """

    def __init__(self, out: str, size: int) -> None:
        self.out = out
        self.size = size

    def __call__(self, inst: sdk.Instance) -> dict[str, Any]:
        from PIL import Image

        frame = inst.frame(inst.number_of_frames // 2)  # the middle of a stack or cine
        level = frame.level_for(self.size)
        image = Image.fromarray(frame.render(level=level))
        image.thumbnail((self.size, self.size))
        name = f"{inst.sop_instance_uid or Path(inst.path).stem}.png"
        path = os.path.join(self.out, name)
        image.save(path, optimize=False, compress_level=1)
        return {"thumbnail": path, "width": image.width, "height": image.height}


def thumbnails(
    files: sdk.Catalog | str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    *,
    size: int = 256,
    **options: Any,
) -> pd.DataFrame:
    """A PNG thumbnail of every file (its middle frame, default window) in folder `out`.

    Files are named by SOP Instance UID; the DataFrame's ``thumbnail`` column
    says where each went. `options` go to :func:`run` (``client``, ``workers``,
    ``progress``).

    Examples
    --------
    >>> import tempfile, pydicom.examples
    >>> from dcmview import batch
    >>> out = tempfile.mkdtemp()
    >>> df = batch.thumbnails([pydicom.examples.get_path("ct")], out, size=64, workers=1,
    ...                       progress=False)
    >>> df[["ok", "width", "height"]].values.tolist()
    [[True, 64, 64]]
    """
    if size < 1:
        raise sdk.InvalidInputError(f"thumbnail size must be >= 1, not {size}")
    os.makedirs(out, exist_ok=True)
    return run(Thumbnail(os.fspath(out), size), files, **options)


def _statistics(inst: sdk.Instance) -> dict[str, Any]:
    arr = inst.frame(0).modality_values()
    return {
        "rows": inst.rows,
        "columns": inst.columns,
        "frames": inst.number_of_frames,
        "min": float(arr.min()),
        "max": float(arr.max()),
        "mean": float(arr.mean()),
        "std": float(arr.std()),
    }


def statistics(
    files: sdk.Catalog | str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    **options: Any,
) -> pd.DataFrame:
    """Size and modality-value statistics (min, max, mean, std) of every file's first frame.

    `options` go to :func:`run`.
    """
    return run(_statistics, files, **options)


# -- the command line: dcmview batch JOB ... -------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """``dcmview batch thumbnails|statistics ARCHIVE... -o OUT``; return the exit code.

    Writes the results table as CSV (``OUT/thumbnails.csv``, or the ``-o`` file
    of ``statistics``) and one summary line; exits 0 when the job ran (failed
    files are rows of the table), 1 when it could not start, 2 on a usage error.
    """
    import argparse

    p = argparse.ArgumentParser(
        prog="dcmview batch",
        description="Run a job over every DICOM file of folders or a DICOMweb archive "
        "on a Dask cluster (a local one by default).",
    )
    p.add_argument("job", choices=["thumbnails", "statistics"])
    p.add_argument("archive", nargs="+", metavar="ARCHIVE", help="files, folders or a URL")
    p.add_argument(
        "-o", "--out", required=True, help="thumbnails: a folder; statistics: a CSV file"
    )
    p.add_argument("--size", type=int, default=256, help="thumbnail size in pixels (256)")
    p.add_argument("--workers", type=int, help="worker processes of the local cluster")
    p.add_argument(
        "--scheduler", metavar="ADDRESS", help="an existing Dask scheduler (tcp://host:8786)"
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    try:
        ns = p.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    client = None
    try:
        if ns.scheduler:
            from distributed import Client as DaskClient

            client = DaskClient(ns.scheduler)
        options: dict[str, Any] = {
            "client": client,
            "workers": ns.workers,
            "progress": not ns.no_progress,
        }
        files = sdk.scan(*ns.archive) if len(ns.archive) > 1 else sdk.scan(ns.archive[0])
        if ns.job == "thumbnails":
            df = thumbnails(files, ns.out, size=ns.size, **options)
            table = os.path.join(ns.out, "thumbnails.csv")
        else:
            df = statistics(files, **options)
            table = ns.out
        df.to_csv(table, index=False)
    except (sdk.DcmviewError, OSError) as exc:
        print(f"dcmview batch: error: {exc}", file=sys.stderr)
        return 1
    finally:
        if client is not None:
            client.close()
    failed = int((~df["ok"]).sum()) if len(df) else 0
    print(f"dcmview batch: {ns.job} of {len(df)} file(s), {failed} failed; table in {table}")
    return 0
