"""Support: what kind of DICOM object a file is and what dcmview can show of it.

:func:`classify` answers from a scan's :class:`~dcmview.sdk.header.Header` alone
(no file I/O), so a catalog of any size is classified as fast as it is listed.
Its fields are those of the predecessor tool's file records (``object_kind``,
``support_state``, ``support_reason``, ``raw_windowing_compatible``, ...) with its
vocabulary, but the answers are this SDK's: a transfer syntax is ``renderable``
when a decoder here handles it (JPEG 2000 lossy, JPEG Extended 12-bit and
JPEG-LS near-lossless too, which the predecessor refused). docs/http-api.md
lists the rules and where they differ from the predecessor's.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal, TypeAlias

if TYPE_CHECKING:  # pragma: no cover
    from dcmview.sdk.header import Header

__all__ = [
    "ObjectKind",
    "Support",
    "SupportState",
    "classify",
    "object_kind",
    "pixel_aspect_ratio",
]

ObjectKind: TypeAlias = Literal[
    "classic_image",
    "enhanced_image",
    "whole_slide_microscopy",
    "segmentation",
    "parametric_map",
    "presentation_state",
    "structured_report",
    "key_object_selection",
    "encapsulated_pdf",
    "registration",
    "real_world_value_mapping",
    "radiation_therapy",
    "waveform",
    "unknown",
]
"""The family of a SOP Class (the predecessor's ``object_kind`` vocabulary)."""

SupportState: TypeAlias = Literal["renderable", "unsupported", "metadata_only"]
"""Whether the frames of a file can be shown: ``metadata_only`` has no pixel data."""

# -- object kinds (PS3.4 B.5, the Storage SOP Classes) ------------------------------

_STORAGE: Final = "1.2.840.10008.5.1.4.1.1."

# Single-frame and classic multi-frame image IODs (one Image Pixel module, no
# functional groups). The predecessor knows the first row; the rest are images
# it calls "unknown".
_CLASSIC: Final = (
    "1 1.1 1.2 1.2.1 2 3.1 4 6.1 7 7.1 12.1 12.2 20 77.1.1 77.1.2 77.1.4 128 "
    "1.1.1 1.3 1.3.1 3 5 6 7.2 7.3 7.4 12.3 77.1.1.1 77.1.2.1 77.1.3 77.1.4.1 "
    "77.1.5.1 77.1.5.2"
)
# Image IODs built on the Multi-frame Functional Groups module (PS3.3 C.7.6.16):
# Enhanced CT/MR/PET as in the predecessor, and the other members of the family,
# breast tomosynthesis (13.1.3) among them, which the predecessor calls "unknown".
_ENHANCED: Final = (
    "2.1 4.1 130 "
    "2.2 4.3 4.4 6.2 12.1.1 12.2.1 13.1.1 13.1.2 13.1.3 13.1.4 13.1.5 14.1 14.2 "
    "77.1.5.4 128.1"
)
_EXACT: Final[dict[str, ObjectKind]] = {
    **{_STORAGE + s: "classic_image" for s in _CLASSIC.split()},
    **{_STORAGE + s: "enhanced_image" for s in _ENHANCED.split()},
    _STORAGE + "77.1.6": "whole_slide_microscopy",
    _STORAGE + "66.4": "segmentation",
    _STORAGE + "66.7": "segmentation",  # Label Map Segmentation
    _STORAGE + "30": "parametric_map",
    _STORAGE + "88.59": "key_object_selection",
    _STORAGE + "104.1": "encapsulated_pdf",
    _STORAGE + "66.1": "registration",
    _STORAGE + "66.3": "registration",  # Deformable Spatial Registration
    _STORAGE + "67": "real_world_value_mapping",
}
# Whole families by UID prefix. The predecessor lists a few members of each
# (Basic Text, Comprehensive and Comprehensive 3D SR; four presentation states;
# two ECGs; six RT classes) and calls the other members "unknown".
_FAMILIES: Final[tuple[tuple[str, ObjectKind], ...]] = (
    (_STORAGE + "88.", "structured_report"),
    (_STORAGE + "11.", "presentation_state"),
    (_STORAGE + "9.", "waveform"),
    (_STORAGE + "481.", "radiation_therapy"),
)


@functools.lru_cache(maxsize=256)
def object_kind(sop_class_uid: str) -> ObjectKind:
    """Return the family of a SOP Class UID.

    Parameters
    ----------
    sop_class_uid : str
        (0008,0016) SOP Class UID.

    Returns
    -------
    ObjectKind
        ``"classic_image"`` for single-frame and classic multi-frame images (CT,
        MR, CR, DX, MG, US, secondary capture, ...), ``"enhanced_image"`` for the
        functional-group image IODs (Enhanced CT/MR/PET, breast tomosynthesis,
        ...), the object's family for the others, ``"unknown"`` otherwise.

    Examples
    --------
    >>> object_kind("1.2.840.10008.5.1.4.1.1.2")
    'classic_image'
    >>> object_kind("1.2.840.10008.5.1.4.1.1.13.1.3")
    'enhanced_image'
    >>> object_kind("1.2.840.10008.5.1.4.1.1.88.22")
    'structured_report'
    >>> object_kind("1.2.3.4")
    'unknown'
    """
    uid = sop_class_uid.strip()
    kind = _EXACT.get(uid)
    if kind is not None:
        return kind
    for prefix, family in _FAMILIES:
        if uid.startswith(prefix):
            return family
    return "unknown"


# -- support state ----------------------------------------------------------------------

# Reasons, in the predecessor's words.
_NO_PIXELS: Final = "pixel_data.absent_or_unrecognized"
_TS_NOT_SUPPORTED: Final = "transfer_syntax.not_supported"
_JPEG_LS_NOT_SUPPORTED: Final = "transfer_syntax.jpeg_ls_not_supported"
_JPEG_XL_NOT_SUPPORTED: Final = "transfer_syntax.jpeg_xl_not_supported"
_INVALID_GEOMETRY: Final = "pixel_layout.invalid_geometry"
_PRECISION_NOT_SUPPORTED: Final = "pixel_layout.numeric_precision_not_supported"
_SAMPLES_NOT_SUPPORTED: Final = "pixel_layout.samples_per_pixel_not_supported"
_PHOTOMETRIC_NOT_SUPPORTED: Final = "pixel_layout.photometric_interpretation_not_supported"
# Beyond the predecessor's vocabulary: this SDK's own limit (ImageTooLargeError).
_TOO_LARGE: Final = "pixel_layout.image_too_large"
# Beyond too: the file ends inside its Pixel Data (Header.pixel_data_truncated).
_TRUNCATED: Final = "pixel_data.truncated"
# Why raw samples cannot reproduce the server's grey levels (beyond: the predecessor
# answers raw_windowing_compatible true for every file).
_MODALITY_LUT_NOT_IN_RAW: Final = "modality_lut.table_not_in_raw"
_VOI_LUT_NOT_IN_RAW: Final = "voi_lut.table_not_in_raw"

_JPEG_LS: Final = frozenset({"1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81"})
# JPEG XL (PS3.5 A.4.12): lossless, JPEG recompression, JPEG XL.
_JPEG_XL: Final = frozenset(
    {"1.2.840.10008.1.2.4.110", "1.2.840.10008.1.2.4.111", "1.2.840.10008.1.2.4.112"}
)
# JPEG 2000 and HTJ2K: OpenJPEG needs 4 bytes per sample of working memory on top of
# the decoded frame, which Instance counts against MAX_FRAME_BYTES too.
_J2K: Final = frozenset(
    "1.2.840.10008.1.2.4." + s for s in ("90", "91", "92", "93", "201", "202", "203")
)
# Samples are decoded into numpy integers or floats: 24, 40, 48 or 56 bits have no dtype
# (Instance checks for 1 or a multiple of 8, and pydicom then refuses the others).
_BITS_ALLOCATED: Final = frozenset({1, 8, 16, 32, 64})
# PS3.3 C.7.6.3.1.2 (with the retired HSV, ARGB, CMYK): the values pydicom decodes.
_PHOTOMETRIC: Final = frozenset(
    {
        "MONOCHROME1",
        "MONOCHROME2",
        "PALETTE COLOR",
        "RGB",
        "HSV",
        "ARGB",
        "CMYK",
        "YBR_FULL",
        "YBR_FULL_422",
        "YBR_PARTIAL_422",
        "YBR_PARTIAL_420",
        "YBR_ICT",
        "YBR_RCT",
        "XYB",
    }
)


@functools.lru_cache(maxsize=64)
def _decodable(transfer_syntax_uid: str) -> bool:
    """Whether a decoder here handles the syntax (cached: the answer is per process)."""
    from dcmview.sdk import codecs

    try:
        return codecs.available(transfer_syntax_uid)
    except Exception:  # a string that is no UID at all: nothing decodes it
        return False


def _support(h: Header) -> tuple[SupportState, str | None]:
    """The support state and reason of a file; the checks Instance makes before decoding."""
    if not h.has_pixels:
        return "metadata_only", _NO_PIXELS
    ts = h.transfer_syntax_uid
    if not _decodable(ts):
        if ts in _JPEG_LS:
            return "unsupported", _JPEG_LS_NOT_SUPPORTED
        if ts in _JPEG_XL:
            return "unsupported", _JPEG_XL_NOT_SUPPORTED
        return "unsupported", _TS_NOT_SUPPORTED
    if h.rows <= 0 or h.columns <= 0:
        return "unsupported", _INVALID_GEOMETRY
    if h.pixel_data_truncated:
        return "unsupported", _TRUNCATED
    bits = h.bits_allocated
    if bits not in _BITS_ALLOCATED:
        return "unsupported", _PRECISION_NOT_SUPPORTED
    if h.samples_per_pixel not in (1, 3):
        return "unsupported", _SAMPLES_NOT_SUPPORTED
    if h.photometric_interpretation.upper() not in _PHOTOMETRIC:
        return "unsupported", _PHOTOMETRIC_NOT_SUPPORTED
    from dcmview.sdk.instance import MAX_FRAME_BYTES

    samples = h.rows * h.columns * h.samples_per_pixel
    need = samples * max(bits, 8) // 8 + (samples * 4 if ts in _J2K else 0)
    if need > MAX_FRAME_BYTES:
        return "unsupported", _TOO_LARGE
    return "renderable", None


def _raw_windowing(h: Header, state: SupportState) -> tuple[bool, str | None]:
    """Whether /raw samples and their X-Frame-* headers reproduce the server's grey levels."""
    grey = h.samples_per_pixel == 1 and h.photometric_interpretation.upper() != "PALETTE COLOR"
    if state != "renderable" or not grey:
        return True, None  # nothing is windowed (colour) or shown: nothing to reproduce
    if h.has_modality_lut:
        # PS3.3 C.11.1: the table replaces the rescale the raw answer sends.
        return False, _MODALITY_LUT_NOT_IN_RAW
    if h.has_voi_lut:
        # PS3.3 C.11.2.1.1: the default window is a table (X-Frame-Voi-Lut: 1).
        return False, _VOI_LUT_NOT_IN_RAW
    return True, None


def _ratio(values: tuple[float, ...] | None) -> float | None:
    """vertical / horizontal of a (row, column) pair of positive sizes, else None."""
    if values is None or len(values) != 2:
        return None
    vertical, horizontal = values
    if not (math.isfinite(vertical) and math.isfinite(horizontal)):
        return None
    if vertical <= 0 or horizontal <= 0:
        return None
    return vertical / horizontal


def pixel_aspect_ratio(h: Header) -> float | None:
    """The height of a pixel over its width, or None when the file does not say.

    PS3.3 C.7.6.3.1.7: Pixel Aspect Ratio is only required when no physical
    spacing is given, so the spacing comes first: Pixel Spacing (top level, else
    the Shared Functional Groups' Pixel Measures), then Imager Pixel Spacing, then
    Pixel Aspect Ratio. A source that is not two positive numbers is passed over.

    Parameters
    ----------
    h : Header

    Returns
    -------
    float or None
        ``2.0`` for Pixel Spacing ``0.5\\0.25`` (rows 0.5 mm apart, columns 0.25 mm).

    Examples
    --------
    >>> from dcmview.sdk.header import Header
    >>> pixel_aspect_ratio(Header(path="/a.dcm", pixel_aspect_ratio=(4.0, 3.0)))
    1.3333333333333333
    >>> pixel_aspect_ratio(Header(path="/a.dcm")) is None
    True
    """
    for source in (h.pixel_spacing, h.imager_pixel_spacing, h.pixel_aspect_ratio):
        ratio = _ratio(source)
        if ratio is not None:
            return ratio
    return None


@dataclass(frozen=True, slots=True)
class Support:
    """What a file is and what can be shown of it (:func:`classify`).

    Parameters
    ----------
    object_kind : ObjectKind
        The family of its SOP Class (:func:`object_kind`).
    support_state : SupportState
        ``renderable``: its frames decode here; ``unsupported``: it has pixel
        data that cannot be decoded here (`support_reason` says why);
        ``metadata_only``: it has no pixel data.
    support_reason : str or None
        ``None`` when renderable, else a stable code such as
        ``"transfer_syntax.not_supported"``.
    raw_windowing_compatible : bool
        Whether a client windowing the raw samples (``/raw``) with the headers
        sent beside them draws what the server's PNG shows.
    raw_windowing_reason : str or None
        Why not (``"voi_lut.table_not_in_raw"``, ``"modality_lut.table_not_in_raw"``).
    presentation_layer : bool
        Whether it has Overlay Planes (60xx) to draw over its frames
        (:attr:`Header.has_overlay_planes <dcmview.sdk.header.Header.has_overlay_planes>`)
        and pixel data to draw them on; the server's
        ``/presentation-layer`` route draws them, and the viewer shows them.
    burned_in_annotation : bool
        (0028,0301) Burned In Annotation is YES: the pixels hold text that may
        identify the patient.
    pixel_aspect_ratio : float or None
        The height of a pixel over its width (:func:`pixel_aspect_ratio`).
    """

    object_kind: ObjectKind
    support_state: SupportState
    support_reason: str | None
    raw_windowing_compatible: bool
    raw_windowing_reason: str | None
    presentation_layer: bool
    burned_in_annotation: bool
    pixel_aspect_ratio: float | None


def classify(header: Header) -> Support:
    """Classify a file from its scan-time header: object kind, support state, display facts.

    Reads nothing from disk: what the header says decides (a file whose pixel data
    is corrupt is still ``renderable`` here, and fails when a frame is decoded).

    Parameters
    ----------
    header : Header
        From :func:`dcmview.sdk.scan` (``catalog.headers``) or ``Instance.header``.

    Returns
    -------
    Support

    Examples
    --------
    >>> import pydicom
    >>> from pydicom.data import get_testdata_file
    >>> from dcmview.sdk.header import Header
    >>> path = get_testdata_file("CT_small.dcm", download=False)
    >>> s = classify(Header.from_dataset(pydicom.dcmread(path), path))
    >>> s.object_kind, s.support_state, s.support_reason, s.pixel_aspect_ratio
    ('classic_image', 'renderable', None, 1.0)
    """
    state, reason = _support(header)
    raw_ok, raw_reason = _raw_windowing(header, state)
    burned = header.burned_in_annotation.split("\\", 1)[0].strip().upper() == "YES"
    return Support(
        object_kind=object_kind(header.sop_class_uid),
        support_state=state,
        support_reason=reason,
        raw_windowing_compatible=raw_ok,
        raw_windowing_reason=raw_reason,
        presentation_layer=header.has_overlay_planes and header.has_pixels,
        burned_in_annotation=burned,
        pixel_aspect_ratio=pixel_aspect_ratio(header),
    )
