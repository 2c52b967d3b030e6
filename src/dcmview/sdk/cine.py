"""Cine: the frame rate a multi-frame file asks its frames to be played at.

Read from a pydicom header (:attr:`dcmview.sdk.Instance.cine_rate`) or from a
scan's :class:`~dcmview.sdk.header.Header`; a module of its own so that the
server lists files without importing the decoders.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from dcmview.sdk.header import Header

if TYPE_CHECKING:  # pragma: no cover
    from pydicom.dataset import Dataset

__all__ = ["cine_rate"]


def cine_rate(source: Dataset | Header) -> float | None:
    """Return the frames per second a file asks its frames to be played at, or None.

    Cine Rate (0018,0040), else 1000 / Frame Time (0018,1063, in milliseconds),
    else Recommended Display Frame Rate (0008,2144) (PS3.3 C.7.6.5, C.7.6.6); a
    value that is absent, unreadable, zero or negative is passed over.

    Parameters
    ----------
    source : pydicom.dataset.Dataset or Header
        A header read by pydicom, or a scan's :class:`Header` (which knows these
        attributes only when the scan kept them in ``Header.extra``).

    Examples
    --------
    >>> from pydicom import Dataset
    >>> ds = Dataset()
    >>> ds.FrameTime = "40"
    >>> cine_rate(ds)
    25.0
    >>> ds.CineRate = 30
    >>> cine_rate(ds), cine_rate(Dataset())
    (30.0, None)
    """
    for keyword, per_second in (
        ("CineRate", False),
        ("FrameTime", True),
        ("RecommendedDisplayFrameRate", False),
    ):
        if isinstance(source, Header):
            value: object = source.value(keyword)
        else:
            try:
                value = source.get(keyword)
            except Exception:  # a corrupt value counts as absent (as Instance._get)
                continue
        try:
            number = float(value) if value not in (None, "") else 0.0  # type: ignore[arg-type]  # DS, IS or str
        except (TypeError, ValueError):
            continue
        if per_second and number > 0:
            number = 1000.0 / number
        if math.isfinite(number) and number > 0:
            return number
    return None
