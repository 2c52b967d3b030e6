"""Masking: stable pseudonyms for identifying values, for everything a viewer shows.

``--mask`` (and ``view(mask=True)``) is display masking for screen sharing, not
de-identification: files are not changed, pixels are not touched (see
:mod:`dcmview.sdk.redaction` for that), and the map from real values to
pseudonyms stays in the process that made it.

Which attributes identify a patient is not decided here: it is DICOM PS3.15
Annex E, Table E.1-1 (the Basic Application Level Confidentiality Profile), read
from the table that ``dicom-anonymizer`` maintains from the standard
(:func:`identifying_tags`). A :class:`Masker` applies it:

- to a tag tree (:mod:`dcmview.sdk.tags`): every attribute of the profile except
  the UIDs (action U: they link objects, a SEG to its image, and name no one), all
  values inside a sequence of the profile, every private data element (the
  profile removes them: their content is unknown), every PN, DA and DT value
  wherever it is, and any other text of the same file that contains one of its
  identifying values;
- to a :class:`~dcmview.sdk.header.Header` (:meth:`Masker.header`): patient,
  study and series text, dates, and the path, so labels built from it are masked;
- to paths (:meth:`Masker.path`): each folder and file name becomes a pseudonym
  (``dir-0003``, ``file-0012.dcm``), the same for the same folder, so the tree's
  shape (which files share a folder) is kept and no name is;
- to free text such as an error message (:meth:`Masker.text`): absolute paths in it.

Pseudonyms are stable for the masker's life: the same value of the same kind
always gets the same pseudonym (``Patient 0001``, ``MASKED-0001`` for a Patient
ID, as the predecessor tool showed), numbered in the order first seen.

Examples
--------
>>> m = Masker()
>>> m.value("PatientID", "12345"), m.value("PatientID", "999"), m.value("PatientID", "12345")
('MASKED-0001', 'MASKED-0002', 'MASKED-0001')
>>> m.path("/data/Doe_John/CT/IM0001.dcm")
'/masked/dir-0001/dir-0002/dir-0003/file-0001.dcm'
"""

from __future__ import annotations

import functools
import importlib
import os
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from dcmview.sdk.header import Header

__all__ = ["MASKED_ROOT", "IdentifyingTags", "Masker", "identifying_tags"]

#: Where every masked path starts.
MASKED_ROOT: Final = "/masked"

# The tables of dicom-anonymizer, newest edition of the standard first.
_TABLES: Final = ("dicomfields_2026c", "dicomfields_2024b", "dicomfields_2023")
_TABLE_PACKAGE: Final = "dicomanonymizer.dicom_anonymization_databases"

# How a pseudonym of a kind reads; other kinds by VR (below), else "Masked".
_PREFIX: Final = {
    "PatientID": "MASKED-",
    "PatientName": "Patient ",
    "OtherPatientIDs": "Other ID ",
    "OtherPatientNames": "Patient ",
    "StudyDescription": "Study ",
    "SeriesDescription": "Series ",
    "AccessionNumber": "Accession ",
    "InstitutionName": "Institution ",
    "ReferringPhysicianName": "Physician ",
}
_VR_PREFIX: Final = {"PN": "Person ", "DA": "Date ", "DT": "DateTime ", "TM": "Time "}
# Dates and names are masked wherever they are, listed or not.
_ALWAYS_VRS: Final = frozenset({"PN", "DA", "DT"})
# Extensions that carry no identity and tell what a file is.
_KEPT_EXTENSIONS: Final = frozenset({".dcm", ".dicom", ".ima", ".img", ".dc3"})
# An identifying value shorter than this is not searched for inside other text
# ("M", "1"): it would mask half of every file.
_MIN_SCRUB: Final = 4
_TAG_TEXT: Final = re.compile(r"\(([0-9A-Fa-f]{4}),([0-9A-Fa-f]{4})\)")
_ABSOLUTE_PATH: Final = re.compile(r"(?<![\w.])/[^\s'\"`,;:()\[\]{}<>]+")


@dataclass(frozen=True, slots=True)
class IdentifyingTags:
    """The attributes of PS3.15 Table E.1-1, as tags.

    Attributes
    ----------
    masked : frozenset of int
        Tags whose values are masked (every action but U).
    uids : frozenset of int
        Tags of action U (UIDs): kept, they link objects and name no one.
    ranges : tuple of (int, int, int, int)
        ``(group, element, group_mask, element_mask)`` entries for repeating
        groups (curves, overlays): a tag matches when its masked group and
        element equal them.
    source : str
        The table read (``"dicom-anonymizer dicomfields_2026c"``).
    """

    masked: frozenset[int]
    uids: frozenset[int]
    ranges: tuple[tuple[int, int, int, int], ...]
    source: str

    def is_masked(self, tag: int) -> bool:
        """Whether `tag`'s value is masked by the profile (UIDs are not)."""
        if tag in self.masked:
            return True
        group, element = tag >> 16, tag & 0xFFFF
        return any((group & gm) == g and (element & em) == e for g, e, gm, em in self.ranges)


@functools.cache
def identifying_tags() -> IdentifyingTags:
    """Read PS3.15 Table E.1-1 from dicom-anonymizer's table (once per process).

    Returns
    -------
    IdentifyingTags

    Raises
    ------
    ImportError
        dicom-anonymizer is not installed (it is a dependency of dcmview).
    """
    module: Any = None
    name = ""
    for name in _TABLES:
        try:
            module = importlib.import_module(f"{_TABLE_PACKAGE}.{name}")
            break
        except ModuleNotFoundError:
            continue
    if module is None:
        raise ImportError(
            "masking needs the PS3.15 table of dicom-anonymizer: pip install dicom-anonymizer"
        )
    uids = frozenset(_tag(t) for t in module.U_TAGS if len(t) == 2)
    exact: set[int] = set()
    ranges: list[tuple[int, int, int, int]] = []
    for entry in module.ALL_TAGS:
        if len(entry) == 2:
            exact.add(_tag(entry))
        elif len(entry) == 4:
            g, e, gm, em = (int(v) for v in entry)
            ranges.append((g & gm, e & em, gm, em))
    return IdentifyingTags(
        masked=frozenset(exact - uids),
        uids=uids,
        ranges=tuple(ranges),
        source=f"dicom-anonymizer {name}",
    )


def _tag(entry: Iterable[int]) -> int:
    group, element = (int(v) for v in entry)
    return group << 16 | element


def _keyword_tag(keyword: str) -> int | None:
    from pydicom.datadict import tag_for_keyword

    return tag_for_keyword(keyword)


class Masker:
    """Stable pseudonyms for identifying values and paths, kept in memory.

    Thread-safe. The map from real values to pseudonyms never leaves the
    object: nothing here writes it anywhere or returns it.

    Parameters
    ----------
    table : IdentifyingTags, optional
        The attributes to mask; :func:`identifying_tags` by default.
    """

    def __init__(self, table: IdentifyingTags | None = None) -> None:
        self._table = table
        self._lock = threading.Lock()
        self._values: dict[tuple[str, str], str] = {}
        self._counts: dict[str, int] = {}
        self._paths: dict[str, str] = {}

    def __repr__(self) -> str:
        # Never the map itself: a repr ends up in logs.
        return f"Masker({len(self._values)} values, {len(self._paths)} paths)"

    @property
    def table(self) -> IdentifyingTags:
        """The identifying attributes (PS3.15 Table E.1-1)."""
        if self._table is None:
            self._table = identifying_tags()
        return self._table

    # -- values --------------------------------------------------------------

    def value(self, kind: str, text: str, vr: str = "") -> str:
        """Return the pseudonym of `text` as a value of `kind` (a keyword); ``""`` stays ``""``.

        Parameters
        ----------
        kind : str
            A DICOM keyword (``"PatientName"``) or another name of what the value is.
        text : str
            The real value.
        vr : str, optional
            The value representation, for the pseudonym's wording of an unnamed kind.
        """
        if text == "":
            return ""
        prefix = _PREFIX.get(kind) or _VR_PREFIX.get(vr) or "Masked "
        key = (prefix, text)
        with self._lock:
            found = self._values.get(key)
            if found is None:
                n = self._counts.get(prefix, 0) + 1
                self._counts[prefix] = n
                found = self._values[key] = f"{prefix}{n:04d}"
            return found

    def attribute(self, keyword: str, text: str, vr: str = "") -> str:
        """Return `text` as the tag browser shows attribute `keyword`: masked when identifying.

        Parameters
        ----------
        keyword : str
            A DICOM keyword (``"ROIName"``).
        text : str
            The attribute's value as text.
        vr : str, optional
            Its value representation; names and dates (PN, DA, DT) are masked
            wherever they are, listed or not.

        Examples
        --------
        >>> m = Masker()
        >>> m.attribute("ROIName", "Smith tumour"), m.attribute("SegmentLabel", "liver")
        ('Masked 0001', 'liver')
        """
        if vr in _ALWAYS_VRS or self._keyword_masked(keyword):
            return self.value(keyword, text, vr)
        return text

    def header(self, header: Header) -> Header:
        """Return `header` with its identifying text and its path masked.

        Its ``label`` and ``display_name`` are built from the masked values.
        """
        masked_extra = {
            k: self.value(k, v) if self._keyword_masked(k) else v for k, v in header.extra.items()
        }
        return header.replace(
            path=self.path(header.path),
            patient_id=self.value("PatientID", header.patient_id),
            patient_name=self.value("PatientName", header.patient_name),
            study_date=self.value("StudyDate", header.study_date, "DA"),
            study_description=self.value("StudyDescription", header.study_description),
            series_description=self.value("SeriesDescription", header.series_description),
            extra=masked_extra,
        )

    def _keyword_masked(self, keyword: str) -> bool:
        tag = _keyword_tag(keyword)
        return tag is not None and self.table.is_masked(tag)

    # -- paths ---------------------------------------------------------------

    def path(self, path: str) -> str:
        """Return the pseudonym of a file's path: ``/masked/dir-0001/.../file-0001.dcm``.

        Each folder gets one pseudonym (so files of one folder stay together) and
        each file one; a DICOM-ish extension is kept, any other dropped.
        """
        if path == "":
            return ""
        norm = os.path.normpath(path)
        with self._lock:
            found = self._paths.get(norm)
            if found is not None:
                return found
        folder, name = os.path.split(norm)
        parent = self._folder(folder)
        ext = os.path.splitext(name)[1]
        ext = ext.lower() if ext.lower() in _KEPT_EXTENSIONS else ""
        with self._lock:
            found = self._paths.get(norm)
            if found is None:
                n = self._counts.get("\0file", 0) + 1
                self._counts["\0file"] = n
                found = self._paths[norm] = f"{parent}/file-{n:04d}{ext}"
            return found

    def _folder(self, folder: str) -> str:
        if folder in ("", os.sep, "/") or folder == os.path.dirname(folder):
            return MASKED_ROOT
        key = "\0dir" + folder
        with self._lock:
            found = self._paths.get(key)
        if found is not None:
            return found
        parent = self._folder(os.path.dirname(folder))
        with self._lock:
            found = self._paths.get(key)
            if found is None:
                n = self._counts.get("\0dir", 0) + 1
                self._counts["\0dir"] = n
                found = self._paths[key] = f"{parent}/dir-{n:04d}"
            return found

    def text(self, text: str) -> str:
        """Return `text` (an error message, a skip reason) with its absolute paths masked."""
        return _ABSOLUTE_PATH.sub(lambda m: self.path(m.group(0)), text)

    # -- tag trees -----------------------------------------------------------

    def tag_tree(self, nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Return a masked copy of a tag tree (:func:`dcmview.sdk.tags.tag_tree`'s nodes).

        Attributes of the profile, private data elements, and PN/DA/DT values are
        replaced by pseudonyms; then any other text that contains one of the
        masked values of the same tree has that part replaced too.
        """
        found: dict[str, str] = {}
        masked = [self._node(n, False, found) for n in nodes]
        needles = sorted((v for v in found if len(v) >= _MIN_SCRUB), key=len, reverse=True)
        if not needles:
            return masked
        pattern = re.compile("|".join(re.escape(v) for v in needles))
        return [_scrub(n, pattern, found) for n in masked]

    def _node(self, node: dict[str, Any], inside: bool, found: dict[str, str]) -> dict[str, Any]:
        value = node.get("value")
        if not isinstance(value, dict):
            return node
        vr = str(node.get("vr", ""))
        keyword = str(node.get("keyword", ""))
        tag = _parse_tag(str(node.get("tag", "")))
        if tag is not None and (tag >> 16) % 2 == 1 and 0x10 <= (tag & 0xFFFF) <= 0xFF:
            return node  # a private creator names a vendor, not a patient
        private = tag is not None and (tag >> 16) % 2 == 1
        listed = tag is not None and self.table.is_masked(tag)
        whole = inside or private or listed
        if value.get("type") == "sequence":
            items = [[self._node(n, whole, found) for n in item] for item in value["items"]]
            return node | {"value": value | {"items": items}}
        if vr == "UI" and not private:
            return node  # UIDs link objects (action U): kept
        if not (whole or vr in _ALWAYS_VRS):
            return node
        kind = keyword if not private else f"private {vr}"
        return node | {"value": self._masked_value(kind, vr, value, found)}

    def _masked_value(
        self, kind: str, vr: str, value: dict[str, Any], found: dict[str, str]
    ) -> dict[str, Any]:
        kind_of = value.get("type")
        if kind_of == "binary":
            return value  # a length only; the bytes are never sent
        if kind_of == "string":
            text = str(value.get("value", ""))
            if text == "":
                return value
            pseudo = self.value(kind, text, vr)
            found[text] = pseudo
            # The parts of several values, and of a name, turn up alone elsewhere.
            parts = re.split(r"; |\^|=", text) if vr == "PN" else text.split("; ")
            for part in parts:
                if part and part != text:
                    found.setdefault(part, self.value(kind, part, vr))
            return {"type": "string", "value": pseudo}
        if kind_of in ("number", "numbers"):
            return {"type": "string", "value": self.value(kind, repr(value.get("value")), vr)}
        return {"type": "string", "value": self.value(kind, str(value), vr)}


def _parse_tag(text: str) -> int | None:
    m = _TAG_TEXT.fullmatch(text)
    return None if m is None else int(m.group(1), 16) << 16 | int(m.group(2), 16)


def _scrub(node: dict[str, Any], pattern: re.Pattern[str], found: dict[str, str]) -> dict[str, Any]:
    value = node.get("value")
    if not isinstance(value, dict):
        return node
    if value.get("type") == "sequence":
        items = [[_scrub(n, pattern, found) for n in item] for item in value["items"]]
        return node | {"value": value | {"items": items}}
    if value.get("type") == "string":
        text = str(value.get("value", ""))
        if text not in found.values():
            scrubbed = pattern.sub(lambda m: found[m.group(0)], text)
            if scrubbed != text:
                return node | {"value": value | {"value": scrubbed}}
    return node
