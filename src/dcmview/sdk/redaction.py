"""Redaction: boxes whose pixels are removed before a frame leaves the SDK.

A redaction box is a :class:`~dcmview.sdk.roi.Roi` (``[ymin, xmin, ymax, xmax]``,
0-based, max inclusive, optionally scoped to frames): the same box model, JSON
body and EMBED CSV as the annotations, so one table format serves both. What
differs is the effect: :meth:`Frame.array(redactions=...)
<dcmview.sdk.frame.Frame.array>` returns the samples with every sample under a
box set to the **redaction value**, and everything built from those samples
(:meth:`~dcmview.sdk.frame.Frame.render`, ``png``, ``pixel``, the windows) sees
only the redacted samples.

Decisions:

- The redaction value of a grey frame is the smallest sample of the frame (at
  the level asked for): black under any window that shows the frame's range,
  and the frame's full range (``"full"``) stays what it was. Colour frames are
  filled with 0 (black).
- At a resolution level the box is widened to every level sample whose block
  touches it (rows ``ymin >> n .. ymax >> n``), so no sample of a level mixes in
  a redacted pixel's value.
- With a cache, a redacted frame is cached under its own key (the boxes are part
  of it), and the unredacted frame is not kept beside it: nothing in the cache
  holds the pixels under a box once the frame is asked for with it.

Examples
--------
>>> import numpy as np
>>> from dcmview.sdk.roi import Roi
>>> a = np.arange(16, dtype=np.uint16).reshape(4, 4)
>>> redact(a, [Roi(1, 1, 2, 2)]).tolist()
[[0, 1, 2, 3], [4, 0, 0, 7], [8, 0, 0, 11], [12, 13, 14, 15]]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np

from dcmview.sdk._types import AnyArray
from dcmview.sdk.errors import RedactionError, RoiFormatError

if TYPE_CHECKING:
    from dcmview.sdk.header import Header
    from dcmview.sdk.roi import Roi

__all__ = [
    "BurnedIn",
    "boxes_for_frame",
    "burned_in_text",
    "read_redactions",
    "redact",
    "redaction_value",
]

#: How likely a file's pixels carry text (names, IDs) that masking cannot reach.
BurnedIn = Literal["yes", "likely"]

# Secondary Capture image storage SOP classes (PS3.4 B.5): screenshots and scans of
# documents, where text in the pixels is the rule rather than the exception.
_SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"
_LIKELY_MODALITIES = frozenset({"US", "IVUS", "XC", "ES", "SC", "DOC"})


def boxes_for_frame(boxes: Iterable[Roi], index: int) -> tuple[Roi, ...]:
    """Return the boxes that apply to frame `index` (a box without frames applies to all).

    Examples
    --------
    >>> from dcmview.sdk.roi import Roi
    >>> boxes_for_frame([Roi(0, 0, 1, 1), Roi(0, 0, 2, 2, frames=(3,))], 0)
    (Roi(ymin=0, xmin=0, ymax=1, xmax=1, frames=()),)
    """
    return tuple(b for b in boxes if not b.frames or index in b.frames)


def redaction_value(samples: AnyArray) -> int | float:
    """The value redacted samples get: the smallest grey sample, 0 for colour.

    Parameters
    ----------
    samples : numpy.ndarray
        The frame's samples, shape (rows, columns) or (rows, columns, samples).
    """
    if samples.ndim == 3 or samples.size == 0:
        return 0
    low = samples.min()
    return int(low) if np.issubdtype(samples.dtype, np.integer) else float(low)


def redact(samples: AnyArray, boxes: Sequence[Roi], level: int = 0) -> AnyArray:
    """Return a copy of `samples` with every sample under `boxes` set to the redaction value.

    Parameters
    ----------
    samples : numpy.ndarray
        One frame's samples at resolution `level`.
    boxes : sequence of Roi
        Boxes in full-resolution pixel indices (frames are not looked at: pass
        :func:`boxes_for_frame`).
    level : int
        The resolution level of `samples`; boxes are widened to the level's
        blocks they touch.

    Returns
    -------
    numpy.ndarray
        A new, writeable array (`samples` itself when there is no box).
    """
    if not boxes:
        return samples
    out = np.array(samples, copy=True)
    value = redaction_value(samples)
    for b in boxes:
        out[b.ymin >> level : (b.ymax >> level) + 1, b.xmin >> level : (b.xmax >> level) + 1] = (
            value
        )
    return out


def read_redactions(payload: object, header: Header) -> tuple[Roi, ...]:
    """Read and check the JSON body of ``PUT /api/file/:i/redactions`` for one file.

    Parameters
    ----------
    payload : object
        ``{"num_roi", "roi_coords", "roi_frames"}`` as for annotations
        (:func:`dcmview.sdk.roi.rois_from_json`).
    header : Header
        The file: boxes must lie inside its image, frames inside its frame count.

    Returns
    -------
    tuple of Roi

    Raises
    ------
    RedactionError
        A body of the wrong shape, a box outside the image, a frame out of range,
        or a file without an image (naming the box).
    """
    from dcmview.sdk.roi import rois_from_json

    if not header.has_pixels or header.rows <= 0 or header.columns <= 0:
        raise RedactionError(
            "redactions cannot be set on a file without an image (no Pixel Data)",
            path=header.path,
        )
    try:
        boxes = rois_from_json(payload)
    except RoiFormatError as exc:
        raise RedactionError(exc.message.replace("annotations JSON", "redactions JSON")) from None
    frames = max(header.number_of_frames, 1)
    for i, b in enumerate(boxes):
        if b.ymax >= header.rows or b.xmax >= header.columns:
            raise RedactionError(
                f"redactions roi_coords[{i}] {[b.ymin, b.xmin, b.ymax, b.xmax]} is outside the "
                f"image of {header.rows} rows x {header.columns} columns "
                f"(indices 0..{header.rows - 1}, 0..{header.columns - 1})",
                path=header.path,
            )
        bad = [f for f in b.frames if f >= frames]
        if bad:
            raise RedactionError(
                f"redactions roi_frames[{i}] names frame {bad[0]}, but the file has "
                f"{frames} frame{'s' * (frames != 1)} (0..{frames - 1})",
                path=header.path,
            )
    return boxes


def burned_in_text(header: Header) -> BurnedIn | None:
    """Say whether a file's pixels may hold identifying text that masking cannot hide.

    ``"yes"`` when Burned In Annotation (0028,0301) is YES; ``"likely"`` for
    ultrasound and other modalities that usually write text into the image, and
    for Secondary Capture, unless the file says NO; else None.

    Examples
    --------
    >>> from dcmview.sdk.header import Header
    >>> burned_in_text(Header(path="a", burned_in_annotation="YES"))
    'yes'
    >>> us = Header(path="a", modality="US", has_pixels=True)
    >>> burned_in_text(us), burned_in_text(us.replace(burned_in_annotation="NO"))
    ('likely', None)
    """
    said = header.burned_in_annotation.split("\\", 1)[0].strip().upper()
    if said == "YES":
        return "yes"
    if said == "NO" or not header.has_pixels:
        return None
    if header.modality.upper() in _LIKELY_MODALITIES:
        return "likely"
    if header.sop_class_uid.startswith(_SECONDARY_CAPTURE):
        return "likely"
    return None
