"""Resolution levels: a frame at ½, ¼, ⅛ ... of its size, and the area-averaging that makes one.

Level 0 is full resolution; level *n* has ``ceil(rows / 2**n) × ceil(columns / 2**n)``
samples, the size JPEG 2000's own reduced-resolution decoding gives (ISO/IEC 15444-1
B.5), so a frame decoded natively at level *n* and one area-averaged to level *n*
have the same shape. The deepest level is the first that is 1 × 1
(:func:`max_level`); :class:`ResolutionLevel` describes one level and its scale,
so that a caller maps a level's pixel positions back to the full frame.

:func:`downsample` makes a level from the full-resolution samples for every
syntax that cannot decode at a level itself: the box mean of each 2**n × 2**n
block, edge blocks averaged over the samples they have, in the samples' own dtype
(integers rounded half up, exactly: the sums are integer). Two cases differ:

- Pixel padding (PS3.3 C.7.5.1.1.2): a block's mean leaves its padding samples
  out, so the edge of an image beside padding neither darkens nor takes the
  padding's value (a padding value of 65535 beside tissue would otherwise turn
  the edge white); a block of padding only keeps a padding value.
- PALETTE COLOR: stored values are indexes into a colour table, and a mean of
  indexes is another colour. Each block keeps its first sample (decimation).

Measured on a 3328×2560 16-bit frame (one core): 10–50 ms for levels 1–3, against
0.8 s for a full JPEG 2000 decode.

Examples
--------
>>> max_level(2048, 1664), level_size(2048, 1664, 2)
(11, (512, 416))
>>> level_for(2048, 1664, 900)
1
>>> import numpy as np
>>> downsample(np.array([[1, 2, 3], [3, 4, 5]], dtype=np.uint8), 1).tolist()
[[3, 4]]
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any

import numpy as np

from dcmview.sdk._types import AnyArray
from dcmview.sdk.errors import InvalidInputError

__all__ = [
    "ResolutionLevel",
    "check_level",
    "check_max_size",
    "downsample",
    "level_for",
    "level_size",
    "max_level",
]


def _ceil_shift(value: int, level: int) -> int:
    return -(-value >> level)


def max_level(rows: int, columns: int) -> int:
    """Return the deepest level of a rows × columns frame: the first that is 1 × 1.

    Every level past it would be 1 × 1 again, so none is offered.

    Examples
    --------
    >>> max_level(1, 1), max_level(2, 1), max_level(2049, 10)
    (0, 1, 12)
    """
    return (max(int(rows), int(columns), 1) - 1).bit_length()


def level_size(rows: int, columns: int, level: int) -> tuple[int, int]:
    """Return (rows, columns) of `level`: ``ceil(rows / 2**level)``, ``ceil(columns / 2**level)``.

    Examples
    --------
    >>> level_size(3328, 2560, 2)
    (832, 640)
    >>> level_size(1025, 7, 3)
    (129, 1)
    """
    return _ceil_shift(int(rows), level), _ceil_shift(int(columns), level)


def check_level(level: object, rows: int, columns: int) -> int:
    """Return `level` as an int when a rows × columns frame has it.

    Raises
    ------
    TypeError
        `level` is not an int (a bool is not one).
    InvalidInputError
        `level` is outside ``0 .. max_level(rows, columns)``; the message says the range.
    """
    if isinstance(level, bool):
        raise TypeError(f"level must be an int, not {level!r}")
    try:
        value = operator.index(level)  # type: ignore[arg-type]  # any __index__ type
    except TypeError:
        raise TypeError(f"level must be an int, not {type(level).__name__}") from None
    deepest = max_level(rows, columns)
    if not 0 <= value <= deepest:
        raise InvalidInputError(
            f"invalid query: level {value} is outside 0..{deepest} for a "
            f"{rows}×{columns} frame (level {deepest} is 1×1)"
        )
    return value


def check_max_size(max_size: object) -> int:
    """Return `max_size` as an int >= 1.

    Raises
    ------
    TypeError
        Not an int.
    InvalidInputError
        Less than 1.
    """
    if isinstance(max_size, bool):
        raise TypeError(f"max_size must be an int, not {max_size!r}")
    try:
        value = operator.index(max_size)  # type: ignore[arg-type]  # any __index__ type
    except TypeError:
        raise TypeError(f"max_size must be an int, not {type(max_size).__name__}") from None
    if value < 1:
        raise InvalidInputError(f"invalid query: max_size must be 1 or more pixels, got {value}")
    return value


def level_for(rows: int, columns: int, max_size: int) -> int:
    """Return the least-work level whose larger side is still at least `max_size` pixels.

    The largest *n* with ``max(ceil(rows / 2**n), ceil(columns / 2**n)) >= max_size``;
    0 when the frame is smaller than `max_size` already.

    Parameters
    ----------
    rows, columns : int
        The full-resolution size.
    max_size : int
        The size, in pixels, the caller displays the frame at (its viewport's larger side).

    Raises
    ------
    InvalidInputError
        `max_size` below 1.

    Examples
    --------
    >>> level_for(3328, 2560, 1000), level_for(3328, 2560, 832), level_for(512, 512, 1000)
    (1, 2, 0)
    """
    size = check_max_size(max_size)
    level = 0
    while level < max_level(rows, columns) and max(level_size(rows, columns, level + 1)) >= size:
        level += 1
    return level


@dataclass(frozen=True, slots=True)
class ResolutionLevel:
    """One resolution level of a frame: its size, and how its pixels map to full resolution.

    Parameters
    ----------
    level : int
        0 is full resolution, *n* is ``1 / 2**n`` of it along each side (rounded up).
    full_rows, full_columns : int
        The frame's full-resolution size, (0028,0010) Rows and (0028,0011) Columns.

    Raises
    ------
    InvalidInputError
        `level` outside ``0 .. max_level(full_rows, full_columns)``.

    Examples
    --------
    >>> lv = ResolutionLevel(2, 1025, 1031)
    >>> lv.rows, lv.columns, round(lv.row_scale, 4), round(lv.column_scale, 4)
    (257, 258, 3.9883, 3.9961)
    >>> lv.to_full(10.0, 20.0)
    (39.88326848249027, 79.92248062015504)
    """

    level: int
    full_rows: int
    full_columns: int

    def __post_init__(self) -> None:
        level = check_level(self.level, self.full_rows, self.full_columns)
        object.__setattr__(self, "level", level)

    @property
    def rows(self) -> int:
        """Rows at this level: ``ceil(full_rows / 2**level)``."""
        return _ceil_shift(self.full_rows, self.level)

    @property
    def columns(self) -> int:
        """Columns at this level: ``ceil(full_columns / 2**level)``."""
        return _ceil_shift(self.full_columns, self.level)

    @property
    def row_scale(self) -> float:
        """Full-resolution rows per level row: ``full_rows / rows`` (2**level but at the edge)."""
        return self.full_rows / self.rows if self.rows else 1.0

    @property
    def column_scale(self) -> float:
        """Full-resolution columns per level column: ``full_columns / columns``."""
        return self.full_columns / self.columns if self.columns else 1.0

    def to_full(self, row: float, column: float) -> tuple[float, float]:
        """Map a position in this level's pixels to full-resolution pixels (scaled edges).

        The level image stretched over the full frame: position × scale. Pixel
        *edges* map exactly (0 to 0, ``rows`` to ``full_rows``).
        """
        return row * self.row_scale, column * self.column_scale


# -- area averaging ----------------------------------------------------------------------


def _halve(sums: AnyArray, axis: int, acc: np.dtype[Any]) -> AnyArray:
    """Add each pair of neighbours along `axis` (an odd last one is kept alone)."""
    even = sums[0::2] if axis == 0 else sums[:, 0::2]
    odd = sums[1::2] if axis == 0 else sums[:, 1::2]
    out = even.astype(acc, copy=True)
    if axis == 0:
        out[: odd.shape[0]] += odd
    else:
        out[:, : odd.shape[1]] += odd
    return out


def _block_sums(values: AnyArray, level: int, acc: np.dtype[Any]) -> AnyArray:
    # Pairwise sums, level times per axis: each step halves the array, so the
    # whole costs about two passes over the samples (numpy's reduceat took 3-6x longer).
    out = values
    for _ in range(level):
        out = _halve(out, 0, acc)
    for _ in range(level):
        out = _halve(out, 1, acc)
    return out


def _block_counts(rows: int, columns: int, level: int) -> tuple[AnyArray, AnyArray]:
    """Samples per block along rows and along columns (the last block may be short)."""
    size = 1 << level
    out_rows, out_columns = level_size(rows, columns, level)
    per_row = np.full(out_rows, size, np.int64)
    per_row[-1] = rows - (out_rows - 1) * size
    per_column = np.full(out_columns, size, np.int64)
    per_column[-1] = columns - (out_columns - 1) * size
    return per_row, per_column


def _round_mean(sums: AnyArray, counts: AnyArray) -> AnyArray:
    """Integer means rounded half up, exactly: floor((2 * sum + count) / (2 * count))."""
    wide: AnyArray = sums.astype(np.int64, copy=False)
    out: AnyArray = (2 * wide + counts) // (2 * counts)
    return out


def _accumulator(dtype: np.dtype[Any], level: int) -> np.dtype[Any]:
    if dtype.kind == "f" or (dtype.kind in "iu" and dtype.itemsize == 8):
        # 64-bit integers could overflow an int64 sum: float64 (rounded) instead.
        return np.dtype(np.float64)
    if dtype.itemsize <= 2 and level <= 7:
        # 65535 * 4**7 < 2**31: int32 sums are exact and faster to add.
        return np.dtype(np.int32)
    return np.dtype(np.int64)


def _mean(values: AnyArray, level: int) -> AnyArray:
    rows, columns = values.shape[:2]
    acc = _accumulator(values.dtype, level)
    sums = _block_sums(values, level, acc)
    per_row, per_column = _block_counts(rows, columns, level)
    extra = (None,) * (values.ndim - 2)
    if acc.kind == "f":
        counts = np.multiply.outer(per_row, per_column)[(..., *extra)]
        means = sums / counts
        if values.dtype.kind in "iu":
            means = np.floor(means + 0.5)
        return means.astype(values.dtype)
    full = 1 << (2 * level)
    # Inner blocks hold 4**level samples: the rounded mean is a shift (arithmetic,
    # so floor for negative sums too). The short last row and column are redone.
    out = (sums + (full // 2)) >> (2 * level)
    if rows % (1 << level):
        counts = (per_row[-1] * per_column)[(..., *extra)]
        out[-1] = _round_mean(sums[-1], counts)
    if columns % (1 << level):
        counts = per_row[(..., *extra)] * per_column[-1]
        out[:, -1] = _round_mean(sums[:, -1], counts)
    return out.astype(values.dtype)


def _mean_without(values: AnyArray, padding: AnyArray, level: int) -> AnyArray:
    """Block means of the samples that are not padding; padding-only blocks keep padding."""
    kept = np.where(padding, values.dtype.type(0), values)
    acc = _accumulator(values.dtype, level)
    sums = _block_sums(kept, level, acc)
    counts = _block_sums(~padding, level, np.dtype(np.int32))
    some = counts > 0
    if acc.kind == "f":
        means = sums / np.maximum(counts, 1)
        if values.dtype.kind in "iu":
            means = np.floor(means + 0.5)
    else:
        means = _round_mean(sums, np.maximum(counts, 1).astype(np.int64))
    out = means.astype(values.dtype)
    if not some.all():
        # A block of padding only: the mean of its (padding) samples is padding too.
        plain = _mean(values, level)
        out[~some] = plain[~some]
    return out


def downsample(
    values: AnyArray,
    level: int,
    *,
    padding: tuple[int, int] | None = None,
    decimate: bool = False,
) -> AnyArray:
    """Return `values` at `level`: the box mean of each 2**level × 2**level block.

    Parameters
    ----------
    values : numpy.ndarray
        Stored values, (rows, columns) or (rows, columns, samples).
    level : int
        0 returns `values` itself.
    padding : (int, int), optional
        The inclusive stored-value range of pixel padding (grayscale only): a
        block's mean leaves these samples out; a block of padding only keeps a
        padding value.
    decimate : bool
        Keep each block's first sample instead of the mean (PALETTE COLOR indexes).

    Returns
    -------
    numpy.ndarray
        Shape ``level_size(rows, columns, level)`` (+ samples), the dtype of `values`;
        integer means are rounded half up exactly, float means are float64 then cast.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.array([[0, 0, 9], [0, 65535, 9]], dtype=np.uint16)
    >>> downsample(a, 1).tolist(), downsample(a, 1, padding=(65535, 65535)).tolist()
    ([[16384, 9]], [[0, 9]])
    """
    if level == 0:
        return values
    if values.ndim not in (2, 3):
        raise TypeError(
            f"a frame is (rows, columns) or (rows, columns, samples), not {values.shape}"
        )
    if decimate:
        step = 1 << level
        return np.ascontiguousarray(values[::step, ::step])
    if values.dtype == np.bool_:
        values = values.astype(np.uint8)
    if padding is not None and values.ndim == 2 and values.dtype.kind in "iu":
        info = np.iinfo(values.dtype)
        # Clamped into the dtype, so that the comparisons cannot overflow.
        low, high = max(padding[0], int(info.min)), min(padding[1], int(info.max))
        mask = (values >= low) & (values <= high)
        if low <= high and mask.any():
            return _mean_without(values, mask, level)
    return _mean(values, level)
