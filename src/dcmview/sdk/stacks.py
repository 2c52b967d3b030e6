"""Stacks: the frames of each series as one scrollable sequence, in the predecessor's terms.

A :class:`~dcmview.sdk.grouping.Series` lists *files* in stack order; a
:class:`Stack` lists *frames* (a multi-frame file contributes each of its
frames), each with its place along the slice normal, and says what is odd
about the sequence (frames without a position, another orientation, two
frames at one position, uneven gaps). This is the shape of the predecessor's
``GET /api/series`` (``series[] → stacks[] → frames[]``), which scripts
written for it read.

Kinds: ``"ordinary"`` (the frames of one series), ``"concatenation"`` (the
files of one Concatenation UID, PS3.3 C.7.6.16.2.2), ``"wsi_pyramid_level"``
(a whole-slide image level: its Total Pixel Matrix is given). One series gives
one stack per kind and concatenation/pyramid UID found in it.

Positions come from each frame's plane (:func:`dcmview.sdk.geometry.frame_planes`:
per-frame functional groups, then the top level). Finding them reads every
file's header, so :func:`series_stacks` is file I/O; a server runs it off its
event loop and keeps the answer once the scan is complete.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from dcmview.sdk.catalog import Catalog
    from dcmview.sdk.geometry import Plane
    from dcmview.sdk.grouping import Series

__all__ = ["SeriesStacks", "Stack", "StackFrame", "StackWarning", "series_stacks"]

#: Positions closer than this (mm) along the normal are one position.
POSITION_TOLERANCE_MM = 1e-3
#: Orientations whose direction cosines differ by less than this are one orientation.
_ORIENTATION_TOLERANCE = 1e-4
#: Relative difference between slice gaps still counted as uniform.
_SPACING_TOLERANCE = 0.01


@dataclass(frozen=True, slots=True)
class StackFrame:
    """One frame of a stack.

    Attributes
    ----------
    virtual_index : int
        Its place in the stack (0 first).
    file_index : int
        The catalog index of its file.
    frame_index : int
        The frame within that file (0-based).
    sop_instance_uid : str
    instance_number : int or None
    position_along_normal_mm : float or None
        Image Position (Patient) projected on the stack's normal; None without one.
    """

    virtual_index: int
    file_index: int
    frame_index: int
    sop_instance_uid: str
    instance_number: int | None
    position_along_normal_mm: float | None


@dataclass(frozen=True, slots=True)
class StackWarning:
    """Something odd about a stack: a stable ``code``, a sentence and the files concerned.

    Codes: ``missing_positions``, ``inconsistent_orientation``, ``duplicate_positions``,
    ``nonuniform_spacing``.
    """

    code: str
    message: str
    file_indices: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Stack:
    """The frames of one series (or concatenation, or pyramid level) in display order.

    Attributes
    ----------
    id : str
        ``study:<uid>|series:<uid>|stack:<kind>`` (and ``:<uid>`` for a
        concatenation or pyramid).
    kind : str
        ``"ordinary"``, ``"concatenation"`` or ``"wsi_pyramid_level"``.
    concatenation_uid, pyramid_uid, image_type_role : str or None
    total_pixel_matrix_rows, total_pixel_matrix_columns : int or None
        A whole-slide level's full size.
    frames : tuple of StackFrame
    warnings : tuple of StackWarning
    """

    id: str
    kind: str
    frames: tuple[StackFrame, ...]
    warnings: tuple[StackWarning, ...] = ()
    concatenation_uid: str | None = None
    pyramid_uid: str | None = None
    image_type_role: str | None = None
    total_pixel_matrix_rows: int | None = None
    total_pixel_matrix_columns: int | None = None


@dataclass(frozen=True, slots=True)
class SeriesStacks:
    """One series and its stacks.

    Attributes
    ----------
    id : str
        ``study:<uid>|series:<uid>``.
    study_instance_uid, series_instance_uid : str
    frame_of_reference_uids : tuple of str
        Every Frame of Reference UID of its frames, in first-seen order.
    stacks : tuple of Stack
    """

    id: str
    study_instance_uid: str
    series_instance_uid: str
    frame_of_reference_uids: tuple[str, ...]
    stacks: tuple[Stack, ...] = field(default=())


@dataclass(slots=True)
class _Source:
    """What one file contributes: its frames' planes and the stack it belongs to."""

    file_index: int
    sop_instance_uid: str
    instance_number: int | None
    planes: list[Plane | None]
    kind: str = "ordinary"
    group_uid: str | None = None
    image_type_role: str | None = None
    total_rows: int | None = None
    total_columns: int | None = None
    frame_of_reference_uid: str | None = None


def series_stacks(catalog: Catalog) -> list[SeriesStacks]:
    """Return every series of `catalog` with its stacks of frames.

    Reads each file's header (see the module documentation); a file whose
    header cannot be read contributes frames without positions.

    Parameters
    ----------
    catalog : Catalog

    Returns
    -------
    list of SeriesStacks
        In the catalog's series order (patient, study date, series number).
    """
    return [_series(catalog, s) for s in catalog.series]


def _series(catalog: Catalog, series: Series) -> SeriesStacks:
    study_uid = catalog.header(series.indexes[0]).study_instance_uid
    series_id = f"study:{study_uid}|series:{series.series_instance_uid}"
    sources = [_source(catalog, i) for i in series.indexes]
    groups: dict[tuple[str, str | None], list[_Source]] = {}
    for src in sources:
        groups.setdefault((src.kind, src.group_uid), []).append(src)
    stacks = []
    for (kind, uid), members in groups.items():
        stack_id = f"{series_id}|stack:{kind}" + (f":{uid}" if uid else "")
        first = members[0]
        frames, warnings = _frames(members)
        stacks.append(
            Stack(
                id=stack_id,
                kind=kind,
                frames=frames,
                warnings=warnings,
                concatenation_uid=uid if kind == "concatenation" else None,
                pyramid_uid=uid if kind == "wsi_pyramid_level" else None,
                image_type_role=first.image_type_role,
                total_pixel_matrix_rows=first.total_rows,
                total_pixel_matrix_columns=first.total_columns,
            )
        )
    references: dict[str, None] = {}
    for src in sources:
        if src.frame_of_reference_uid:
            references.setdefault(src.frame_of_reference_uid, None)
    return SeriesStacks(
        id=series_id,
        study_instance_uid=study_uid,
        series_instance_uid=series.series_instance_uid,
        frame_of_reference_uids=tuple(references),
        stacks=tuple(stacks),
    )


def _source(catalog: Catalog, index: int) -> _Source:
    from dcmview.sdk.geometry import frame_planes

    header = catalog.header(index)
    # A file without pixels (an SR, say) still has one entry, as in the predecessor.
    count = max(1, header.number_of_frames)
    src = _Source(index, header.sop_instance_uid, header.instance_number, [None] * count)
    try:
        ds = catalog[index].dataset
        planes = frame_planes(ds) if header.has_pixels else []
    except Exception:  # an unreadable header: frames without positions, flagged below
        return src
    if len(planes) == count:
        src.planes = planes
    src.frame_of_reference_uid = _text(ds.get("FrameOfReferenceUID"))
    image_type = ds.get("ImageType")
    if image_type is not None and len(image_type) > 2:
        src.image_type_role = _text(image_type[2])
    concatenation = _text(ds.get("ConcatenationUID"))
    pyramid = _text(ds.get("PyramidUID"))
    if pyramid is not None or "TotalPixelMatrixRows" in ds:
        src.kind, src.group_uid = "wsi_pyramid_level", pyramid
        src.total_rows = _int(ds.get("TotalPixelMatrixRows"))
        src.total_columns = _int(ds.get("TotalPixelMatrixColumns"))
    elif concatenation is not None:
        src.kind, src.group_uid = "concatenation", concatenation
    return src


def _text(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _frames(members: Sequence[_Source]) -> tuple[tuple[StackFrame, ...], tuple[StackWarning, ...]]:
    """The frames of `members` in display order, and what is odd about them."""
    reference = next((p for s in members for p in s.planes if p is not None), None)
    normal = reference.normal if reference is not None else None
    rows: list[tuple[_Source, int, float | None]] = []
    missing: set[int] = set()
    tilted: set[int] = set()
    for src in members:
        for f, plane in enumerate(src.planes):
            if plane is None or normal is None:
                missing.add(src.file_index)
                tilted.add(src.file_index)
                rows.append((src, f, None))
                continue
            if reference is not None and not plane.is_parallel(reference, _ORIENTATION_TOLERANCE):
                tilted.add(src.file_index)
            rows.append((src, f, float(np.dot(plane.position, normal))))
    if not missing:
        # Members come in the series' stack order; sort() keeps it among equal positions.
        rows.sort(key=lambda r: r[2] if r[2] is not None else 0.0)
    frames = tuple(
        StackFrame(
            virtual_index=v,
            file_index=src.file_index,
            frame_index=f,
            sop_instance_uid=src.sop_instance_uid,
            instance_number=src.instance_number,
            position_along_normal_mm=None if pos is None else _round(pos),
        )
        for v, (src, f, pos) in enumerate(rows)
    )
    return frames, _warnings(rows, missing, tilted)


def _round(value: float) -> float:
    # Print -60.0 rather than -59.99999999999999 (a product of direction cosines).
    return round(value, 6) + 0.0


def _warnings(
    rows: list[tuple[_Source, int, float | None]], missing: set[int], tilted: set[int]
) -> tuple[StackWarning, ...]:
    out: list[StackWarning] = []
    if missing:
        out.append(
            StackWarning(
                "missing_positions",
                f"{len(missing)} frame source(s) have no Image Position Patient",
                tuple(sorted(missing)),
            )
        )
    if tilted:
        out.append(
            StackWarning(
                "inconsistent_orientation",
                f"{len(tilted)} frame source(s) differ from the reference orientation",
                tuple(sorted(tilted)),
            )
        )
    placed = [(pos, src.file_index) for src, _, pos in rows if pos is not None]
    groups: list[list[tuple[float, int]]] = []
    for pos, file_index in sorted(placed):
        if groups and abs(groups[-1][-1][0] - pos) <= POSITION_TOLERANCE_MM:
            groups[-1].append((pos, file_index))
        else:
            groups.append([(pos, file_index)])
    duplicates = [g for g in groups if len(g) > 1]
    if duplicates:
        out.append(
            StackWarning(
                "duplicate_positions",
                f"{len(duplicates)} duplicate projected position group(s)",
                tuple(sorted({i for g in duplicates for _, i in g})),
            )
        )
    gaps = [b[0][0] - a[0][0] for a, b in itertools.pairwise(groups)]
    if len(gaps) > 1 and not missing:
        smallest, largest = min(gaps), max(gaps)
        if largest - smallest > _SPACING_TOLERANCE * max(abs(largest), POSITION_TOLERANCE_MM):
            out.append(
                StackWarning(
                    "nonuniform_spacing",
                    f"slice gaps vary from {smallest:g} to {largest:g} mm",
                    tuple(sorted({i for _, i in placed})),
                )
            )
    return tuple(out)
