"""A Header record straight from DICOM JSON metadata (PS3.18 F.2), without pydicom.

Listing a series of 1,000 instances through ``Dataset.from_json`` and
:func:`~dcmview.sdk._headerpydicom.record_from_dataset` took ~10 ms an instance
(10 s for the series); reading the scan's few attributes from the JSON objects
takes ~50 µs. The rules are the scan's own (:mod:`dcmview.sdk._headerrecord`:
the same field table, text joining and defaults), so a header listed from an
archive equals the header of the same file scanned locally.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dcmview.sdk._headerrecord import (
    FIELDS,
    OVERLAY_DATA,
    OVERLAY_EMBEDDED,
    OVERLAY_TAGS,
    PIXEL_MEASURES_TAG,
    PIXEL_SPACING_TAG,
    PRESENCE,
    SHARED_GROUPS_TAG,
    ExtraTag,
    HeaderRecord,
    has_overlay_planes,
    join_values,
    make_record,
    wants_shared_spacing,
)

__all__ = ["record_from_json", "values_of"]

# JSON keys of the tables' tags, made once.
_FIELD_KEYS = [(f"{tag:08X}", attr, kind) for tag, (attr, _vr, kind) in FIELDS.items()]
_PRESENCE_KEYS = [(f"{tag:08X}", attr) for tag, attr in PRESENCE.items()]
_OVERLAY_KEYS = [(f"{tag:08X}", tag >> 16, fact) for tag, fact in OVERLAY_TAGS.items()]
_SHARED, _MEASURES, _SPACING = (
    f"{t:08X}" for t in (SHARED_GROUPS_TAG, PIXEL_MEASURES_TAG, PIXEL_SPACING_TAG)
)


def values_of(obj: Mapping[str, Any], key: str) -> list[Any]:
    """The ``Value`` list of an attribute, ``[]`` when absent or empty."""
    elem = obj.get(key)
    if not isinstance(elem, dict):
        return []
    values = elem.get("Value")
    return values if isinstance(values, list) else []


def _text(values: list[Any]) -> str:
    out = []
    for v in values:
        if isinstance(v, dict):  # PN: {"Alphabetic": ..., "Ideographic": ..., "Phonetic": ...}
            groups = [str(v.get(g) or "") for g in ("Alphabetic", "Ideographic", "Phonetic")]
            while groups and not groups[-1]:
                groups.pop()
            out.append("=".join(groups))  # PS3.5 6.2: the value as the file holds it
        elif v is not None:
            out.append(str(v))
    return join_values(out)


def record_from_json(
    obj: Mapping[str, Any],
    path: str,
    *,
    has_pixels: bool,
    transfer_syntax_uid: str = "",
    extra: tuple[ExtraTag, ...] = (),
) -> HeaderRecord:
    """The :class:`~dcmview.sdk.header.Header` record of one instance's metadata."""
    fields: dict[str, Any] = {}
    for key, attr, kind in _FIELD_KEYS:
        values = values_of(obj, key)
        if kind == "str":
            fields[attr] = _text(values)
            continue
        try:
            if not values or values[0] is None or values[0] == "":
                fields[attr] = None
            elif kind == "floats":
                fields[attr] = tuple(float(v) for v in values)
            elif kind == "int":
                fields[attr] = int(values[0])
            else:
                fields[attr] = float(values[0])
        except (TypeError, ValueError):
            fields[attr] = None
    for key, attr in _PRESENCE_KEYS:
        fields[attr] = bool(values_of(obj, key))
    if wants_shared_spacing(fields):
        fields["pixel_spacing"] = _shared_spacing(obj)
    fields["has_overlay_planes"] = _overlay_planes(obj)
    fields["transfer_syntax_uid"] = transfer_syntax_uid
    extra_values = {}
    for tag, keyword, vr in extra:
        key = f"{tag:08X}"
        if key in obj:
            extra_values[keyword] = "" if vr == "SQ" else _text(values_of(obj, key))
    return make_record(path, fields, has_pixels, extra_values)


def _overlay_planes(obj: Mapping[str, Any]) -> bool:
    """Whether the metadata has Overlay Planes, by the scan's rule (:func:`has_overlay_planes`).

    Overlay Data is binary: an archive sends it inline (``InlineBinary``) or as a
    ``BulkDataURI``; either says it is there. An archive that leaves 60xx out of
    its metadata lists the file without overlays.
    """
    facts: dict[int, int] = {}
    for key, group, fact in _OVERLAY_KEYS:
        elem = obj.get(key)
        if not isinstance(elem, dict):
            continue
        if fact == OVERLAY_DATA:
            if not (elem.get("InlineBinary") or elem.get("BulkDataURI") or elem.get("Value")):
                continue
        else:
            values = values_of(obj, key)
            if not values or values[0] is None:
                continue
            if fact == OVERLAY_EMBEDDED:
                try:
                    if int(values[0]) <= 1:
                        continue
                except (TypeError, ValueError):
                    continue
        facts[group] = facts.get(group, 0) | fact
    return has_overlay_planes(facts.values())


def _shared_spacing(obj: Mapping[str, Any]) -> tuple[float, ...] | None:
    """Pixel Spacing in the Shared Functional Groups' Pixel Measures, or None."""
    item: Any = obj
    for key in (_SHARED, _MEASURES):
        items = values_of(item, key)
        if not items or not isinstance(items[0], dict):
            return None
        item = items[0]
    try:
        values = values_of(item, _SPACING)
        return tuple(float(v) for v in values) if values else None
    except (TypeError, ValueError):
        return None
