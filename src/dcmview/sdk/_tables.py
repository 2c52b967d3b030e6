"""The display pipeline's speed: one table over every stored code, and a histogram of codes.

For stored samples of up to 16 bits, every step of :mod:`dcmview.sdk.display`
(modality LUT, window, inversion, padding, colour scaling) is folded into one
``uint8`` table over all 2**bits stored codes, built by the same functions that
handle wider samples, so a 3328x2560 frame is one table lookup (~10 ms); and
the percentile window comes from a ``bincount`` histogram of the codes (~10 ms)
instead of a sort (~90 ms).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from dcmview.sdk._types import AnyArray, ArrayU8

__all__ = ["codes", "float_dtype", "histogram", "native", "through_table", "uses_table"]

# Stored samples up to this many bytes are rendered through a table of all codes.
_TABLE_MAX_ITEMSIZE = 2
# Samples per np.bincount call of the histogram (see histogram()).
_HISTOGRAM_SLICE = 1 << 18


def native(arr: AnyArray) -> AnyArray:
    """`arr` in native byte order (pydicom keeps big endian files' order)."""
    if arr.dtype.isnative:
        return arr
    return arr.astype(arr.dtype.newbyteorder("="))


def uses_table(arr: AnyArray) -> bool:
    """Whether `arr` is rendered through a table of all its codes (integers <= 16 bits)."""
    return arr.dtype.kind in "iu" and arr.dtype.itemsize <= _TABLE_MAX_ITEMSIZE


def float_dtype(arr: npt.NDArray[Any]) -> type[np.floating[Any]]:
    """float32 where exact (<= 16-bit integers, float32), float64 otherwise."""
    if arr.dtype == np.float32 or (arr.dtype.kind in "biu" and arr.dtype.itemsize <= 2):
        return np.float32
    return np.float64


def codes(dtype: np.dtype[Any]) -> tuple[np.dtype[Any], AnyArray]:
    """(unsigned view dtype, every value of `dtype` in the order of its bit patterns)."""
    unsigned = np.dtype(f"u{dtype.itemsize}")
    return unsigned, np.arange(2 ** (8 * dtype.itemsize), dtype=unsigned).view(dtype)


def through_table(
    stored: AnyArray, build: Callable[[AnyArray], AnyArray], shape_tail: tuple[int, ...] = ()
) -> ArrayU8:
    """Render `stored` as ``table[stored]`` with ``table = build(all codes)``."""
    unsigned, every = codes(stored.dtype)
    table = np.ascontiguousarray(build(every), dtype=np.uint8)
    out = np.take(table, stored.view(unsigned), axis=0)
    return cast(ArrayU8, out.reshape(stored.shape + shape_tail))


def histogram(values: AnyArray, size: int) -> npt.NDArray[np.intp]:
    """Counts of each value of the unsigned integer array `values`, `size` bins."""
    # bincount first copies its input to intp; slices of 2**18 samples keep that copy
    # in the CPU cache (3328x2560 frame: ~10 ms instead of ~20 ms in one call).
    flat = values.ravel()
    counts = np.zeros(size, dtype=np.intp)
    for start in range(0, flat.size, _HISTOGRAM_SLICE):
        part = np.bincount(flat[start : start + _HISTOGRAM_SLICE])
        counts[: part.size] += part
    return counts
