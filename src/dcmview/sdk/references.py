"""What a DICOM object refers to, and, across a catalog, what refers to it.

Derived objects name their sources in several places (PS3.3):

- Referenced Series Sequence (0008,1115) -> Referenced Instance Sequence
  (0008,114A) (SEG, parametric map: C.7.6.16 Common Instance Reference) or
  -> Referenced Image Sequence (0008,1140) (presentation states, C.11.11);
- Source Image Sequence (0008,2112), at the top level or in the Derivation
  Image functional group of each frame (C.7.6.16.2.6);
- Referenced Image Sequence (0008,1140) in the frames' functional groups;
- RT Structure Set: Referenced Frame of Reference Sequence (3006,0010) ->
  RT Referenced Study (3006,0012) -> RT Referenced Series (3006,0014) ->
  Contour Image Sequence (3006,0016) (C.8.8.5);
- RT Dose: Referenced RT Plan Sequence (300C,0002) and Referenced Structure Set
  Sequence (300C,0060) (C.8.8.3);
- and, for objects that place themselves by geometry rather than by instance,
  the Frame of Reference UID (0020,0052) they share with their images.

:func:`outgoing` walks a header's sequences and returns every SOP instance it
names (with the path of sequences it was found under and the frames it
names); :func:`find_references` resolves those against a
:class:`~dcmview.sdk.catalog.Catalog` and adds the reverse direction: the
derived objects of the catalog that name a given file, by SOP Instance UID or
by a shared Frame of Reference. Results are frozen dataclasses with a
``to_json()``.
"""

from __future__ import annotations

import dataclasses
import threading
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dcmview.sdk.errors import DcmviewError

if TYPE_CHECKING:  # pragma: no cover
    from pydicom import Dataset

    from dcmview.sdk.catalog import Catalog

__all__ = [
    "DERIVED_KINDS",
    "Reference",
    "References",
    "catalog_links",
    "file_kind",
    "find_references",
    "object_kind",
    "instance_references",
    "outgoing",
]

#: SOP Class UID -> a short name of the kinds of object that refer to images.
#: A catalog's files of these classes are read to answer "what refers to X".
DERIVED_KINDS: dict[str, str] = {
    "1.2.840.10008.5.1.4.1.1.66.4": "SEG",
    "1.2.840.10008.5.1.4.1.1.66.7": "SEG",  # Label Map Segmentation
    "1.2.840.10008.5.1.4.1.1.66.5": "SURFACE_SEG",
    "1.2.840.10008.5.1.4.1.1.30": "PMAP",
    "1.2.840.10008.5.1.4.1.1.481.3": "RTSTRUCT",
    "1.2.840.10008.5.1.4.1.1.481.2": "RTDOSE",
    "1.2.840.10008.5.1.4.1.1.481.5": "RTPLAN",
    "1.2.840.10008.5.1.4.1.1.481.8": "RTPLAN",  # RT Ion Plan
    "1.2.840.10008.5.1.4.1.1.11.1": "GSPS",
    "1.2.840.10008.5.1.4.1.1.11.2": "CSPS",
    "1.2.840.10008.5.1.4.1.1.11.3": "PCSPS",
    "1.2.840.10008.5.1.4.1.1.11.4": "BSPS",
    "1.2.840.10008.5.1.4.1.1.88.11": "SR",
    "1.2.840.10008.5.1.4.1.1.88.22": "SR",
    "1.2.840.10008.5.1.4.1.1.88.33": "SR",
    "1.2.840.10008.5.1.4.1.1.88.34": "SR",
    "1.2.840.10008.5.1.4.1.1.88.35": "SR",
    "1.2.840.10008.5.1.4.1.1.88.59": "KO",
}

# References to these are not to images: the Detached Study / Study Component
# Management classes of RT Referenced Study Sequence and friends.
_NOT_INSTANCES = ("1.2.840.10008.3.1.2.",)
_MAX_DEPTH = 12  # sequences nest a few levels; a hostile file must not recurse forever


def object_kind(sop_class_uid: str) -> str:
    """A short name for the kind of object: ``"SEG"``, ``"RTSTRUCT"``, ... or ``"IMAGE"``.

    Examples
    --------
    >>> object_kind("1.2.840.10008.5.1.4.1.1.66.4"), object_kind("1.2.840.10008.5.1.4.1.1.2")
    ('SEG', 'IMAGE')
    """
    return DERIVED_KINDS.get(sop_class_uid, "IMAGE")


@dataclass(frozen=True, slots=True)
class Reference:
    """One object named by another: the target, or (for ``referenced_by``) the referrer.

    Parameters
    ----------
    sop_instance_uid : str
        The SOP Instance UID named (or, in ``referenced_by``, of the referring object).
        Empty for a reference by Frame of Reference only.
    sop_class_uid : str
        Its SOP Class UID, as written in the reference (or the referrer's class).
    kind : str
        :func:`object_kind` of `sop_class_uid`.
    via : str
        The sequences the reference was found under, joined by ``/``
        (``"ReferencedSeriesSequence/ReferencedInstanceSequence"``), or
        ``"FrameOfReferenceUID"`` for a reference by geometry.
    frames : tuple of int
        0-based frame indices named by Referenced Frame Number (empty: the whole
        instance, or not said).
    series_instance_uid : str
        The series the reference names it in, when it does.
    frame_of_reference_uid : str
        For a reference by geometry, the Frame of Reference shared.
    index : int or None
        The file's index in the catalog, when the catalog has it.
    path : str or None
        The file's path, when the catalog has it.
    """

    sop_instance_uid: str
    sop_class_uid: str = ""
    kind: str = "IMAGE"
    via: str = ""
    frames: tuple[int, ...] = ()
    series_instance_uid: str = ""
    frame_of_reference_uid: str = ""
    index: int | None = None
    path: str | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (lists for tuples)."""
        return {
            "sop_instance_uid": self.sop_instance_uid,
            "sop_class_uid": self.sop_class_uid,
            "kind": self.kind,
            "via": self.via,
            "frames": list(self.frames),
            "series_instance_uid": self.series_instance_uid,
            "frame_of_reference_uid": self.frame_of_reference_uid,
            "index": self.index,
            "path": self.path,
        }


@dataclass(frozen=True, slots=True)
class References:
    """What one object refers to, and what in a catalog refers to it.

    Parameters
    ----------
    sop_instance_uid, sop_class_uid : str
        The object's own UIDs.
    kind : str
        :func:`object_kind` of its class.
    frame_of_reference_uid : str
        Its Frame of Reference UID ("" when it has none).
    refers_to : tuple of Reference
        The instances it names, one entry per (instance, path of sequences);
        series-level references (a series without instances listed) have an
        empty ``sop_instance_uid`` and the ``series_instance_uid``.
    referenced_by : tuple of Reference
        The catalog's derived objects that name it, one entry per object (``via``
        the first path it names it under, ``frames`` all the frames it names),
        by SOP Instance UID, or, for
        objects placed by geometry, by a shared Frame of Reference (``via ==
        "FrameOfReferenceUID"``). Empty without a catalog.
    missing : tuple of str
        SOP Instance UIDs of ``refers_to`` that the catalog does not have.
    """

    sop_instance_uid: str
    sop_class_uid: str
    kind: str
    frame_of_reference_uid: str = ""
    refers_to: tuple[Reference, ...] = ()
    referenced_by: tuple[Reference, ...] = ()
    missing: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "sop_instance_uid": self.sop_instance_uid,
            "sop_class_uid": self.sop_class_uid,
            "kind": self.kind,
            "frame_of_reference_uid": self.frame_of_reference_uid,
            "refers_to": [r.to_json() for r in self.refers_to],
            "referenced_by": [r.to_json() for r in self.referenced_by],
            "missing": list(self.missing),
        }


def _text(value: Any) -> str:
    return str(value).strip() if value not in (None, "") else ""


def _frames(item: Dataset) -> tuple[int, ...]:
    value = item.get("ReferencedFrameNumber")
    if value in (None, ""):
        return ()
    # IS with one value reads as a number, with several as a MultiValue
    values = list(value) if not isinstance(value, str | bytes | int | float) else [value]
    out = []
    for v in values:
        try:
            n = int(v)
        except (TypeError, ValueError):
            continue
        if n >= 1:
            out.append(n - 1)
    return tuple(out)


def _walk(
    ds: Dataset, path: tuple[str, ...], series: str, depth: int
) -> Iterator[tuple[str, str, str, tuple[int, ...], str]]:
    """(uid, class, via, frames, series) of every ReferencedSOPInstanceUID under `ds`."""
    from pydicom.dataset import Dataset as _Dataset

    if depth > _MAX_DEPTH:
        return
    for elem in ds:
        if elem.VR != "SQ" or not elem.value:
            continue
        keyword = elem.keyword or f"({elem.tag.group:04X},{elem.tag.element:04X})"
        # Per-frame functional groups: one item per frame, each a path of its own
        # (frame numbers come from the Referenced Frame Number where written).
        here = path if keyword in _TRANSPARENT else (*path, keyword)
        for item in elem.value:
            if not isinstance(item, _Dataset):
                continue  # a corrupt item
            item_series = _text(item.get("SeriesInstanceUID")) or series
            uid = _text(item.get("ReferencedSOPInstanceUID"))
            cls = _text(item.get("ReferencedSOPClassUID"))
            if uid and not cls.startswith(_NOT_INSTANCES):
                yield uid, cls, "/".join(here), _frames(item), item_series
            elif (
                not uid
                and keyword in _SERIES_LEVEL
                and item_series
                and not any(
                    k in item for k in ("ReferencedInstanceSequence", "ReferencedImageSequence")
                )
            ):
                yield "", "", "/".join(here), (), item_series
            yield from _walk(item, here, item_series, depth + 1)


# Sequences that only group per-frame or shared attributes: left out of `via`
# so every frame's Source Image Sequence reads the same.
_TRANSPARENT = frozenset(
    {
        "PerFrameFunctionalGroupsSequence",
        "SharedFunctionalGroupsSequence",
        "DerivationImageSequence",
    }
)
_SERIES_LEVEL = frozenset({"ReferencedSeriesSequence", "RTReferencedSeriesSequence"})


def outgoing(ds: Dataset) -> list[Reference]:
    """The instances (and series) `ds` names, merged per (instance, path of sequences).

    Parameters
    ----------
    ds : pydicom.Dataset
        A header (``Instance.dataset``).

    Returns
    -------
    list of Reference
        In the order first met; ``frames`` merges the frame numbers of every item
        naming the same instance under the same path. ``index`` and ``path`` are None.
    """
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for uid, cls, via, frames, series in _walk(ds, (), "", 0):
        key = (uid or f"series:{series}", via)
        entry = merged.get(key)
        if entry is None:
            merged[key] = {"uid": uid, "cls": cls, "via": via, "frames": set(frames), "s": series}
        else:
            entry["frames"].update(frames)
            entry["cls"] = entry["cls"] or cls
            entry["s"] = entry["s"] or series
    return [
        Reference(
            sop_instance_uid=e["uid"],
            sop_class_uid=e["cls"],
            kind=object_kind(e["cls"]),
            via=e["via"],
            frames=tuple(sorted(e["frames"])),
            series_instance_uid=e["s"],
        )
        for e in merged.values()
    ]


@dataclass
class _Index:
    """The derived objects of a catalog: their outgoing references, read once."""

    size: int
    by_uid: dict[str, int]
    # derived file index -> (its references, its Frame of Reference UID, its class)
    derived: dict[int, tuple[list[Reference], str, str]]


_INDEXES: weakref.WeakKeyDictionary[Catalog, _Index] = weakref.WeakKeyDictionary()
_INDEX_LOCK = threading.Lock()


def _index(catalog: Catalog) -> _Index:
    """The catalog's reference index, rebuilt when the catalog has grown (a running scan)."""
    with _INDEX_LOCK:
        known = _INDEXES.get(catalog)
    headers = catalog.headers
    if known is not None and known.size == len(headers):
        return known
    by_uid = {h.sop_instance_uid: i for i, h in enumerate(headers) if h.sop_instance_uid}
    derived = dict(known.derived) if known is not None else {}
    for i, h in enumerate(headers):
        if i in derived or h.sop_class_uid not in DERIVED_KINDS:
            continue
        try:
            ds = catalog[i].dataset
            refs = outgoing(ds)
        except DcmviewError:  # unreadable since the scan: it refers to nothing now
            continue
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
            # pydicom parses sequences when they are walked: a corrupt one in one
            # derived object must not take every listing of the catalog down with it.
            continue
        derived[i] = (refs, _text(ds.get("FrameOfReferenceUID")), h.sop_class_uid)
    index = _Index(len(headers), by_uid, derived)
    with _INDEX_LOCK:
        _INDEXES[catalog] = index
    return index


def _resolve(ref: Reference, catalog: Catalog, by_uid: dict[str, int]) -> Reference:
    i = by_uid.get(ref.sop_instance_uid) if ref.sop_instance_uid else None
    if i is None:
        return ref
    h = catalog.header(i)
    return Reference(
        sop_instance_uid=ref.sop_instance_uid,
        sop_class_uid=ref.sop_class_uid or h.sop_class_uid,
        kind=object_kind(ref.sop_class_uid or h.sop_class_uid),
        via=ref.via,
        frames=ref.frames,
        series_instance_uid=ref.series_instance_uid or h.series_instance_uid,
        index=i,
        path=h.path,
    )


def find_references(catalog: Catalog, index: int) -> References:
    """What file `index` of `catalog` refers to and which of its derived objects refer to it.

    The catalog's derived objects (:data:`DERIVED_KINDS`) are read once and the
    result kept with the catalog (rebuilt when a running scan has added files).

    Parameters
    ----------
    catalog : Catalog
        The files to resolve against.
    index : int
        The file asked about.

    Returns
    -------
    References
        ``refers_to`` resolved to catalog indices where possible, ``missing`` the
        UIDs the catalog does not have, ``referenced_by`` the referring objects
        (each with ``frames``: the frames of file `index` it names).

    Raises
    ------
    NotFoundError
        `index` is not in the catalog.
    """
    header = catalog.header(index)
    ds = catalog[index].dataset
    own = header.sop_instance_uid
    forward = _text(ds.get("FrameOfReferenceUID"))
    idx = _index(catalog)
    refers = [_resolve(r, catalog, idx.by_uid) for r in outgoing(ds)]
    missing = tuple(
        dict.fromkeys(r.sop_instance_uid for r in refers if r.sop_instance_uid and r.index is None)
    )
    by: list[Reference] = []
    for j, (refs, their_for, cls) in idx.derived.items():
        if j == index:
            continue
        h = catalog.header(j)
        named = [r for r in refs if own and r.sop_instance_uid == own]
        for r in named:
            by.append(
                Reference(
                    sop_instance_uid=h.sop_instance_uid,
                    sop_class_uid=cls,
                    kind=object_kind(cls),
                    via=r.via,
                    frames=r.frames,
                    series_instance_uid=h.series_instance_uid,
                    frame_of_reference_uid=their_for,
                    index=j,
                    path=h.path,
                )
            )
        if not named and forward and their_for == forward and _places_by_geometry(refs, header):
            by.append(
                Reference(
                    sop_instance_uid=h.sop_instance_uid,
                    sop_class_uid=cls,
                    kind=object_kind(cls),
                    via="FrameOfReferenceUID",
                    series_instance_uid=h.series_instance_uid,
                    frame_of_reference_uid=forward,
                    index=j,
                    path=h.path,
                )
            )
    return References(
        sop_instance_uid=own,
        sop_class_uid=header.sop_class_uid,
        kind=object_kind(header.sop_class_uid),
        frame_of_reference_uid=forward,
        refers_to=tuple(refers),
        referenced_by=tuple(_one_per_object(by)),
        missing=missing,
    )


def _one_per_object(refs: list[Reference]) -> list[Reference]:
    """One entry per referring object: the first path met, the union of the frames."""
    out: dict[int | None, Reference] = {}
    for r in refs:
        seen = out.get(r.index)
        if seen is None:
            out[r.index] = r
        elif r.frames:
            frames = tuple(sorted(set(seen.frames) | set(r.frames)))
            out[r.index] = dataclasses.replace(seen, frames=frames)
    return list(out.values())


def _places_by_geometry(refs: list[Reference], header: Any) -> bool:
    """Whether an object sharing the Frame of Reference should count as referring.

    It does unless it names instances of the file's own series and not the
    file: then it refers to other slices by UID, and the shared frame is
    coincidence, not a reference.
    """
    series = header.series_instance_uid
    return not any(r.series_instance_uid == series and r.sop_instance_uid for r in refs)


_IMAGE_FAMILIES = ("classic_image", "enhanced_image", "whole_slide_microscopy", "unknown")


def file_kind(header: Any) -> str:
    """:func:`object_kind` of a scanned file, ``"OTHER"`` for a non-image object it does not name.

    From the SOP Class alone (an encapsulated PDF, a registration, a waveform are
    ``"OTHER"``; an image class the SDK does not know, with pixel data, ``"IMAGE"``).
    """
    from dcmview.sdk.support import object_kind as family

    cls = header.sop_class_uid
    if cls in DERIVED_KINDS:
        return DERIVED_KINDS[cls]
    if family(cls) in _IMAGE_FAMILIES and (header.has_pixels or family(cls) != "unknown"):
        return "IMAGE"
    return "OTHER"


def catalog_links(catalog: Catalog) -> dict[int, tuple[tuple[int, ...], tuple[int, ...]]]:
    """Who refers to whom in a catalog by SOP Instance UID: index -> (refers_to, referenced_by).

    Only files with a link are keys. The derived objects' headers are read once
    (as :func:`find_references` does, no pixel data); images are not opened, so
    objects that place themselves by Frame of Reference alone are not linked
    here (:func:`find_references` finds those for one file).

    Examples
    --------
    >>> import dcmview.sdk as sdk, pydicom.examples
    >>> catalog_links(sdk.scan(pydicom.examples.get_path("ct")))  # an image, no derived object
    {}
    """
    idx = _index(catalog)
    out: dict[int, tuple[list[int], list[int]]] = {}
    for j in sorted(idx.derived):
        refs, _, _ = idx.derived[j]
        targets = sorted({i for r in refs if (i := idx.by_uid.get(r.sop_instance_uid)) is not None})
        for i in targets:
            if i == j:
                continue
            out.setdefault(j, ([], []))[0].append(i)
            out.setdefault(i, ([], []))[1].append(j)
    return {i: (tuple(a), tuple(b)) for i, (a, b) in sorted(out.items())}


def instance_references(ds: Dataset, header: Any) -> References:
    """:class:`References` of one header without a catalog (``referenced_by`` empty)."""
    refs = outgoing(ds)
    return References(
        sop_instance_uid=header.sop_instance_uid,
        sop_class_uid=header.sop_class_uid,
        kind=object_kind(header.sop_class_uid),
        frame_of_reference_uid=_text(ds.get("FrameOfReferenceUID")),
        refers_to=tuple(refs),
    )
