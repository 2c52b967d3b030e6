"""Images with Overlay Planes (60xx, PS3.3 C.9.2): bitmaps at known pixels, drawn over the image.

Two Secondary Capture images in the edge study, both dark (a ramp and a disc under a
window that keeps them below mid grey) so that the white an overlay is drawn in stands
out on screen:

- ``edge/overlay_planes_single.dcm``: 128x128, one graphics overlay in group 6000, placed
  with Overlay Origin (9, 17): a rectangle outline two pixels thick and a filled block
  in its upper left corner, so that a flip or a rotation shows.
- ``edge/overlay_planes_multiframe.dcm``: 6 frames of 96x96, one overlay in group 6002
  with the Multi-frame Overlay module: 2 overlay frames from Image Frame Origin 3, so
  image frames 3 and 4 (1-based) have it and the others do not; a block at a different
  place on each.

:data:`OVERLAY_FILES` names them; the tests read the masks back with the SDK.
"""

from __future__ import annotations

import numpy as np
from pydicom import uid as U
from pydicom.dataset import Dataset
from pydicom.pixels import pack_bits

from tests.corpus.builder import Corpus

SINGLE = "edge/overlay_planes_single.dcm"
MULTIFRAME = "edge/overlay_planes_multiframe.dcm"
#: The corpus files with overlay planes (relative paths).
OVERLAY_FILES = (SINGLE, MULTIFRAME)
#: Multi-frame file: the overlay's first image frame (1-based) and its frame count.
MULTIFRAME_ORIGIN, MULTIFRAME_OVERLAY_FRAMES, MULTIFRAME_FRAMES = 3, 2, 6

_SC = "1.2.840.10008.5.1.4.1.1.7"
_MF_GRAYSCALE_WORD_SC = "1.2.840.10008.5.1.4.1.1.7.3"


def _dark_image(n: int, shift: int = 0) -> np.ndarray:
    """A ramp with a disc, uint16 values 0..1000 (shown at most mid grey by the window)."""
    y, x = np.mgrid[0:n, 0:n]
    ramp = (x + y) * 300 // (2 * n)
    disc = ((y - n // 2) ** 2 + (x - n // 2 - shift) ** 2) < (n // 4) ** 2
    return (ramp + disc * 400).astype(np.uint16)


def _overlay_group(ds: Dataset, group: int, bits: np.ndarray, origin: tuple[int, int]) -> None:
    """Add one overlay group: `bits` bool (frames, rows, columns)."""
    frames, rows, columns = bits.shape
    ds.add_new(group << 16 | 0x0010, "US", rows)
    ds.add_new(group << 16 | 0x0011, "US", columns)
    ds.add_new(group << 16 | 0x0022, "LO", "corpus overlay")
    ds.add_new(group << 16 | 0x0040, "CS", "G")
    ds.add_new(group << 16 | 0x0050, "SS", list(origin))
    ds.add_new(group << 16 | 0x0100, "US", 1)
    ds.add_new(group << 16 | 0x0102, "US", 0)
    ds.add_new(group << 16 | 0x1500, "LO", f"OVERLAY {group:04X}")
    packed = pack_bits(bits.astype(np.uint8).ravel(), pad=True)
    ds.add_new(group << 16 | 0x3000, "OW", packed)


def _sc_dataset(c: Corpus, series, sop_class: str, arr: np.ndarray, frames: int | None) -> Dataset:
    ds = c.base_ds(series, sop_class, 1)
    ds.ConversionType = "WSD"
    c.set_pixel_module(ds, arr, "MONOCHROME2", 16, frames=frames)
    ds.WindowCenter = "1000"
    ds.WindowWidth = "2000"
    return ds


def single_frame_bits() -> np.ndarray:
    """The single-frame file's overlay bitmap: (1, 100, 100) bool, origin (9, 17)."""
    bits = np.zeros((1, 100, 100), bool)
    top, left, bottom, right = 10, 10, 89, 89
    bits[0, top : top + 2, left : right + 1] = True
    bits[0, bottom - 1 : bottom + 1, left : right + 1] = True
    bits[0, top : bottom + 1, left : left + 2] = True
    bits[0, top : bottom + 1, right - 1 : right + 1] = True
    bits[0, 18:34, 18:30] = True  # the block in the upper left corner
    return bits


def multiframe_bits() -> np.ndarray:
    """The multi-frame file's overlay: (2, 96, 96) bool, a 16x16 block per frame."""
    bits = np.zeros((MULTIFRAME_OVERLAY_FRAMES, 96, 96), bool)
    bits[0, 12:28, 12:28] = True
    bits[1, 60:76, 52:68] = True
    return bits


def overlay_images(c: Corpus, study) -> None:
    """Write the two images with overlay planes into `study` (the edge study)."""
    se = c.series(study, "overlay-single", 11, "OT", "OVERLAY PLANES (60xx) SINGLE FRAME")
    arr = _dark_image(128)
    ds = _sc_dataset(c, se, _SC, arr, None)
    _overlay_group(ds, 0x6000, single_frame_bits(), (9, 17))
    c.write(
        SINGLE, ds, arr, U.ExplicitVRLittleEndian, desc="Overlay Data (6000,3000) on a SC image"
    )

    se = c.series(study, "overlay-multi", 12, "OT", "OVERLAY PLANES (60xx) MULTI-FRAME")
    stack = np.stack([_dark_image(96, shift=4 * k) for k in range(MULTIFRAME_FRAMES)])
    ds = _sc_dataset(c, se, _MF_GRAYSCALE_WORD_SC, stack, MULTIFRAME_FRAMES)
    ds.FrameIncrementPointer = 0x00181063
    ds.FrameTime = "100"
    _overlay_group(ds, 0x6002, multiframe_bits(), (1, 1))
    ds.add_new(0x60020015, "IS", MULTIFRAME_OVERLAY_FRAMES)  # Number of Frames in Overlay
    ds.add_new(0x60020051, "US", MULTIFRAME_ORIGIN)  # Image Frame Origin
    c.write(
        MULTIFRAME,
        ds,
        stack,
        U.ExplicitVRLittleEndian,
        desc="Overlay (6002) on image frames 3-4 of 6 (Multi-frame Overlay module)",
    )
