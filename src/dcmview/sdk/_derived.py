"""What the readers of derived objects share: coded concepts, text values, colours, sources.

Segmentations, parametric maps and presentation states all name coded concepts,
read short text values, convert recommended CIELab colours and name the source
frames they were derived from (the Derivation Image functional group).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from dcmview.sdk._framegroups import is_dataset

if TYPE_CHECKING:  # pragma: no cover
    from pydicom import Dataset

    from dcmview.sdk._types import ArrayU8, StrPath
    from dcmview.sdk.catalog import Catalog
    from dcmview.sdk.instance import Instance

__all__ = [
    "Code",
    "colour_ramp",
    "dataset_of",
    "lab_to_rgb",
    "source_frames",
    "text",
    "uid_index",
]


@dataclass(frozen=True, slots=True)
class Code:
    """A coded concept: (Code Value, Coding Scheme Designator, Code Meaning)."""

    value: str
    scheme: str
    meaning: str

    @classmethod
    def from_item(cls, item: Dataset | None) -> Code | None:
        """The code of a Code Sequence item, or None."""
        if item is None:
            return None
        value = item.get("CodeValue") or item.get("LongCodeValue") or item.get("URNCodeValue")
        return cls(
            str(value or ""), str(item.get("CodingSchemeDesignator", "")), text(item, "CodeMeaning")
        )

    def to_json(self) -> dict[str, str]:
        """A JSON-ready dict."""
        return {"value": self.value, "scheme": self.scheme, "meaning": self.meaning}


def text(ds: Dataset, keyword: str) -> str:
    """The stripped text of `keyword` in `ds`, ``""`` when absent or empty."""
    value = ds.get(keyword)
    return str(value).strip() if value not in (None, "") else ""


def lab_to_rgb(dicom_lab: Sequence[int]) -> tuple[int, int, int]:
    """sRGB (0..255) of a DICOM CIELab triplet (0..65535 each, PS3.3 C.10.7.1.1).

    Uses highdicom's conversion (D65 white point); colours outside the sRGB
    gamut are clipped.
    """
    from highdicom.color import CIELabColor

    return CIELabColor.from_dicom_value([int(v) for v in dicom_lab]).to_rgb(clip=True)


# Colours for segments without a Recommended Display CIELab Value: distinct
# hues, cycled by segment number.
_PALETTE: tuple[tuple[int, int, int], ...] = (
    (230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48),
    (145, 30, 180), (70, 240, 240), (240, 50, 230), (210, 245, 60), (250, 190, 212),
)  # fmt: skip


def palette_color(number: int) -> tuple[int, int, int]:
    """The palette's colour for Segment Number `number` (1-based), cycling."""
    return _PALETTE[(number - 1) % len(_PALETTE)]


def source_frames(groups: list[Dataset]) -> list[tuple[str, int | None]]:
    """(source UID, 0-based frame or None) named by a SEG frame's Derivation Image group."""
    out: list[tuple[str, int | None]] = []
    for group in groups:
        for derivation in group.get("DerivationImageSequence") or []:
            if not is_dataset(derivation):
                continue
            for src in derivation.get("SourceImageSequence") or []:
                if not is_dataset(src):
                    continue
                uid = text(src, "ReferencedSOPInstanceUID")
                if not uid:
                    continue
                numbers = src.get("ReferencedFrameNumber")
                if numbers in (None, ""):
                    out.append((uid, None))
                    continue
                values = [numbers] if isinstance(numbers, int | float | str) else list(numbers)
                out.extend((uid, int(n) - 1) for n in values)
        if out:
            return out  # the per-frame group overrides the shared one
    return out


def uid_index(catalog: Catalog | None) -> dict[str, int]:
    """Catalog index by SOP Instance UID (empty without a catalog).

    A UID found twice (a copy of a file, or a broken copy beside the real one) maps
    to the later index, the choice :func:`dcmview.sdk.references.find_references`
    makes too, so every reader places an object on the same image.
    """
    if catalog is None:
        return {}
    return {h.sop_instance_uid: i for i, h in enumerate(catalog.headers) if h.sop_instance_uid}


def dataset_of(source: Instance | Dataset | StrPath) -> tuple[Dataset, str | None]:
    """The data set of `source` (an Instance, a pydicom Dataset or a path) and its file's path."""
    from pydicom.dataset import Dataset

    from dcmview.sdk.instance import Instance, open

    if isinstance(source, Dataset):
        filename = getattr(source, "filename", None)
        return source, filename if isinstance(filename, str) else None
    inst = source if isinstance(source, Instance) else open(source)
    return inst.dataset, inst.path


def colour_ramp(t: npt.ArrayLike, stops: Sequence[tuple[float, Sequence[int]]]) -> ArrayU8:
    """RGB (uint8, shape ``t.shape + (3,)``) of positions `t` on a colour ramp.

    `stops` are ``(position, (r, g, b))`` in increasing position; `t` is clipped to
    their range and each channel interpolated linearly (dose washes, parametric maps).
    """
    at = np.asarray([p for p, _ in stops], dtype=np.float64)
    rgb = np.asarray([c for _, c in stops], dtype=np.float64)
    tt = np.clip(np.asarray(t, dtype=np.float64), at[0], at[-1])
    channels = [np.interp(tt, at, rgb[:, k]) for k in range(3)]
    out: ArrayU8 = np.clip(np.rint(np.stack(channels, axis=-1)), 0, 255).astype(np.uint8)
    return out
