"""What derived objects draw on one image of a catalog: the overlays the viewer composites.

:func:`segmentation_overlay` finds the SEGs that refer to an image frame
(:func:`~dcmview.sdk.references.find_references`) and stacks their
:meth:`~dcmview.sdk.segmentation.Segmentation.overlay`; the server answers
:func:`segmentation_overlay_png` for ``/api/file/:i/frame/:f/segmentation-overlay``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING

import numpy as np

from dcmview.sdk._types import AnyArray, ArrayU8
from dcmview.sdk.errors import NotFoundError
from dcmview.sdk.references import find_references
from dcmview.sdk.segmentation import SEGMENTATION_CLASSES, read_segmentation

if TYPE_CHECKING:  # pragma: no cover
    from dcmview.sdk.catalog import Catalog

__all__ = ["segmentation_overlay", "segmentation_overlay_png"]


def segmentation_overlay(
    catalog: Catalog,
    index: int,
    frame: int = 0,
    *,
    segmentation: int | None = None,
    opacity: float = 0.5,
    segments: Collection[int] | None = None,
    colors: Mapping[int, tuple[int, int, int]] | None = None,
) -> ArrayU8:
    """The RGBA overlay of the catalog's SEGs on frame `frame` of image file `index`.

    When file `index` is itself a SEG, the overlay of its own frame `frame`
    instead (:meth:`Segmentation.frame_overlay`, the SEG's size): the form the
    predecessor serves.

    Each SEG that refers to the file (by UID or by geometry) and has masks for
    the frame is drawn with :meth:`Segmentation.overlay`; several are stacked
    with the "over" operator, in catalog order (the last on top).

    Parameters
    ----------
    catalog : Catalog
        Where the image and its SEGs are.
    index : int
        The image file.
    frame : int
        0-based frame of the image.
    segmentation : int, optional
        Draw only the SEG that is file `segmentation` of the catalog.
    opacity : float
        As :meth:`Segmentation.overlay`.
    segments : collection of int, optional
        Only these Segment Numbers (of every SEG drawn); all when None.
    colors : mapping of int to (int, int, int), optional
        sRGB colours by Segment Number in place of the segments' own (the viewer's
        colour choice); segments not named keep their recommended colour.

    Returns
    -------
    numpy.ndarray
        uint8, (rows, columns, 4), straight (not premultiplied) alpha.

    Raises
    ------
    NotFoundError
        `index` or `frame` out of range, or no (such) SEG has masks for the frame.
    """
    if catalog.header(index).sop_class_uid in SEGMENTATION_CLASSES:
        # The predecessor's form: file `index` is the SEG itself and `frame` one of its
        # own frames.
        return read_segmentation(catalog[index], catalog).frame_overlay(frame, opacity, colors)
    source = catalog[index]
    source.frame(frame)  # FrameIndexError (a NotFoundError) for a frame out of range
    refs = find_references(catalog, index)
    segs = [r.index for r in refs.referenced_by if r.kind == "SEG" and r.index is not None]
    if segmentation is not None:
        segs = [j for j in segs if j == segmentation]
    rgb: AnyArray = np.zeros((source.rows, source.columns, 3), dtype=np.float32)
    alpha: AnyArray = np.zeros((source.rows, source.columns), dtype=np.float32)
    drawn = False
    for j in segs:
        seg = read_segmentation(catalog[j], catalog)
        if not seg.frames_for(source, frame):
            continue
        layer = seg.overlay(source, frame, opacity, segments, colors).astype(np.float32) / 255
        a = layer[..., 3]
        # Premultiplied "over": the layer on top of what is drawn so far.
        rgb = layer[..., :3] * a[..., None] + rgb * (1 - a[..., None])
        alpha = a + alpha * (1 - a)
        drawn = True
    if not drawn:
        which = "no SEG in the catalog" if segmentation is None else f"file {segmentation}"
        raise NotFoundError(f"{which}: no segmentation masks for frame {frame} of file {index}")
    out = np.empty((source.rows, source.columns, 4), dtype=np.uint8)
    with np.errstate(invalid="ignore", divide="ignore"):
        straight = np.where(alpha[..., None] > 0, rgb / np.maximum(alpha, 1e-6)[..., None], 0)
    out[..., :3] = np.clip(np.rint(straight * 255), 0, 255).astype(np.uint8)
    out[..., 3] = np.clip(np.rint(alpha * 255), 0, 255).astype(np.uint8)
    return out


def segmentation_overlay_png(
    catalog: Catalog,
    index: int,
    frame: int = 0,
    *,
    segmentation: int | None = None,
    opacity: float = 0.5,
    segments: Collection[int] | None = None,
    colors: Mapping[int, tuple[int, int, int]] | None = None,
) -> bytes:
    """:func:`segmentation_overlay` encoded as an RGBA PNG (the HTTP answer)."""
    from dcmview.sdk._png import encode_png

    return encode_png(
        segmentation_overlay(
            catalog,
            index,
            frame,
            segmentation=segmentation,
            opacity=opacity,
            segments=segments,
            colors=colors,
        )
    )
