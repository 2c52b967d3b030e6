"""The dcmview SDK: open, scan, decode, window, render, tags and annotations.

Everything the viewer does is here, typed, for pipelines to use directly::

    import dcmview.sdk as sdk
    png = sdk.open("scan.dcm").frame(0).png(window=(40, 400))
    catalog = sdk.scan("study_dir", filters={"modality": "MG"})
    rois = sdk.RoiSet.from_embed_csv("embed.csv")

The names below are imported on first use, so ``import dcmview.sdk`` stays cheap
(the scan's worker processes and the command line start faster for it).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from dcmview.sdk.errors import (
    DcmviewError,
    DecodeError,
    DecoderUnavailableError,
    FileReadError,
    FrameIndexError,
    ImageTooLargeError,
    InvalidInputError,
    InvalidPathError,
    NoPixelDataError,
    NotDicomError,
    NotFoundError,
    RoiFormatError,
    ScanTimeoutError,
    UnsupportedError,
    UnsupportedPixelLayoutError,
    WindowError,
)
from dcmview.sdk.header import Header

if TYPE_CHECKING:
    from dcmview.sdk.cache import ByteCache
    from dcmview.sdk.catalog import (
        Catalog,
        Patient,
        ScanProgress,
        Series,
        SkippedFile,
        Study,
        scan,
    )
    from dcmview.sdk.frame import Frame
    from dcmview.sdk.instance import Instance, open
    from dcmview.sdk.levels import ResolutionLevel
    from dcmview.sdk.roi import MatchReport, Roi, RoiSet
    from dcmview.sdk.support import Support, classify
    from dcmview.sdk.tags import tag_tree
    from dcmview.sdk.window import PRESETS, Window, WindowLike

# public name -> the module to import it from
_LAZY: dict[str, str] = {
    "ByteCache": "cache",
    "Catalog": "catalog",
    "Patient": "catalog",
    "ScanProgress": "catalog",
    "Series": "catalog",
    "SkippedFile": "catalog",
    "Study": "catalog",
    "scan": "catalog",
    "Frame": "frame",
    "Instance": "instance",
    "open": "instance",
    "ResolutionLevel": "levels",
    "MatchReport": "roi",
    "Roi": "roi",
    "RoiSet": "roi",
    "Support": "support",
    "classify": "support",
    "tag_tree": "tags",
    "PRESETS": "window",
    "Window": "window",
    "WindowLike": "window",
}

__all__ = [
    "ByteCache",
    "Catalog",
    "DcmviewError",
    "DecodeError",
    "DecoderUnavailableError",
    "FileReadError",
    "Frame",
    "FrameIndexError",
    "Header",
    "ImageTooLargeError",
    "Instance",
    "InvalidInputError",
    "InvalidPathError",
    "MatchReport",
    "NoPixelDataError",
    "NotDicomError",
    "NotFoundError",
    "PRESETS",
    "Patient",
    "ResolutionLevel",
    "Roi",
    "RoiFormatError",
    "RoiSet",
    "ScanProgress",
    "ScanTimeoutError",
    "Series",
    "SkippedFile",
    "Study",
    "Support",
    "UnsupportedError",
    "UnsupportedPixelLayoutError",
    "Window",
    "WindowError",
    "WindowLike",
    "classify",
    "open",
    "scan",
    "tag_tree",
]


def __getattr__(name: str) -> Any:
    if name == "FrameCache":
        import warnings

        warnings.warn(
            "dcmview.sdk.FrameCache is deprecated: it is ByteCache now "
            "(it caches PNGs, raw bodies and tag trees as well as frames)",
            DeprecationWarning,
            stacklevel=2,
        )
        from dcmview.sdk.cache import ByteCache

        return ByteCache  # not kept in globals(): every use is told
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'dcmview.sdk' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"dcmview.sdk.{module}"), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
