"""Privacy in the answers: ``--mask`` applied to them, and the redaction boxes of a frame.

Masking is the SDK's :class:`~dcmview.sdk.mask.Masker` (on ``ServerState.masker``
with ``--mask``); the helpers here apply it to the answers :mod:`dcmview.server.routes`
and :mod:`dcmview.server.derived` build: headers before they become file summaries,
the series tree, tag trees, ``path`` fields, error messages. The masker's map never
leaves the server: no route returns it.

Redaction boxes are a :class:`~dcmview.sdk.roi.RoiSet` (``ServerState.redactions``,
edited by :mod:`dcmview.server.redactions`). Every pixel route passes the frame's
boxes to the SDK (:func:`frame_boxes`) and keeps them in its cache key; a change of
a file's boxes also drops every cached value of that file's pixels
(:func:`forget_stale`, also for what jobs running at the change store afterwards), so
neither a stale nor an unredacted frame is served or kept.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from dcmview.sdk.frame import Frame
    from dcmview.sdk.header import Header
    from dcmview.sdk.instance import Instance
    from dcmview.sdk.roi import Roi
    from dcmview.server import schemas
    from dcmview.server.app import ServerState

__all__ = [
    "forget_stale",
    "frame_boxes",
    "mask_contours",
    "mask_document",
    "mask_graphic_annotations",
    "mask_headers",
    "mask_paths",
    "mask_patients",
    "mask_semantic",
    "mask_text",
    "redactions_changed",
    "tag_tree",
]

T = TypeVar("T")

# -- masking ---------------------------------------------------------------------


def mask_headers(state: ServerState, headers: Sequence[Header]) -> Sequence[Header]:
    """The headers as answers show them: masked with ``--mask``, else as they are."""
    masker = state.masker
    return headers if masker is None else [masker.header(h) for h in headers]


def mask_text(state: ServerState, text: str) -> str:
    """`text` (an error message, a skip detail) with its paths masked under ``--mask``."""
    return text if state.masker is None else state.masker.text(text)


def mask_paths(state: ServerState, body: T) -> T:
    """`body` with every ``"path"`` and the paths in every ``"detail"`` masked under --mask."""
    masker = state.masker
    if masker is None:
        return body

    def one(key: str, value: Any) -> Any:
        if key == "path" and isinstance(value, str):
            return masker.path(value)
        if key == "detail" and isinstance(value, str):
            return masker.text(value)
        return walk(value)

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: one(k, v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return walk(body)  # type: ignore[no-any-return]  # same shape, masked text


def mask_patients(state: ServerState, body: schemas.PatientsBody) -> schemas.PatientsBody:
    """The ``/api/patients`` tree with patient, study and series text masked under ``--mask``."""
    masker = state.masker
    if masker is None:
        return body
    for patient in body["patients"]:
        patient["patient_id"] = masker.value("PatientID", patient["patient_id"])
        patient["patient_name"] = masker.value("PatientName", patient["patient_name"])
        for study in patient["studies"]:
            study["study_date"] = masker.value("StudyDate", study["study_date"], "DA")
            desc = study["study_description"]
            study["study_description"] = masker.value("StudyDescription", desc)
            for s in study["series"]:
                s["series_description"] = masker.value("SeriesDescription", s["series_description"])
    return body


def tag_tree(state: ServerState, instance: Instance) -> Any:
    """The file's tag tree as the tag route answers it: masked under ``--mask``."""
    nodes = instance.tags()
    return nodes if state.masker is None else state.masker.tag_tree(nodes)


# The derived objects' text: what PS3.15 lists is masked like the tag browser's values
# (Masker.attribute), and a presentation state's free text (Unformatted Text Value) is
# left out, counted in ``skipped.masked_text``, as the predecessor does under --mask.


def mask_graphic_annotations(state: ServerState, body: dict[str, Any]) -> dict[str, Any]:
    """``/graphic-annotations`` under ``--mask``: without the GSPS's text objects."""
    if state.masker is None:
        return body
    dropped = len(body.get("texts") or [])
    body["texts"] = []
    if isinstance(body.get("annotations"), dict):
        body["annotations"]["texts"] = []
    body["skipped"]["masked_text"] = body["skipped"].get("masked_text", 0) + dropped
    return body


def mask_semantic(state: ServerState, body: dict[str, Any]) -> dict[str, Any]:
    """``/semantic-context`` under ``--mask``: paths; a GSPS's texts, creator and date."""
    masker = state.masker
    if masker is None:
        return body
    body = mask_paths(state, body)
    context = body.get("context")
    if not isinstance(context, dict):
        return body
    if context.get("kind") == "presentation_state":
        dropped = 0
        for item in context.get("items") or []:
            dropped += len(item.get("texts") or [])
            item["texts"] = []
        skipped = context.setdefault("skipped", {})
        skipped["masked_text"] = skipped.get("masked_text", 0) + dropped
        for key, keyword, vr in (
            ("content_creator_name", "ContentCreatorName", "PN"),
            ("presentation_creation_date", "PresentationCreationDate", "DA"),
        ):
            if isinstance(context.get(key), str):
                context[key] = masker.attribute(keyword, context[key], vr)
    return body


def mask_contours(state: ServerState, body: dict[str, Any]) -> dict[str, Any]:
    """``/rt-contours`` under ``--mask``: structure set and ROI names (PS3.15 lists them)."""
    masker = state.masker
    if masker is None:
        return body
    for ss in body.get("structure_sets") or []:
        ss["label"] = masker.attribute("StructureSetLabel", ss.get("label") or "")
        ss["name"] = masker.attribute("StructureSetName", ss.get("name") or "")
        for c in ss.get("contours") or []:
            c["roi_name"] = masker.attribute("ROIName", c.get("roi_name") or "")
    return body


# SR content item value types whose values can identify: free text, names, dates.
_DOCUMENT_MASKED = {"TEXT": "", "PNAME": "PN", "DATE": "DA", "DATETIME": "DT", "TIME": "TM"}


def mask_document(state: ServerState, body: dict[str, Any]) -> dict[str, Any]:
    """``/document`` under ``--mask``: text, names and dates of the content tree masked.

    Codes, numbers and references stay: they describe findings, not the patient. A
    document without content items has the Series Description as its title: masked.
    """
    masker = state.masker
    if masker is None:
        return body

    def walk(item: dict[str, Any]) -> None:
        vr = _DOCUMENT_MASKED.get(item.get("value_type", ""))
        if vr is not None and isinstance(item.get("value"), str):
            item["value"] = masker.value("", item["value"], vr)
        for child in item.get("children") or []:
            walk(child)

    for item in body.get("items") or []:
        walk(item)
    if not body.get("items") and isinstance(body.get("title"), str):
        body["title"] = masker.value("SeriesDescription", body["title"])
    return body


# -- redaction -------------------------------------------------------------------


def frame_boxes(state: ServerState, frame: Frame) -> tuple[Roi, ...]:
    """The redaction boxes that apply to `frame` (``()`` without any): part of cache keys.

    For a file whose boxes changed while pixel jobs were running, this also drops what
    those jobs stored since (made with the old boxes), until no job is running.
    """
    redactions = state.redactions
    if redactions is None:
        return ()
    path = frame.instance.path
    if path in state.redactions_changed:
        forget_stale(state, path)
        if state.pool.running == 0:
            state.redactions_changed.discard(path)
    return frame.boxes(redactions.for_instance(path))


def redactions_changed(state: ServerState, path: str) -> None:
    """`path`'s boxes changed: drop its cached pixels made with other boxes, now and later."""
    state.redactions_changed.add(path)
    forget_stale(state, path)


def forget_stale(state: ServerState, path: str) -> None:
    """Drop every cached value of `path`'s pixels that was not made with its current boxes.

    Decoded frames and levels (``(path, frame, ...)``, redacted ones ending in
    ``("redacted", boxes)``) and PNG, raw and header answers (``("png" | "raw" | "meta",
    path, frame, ..., boxes)``) are compared with the boxes that apply to their frame;
    the unredacted frame of a frame with boxes is always stale. Frames whose boxes did
    not change keep their cached values.
    """
    from dcmview.sdk.redaction import boxes_for_frame

    boxes = state.redactions.for_instance(path) if state.redactions is not None else ()

    def stale(key: Hashable) -> bool:
        if not isinstance(key, tuple) or len(key) < 2:
            return False
        if key[0] == path and isinstance(key[1], int):
            last = key[-1]
            redacted = isinstance(last, tuple) and len(last) == 2 and last[0] == "redacted"
            made = last[1] if redacted else ()
            return bool(made != boxes_for_frame(boxes, key[1]))
        if key[0] in _PIXEL_ANSWERS and key[1] == path and len(key) > 2:
            return bool(key[-1] != boxes_for_frame(boxes, key[2]))
        return False

    state.cache.discard_where(stale)


# The cached answers made from a frame's pixels (dcmview.server.frames) or drawn over
# them (the overlay planes of dcmview.server.derived); their keys end with the frame's boxes.
_PIXEL_ANSWERS = frozenset({"png", "raw", "meta", "presentation-layer"})
