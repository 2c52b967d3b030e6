"""The dcmview SDK: open, scan, decode, window, render, tags and annotations.

Everything the viewer does is here, typed, for pipelines to use directly::

    import dcmview.sdk as sdk
    png = sdk.open("scan.dcm").frame(0).png(window=(40, 400))
"""

from __future__ import annotations

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
    UnsupportedError,
    UnsupportedPixelLayoutError,
    WindowError,
)
from dcmview.sdk.header import Header

__all__ = [
    "DcmviewError",
    "DecodeError",
    "DecoderUnavailableError",
    "FileReadError",
    "FrameIndexError",
    "Header",
    "ImageTooLargeError",
    "InvalidInputError",
    "InvalidPathError",
    "NoPixelDataError",
    "NotDicomError",
    "NotFoundError",
    "RoiFormatError",
    "UnsupportedError",
    "UnsupportedPixelLayoutError",
    "WindowError",
]
