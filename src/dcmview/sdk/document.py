"""Document: the content tree of a Structured Report, as text, for objects shown without pixels.

An SR (PS3.3 C.17.3) is a tree of content items: each has a relationship to its
parent (``CONTAINS``, ``HAS PROPERTIES``, ...), a value type (``TEXT``, ``CODE``,
``NUM``, ``CONTAINER``, ...), a concept name and a value. :func:`read_document`
walks the Content Sequence of any SR IOD with pydicom (Basic Text, Enhanced and
Comprehensive SR, Comprehensive 3D SR, Key Object Selection: they share the
content-item encoding) and gives each item its value as one line of text. An
object without a Content Sequence (a presentation state, a structure set) gives a
document with its title and no items, so a viewer can say what the object is
instead of failing to draw it.

Examples
--------
>>> from pydicom.data import get_testdata_file
>>> import dcmview.sdk as sdk
>>> doc = read_document(sdk.open(get_testdata_file("test-SR.dcm", download=False)))
>>> doc.title
'Diagnosis'
>>> doc.items[0].value_type, doc.items[0].concept, doc.items[0].value
('UIDREF', 'Some UID', '1.2.3.4.5')
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dcmview.sdk._derived import Code, text

if TYPE_CHECKING:  # pragma: no cover
    from pydicom import Dataset

    from dcmview.sdk.instance import Instance

__all__ = ["Document", "DocumentItem", "read_document"]

# Deeper trees are cut (an item then says so): a viewer shows text, not a graph.
MAX_DEPTH = 32
# So is a tree with more items than a person reads.
MAX_ITEMS = 5000


@dataclass(frozen=True, slots=True)
class DocumentItem:
    """One content item of an SR document (PS3.3 C.17.3.2).

    Parameters
    ----------
    relationship : str
        Relationship Type (0040,A010) to the parent (``"CONTAINS"``, ...); ``""`` at the top.
    value_type : str
        Value Type (0040,A040): ``"TEXT"``, ``"CODE"``, ``"NUM"``, ``"CONTAINER"``, ...
    concept : str
        The Code Meaning of the Concept Name Code Sequence (0040,A043), ``""`` without one.
    value : str
        The value as text: the text, the code's meaning, the number with its unit, the
        date, the referenced SOP Instance UID, the graphic type and its points; ``""``
        for a container.
    children : tuple of DocumentItem
        The items below, in order.
    """

    relationship: str
    value_type: str
    concept: str
    value: str
    children: tuple[DocumentItem, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (the ``items`` of ``GET /api/file/:i/document``)."""
        return {
            "relationship": self.relationship,
            "value_type": self.value_type,
            "concept": self.concept,
            "value": self.value,
            "children": [c.to_json() for c in self.children],
        }

    def walk(self, depth: int = 0) -> Iterator[tuple[int, DocumentItem]]:
        """Yield ``(depth, item)`` for this item and every item below it, in document order."""
        yield depth, self
        for c in self.children:
            yield from c.walk(depth + 1)


@dataclass(frozen=True, slots=True)
class Document:
    """What an object without pixels says: its title, flags and SR content tree.

    Parameters
    ----------
    sop_class_uid : str
        (0008,0016).
    sop_class_name : str
        The SOP Class's name in the DICOM dictionary (``"Basic Text SR Storage"``).
    title : str
        The root's Concept Name (an SR's document title), else the Series Description.
    completion_flag, verification_flag : str
        (0040,A491) and (0040,A493) of an SR, ``""`` elsewhere.
    items : tuple of DocumentItem
        The root's Content Sequence (0040,A730); empty for an object without one.
    truncated : bool
        Whether items were left out (deeper than 32 levels or past 5000 items).
    """

    sop_class_uid: str
    sop_class_name: str
    title: str
    completion_flag: str
    verification_flag: str
    items: tuple[DocumentItem, ...]
    truncated: bool = False

    def text(self) -> str:
        """The document as indented lines of text: ``concept: value``, two spaces a level."""
        lines = [self.title or self.sop_class_name]
        for item in self.items:
            for depth, it in item.walk():
                label = it.concept or it.value_type
                lines.append(
                    f"{'  ' * depth}{label}: {it.value}" if it.value else f"{'  ' * depth}{label}"
                )
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (the body of ``GET /api/file/:i/document``)."""
        return {
            "sop_class_uid": self.sop_class_uid,
            "sop_class_name": self.sop_class_name,
            "title": self.title,
            "completion_flag": self.completion_flag,
            "verification_flag": self.verification_flag,
            "items": [i.to_json() for i in self.items],
            "truncated": self.truncated,
        }


def read_document(instance: Instance) -> Document:
    """Read the document of an instance: an SR's content tree, else just what the object is.

    Parameters
    ----------
    instance : Instance
        Any DICOM file; its header is read (no pixel data).

    Returns
    -------
    Document

    Raises
    ------
    InvalidPathError, FileReadError, NotDicomError
        The file cannot be read (as :attr:`Instance.dataset`).
    """
    ds = instance.dataset
    uid = text(ds, "SOPClassUID")
    name = getattr(ds.get("SOPClassUID"), "name", "") if uid else ""
    budget = [MAX_ITEMS]
    items, cut = _items(ds, 0, budget)
    title = _concept(ds) or text(ds, "SeriesDescription")
    return Document(
        sop_class_uid=uid,
        sop_class_name=str(name) if name != uid else "",
        title=title,
        completion_flag=text(ds, "CompletionFlag"),
        verification_flag=text(ds, "VerificationFlag"),
        items=items,
        truncated=cut,
    )


def _items(ds: Dataset, depth: int, budget: list[int]) -> tuple[tuple[DocumentItem, ...], bool]:
    """The items of `ds`'s Content Sequence, and whether some were cut."""
    seq = _sequence(ds, "ContentSequence")
    if not seq:
        return (), False
    if depth >= MAX_DEPTH:
        return (), True
    out: list[DocumentItem] = []
    cut = False
    for item in seq:
        if budget[0] <= 0:
            return tuple(out), True
        budget[0] -= 1
        children, below = _items(item, depth + 1, budget)
        cut = cut or below
        out.append(
            DocumentItem(
                relationship=text(item, "RelationshipType"),
                value_type=text(item, "ValueType"),
                concept=_concept(item),
                value=_value(item),
                children=children,
            )
        )
    return tuple(out), cut


def _sequence(ds: Dataset, keyword: str) -> list[Dataset]:
    """The items of a sequence, ``[]`` when absent or not a sequence."""
    try:
        value = ds.get(keyword)
    except Exception:  # a value pydicom cannot convert counts as absent
        return []
    return (
        list(value)
        if value is not None and hasattr(value, "__iter__") and not isinstance(value, str | bytes)
        else []
    )


def _code(ds: Dataset, keyword: str) -> Code | None:
    seq = _sequence(ds, keyword)
    return Code.from_item(seq[0]) if seq else None


def _concept(ds: Dataset) -> str:
    code = _code(ds, "ConceptNameCodeSequence")
    return code.meaning or code.value if code else ""


def _number(value: object) -> str:
    try:
        return f"{float(str(value)):g}"
    except ValueError:
        return str(value).strip()


def _value(item: Dataset) -> str:
    """One content item's value as text (PS3.3 C.17.3.2.1, by Value Type)."""
    kind = text(item, "ValueType")
    if kind == "TEXT":
        return text(item, "TextValue")
    if kind == "CODE":
        code = _code(item, "ConceptCodeSequence")
        return (code.meaning or code.value) if code else ""
    if kind == "NUM":
        measured = _sequence(item, "MeasuredValueSequence")
        if not measured:
            return ""
        number = _number(measured[0].get("NumericValue", ""))
        unit = _code(measured[0], "MeasurementUnitsCodeSequence")
        # UCUM's "1" is "no unit": show the bare number.
        unit_text = unit.value if unit and unit.value and unit.value != "1" else ""
        return f"{number} {unit_text}".strip()
    if kind in ("DATE", "TIME", "DATETIME", "UIDREF", "PNAME"):
        keyword = {"DATE": "Date", "TIME": "Time", "DATETIME": "DateTime", "UIDREF": "UID"}
        return text(item, keyword.get(kind, "PersonName"))
    if kind in ("IMAGE", "COMPOSITE", "WAVEFORM"):
        refs = _sequence(item, "ReferencedSOPSequence")
        if not refs:
            return ""
        uid = text(refs[0], "ReferencedSOPInstanceUID")
        frames = refs[0].get("ReferencedFrameNumber")
        if frames in (None, ""):
            return uid
        listed = [frames] if isinstance(frames, int | str) else list(frames)
        return f"{uid} (frame numbers {', '.join(str(f) for f in listed)})"
    if kind in ("SCOORD", "SCOORD3D"):
        points = item.get("GraphicData") or []
        shown = ", ".join(_number(v) for v in list(points)[:12])
        more = " …" if len(points) > 12 else ""
        return f"{text(item, 'GraphicType')} [{shown}{more}]"
    if kind == "TCOORD":
        return text(item, "TemporalRangeType")
    return ""
