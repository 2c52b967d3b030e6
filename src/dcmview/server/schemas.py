"""TypedDicts for every JSON body of the HTTP API: the contract the client and frontend mirror.

Field names and shapes follow the predecessor tool (``dcmview-py`` 0.4.1) so its scripts
keep working; fields marked *beyond* are new. A body may gain fields, never lose
them.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

# The vocabularies are the SDK's (a module of type aliases and pure functions).
from dcmview.sdk.support import ObjectKind, SupportState

LayerContent = Literal["overlay_planes", "display_shutter"]
"""What a presentation layer holds (``FileSummary.presentation_layer_content``)."""

__all__ = [
    "AnnotationsBody",
    "SeriesRedactionsBody",
    "DiscoveryEntry",
    "DocumentBody",
    "DocumentItem",
    "ErrorBody",
    "FileSummary",
    "FilesBody",
    "HealthBody",
    "InfoBody",
    "InstanceRef",
    "LayerContent",
    "PatientNode",
    "PatientsBody",
    "PixelBody",
    "ReferenceEntry",
    "ReferenceItem",
    "ReferenceMatch",
    "ReferenceTarget",
    "ReferencesBody",
    "SeriesBody",
    "SeriesStacksNode",
    "StackFrameNode",
    "StackNode",
    "StackWarningNode",
    "SeriesNode",
    "StudyNode",
    "TagNode",
    "ViewerBody",
    "WindowBody",
]


class ErrorBody(TypedDict):
    """Every non-2xx answer: a stable machine code and a message for people."""

    code: str
    error: str


class ViewerBody(TypedDict):
    """Which server answers (``/api/health``)."""

    name: str
    version: str
    build_target: str  # the platform and Python the server runs on: "linux-x86_64-cpython-3.11"
    build_profile: str  # "release", or "dev" for a development version


class HealthBody(TypedDict):
    """``GET /api/health``."""

    status: Literal["ok"]
    viewer: ViewerBody
    file_count: int
    server_start_ms: int
    masked: bool
    scan_complete: bool  # beyond


class WindowBody(TypedDict):
    """A VOI window: center and width in modality units (PS3.3 C.11.2.1.2)."""

    center: float
    width: float


class FileSummary(TypedDict):
    """One catalog entry of ``GET /api/files``; ``index`` is the ``:i`` of the other routes.

    ``object_kind`` ... ``pixel_aspect_ratio`` are :func:`dcmview.sdk.classify`'s
    answers (docs/http-api.md, "File kinds and support").
    """

    index: int
    path: str
    display_name: str
    label: str
    patient_id: str
    patient_name: str
    study_instance_uid: str
    study_date: str
    study_description: str
    series_instance_uid: str
    series_number: str | None
    series_description: str
    modality: str
    instance_number: str | None
    sop_instance_uid: str
    sop_class_uid: str
    object_kind: ObjectKind
    support_state: SupportState
    support_reason: str | None
    raw_windowing_compatible: bool
    raw_windowing_reason: str | None
    presentation_layer: bool
    # beyond: what the layer holds, [] without one
    presentation_layer_content: list[LayerContent]
    burned_in_annotation: bool
    # beyond: "yes" (Burned In Annotation YES) or "likely" (ultrasound, secondary
    # capture): text in the pixels that --mask cannot hide; None otherwise.
    burned_in_text: Literal["yes", "likely"] | None
    has_pixels: bool
    frame_count: int
    rows: int
    columns: int
    pixel_aspect_ratio: float | None
    samples_per_pixel: int  # beyond
    photometric_interpretation: str  # beyond
    transfer_syntax_uid: str
    default_window: WindowBody | None
    cine_rate: float | None  # beyond: frames per second (Cine Rate, Frame Time, ...)
    image_laterality: str  # beyond: (0020,0062), "L", "R", "B", "U" or ""
    laterality: str  # beyond: (0020,0060), the series' laterality
    view_position: str  # beyond: (0018,5101), "CC", "MLO", ... or ""
    # beyond: sdk.references.file_kind ("IMAGE", "SEG", "RTSTRUCT", "RTDOSE", "PMAP",
    # "GSPS", "SR", ..., "OTHER") and sdk.references.catalog_links (file indexes)
    kind: str
    refers_to: list[int]
    referenced_by: list[int]


class DiscoveryEntry(TypedDict):
    """A path the scan looked at and did not load, with the reason."""

    path: str
    disposition: Literal["skipped"]
    reason: str
    detail: str  # beyond: the message behind the reason


class FilesBody(TypedDict):
    """``GET /api/files``: served while the scan runs (``scan_complete`` false)."""

    files: list[FileSummary]
    scan_complete: bool
    scanned: int
    skipped: int
    filtered: int
    server_start_ms: int
    discovery: list[DiscoveryEntry]
    tunnelled: bool
    tunnel_host: str | None
    masked: bool


class InfoBody(TypedDict):
    """``GET /api/file/:i/info``."""

    frame_count: int
    rows: int
    columns: int
    transfer_syntax_uid: str
    has_pixels: bool
    sop_class_uid: str
    object_kind: ObjectKind
    support_state: SupportState
    support_reason: str | None
    samples_per_pixel: int  # beyond
    photometric_interpretation: str  # beyond
    bits_allocated: int  # beyond
    default_window: WindowBody | None
    cine_rate: float | None  # beyond: frames per second (Cine Rate, Frame Time, ...)
    # beyond: frame 0's dcmview.sdk.calibration (measuring and orientation markers)
    pixel_spacing: list[float] | None
    imager_pixel_spacing: list[float] | None
    image_orientation_patient: list[float] | None
    patient_orientation: list[str] | None
    laterality: str | None


class InstanceRef(TypedDict):
    """One instance of a series, in stack order (*beyond*)."""

    index: int
    frame_count: int
    instance_number: int | None
    sop_instance_uid: str


class SeriesNode(TypedDict):
    """One series (SeriesInstanceUID) with its instances in stack order (*beyond*)."""

    series_instance_uid: str
    series_number: int | None
    series_description: str
    modality: str
    frame_count: int
    instances: list[InstanceRef]


class StudyNode(TypedDict):
    """One study (StudyInstanceUID) (*beyond*)."""

    study_instance_uid: str
    study_date: str
    study_description: str
    series: list[SeriesNode]


class PatientNode(TypedDict):
    """One patient (PatientID) (*beyond*)."""

    patient_id: str
    patient_name: str
    studies: list[StudyNode]


class PatientsBody(TypedDict):
    """``GET /api/patients``: patient → study → series → instances (*beyond*)."""

    patients: list[PatientNode]
    scan_complete: bool


class StackFrameNode(TypedDict):
    """One frame of a stack (the predecessor's shape)."""

    virtual_index: int
    file_index: int
    frame_index: int
    sop_instance_uid: str
    instance_number: int | None
    position_along_normal_mm: float | None


class StackWarningNode(TypedDict):
    """Something odd about a stack: ``missing_positions``, ``duplicate_positions``, ..."""

    code: str
    message: str
    file_indices: list[int]


class StackNode(TypedDict):
    """One stack of a series: ``ordinary``, ``concatenation`` or ``wsi_pyramid_level``."""

    id: str
    kind: str
    concatenation_uid: str | None
    pyramid_uid: str | None
    image_type_role: str | None
    total_pixel_matrix_rows: int | None
    total_pixel_matrix_columns: int | None
    frames: list[StackFrameNode]
    warnings: list[StackWarningNode]


class SeriesStacksNode(TypedDict):
    """One series with its stacks of frames (the predecessor's shape)."""

    id: str
    study_instance_uid: str
    series_instance_uid: str
    frame_of_reference_uids: list[str]
    stacks: list[StackNode]


class SeriesBody(TypedDict):
    """``GET /api/series``: series → stacks → frames, the predecessor's shape."""

    series: list[SeriesStacksNode]
    scan_complete: bool


class PixelBody(TypedDict):
    """``GET /api/file/:i/frame/:f/pixel?row=R&column=C`` (*beyond* in shape).

    ``stored`` is the stored sample (a list for color), ``modality`` the value
    after the Modality LUT / rescale (PS3.3 C.11.1) in ``unit`` (``"HU"`` for CT),
    None for color.
    """

    row: int
    column: int
    stored: float | list[float]
    modality: float | list[float] | None
    unit: str


#: One element of ``GET /api/file/:i/tags``: ``{"tag", "vr", "keyword", "value"}``,
#: built by :mod:`dcmview.sdk.tags`; ``value`` is ``{"type": ..., ...}``.
TagNode = dict[str, Any]


class SeriesRedactionsBody(TypedDict):
    """``PUT /api/file/:i/redactions/series``: the other files that now have the boxes."""

    file_indices: list[int]


class AnnotationsBody(TypedDict):
    """``GET``/``PUT /api/file/:i/annotations``.

    Boxes are ``[ymin, xmin, ymax, xmax]`` in pixel indices, frames 0-based
    (``[]``: every frame).
    """

    num_roi: int
    roi_coords: list[list[int]]
    roi_frames: list[list[int]]


class ReferenceTarget(TypedDict):
    """The instance a reference names, as the file wrote it (predecessor's shape).

    ``frame_numbers`` are 1-based Referenced Frame Numbers (``[]``: the whole
    instance); ``segment_numbers`` is always ``[]`` here.
    """

    sop_class_uid: str
    sop_instance_uid: str
    series_instance_uid: str
    frame_numbers: list[int]
    segment_numbers: list[int]


class ReferenceMatch(TypedDict):
    """A catalog file that is the target: its index and 0-based frames."""

    file_index: int
    path: str
    sop_instance_uid: str
    frame_indices: list[int]


class ReferenceEntry(TypedDict):
    """One instance the file refers to (``relationship`` is ``"source_image"``)."""

    relationship: str
    target: ReferenceTarget
    matches: list[ReferenceMatch]


class ReferenceItem(TypedDict):
    """:meth:`dcmview.sdk.references.Reference.to_json` (*beyond*)."""

    sop_instance_uid: str
    sop_class_uid: str
    kind: str
    via: str
    frames: list[int]
    series_instance_uid: str
    frame_of_reference_uid: str
    index: int | None
    path: str | None


class ReferencesBody(TypedDict):
    """``GET /api/file/:i/references``.

    ``source_file_index``, ``source_sop_instance_uid`` and ``references`` are the
    predecessor's; the rest (*beyond*) is
    :meth:`dcmview.sdk.references.References.to_json`: ``refers_to`` and
    ``referenced_by`` (the derived objects that refer to the file), ``missing``.
    """

    source_file_index: int
    source_sop_instance_uid: str
    references: list[ReferenceEntry]
    sop_instance_uid: str
    sop_class_uid: str
    kind: str
    frame_of_reference_uid: str
    refers_to: list[ReferenceItem]
    referenced_by: list[ReferenceItem]
    missing: list[str]


class SemanticContextBody(TypedDict):
    """``GET /api/file/:i/semantic-context``: :func:`dcmview.sdk.semantic.semantic_context`.

    ``context`` holds the predecessor's fields for its ``kind`` (``"segmentation"``,
    ``"rt_dose"``, ``"parametric_map"``, ``"presentation_state"``,
    ``"not_applicable"``) and the ``/references`` entries (``source_references``
    for a map); docs/http-api.md lists them.
    """

    source_file_index: int
    default_mode: str
    pixel_preview_preserves_stored_values: bool
    context: dict[str, Any]


class ValueLegendBody(TypedDict):
    """``GET /api/file/:i/frame/:f/value-legend`` (*beyond*): a dose or map colour scale."""

    label: str
    unit: str
    minimum: float
    maximum: float
    stops: list[dict[str, Any]]  # {"value": float, "color": "#rrggbb"}


class GspsWindow(TypedDict):
    """A GSPS's window in the image's modality values (``lut``: a table, keep yours)."""

    center: float
    width: float
    function: Literal["LINEAR", "LINEAR_EXACT", "SIGMOID"]
    lut: bool
    rescaled: bool


class GspsDisplayedArea(TypedDict):
    """The displayed area's outer corners, ``[x, y]`` from the image's top-left corner."""

    top_left: list[float]
    bottom_right: list[float]
    size_mode: str


class GspsShutter(TypedDict):
    """Display shutters: the image shows inside every shape; the rest is ``fill``.

    ``shapes``: ``{"type": "rectangle", "top_left", "bottom_right"}``, ``{"type":
    "circle", "center", "radius"}``, ``{"type": "polygon", "points"}``, in ``[x, y]``.
    """

    shapes: list[dict[str, Any]]
    value: int
    grey: int
    color: list[int] | None
    fill: str
    bitmap: bool


class GspsPresentation(TypedDict):
    """What a GSPS sets for a frame's display: :meth:`PresentationState.display_settings`."""

    window: GspsWindow | None
    invert: bool
    rotation: Literal[0, 90, 180, 270]
    flip: bool
    displayed_area: GspsDisplayedArea
    shutter: GspsShutter | None


class GraphicAnnotationsBody(TypedDict):
    """``GET /api/file/:i/frame/:f/graphic-annotations?state=J``.

    The predecessor's ``layers``, ``graphics`` and ``texts`` (points ``[x, y]``,
    the image's top-left corner at ``(0, 0)``) and ``skipped``; ``annotations``
    (*beyond*) is :meth:`dcmview.sdk.presentation.Annotations.to_json` (``(row,
    column)`` pixel centres), None when the state does not apply to the frame;
    ``presentation`` (*beyond*): its window, inversion, rotation, flip, displayed
    area and shutters for the frame, None when it does not apply.
    """

    layers: list[dict[str, Any]]
    graphics: list[dict[str, Any]]
    texts: list[dict[str, Any]]
    skipped: dict[str, int]
    annotations: dict[str, Any] | None
    presentation: GspsPresentation | None


class ValueMappingBody(TypedDict):
    """``GET /api/file/:i/frame/:f/value-mapping``: :func:`dcmview.sdk.semantic.value_mapping`."""

    file_index: int
    frame_index: int
    stored_value_type: str
    modality: dict[str, Any]
    real_world: list[dict[str, Any]]
    voi_lut: dict[str, Any] | None


class StructureSetContours(TypedDict):
    """One RT Structure Set's contours on a frame (``contours``: ``ImageContour.to_json``)."""

    file_index: int
    label: str
    name: str
    contours: list[dict[str, Any]]


class RtContoursBody(TypedDict):
    """``GET /api/file/:i/frame/:f/rt-contours`` (*beyond*): polygons as ``[row, column]``."""

    file_index: int
    frame_index: int
    structure_sets: list[StructureSetContours]


class DocumentItem(TypedDict):
    """One content item of ``GET /api/file/:i/document`` (:class:`dcmview.sdk.DocumentItem`)."""

    relationship: str
    value_type: str
    concept: str
    value: str
    children: list[DocumentItem]


class DocumentBody(TypedDict):
    """``GET /api/file/:i/document`` (beyond): an SR's content tree, or what the object is."""

    sop_class_uid: str
    sop_class_name: str
    title: str
    completion_flag: str
    verification_flag: str
    items: list[DocumentItem]
    truncated: bool
