"""Tags: a pydicom Dataset as a JSON-ready tag tree (tag panel, ``dcmview tags``).

:func:`tag_tree` turns a data set into a list of nodes, one per data element,
in tag order, that ``json.dumps`` accepts as is (no NaN, no bytes)::

    {"tag": "(0010,0010)", "vr": "PN", "keyword": "PatientName",
     "name": "Patient's Name", "value": {"type": "string", "value": "Müller^Zoë"}}

``value`` is one of:

- ``{"type": "string", "value": str}``: text, PN, DA, TM, DT, UI, AT
  (``"(GGGG,EEEE)"``), and numbers that are not finite; several values are
  joined with ``"; "`` (as the predecessor tool did). Text longer than
  ``max_text`` characters is cut, with ``"truncated": true`` and ``"total"``
  (its length in characters).
- ``{"type": "number", "value": int | float}``: one value of IS, DS, US, SS,
  UL, SL, SV, UV, FL or FD (integers stay integers).
- ``{"type": "numbers", "value": [...]}``: several; at most ``max_values``, with
  ``"truncated": true`` and ``"total"`` when there are more.
- ``{"type": "binary", "length": int}``: OB, OW, OD, OF, OL, OV, UN and Pixel
  Data: the length in bytes only, never the bytes.
- ``{"type": "sequence", "items": [[node, ...], ...]}``: each item a list of
  nodes; at most ``max_items`` items, and none below ``max_depth`` levels, with
  ``"truncated": true`` and ``"total"`` (the number of items).
- ``{"type": "error", "message": str}``: a value that cannot be decoded
  (``tag_tree`` never raises for a value).

Decisions: the File Meta Information (group 0002) comes first, when the data
set has it, because the transfer syntax is the first thing one checks. Private
elements are listed; a private creator element has the keyword
``PrivateCreator``, and a private data element has ``"private_creator"`` (its
creator, or None for an orphan) and, as keyword, pydicom's private dictionary
name when it knows the creator (``"Full fidelity"``), else ``"Unknown"`` (the
predecessor's keyword). ``name`` is pydicom's human-readable name. Text is
decoded with the Specific Character Set by pydicom (PS3.5 6.1).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

__all__ = ["MAX_PAGE", "parse_tag_path", "select", "tag_tree"]

#: The most sequence items one :func:`select` page holds (the predecessor's bound).
MAX_PAGE: Final = 256

_BINARY_VRS: Final = frozenset({"OB", "OD", "OF", "OL", "OV", "OW", "UN", "OB or OW", "US or OW"})
_INT_VRS: Final = frozenset({"IS", "US", "SS", "UL", "SL", "SV", "UV", "US or SS"})
_FLOAT_VRS: Final = frozenset({"DS", "FL", "FD"})
_PIXEL_TAGS: Final = frozenset({0x7FE00008, 0x7FE00009, 0x7FE00010})
_UNDEFINED: Final = 0xFFFFFFFF

JsonNode = dict[str, Any]


def tag_tree(
    dataset: Dataset,
    *,
    max_items: int = 100,
    max_values: int = 64,
    max_depth: int = 16,
    max_text: int = 4096,
    include_meta: bool = True,
    pixel_data: tuple[int, str, int] | None = None,
) -> list[JsonNode]:
    """Return the data elements of `dataset` as JSON-ready nodes, in tag order.

    Never raises for a value: what cannot be decoded is an ``error`` node. Pixel
    Data is never read or decoded, only its length reported.

    Parameters
    ----------
    dataset : pydicom.dataset.Dataset
        The data set (a FileDataset's ``file_meta`` is listed first).
    max_items : int, optional
        Items shown per sequence.
    max_values : int, optional
        Values shown per multi-valued number element.
    max_depth : int, optional
        Sequence levels shown; items below are cut (``truncated``).
    max_text : int, optional
        Characters shown per text value.
    include_meta : bool, optional
        List the File Meta Information (group 0002) first.
    pixel_data : tuple of (int, str, int), optional
        ``(tag, VR, length)`` of Pixel Data the data set does not hold (it was
        read with ``stop_before_pixels``), added at the end as a binary node.

    Returns
    -------
    list of dict
        See the module documentation for the node shapes.

    Examples
    --------
    >>> import pydicom
    >>> nodes = tag_tree(pydicom.examples.ct)
    >>> nodes[0]["tag"], nodes[0]["keyword"]
    ('(0002,0000)', 'FileMetaInformationGroupLength')
    >>> [n["value"] for n in nodes if n["keyword"] == "Rows"]
    [{'type': 'number', 'value': 128}]
    >>> [n["value"] for n in nodes if n["keyword"] == "PixelData"]
    [{'type': 'binary', 'length': 32768}]
    """
    limits = _Limits(max_items, max_values, max_depth, max_text)
    nodes: list[JsonNode] = []
    meta = getattr(dataset, "file_meta", None)
    if include_meta and meta is not None:
        nodes.extend(_nodes(meta, 0, limits))
    nodes.extend(_nodes(dataset, 0, limits))
    if pixel_data is not None and pixel_data[0] not in dataset:
        tag, vr, length = pixel_data
        nodes.append(_node_head(None, tag, vr) | {"value": {"type": "binary", "length": length}})
    return nodes


def parse_tag_path(path: str) -> list[int]:
    """Parse ``(GGGG,EEEE)/N/(GGGG,EEEE)...`` into tags and item numbers, alternating.

    Parameters
    ----------
    path : str
        Tags as ``(GGGG,EEEE)`` (hexadecimal, either case) and 0-based sequence
        item numbers, separated by ``/``, ending with a tag.

    Returns
    -------
    list of int
        Tag, item, tag, ... (an odd number of values).

    Raises
    ------
    InvalidInputError
        A malformed tag or item, or a path that ends with an item.

    Examples
    --------
    >>> [hex(v) if v > 9 else v for v in parse_tag_path("(0040,A730)/0/(0040,a043)")]
    ['0x40a730', 0, '0x40a043']
    """
    from dcmview.sdk.errors import InvalidInputError

    parts = path.split("/")
    if len(parts) % 2 == 0:
        raise InvalidInputError(
            f"invalid tag path {path!r}: it must alternate tag/item and end with a tag"
        )
    out: list[int] = []
    for k, part in enumerate(parts):
        if k % 2:
            if not (part.isascii() and part.isdigit()) or len(part) > 9:
                raise InvalidInputError(f"invalid sequence item {part!r} in tag path {path!r}")
            out.append(int(part))
            continue
        text = part.strip()
        group, comma, element = text[1:-1].partition(",")
        if not (
            text.startswith("(")
            and text.endswith(")")
            and comma
            and len(group) == 4
            and len(element) == 4
            and all(c in "0123456789abcdefABCDEF" for c in group + element)
        ):
            raise InvalidInputError(
                f"invalid tag {part!r} in tag path {path!r}; expected (GGGG,EEEE)"
            )
        out.append(int(group, 16) << 16 | int(element, 16))
    return out


def select(
    dataset: Dataset,
    path: str,
    *,
    offset: int = 0,
    limit: int | None = None,
    max_values: int = 64,
    max_depth: int = 16,
    max_text: int = 4096,
) -> JsonNode:
    """Return the node of one data element, found by a tag path, with a page of its items.

    Parameters
    ----------
    dataset : pydicom.dataset.Dataset
        The data set (group 0002 is looked up in its ``file_meta``).
    path : str
        See :func:`parse_tag_path`: ``(0040,A730)/0/(0040,A043)`` is the Concept
        Name Code Sequence in the first item of the Content Sequence.
    offset : int
        The first sequence item to include (sequences only).
    limit : int, optional
        Sequence items to include, 1 to :data:`MAX_PAGE` (default 100). The node
        says ``"truncated": true`` and ``"total"`` when items were left out.
    max_values, max_depth, max_text : int
        As in :func:`tag_tree`, for the values inside.

    Returns
    -------
    dict
        One node as :func:`tag_tree` makes them.

    Raises
    ------
    InvalidInputError
        A malformed path, a tag that is absent, an item past the end of its
        sequence, a tag inside something that is no sequence, an offset on a
        value that is no sequence, or a limit outside 1..256.

    Examples
    --------
    >>> import pydicom
    >>> select(pydicom.examples.ct, "(0028,0010)")["value"]
    {'type': 'number', 'value': 128}
    """
    from dcmview.sdk.errors import InvalidInputError

    if limit is not None and not 1 <= limit <= MAX_PAGE:
        raise InvalidInputError(
            f"invalid query: limit must be between 1 and {MAX_PAGE}, got {limit}"
        )
    if offset < 0:
        raise InvalidInputError(f"invalid query: offset must be >= 0, got {offset}")
    steps = parse_tag_path(path)
    ds: Any = dataset
    for k in range(0, len(steps) - 1, 2):
        tag, item = steps[k], steps[k + 1]
        elem = _element(ds, tag, k == 0)
        if elem.VR != "SQ":
            raise InvalidInputError(f"tag {_tag_text(tag)} in {path!r} is not a sequence")
        items = elem.value or []
        if item >= len(items):
            raise InvalidInputError(
                f"sequence item {item} out of range for {_tag_text(tag)} ({len(items)} item(s))"
            )
        ds = items[item]
    tag = steps[-1]
    where = _element(ds, tag, len(steps) == 1)
    owner = dataset.file_meta if len(steps) == 1 and tag >> 16 == 2 else ds
    depth = len(steps) // 2
    items_shown = limit if limit is not None else 100
    limits = _Limits(items_shown, max_values, max_depth, max_text)
    if where.VR != "SQ":
        if offset:
            raise InvalidInputError("invalid query: offset applies only to sequence values")
        return _node(owner, tag, depth, limits)
    items = list(where.value or [])
    page = items[offset : offset + items_shown] if depth + 1 <= max_depth else []
    value: JsonNode = {"type": "sequence", "items": [_nodes(i, depth + 1, limits) for i in page]}
    if len(page) < len(items):
        value |= {"truncated": True, "total": len(items)}
    return _node_head(owner, tag, where.VR) | {"value": value}


def _element(ds: Any, tag: int, top: bool) -> Any:
    from dcmview.sdk.errors import InvalidInputError

    holder = ds
    if top and tag >> 16 == 2:
        holder = getattr(ds, "file_meta", None)
    if holder is None or tag not in holder:
        raise InvalidInputError(f"tag {_tag_text(tag)} not found")
    return holder[tag]


class _Limits:
    __slots__ = ("depth", "items", "text", "values")

    def __init__(self, items: int, values: int, depth: int, text: int) -> None:
        if min(items, values, depth, text) < 0:
            raise TypeError("tag_tree limits must be >= 0")
        self.items, self.values, self.depth, self.text = items, values, depth, text


def _nodes(ds: Dataset, depth: int, limits: _Limits) -> list[JsonNode]:
    out = []
    for tag in sorted(ds.keys()):
        try:
            out.append(_node(ds, int(tag), depth, limits))
        except Exception as exc:  # a broken element must not hide the others
            out.append(_node_head(None, int(tag), "UN") | {"value": _error(exc)})
    return out


def _error(exc: BaseException) -> JsonNode:
    return {"type": "error", "message": f"{type(exc).__name__}: {exc}"}


def _tag_text(tag: int) -> str:
    return f"({tag >> 16:04X},{tag & 0xFFFF:04X})"


def _node_head(ds: Dataset | None, tag: int, vr: str) -> JsonNode:
    """tag, vr, keyword and name (and private_creator for private data elements)."""
    from pydicom.datadict import dictionary_description, keyword_for_tag

    group, element = tag >> 16, tag & 0xFFFF
    head: JsonNode = {"tag": _tag_text(tag), "vr": vr}
    if group % 2 == 1:
        if 0x0010 <= element <= 0x00FF:
            head |= {"keyword": "PrivateCreator", "name": "Private Creator"}
            return head
        # PS3.5 7.8.1: (gggg,xxee) belongs to the creator in (gggg,00xx).
        creator = _private_creator(ds, group << 16 | element >> 8)
        name = _private_name(tag, creator)
        head |= {
            "keyword": name or "Unknown",
            "name": f"[{name}]" if name else "Unknown private tag",
            "private_creator": creator,
        }
        return head
    keyword = keyword_for_tag(tag) or ("GroupLength" if element == 0 else "Unknown")
    try:
        name = dictionary_description(tag)
    except KeyError:
        name = "Group Length" if element == 0 else "Unknown tag"
    head |= {"keyword": keyword, "name": name}
    return head


def _private_creator(ds: Dataset | None, creator_tag: int) -> str | None:
    if ds is None or creator_tag & 0xFF < 0x10:
        return None
    try:
        elem: Any = ds.get(creator_tag)
        value: Any = None if elem is None else elem.value
    except Exception:  # an undecodable creator is as good as none
        return None
    if isinstance(value, bytes):
        value = value.decode("latin_1")
    return str(value).strip() if value else None


def _private_name(tag: int, creator: str | None) -> str:
    from pydicom.datadict import private_dictionary_description

    if creator is None:
        return ""
    try:
        return str(private_dictionary_description(tag, creator))
    except KeyError:
        return ""


def _node(ds: Dataset, tag: int, depth: int, limits: _Limits) -> JsonNode:
    from pydicom.dataelem import RawDataElement

    # keep_deferred: a deferred value (defer_size) stays on disk; it is measured, not read.
    raw: Any = ds.get_item(tag, keep_deferred=True)
    # Binary values (and Pixel Data, whatever its VR) are measured, never converted:
    # converting a deferred element would read it from the file.
    if isinstance(raw, RawDataElement) and (tag in _PIXEL_TAGS or (raw.VR or "") in _BINARY_VRS):
        return _node_head(ds, tag, raw.VR or "OB") | {"value": _binary(raw.length, raw.value)}
    try:
        elem = ds[tag]
    except Exception as exc:
        vr = (raw.VR if isinstance(raw, RawDataElement) else None) or "UN"
        return _node_head(ds, tag, vr) | {"value": _error(exc)}
    head = _node_head(ds, tag, elem.VR)
    try:
        value = _value(elem, tag, depth, limits)
    except Exception as exc:
        value = _error(exc)
    return head | {"value": value}


def _binary(length: int | None, value: Any) -> JsonNode:
    if length is None or length == _UNDEFINED:
        # Encapsulated (undefined length): the bytes read, fragments included.
        length = len(value) if isinstance(value, bytes | bytearray) else 0
    return {"type": "binary", "length": int(length)}


def _value(elem: Any, tag: int, depth: int, limits: _Limits) -> JsonNode:
    from pydicom.multival import MultiValue

    vr = elem.VR
    value = elem.value
    if vr == "SQ":
        items = list(value or [])
        total = len(items)
        shown = items[: limits.items] if depth + 1 <= limits.depth else []
        node: JsonNode = {
            "type": "sequence",
            "items": [_nodes(item, depth + 1, limits) for item in shown],
        }
        if len(shown) < total:
            node |= {"truncated": True, "total": total}
        return node
    if vr in _BINARY_VRS or tag in _PIXEL_TAGS or isinstance(value, bytes | bytearray):
        return _binary(None, value)
    values = list(value) if isinstance(value, MultiValue | list | tuple) else [value]
    values = [v for v in values if v is not None and v != ""]
    if not values:
        return {"type": "string", "value": ""}
    if vr in _INT_VRS or vr in _FLOAT_VRS:
        numbers: list[int | float] = [int(v) if vr in _INT_VRS else float(v) for v in values]
        if all(math.isfinite(n) for n in numbers):
            if len(numbers) == 1:
                return {"type": "number", "value": numbers[0]}
            node = {"type": "numbers", "value": numbers[: limits.values]}
            if len(numbers) > limits.values:
                node |= {"truncated": True, "total": len(numbers)}
            return node
        # NaN and infinities are not JSON: show them as text.
        return _text("; ".join(str(n) for n in numbers), limits)
    if vr == "AT":
        return _text("; ".join(_tag_text(int(v)) for v in values), limits)
    return _text("; ".join(str(v) for v in values), limits)


def _text(text: str, limits: _Limits) -> JsonNode:
    if len(text) > limits.text:
        return {
            "type": "string",
            "value": text[: limits.text],
            "truncated": True,
            "total": len(text),
        }
    return {"type": "string", "value": text}
