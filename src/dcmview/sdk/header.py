"""Header: the few attributes of one file that a scan reads, without its pixel data.

A :class:`Header` is what :func:`dcmview.sdk.scan` keeps for every file: enough to
list, label, filter, group and order instances, and to validate annotations,
without holding a pydicom Dataset per file. The full header of one file is
:attr:`dcmview.sdk.Instance.dataset`.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from pydicom.dataset import Dataset

__all__ = ["FILTER_FIELDS", "Header"]

# The predecessor's filter names (CONTRACT.md) and the DICOM keywords they stand for.
FILTER_FIELDS: dict[str, str] = {
    "patient_id": "PatientID",
    "patient_name": "PatientName",
    "study_description": "StudyDescription",
    "study_date": "StudyDate",
    "study_uid": "StudyInstanceUID",
    "series_description": "SeriesDescription",
    "series_number": "SeriesNumber",
    "series_uid": "SeriesInstanceUID",
    "modality": "Modality",
}


@dataclass(frozen=True, slots=True)
class Header:
    """The scan-time attributes of one DICOM file.

    Text attributes are decoded with the file's Specific Character Set and
    stripped; an absent attribute is ``""`` (text) or ``None`` (numbers).

    Parameters
    ----------
    path : str
        Absolute, normalized path of the file.
    transfer_syntax_uid : str
        (0002,0010), or the syntax assumed when the file has no meta header.
    sop_class_uid, sop_instance_uid : str
        (0008,0016), (0008,0018).
    patient_id, patient_name : str
        (0010,0020), (0010,0010).
    study_instance_uid, study_date, study_description : str
        (0020,000D), (0008,0020), (0008,1030).
    series_instance_uid, series_description, modality : str
        (0020,000E), (0008,103E), (0008,0060).
    series_number, instance_number : int or None
        (0020,0011), (0020,0013).
    rows, columns : int
        (0028,0010), (0028,0011); 0 without pixel data.
    number_of_frames : int
        (0028,0008); 1 when absent, 0 without pixel data.
    samples_per_pixel : int
        (0028,0002).
    photometric_interpretation : str
        (0028,0004).
    bits_allocated : int
        (0028,0100).
    has_pixels : bool
        Whether (7FE0,0010), (7FE0,0008) or (7FE0,0009) is present.
    image_position_patient, image_orientation_patient : tuple of float or None
        (0020,0032) and (0020,0037), used to order a series along its normal.
    window_center, window_width : float or None
        The first value of (0028,1050) and (0028,1051) at the top level.
    burned_in_annotation : str
        (0028,0301), ``"YES"`` or ``"NO"`` when present.
    pixel_spacing : tuple of float or None
        (0028,0030) at the top level; in a functional-group IOD (Enhanced CT/MR/PET,
        breast tomosynthesis, segmentation, ...) without it, the one in the Pixel
        Measures Sequence of the Shared Functional Groups (PS3.3 C.7.6.16.2.1).
    imager_pixel_spacing : tuple of float or None
        (0018,1164), the spacing at the detector of projection radiography.
    pixel_aspect_ratio : tuple of float or None
        (0028,0034), the vertical and horizontal sizes of a pixel (``(4.0, 3.0)``).
    has_modality_lut, has_voi_lut : bool
        Whether a non-empty Modality LUT Sequence (0028,3000) or VOI LUT Sequence
        (0028,3010) is present at the top level.
    cine_rate, frame_time, recommended_display_frame_rate : float or None
        Cine Rate (0018,0040), Frame Time (0018,1063) in ms and Recommended Display
        Frame Rate (0008,2144): how fast a multi-frame file asks to be played.
    image_laterality, laterality, view_position : str
        Image Laterality (0020,0062), Laterality (0020,0060) of the series and View
        Position (0018,5101): which breast (``"L"``, ``"R"``) and view (``"CC"``,
        ``"MLO"``) a mammogram shows, for labels and hangings.
    pixel_data_truncated : bool
        Whether the file ends before its Pixel Data does (a copy cut short): native
        Pixel Data shorter than its stated length, or encapsulated fragments that
        run past the end of the file or miss their Sequence Delimitation Item. Its
        frames (some or all) cannot be read.
    has_overlay_planes : bool
        Whether the file has Overlay Planes (PS3.3 C.9.2) to draw over its frames: an
        even group 60xx (6000-601E) with Overlay Rows (60xx,0010) and a bitmap, either
        non-empty Overlay Data (60xx,3000) or, in the retired encoding, Overlay Bits
        Allocated (60xx,0100) over 1 (the bits are in Pixel Data). Noted while the
        header is read; no bitmap is read (:func:`dcmview.sdk.overlay.read_overlays`
        reads them).
    extra : dict of str to str
        Further keywords read for filters (``{"BodyPartExamined": "BREAST"}``).
    """

    path: str
    transfer_syntax_uid: str = ""
    sop_class_uid: str = ""
    sop_instance_uid: str = ""
    patient_id: str = ""
    patient_name: str = ""
    study_instance_uid: str = ""
    study_date: str = ""
    study_description: str = ""
    series_instance_uid: str = ""
    series_description: str = ""
    series_number: int | None = None
    modality: str = ""
    instance_number: int | None = None
    rows: int = 0
    columns: int = 0
    number_of_frames: int = 0
    samples_per_pixel: int = 1
    photometric_interpretation: str = ""
    bits_allocated: int = 0
    has_pixels: bool = False
    image_position_patient: tuple[float, ...] | None = None
    image_orientation_patient: tuple[float, ...] | None = None
    window_center: float | None = None
    window_width: float | None = None
    burned_in_annotation: str = ""
    pixel_spacing: tuple[float, ...] | None = None
    imager_pixel_spacing: tuple[float, ...] | None = None
    pixel_aspect_ratio: tuple[float, ...] | None = None
    has_modality_lut: bool = False
    has_voi_lut: bool = False
    cine_rate: float | None = None
    frame_time: float | None = None
    recommended_display_frame_rate: float | None = None
    image_laterality: str = ""
    laterality: str = ""
    view_position: str = ""
    pixel_data_truncated: bool = False
    has_overlay_planes: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def display_name(self) -> str:
        """The file name, as the file list shows it."""
        return os.path.basename(self.path)

    @property
    def label(self) -> str:
        """``PatientID · Modality · StudyDate`` from the parts that are present, else the file name.

        Examples
        --------
        >>> Header(path="/d/a.dcm", patient_id="P1", modality="CT", study_date="20240101").label
        'P1 · CT · 20240101'
        >>> Header(path="/d/a.dcm").label
        'a.dcm'
        """
        parts = [p for p in (self.patient_id, self.modality, self.study_date) if p]
        return " · ".join(parts) if parts else self.display_name

    def value(self, keyword: str) -> str:
        """Return the text of a DICOM keyword or filter field for filtering, ``""`` if absent.

        Parameters
        ----------
        keyword : str
            A filter field (``"patient_id"``) or a DICOM keyword (``"PatientID"``).
        """
        keyword = FILTER_FIELDS.get(keyword, keyword)
        if keyword in self.extra:
            return self.extra[keyword]
        attr = _KEYWORD_ATTRS.get(keyword)
        if attr is None:
            return ""
        raw = getattr(self, attr)
        if raw is None:
            return ""
        if isinstance(raw, tuple):
            return "\\".join(f"{v:g}" for v in raw)
        return str(raw)

    @classmethod
    def from_dataset(cls, ds: Dataset, path: str, *, has_pixels: bool | None = None) -> Header:
        """Build the Header of a pydicom Dataset (read with or without its pixel data).

        Parameters
        ----------
        ds : pydicom.dataset.Dataset
            The data set; a FileDataset read from a file carries ``file_meta``.
            Without File Meta Information the transfer syntax is the one pydicom
            read the data set in.
        path : str
            Absolute, normalized path of the file.
        has_pixels : bool, optional
            Whether the file has Pixel Data; by default whether `ds` holds it
            (a data set read with ``stop_before_pixels=True`` does not).

        Returns
        -------
        Header

        Examples
        --------
        >>> import pydicom
        >>> from pydicom.data import get_testdata_file
        >>> path = get_testdata_file("CT_small.dcm", download=False)
        >>> h = Header.from_dataset(pydicom.dcmread(path), path)
        >>> h.modality, h.rows, h.columns, h.has_pixels
        ('CT', 128, 128, True)
        """
        # One implementation of the rules, shared with the scan's pydicom fallback.
        from dcmview.sdk._headerpydicom import record_from_dataset

        return cls(*record_from_dataset(ds, path, has_pixels=has_pixels))

    def replace(self, **changes: object) -> Header:
        """Return a copy with some attributes changed."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]  # kwargs pass through


def _snake(keyword: str) -> str:
    # "SOPInstanceUID" -> "sop_instance_uid": a capital starts a word when the
    # letter before is lower case, or when the letter after is (end of an acronym).
    out = []
    for i, ch in enumerate(keyword):
        prev = keyword[i - 1] if i else ""
        nxt = keyword[i + 1] if i + 1 < len(keyword) else ""
        if ch.isupper() and i and (prev.islower() or (nxt.islower() and prev.isupper())):
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


# DICOM keyword -> attribute name, for the attributes that are DICOM keywords.
_KEYWORD_ATTRS: dict[str, str] = {
    kw: _snake(kw)
    for kw in (
        "TransferSyntaxUID",
        "SOPClassUID",
        "SOPInstanceUID",
        "PatientID",
        "PatientName",
        "StudyInstanceUID",
        "StudyDate",
        "StudyDescription",
        "SeriesInstanceUID",
        "SeriesDescription",
        "SeriesNumber",
        "Modality",
        "InstanceNumber",
        "Rows",
        "Columns",
        "NumberOfFrames",
        "SamplesPerPixel",
        "PhotometricInterpretation",
        "BitsAllocated",
        "ImagePositionPatient",
        "ImageOrientationPatient",
        "WindowCenter",
        "WindowWidth",
    )
}
