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

__all__ = ["Job", "RoiMeasure", "Thumbnail", "main", "rois", "run", "statistics", "thumbnails"]

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
    indexes: Sequence[int] | None = None,
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
    indexes : sequence of int, optional
        Only these files of the catalog (and no rows for the files the scan
        skipped); every file by default.

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
    if indexes is None:
        items = list(enumerate(headers))
    else:
        for i in indexes:
            catalog.header(i)  # NotFoundError for an index the catalog does not have
        items = [(i, headers[i]) for i in sorted(set(indexes))]
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
        for s in (catalog.skipped if indexes is None else [])
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


class RoiMeasure:
    """The job of :func:`rois`: modality-value statistics inside each ROI box of a file.

    A class, so that workers import it by name. Calling it on an instance returns
    ``{"rois": [...]}``: one dict per (ROI, frame) with ``roi`` (1-based, in the
    file's order), ``frame`` (0-based), ``ymin``, ``xmin``, ``ymax``, ``xmax``,
    and ``pixels``, ``min``, ``max``, ``mean``, ``std`` of the modality values in
    the box (max inclusive) — or ``error`` and ``message`` for a box or frame the
    image does not have. A ROI scoped to frames is measured on those frames, an
    unscoped one on every frame.

    Parameters
    ----------
    rois : mapping of str to sequence of Roi
        The boxes, by the catalog's path of each file.
    """

    def __init__(self, rois: Mapping[str, Sequence[sdk.Roi]]) -> None:
        self.rois = {path: tuple(boxes) for path, boxes in rois.items()}

    def __call__(self, inst: sdk.Instance) -> dict[str, Any]:
        out: list[dict[str, Any]] = []
        values: dict[int, Any] = {}  # frame -> modality values: each frame decoded once
        n = inst.number_of_frames
        for k, roi in enumerate(self.rois.get(inst.path, ()), start=1):
            box = {"roi": k, "ymin": roi.ymin, "xmin": roi.xmin, "ymax": roi.ymax}
            box["xmax"] = roi.xmax
            for f in roi.frames or range(n):
                row: dict[str, Any] = {**box, "frame": f}
                problem = _outside(roi, f, inst.rows, inst.columns, n)
                if problem:
                    out.append(row | {"error": "roi_outside_image", "message": problem})
                    continue
                if f not in values:
                    values[f] = inst.frame(f).modality_values()
                inside = values[f][roi.ymin : roi.ymax + 1, roi.xmin : roi.xmax + 1]
                out.append(
                    row
                    | {
                        "pixels": int(inside.size),
                        "min": float(inside.min()),
                        "max": float(inside.max()),
                        "mean": float(inside.mean()),
                        "std": float(inside.std()),
                    }
                )
        return {"rois": out}


def _outside(roi: sdk.Roi, frame: int, rows: int, columns: int, frames: int) -> str | None:
    """Why a box (max inclusive) or frame is not in the image, or None."""
    if roi.ymax >= rows or roi.xmax >= columns:
        return (
            f"box [{roi.ymin}, {roi.xmin}, {roi.ymax}, {roi.xmax}] is outside the "
            f"{rows} x {columns} image"
        )
    if frame >= frames:
        return f"frame {frame} does not exist: the file has {frames} frame(s)"
    return None


def rois(
    annotations: sdk.RoiSet | str | os.PathLike[str],
    files: sdk.Catalog | str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    **options: Any,
) -> pd.DataFrame:
    """Check an EMBED annotations CSV against an archive, and measure inside every box.

    The CSV's rows are matched to the archive's files by path (as
    :meth:`RoiSet.match <dcmview.sdk.RoiSet.match>` does for the viewer). Each
    file with ROIs is decoded in the workers and measured by :class:`RoiMeasure`.

    Parameters
    ----------
    annotations : RoiSet or path
        The annotations, or the CSV to read them from (its relative paths are
        resolved against the CSV's folder).
    files : Catalog, path or sequence of paths
        The archive: a catalog, or files and folders to scan first.
    **options
        As :func:`run` (``client``, ``workers``, ``progress``, ``chunk``).

    Returns
    -------
    pandas.DataFrame
        One row per (ROI, frame): ``index``, ``path``, ``sop_instance_uid``,
        ``ok``, ``error``, ``message``, ``roi``, ``frame``, the box and its
        statistics. A file that cannot be decoded is one row with its error;
        a box or frame outside its image is ``roi_outside_image``; the ROIs of
        a path the archive does not have are rows without an index, error
        ``not_in_archive``.

    Raises
    ------
    RoiFormatError, InvalidPathError
        The CSV cannot be read (a bad row names its row and column).
    """
    import pandas as pd

    roiset = (
        annotations
        if isinstance(annotations, sdk.RoiSet)
        else sdk.RoiSet.from_embed_csv(annotations)
    )
    catalog = files if isinstance(files, sdk.Catalog) else _scan(files)
    catalog.wait()
    report = roiset.match(catalog)
    headers = catalog.headers
    measured = {headers[i].path: roiset.for_instance(headers[i]) for i in report.indexes}
    table = run(RoiMeasure(measured), catalog, indexes=report.indexes, **options)
    rows: list[dict[str, Any]] = []
    for file in table.to_dict("records"):
        base = {k: file[k] for k in _BASE}
        found = file.get("rois")
        if not file["ok"] or not isinstance(found, list):
            rows.append(base)
            continue
        for r in found:
            row = base | r
            if r.get("error"):  # a box or frame the image does not have
                row["ok"] = False
            rows.append(row)
    skipped = {os.path.abspath(s.path): s for s in catalog.skipped if "://" not in s.path}
    for path, boxes in roiset.items():
        if catalog.index_of(path) is not None or not boxes:
            continue
        why = skipped.get(path)
        message = f"the scan skipped it: {why.reason} ({why.detail})" if why else "no such file"
        for k, roi in enumerate(boxes, start=1):
            rows.append(
                {"index": None, "path": path, "sop_instance_uid": "", "ok": False}
                | {"error": "not_in_archive", "message": message, "roi": k}
                | {"ymin": roi.ymin, "xmin": roi.xmin, "ymax": roi.ymax, "xmax": roi.xmax}
            )
    columns = [*_BASE, "roi", "frame", "ymin", "xmin", "ymax", "xmax"]
    columns += ["pixels", "min", "max", "mean", "std"]
    df = pd.DataFrame(rows, columns=columns)
    for name in ("index", "roi", "frame", "ymin", "xmin", "ymax", "xmax", "pixels"):
        df[name] = df[name].astype("Int64")
    return df


# -- the command line: dcmview batch JOB ... -------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """``dcmview batch thumbnails|statistics|rois ARCHIVE... -o OUT``; return the exit code.

    Writes the results table as CSV (``OUT/thumbnails.csv``, or the ``-o`` file
    of ``statistics`` and ``rois``) and one summary line; exits 0 when the job ran
    (failed files are rows of the table), 1 when it could not start, 2 on a usage
    error. ``rois`` needs ``--annotations CSV``.
    """
    import argparse

    p = argparse.ArgumentParser(
        prog="dcmview batch",
        description="Run a job over every DICOM file of folders or a DICOMweb archive "
        "on a Dask cluster (a local one by default).",
    )
    p.add_argument("job", choices=["thumbnails", "statistics", "rois"])
    p.add_argument("archive", nargs="+", metavar="ARCHIVE", help="files, folders or a URL")
    p.add_argument(
        "-o", "--out", required=True, help="thumbnails: a folder; statistics, rois: a CSV file"
    )
    p.add_argument(
        "--annotations", metavar="CSV", help="rois: the EMBED annotations CSV to check and measure"
    )
    p.add_argument("--size", type=int, default=256, help="thumbnail size in pixels (256)")
    p.add_argument("--workers", type=int, help="worker processes of the local cluster")
    p.add_argument(
        "--scheduler", metavar="ADDRESS", help="an existing Dask scheduler (tcp://host:8786)"
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    try:
        ns = p.parse_args(argv)
        if ns.job == "rois" and not ns.annotations:
            p.error("rois needs --annotations CSV")
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
        elif ns.job == "rois":
            df = rois(ns.annotations, files, **options)
            table = ns.out
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
    what = "ROI row(s)" if ns.job == "rois" else "file(s)"
    print(f"dcmview batch: {ns.job} of {len(df)} {what}, {failed} failed; table in {table}")
    return 0
