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
    ContourImageError,
    DcmviewError,
    DecodeError,
    DecoderUnavailableError,
    DerivedObjectError,
    DoseGridError,
    FileReadError,
    FrameIndexError,
    GeometryMismatchError,
    ImageGeometryError,
    ImageTooLargeError,
    InvalidInputError,
    InvalidPathError,
    MissingSourceError,
    NoPixelDataError,
    NotDicomError,
    NotFoundError,
    OverlayDataError,
    RoiFormatError,
    ScanTimeoutError,
    StructureSetError,
    UnsupportedError,
    UnsupportedOverlayError,
    UnsupportedPixelLayoutError,
    WindowError,
    WrongObjectKindError,
)

if TYPE_CHECKING:
    from dcmview.sdk.cache import ByteCache
    from dcmview.sdk.catalog import Catalog, ScanProgress, SkippedFile, scan
    from dcmview.sdk.document import Document, DocumentItem, read_document
    from dcmview.sdk.dose import DoseGrid, DosePlane, read_dose
    from dcmview.sdk.frame import Frame
    from dcmview.sdk.geometry import Plane, Volume
    from dcmview.sdk.grouping import Patient, Series, Study
    from dcmview.sdk.header import Header
    from dcmview.sdk.instance import Instance, open
    from dcmview.sdk.levels import ResolutionLevel
    from dcmview.sdk.overlay import OverlayPlane, read_overlays
    from dcmview.sdk.parametric import ParametricMap, read_parametric_map
    from dcmview.sdk.presentation import PresentationState, read_presentation_state
    from dcmview.sdk.references import Reference, References
    from dcmview.sdk.roi import MatchReport, Roi, RoiSet
    from dcmview.sdk.rtstruct import StructureSet, read_structure_set
    from dcmview.sdk.segmentation import Segment, Segmentation, read_segmentation
    from dcmview.sdk.support import Support, classify
    from dcmview.sdk.tags import tag_tree
    from dcmview.sdk.window import PRESETS, Window, WindowLike

# public name -> the module to import it from
_LAZY: dict[str, str] = {
    "ByteCache": "cache",
    "Catalog": "catalog",
    "Patient": "grouping",
    "ScanProgress": "catalog",
    "Series": "grouping",
    "SkippedFile": "catalog",
    "Study": "grouping",
    "scan": "catalog",
    "Document": "document",
    "DocumentItem": "document",
    "read_document": "document",
    "DoseGrid": "dose",
    "DosePlane": "dose",
    "read_dose": "dose",
    "Frame": "frame",
    "Plane": "geometry",
    "Volume": "geometry",
    "Header": "header",
    "Instance": "instance",
    "open": "instance",
    "ResolutionLevel": "levels",
    "ParametricMap": "parametric",
    "read_parametric_map": "parametric",
    "PresentationState": "presentation",
    "read_presentation_state": "presentation",
    "Reference": "references",
    "References": "references",
    "MatchReport": "roi",
    "Roi": "roi",
    "RoiSet": "roi",
    "Segment": "segmentation",
    "Segmentation": "segmentation",
    "read_segmentation": "segmentation",
    "OverlayPlane": "overlay",
    "read_overlays": "overlay",
    "StructureSet": "rtstruct",
    "read_structure_set": "rtstruct",
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
    "ContourImageError",
    "DcmviewError",
    "DecodeError",
    "DecoderUnavailableError",
    "DerivedObjectError",
    "Document",
    "DocumentItem",
    "DoseGrid",
    "DoseGridError",
    "DosePlane",
    "FileReadError",
    "Frame",
    "FrameIndexError",
    "GeometryMismatchError",
    "Header",
    "ImageGeometryError",
    "ImageTooLargeError",
    "Instance",
    "InvalidInputError",
    "InvalidPathError",
    "MatchReport",
    "MissingSourceError",
    "NoPixelDataError",
    "NotDicomError",
    "NotFoundError",
    "OverlayDataError",
    "OverlayPlane",
    "PRESETS",
    "ParametricMap",
    "Patient",
    "Plane",
    "PresentationState",
    "Reference",
    "References",
    "ResolutionLevel",
    "Roi",
    "RoiFormatError",
    "RoiSet",
    "ScanProgress",
    "ScanTimeoutError",
    "Segment",
    "Segmentation",
    "Series",
    "SkippedFile",
    "StructureSet",
    "StructureSetError",
    "Study",
    "Support",
    "UnsupportedError",
    "UnsupportedOverlayError",
    "UnsupportedPixelLayoutError",
    "Volume",
    "Window",
    "WindowError",
    "WindowLike",
    "WrongObjectKindError",
    "classify",
    "open",
    "read_document",
    "read_dose",
    "read_overlays",
    "read_parametric_map",
    "read_presentation_state",
    "read_segmentation",
    "read_structure_set",
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
