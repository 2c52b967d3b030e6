"""Per-frame attributes of an enhanced (multi-frame) header: its functional groups.

Enhanced IODs (PS3.3 C.7.6.16, Multi-frame Functional Groups) keep per-frame
attributes in items of the Per-Frame Functional Groups Sequence (5200,9230),
one item per frame, and attributes shared by every frame in the one item of the
Shared Functional Groups Sequence (5200,9229); a per-frame value overrides the
shared one. :func:`functional_groups` yields those items in that order; the
rescale (:mod:`dcmview.sdk.display`) and the VOI window
(:mod:`dcmview.sdk.window`) of a frame are looked up in them first.

The sequences of a damaged file may hold anything (a corrupt element is read
as bytes, an item may be a number), so only :class:`pydicom.Dataset` items are
ever yielded. pydicom itself is imported on first use: :mod:`dcmview.sdk.window`
imports this module and must stay importable without it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:  # pragma: no cover
    from pydicom import Dataset

__all__ = ["first_item", "functional_groups", "is_dataset"]


def is_dataset(item: object) -> bool:
    """Whether `item` is a pydicom Dataset (a sequence item, not a corrupt value)."""
    from pydicom.dataset import Dataset

    return isinstance(item, Dataset)


def first_item(ds: Dataset, keyword: str) -> Dataset | None:
    """The first item of sequence `keyword` in `ds`, or None (absent, empty or corrupt)."""
    seq = ds.get(keyword)
    if not seq:
        return None
    try:
        item = seq[0]
    except (TypeError, IndexError):
        return None
    # A corrupt element read as bytes (UN) is not a sequence of items (issue 7).
    return cast("Dataset", item) if is_dataset(item) else None


def functional_groups(ds: Dataset, index: int) -> Iterator[Dataset]:
    """The per-frame item of frame `index`, then the shared item, when present.

    PS3.3 C.7.6.16: an attribute in the Per-Frame Functional Groups Sequence
    (5200,9230) item of a frame overrides the Shared Functional Groups Sequence
    (5200,9229).

    Parameters
    ----------
    ds : pydicom.Dataset
        The instance's header.
    index : int
        0-based frame index.

    Yields
    ------
    pydicom.Dataset
        At most two functional group items, the frame's own first.
    """
    per_frame = ds.get("PerFrameFunctionalGroupsSequence")
    if per_frame and 0 <= index < len(per_frame) and is_dataset(per_frame[index]):
        yield per_frame[index]
    shared = first_item(ds, "SharedFunctionalGroupsSequence")
    if shared is not None:
        yield shared
