"""The DcmviewError tree: every error the SDK raises, each with a stable ``code``.

The SDK raises only these (and :class:`TypeError` for programmer mistakes).
Foreign errors (pydicom, codecs, pandas, the OS) are wrapped where they are met,
with ``raise X(...) from exc``. Every class also inherits the builtin that fits,
so a caller's ``except ValueError`` or ``except IndexError`` keeps working::

    DcmviewError                                  code
    ├── NotFoundError(LookupError)                not_found               unknown file index
    │   └── FrameIndexError(IndexError)           frame_out_of_range      frame outside 0..n-1
    ├── InvalidInputError(ValueError)             invalid_query           a bad argument
    │   ├── InvalidPathError                      invalid_path            a path that is not there
    │   ├── NotDicomError                         not_dicom               not a DICOM file
    │   ├── WindowError                           invalid_window          width <= 0, wc without ww
    │   ├── RoiFormatError                        invalid_annotations     bad EMBED CSV / JSON / box
    │   └── RedactionError                        invalid_redactions      a box that cannot redact
    ├── NoPixelDataError(LookupError)             no_pixel_data           a file without Pixel Data
    ├── FileReadError(OSError)                    file_unreadable         unreadable since the scan
    ├── UnsupportedError                          unsupported_transfer_syntax
    │   ├── UnsupportedPixelLayoutError           unsupported_pixel_layout
    │   ├── ImageTooLargeError                    image_too_large         refused before allocating
    │   └── UnsupportedOverlayError               unsupported_overlay     overlay stored otherwise
    ├── DecodeError                               pixel_decode_failed     corrupt pixel data
    │   ├── DecoderUnavailableError               decoder_missing         names the extra to install
    │   └── OverlayDataError                      invalid_overlay         no bitmap from its bits
    ├── DerivedObjectError(ValueError)            derived_object_invalid  a broken SEG, map or state
    │   ├── WrongObjectKindError                  derived_object_kind     not the kind asked for
    │   ├── StructureSetError                     invalid_structure_set   a broken RTSTRUCT
    │   ├── DoseGridError                         invalid_dose_grid       no usable dose grid
    │   ├── MissingSourceError(LookupError)       derived_source_missing  its source is not listed
    │   │   └── ContourImageError                 contour_image_not_found on no image
    │   └── GeometryMismatchError                 derived_geometry_mismatch  does not fit its source
    │       └── ImageGeometryError                no_image_geometry       a frame with no plane
    ├── ScanTimeoutError(TimeoutError)            scan_timeout            a wait for a scan ran out
    └── RemoteSourceError(OSError)                remote_source_failed    an archive or store failed

The HTTP status of each code is decided in one table in ``dcmview.server``; the
client maps codes back to these classes with :func:`error_class_for_code`.
"""

from __future__ import annotations

__all__ = [
    "ContourImageError",
    "DcmviewError",
    "DecodeError",
    "DecoderUnavailableError",
    "DerivedObjectError",
    "DoseGridError",
    "FileReadError",
    "FrameIndexError",
    "GeometryMismatchError",
    "ImageGeometryError",
    "ImageTooLargeError",
    "InvalidInputError",
    "InvalidPathError",
    "MissingSourceError",
    "NoPixelDataError",
    "NotDicomError",
    "NotFoundError",
    "OverlayDataError",
    "RedactionError",
    "RemoteSourceError",
    "RoiFormatError",
    "ScanTimeoutError",
    "StructureSetError",
    "UnsupportedError",
    "UnsupportedOverlayError",
    "UnsupportedPixelLayoutError",
    "WindowError",
    "WrongObjectKindError",
    "error_class_for_code",
]


class DcmviewError(Exception):
    """Base class of every error raised by dcmview.

    Parameters
    ----------
    message : str
        What was wrong, the offending value and, where it helps, what to do.
    path : str, optional
        The file the error is about, when there is one.

    Attributes
    ----------
    code : str
        A stable, machine-readable code (the ``code`` of the HTTP error body).
    status : int or None
        The HTTP status of the answer, when :mod:`dcmview.client` raised the error
        for a server's error answer; None when the SDK raised it.
    """

    code: str = "error"
    status: int | None = None

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def __str__(self) -> str:
        return self.message


class NotFoundError(DcmviewError, LookupError):
    """An index that names no file of the catalog."""

    code = "not_found"


class FrameIndexError(NotFoundError, IndexError):
    """A frame index outside ``0 .. number_of_frames - 1``."""

    code = "frame_out_of_range"


class InvalidInputError(DcmviewError, ValueError):
    """An argument or parameter with a value that cannot be used."""

    code = "invalid_query"


class InvalidPathError(InvalidInputError):
    """A path that does not exist or cannot be read."""

    code = "invalid_path"


class NotDicomError(InvalidInputError):
    """A file that is not DICOM (even when read without the preamble)."""

    code = "not_dicom"


class WindowError(InvalidInputError):
    """A window that cannot be applied: width <= 0, a center without a width, ..."""

    code = "invalid_window"


class RoiFormatError(InvalidInputError):
    """Annotations that cannot be used; the message names the CSV row, column and value.

    Parameters
    ----------
    message, path
        As :class:`DcmviewError`.
    row : int, optional
        The CSV row (the header is row 1, the first data row row 2).
    column : str, optional
        The column of the cell.
    value : str, optional
        The cell's text.
    """

    code = "invalid_annotations"

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: str | None = None,
    ) -> None:
        super().__init__(message, path=path)
        self.row = row
        self.column = column
        self.value = value


class RedactionError(InvalidInputError):
    """Redaction boxes that cannot be applied: bad JSON shape, a box outside the image,
    a frame out of range, or a file without an image; the message names the box."""

    code = "invalid_redactions"


class NoPixelDataError(DcmviewError, LookupError):
    """A DICOM file that has no Pixel Data (a structured report, say)."""

    code = "no_pixel_data"


class FileReadError(DcmviewError, OSError):
    """A file that was readable once but is gone, truncated or unreadable now."""

    code = "file_unreadable"


class UnsupportedError(DcmviewError):
    """Pixel data in a transfer syntax that no decoder here handles."""

    code = "unsupported_transfer_syntax"


class UnsupportedPixelLayoutError(UnsupportedError):
    """A pixel layout (bits, samples, photometric interpretation) that cannot be shown."""

    code = "unsupported_pixel_layout"


class ImageTooLargeError(UnsupportedError):
    """Declared dimensions too large to decode safely; refused before allocating."""

    code = "image_too_large"


class DecodeError(DcmviewError):
    """Pixel data that is corrupt or truncated and cannot be decoded."""

    code = "pixel_decode_failed"


class DecoderUnavailableError(DecodeError):
    """No installed decoder handles this transfer syntax; the message names what to install."""

    code = "decoder_missing"


class DerivedObjectError(DcmviewError, ValueError):
    """A derived object (SEG, parametric map, presentation state, ...) that cannot be used.

    Raised for a broken encoding (a missing required sequence, a frame that
    names no segment, values of the wrong type); the message names the file.
    """

    code = "derived_object_invalid"


class WrongObjectKindError(DerivedObjectError):
    """A file that is not the kind of object asked for (a CT image read as a SEG, say)."""

    code = "derived_object_kind"


class MissingSourceError(DerivedObjectError, LookupError):
    """A derived object whose source image (or frame) is not in the catalog or not referenced."""

    code = "derived_source_missing"


class GeometryMismatchError(DerivedObjectError):
    """A derived object whose geometry does not fit its source image.

    Sizes differ, or the object refers by Frame of Reference and no frame of it
    lies on the source frame's pixel grid.
    """

    code = "derived_geometry_mismatch"


class StructureSetError(DerivedObjectError):
    """An RT Structure Set that cannot be read: not an RTSTRUCT, bad contour data, ..."""

    code = "invalid_structure_set"


class DoseGridError(DerivedObjectError):
    """An RT Dose that cannot be used: no grid geometry, no Dose Units, offsets that do not fit."""

    code = "invalid_dose_grid"


class ContourImageError(MissingSourceError):
    """A contour that lies on none of the images given (``StructureSet.match``, strict)."""

    code = "contour_image_not_found"


class ImageGeometryError(GeometryMismatchError):
    """An image frame without the plane geometry (position, orientation, spacing) needed."""

    code = "no_image_geometry"


class OverlayDataError(DecodeError):
    """An overlay whose attributes or data cannot make a bitmap (too short, no rows, ...)."""

    code = "invalid_overlay"


class UnsupportedOverlayError(UnsupportedError):
    """An overlay stored in a way not read here (embedded in compressed Pixel Data, ...)."""

    code = "unsupported_overlay"


class ScanTimeoutError(DcmviewError, TimeoutError):
    """A scan was still running when a wait for it ran out of time.

    Also a :class:`TimeoutError`, so ``except TimeoutError`` catches it too.
    """

    code = "scan_timeout"


class RemoteSourceError(DcmviewError, OSError):
    """A remote source (a DICOMweb archive, an object store) failed or did not answer in time.

    The message names the URL (never its credentials) and the HTTP status or the
    network error; the request was retried with backoff first.

    Parameters
    ----------
    message : str
        What failed.
    url : str
        The URL asked, without user name or password.
    status : int, optional
        The HTTP status the archive answered; None when it did not answer
        (refused, reset, timed out).

    Attributes
    ----------
    url : str
    remote_status : int or None
    """

    code = "remote_source_failed"

    def __init__(
        self, message: str, *, url: str = "", status: int | None = None, path: str | None = None
    ) -> None:
        super().__init__(message, path=path)
        self.url = url
        self.remote_status = status


def _all_classes() -> list[type[DcmviewError]]:
    found: list[type[DcmviewError]] = [DcmviewError]
    for cls in found:
        found.extend(c for c in cls.__subclasses__() if c not in found)
    return found


def error_class_for_code(code: str) -> type[DcmviewError]:
    """Return the error class whose ``code`` is `code`, or :class:`DcmviewError`.

    Parameters
    ----------
    code : str
        A code from an HTTP error body.

    Returns
    -------
    type[DcmviewError]
        The matching class; the root class for an unknown code.

    Examples
    --------
    >>> error_class_for_code("frame_out_of_range").__name__
    'FrameIndexError'
    >>> error_class_for_code("no_such_code").__name__
    'DcmviewError'
    """
    for cls in _all_classes():
        if cls.code == code:
            return cls
    return DcmviewError
