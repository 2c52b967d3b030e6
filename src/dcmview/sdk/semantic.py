"""What a derived object means (the predecessor's semantic context) and how a frame's values map.

:func:`semantic_context` describes a SEG, RT Dose, Parametric Map or
presentation state in the JSON shape of the predecessor's
``/api/file/:i/semantic-context`` (every field it has; a few of ours beside
them): segments and the source frame of each SEG frame, the dose grid's
geometry and scaling, the map's real-world value mappings, the state's layers
and annotated frames, and whether the object can be drawn over images of the
catalog (``overlay``). Other objects are ``{"kind": "not_applicable"}``.
The ``references`` list (``source_references`` for a map) is the server's
``/references`` answer and is added there.

:func:`value_mapping` says how the stored values of one frame become values:
Modality LUT / rescale, the real-world value mappings (a parametric map's
Real World Value Mapping, an RT Dose's Dose Grid Scaling) and the VOI LUT
(``/api/file/:i/frame/:f/value-mapping``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dcmview.sdk._derived import Code, source_frames, text, uid_index
from dcmview.sdk._framegroups import first_item, functional_groups, is_dataset
from dcmview.sdk.errors import DcmviewError, DerivedObjectError
from dcmview.sdk.value_overlays import (
    PARAMETRIC_MAP_CLASS,
    RT_DOSE_CLASS,
    check_frame,
    read_cached,
)

if TYPE_CHECKING:  # pragma: no cover
    from pydicom import Dataset

    from dcmview.sdk.catalog import Catalog

__all__ = ["NOT_APPLICABLE", "semantic_context", "value_mapping"]

NOT_APPLICABLE = (
    "semantic context is only defined for SEG, Parametric Map, RT Dose, and softcopy "
    "presentation states"
)
_SEG = ("1.2.840.10008.5.1.4.1.1.66.4", "1.2.840.10008.5.1.4.1.1.66.7")
_STATE_PREFIX = "1.2.840.10008.5.1.4.1.1.11."
_STORED = {"FloatPixelData": "float32", "DoubleFloatPixelData": "float64"}
_WARNING = "Semantic context does not establish prescription correctness or clinical acceptability."


def _code(c: Code | None) -> dict[str, str] | None:
    return c.to_json() if c else None


def _floats(value: Any) -> list[float] | None:
    try:
        return [float(v) for v in value] if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _frame_ref(catalog: Catalog, index: int, frame: int) -> dict[str, Any]:
    return {
        "file_index": index,
        "frame_index": frame,
        "sop_instance_uid": catalog.header(index).sop_instance_uid,
    }


def semantic_context(catalog: Catalog, index: int) -> dict[str, Any]:
    """The predecessor's semantic context of file `index` (without its ``references``).

    Parameters
    ----------
    catalog : Catalog
        Where the file and the images it refers to are.
    index : int
        The file.

    Returns
    -------
    dict
        ``source_file_index``, ``default_mode`` (``"pixel_preview"``),
        ``pixel_preview_preserves_stored_values`` and ``context``, whose
        ``kind`` is ``"segmentation"``, ``"rt_dose"``, ``"parametric_map"``,
        ``"presentation_state"`` or ``"not_applicable"``. A broken object is
        described as far as it can be read, with the error in ``warnings`` and
        ``overlay.eligible`` false.

    Raises
    ------
    NotFoundError
        `index` is not in the catalog.
    """
    h = catalog.header(index)
    cls = h.sop_class_uid
    context: dict[str, Any]
    try:
        if cls in _SEG:
            context = _segmentation(catalog, index)
        elif cls == RT_DOSE_CLASS:
            context = _dose(catalog, index)
        elif cls == PARAMETRIC_MAP_CLASS:
            context = _parametric_map(catalog, index)
        elif cls.startswith(_STATE_PREFIX):
            context = _presentation_state(catalog, index)
        else:
            context = {"kind": "not_applicable", "reason": NOT_APPLICABLE}
    except DcmviewError as exc:
        context = _broken(cls, exc)
    return {
        "source_file_index": index,
        "default_mode": "pixel_preview",
        "pixel_preview_preserves_stored_values": True,
        "context": context,
    }


def _broken(cls: str, exc: DcmviewError) -> dict[str, Any]:
    kind = (
        "segmentation"
        if cls in _SEG
        else "rt_dose"
        if cls == RT_DOSE_CLASS
        else "parametric_map"
        if cls == PARAMETRIC_MAP_CLASS
        else "presentation_state"
    )
    return {
        "kind": kind,
        "warnings": [str(exc)],
        "error": {"code": exc.code, "error": str(exc)},
        "overlay": _overlay(False, str(exc), None, 0),
    }


def _overlay(eligible: bool, reason: str, source: int | None, count: int) -> dict[str, Any]:
    return {
        "eligible": eligible,
        "reason": reason,
        "source_file_index": source,
        "mapped_source_count": count,
    }


def _segmentation(catalog: Catalog, index: int) -> dict[str, Any]:
    from dcmview.sdk.segmentation import read_segmentation

    seg = read_segmentation(catalog[index], catalog)
    ds = catalog[index].dataset
    by_uid = uid_index(catalog)
    segments = []
    for s in seg.segments:
        item = next(
            (
                i
                for i in ds.get("SegmentSequence") or []
                if is_dataset(i) and i.get("SegmentNumber") == s.number
            ),
            None,
        )
        lab = item.get("RecommendedDisplayCIELabValue") if item is not None else None
        grey = item.get("RecommendedDisplayGrayscaleValue") if item is not None else None
        segments.append(
            {
                "number": s.number,
                "label": s.label,
                "description": s.description or None,
                "property_category": _code(s.category),
                "property_type": _code(s.type),
                "algorithm_type": s.algorithm_type or None,
                "algorithm_name": s.algorithm_name or None,
                "recommended_display_cielab": [int(v) for v in lab] if lab else None,
                "recommended_display_grayscale": int(grey) if grey not in (None, "") else None,
                "display_color": list(s.color),
                "display_color_source": "recommended_cielab" if s.recommended else "palette",
            }
        )
    mappings = []
    resolved_files: set[int] = set()
    unresolved = 0
    for k in range(catalog[index].number_of_frames):
        groups = list(functional_groups(ds, k))
        ident = next(
            (x for g in groups if (x := first_item(g, "SegmentIdentificationSequence"))), None
        )
        number = ident.get("ReferencedSegmentNumber") if ident is not None else None
        named = source_frames(groups)
        uid = named[0][0] if named else None
        found = [_frame_ref(catalog, by_uid[u], f or 0) for u, f in named if u in by_uid]
        resolved_files.update(f["file_index"] for f in found)
        if not named:
            status, method = "missing", "declared_source_geometry"
            reason = "no frame-level source image mapping is declared"
        elif len(found) == 1:
            status, method = "resolved", "explicit_derivation"
            reason = "one local source frame is uniquely resolved"
        elif found:
            status, method = "ambiguous", "explicit_derivation"
            reason = "multiple local source frames satisfy the declared mapping"
        else:
            status, method = "missing", "explicit_derivation"
            reason = "no local source frame satisfies the declared mapping"
        unresolved += status != "resolved"
        mappings.append(
            {
                "frame_index": k,
                "segment_number": int(number) if number not in (None, "") else None,
                "source_sop_instance_uid": uid,
                "source_frame_numbers": [f + 1 for u, f in named if f is not None],
                "source_file_indices": sorted({f["file_index"] for f in found}),
                "source_frames": found,
                "mapping_method": method,
                "mapping_status": status,
                "mapping_reason": reason,
            }
        )
    missing = seg.missing_sources()
    misfit = [
        i
        for i in sorted(resolved_files)
        if (catalog.header(i).rows, catalog.header(i).columns) != (seg.rows, seg.columns)
    ]
    if misfit:
        h = catalog.header(misfit[0])
        eligible = False
        why = (
            f"the SEG's frames are {seg.rows}x{seg.columns} but its source file "
            f"{misfit[0]} is {h.rows}x{h.columns}"
        )
    elif seg.by_geometry:
        eligible, why = True, "frames are placed by Frame of Reference and plane position"
    elif missing:
        eligible = False
        why = f"{len(missing)} source image(s) are not in the catalog (first: {missing[0]})"
    elif unresolved:
        eligible, why = False, "one or more segmentation frames lack a unique source-frame mapping"
    else:
        eligible = True
        why = "every segmentation frame has a unique declared, geometry-compatible source frame"
    only = next(iter(resolved_files)) if len(resolved_files) == 1 else None
    return {
        "kind": "segmentation",
        "warnings": [why] if not eligible else [],
        "segmentation_type": seg.type,
        "segmentation_fractional_type": seg.fractional_type or None,
        "maximum_fractional_value": seg.max_fractional_value if seg.type == "FRACTIONAL" else None,
        "segments": segments,
        "frame_mappings": mappings,
        "overlay": _overlay(eligible, why, only, len(resolved_files)),
        "missing_sources": missing,
    }


def _referred_frames(catalog: Catalog, index: int) -> list[dict[str, Any]]:
    """The image frames of the catalog that file `index` names, in catalog order."""
    from dcmview.sdk.references import find_references

    out: dict[tuple[int, int], dict[str, Any]] = {}
    for r in find_references(catalog, index).refers_to:
        if r.index is None or not catalog.header(r.index).has_pixels:
            continue
        count = max(catalog.header(r.index).number_of_frames, 1)
        for f in r.frames or tuple(range(count)):
            out.setdefault((r.index, f), _frame_ref(catalog, r.index, f))
    return [out[k] for k in sorted(out)]


def _legend(unit: str, units: dict[str, str] | None, lo: float, hi: float, **kw: Any) -> Any:
    return {
        "unit_label": unit,
        "units": units,
        "min_value": lo,
        "max_value": hi,
        "transparent_at_or_below": kw.get("transparent"),
        "colormap": kw["colormap"],
        "color_stops": kw["stops"],
    }


def _dose(catalog: Catalog, index: int) -> dict[str, Any]:
    from dcmview.sdk.dose import DOSE_COLOURS, read_dose

    ds = catalog[index].dataset
    scaling = ds.get("DoseGridScaling")
    grid = read_cached("dose", catalog.header(index).path, lambda: read_dose(catalog[index]))
    frames = _referred_frames(catalog, index)
    offsets = _floats(ds.get("GridFrameOffsetVector"))
    unit = "Gy" if grid.units == "GY" else "relative"
    return {
        "kind": "rt_dose",
        "dose_grid_scaling": float(scaling) if scaling not in (None, "") else None,
        "scaling_status": "available" if scaling not in (None, "") else "missing",
        "displayed_value_kind": "stored",
        "dose_units": grid.units,
        "dose_type": text(ds, "DoseType") or None,
        "dose_summation_type": text(ds, "DoseSummationType") or None,
        "geometry": {
            "frame_of_reference_uid": grid.frame_of_reference_uid,
            "image_position_patient": _floats(ds.get("ImagePositionPatient")),
            "image_orientation_patient": _floats(ds.get("ImageOrientationPatient")),
            "pixel_spacing": _floats(ds.get("PixelSpacing")),
            "grid_frame_offsets": offsets,
        },
        "overlay": _overlay(
            bool(frames),
            f"{len(frames)} image frame(s) it refers to are in the catalog"
            if frames
            else "no image it refers to is in the catalog; it is drawn on images of its "
            "Frame of Reference",
            None,
            len({f["file_index"] for f in frames}),
        ),
        "overlay_source_frames": frames,
        "legend": _legend(
            unit,
            None,
            0.0,
            grid.max_dose,
            transparent=round(0.1 * grid.max_dose, 6),
            colormap="dose",
            stops=[list(c) for _, c in DOSE_COLOURS],
        ),
        "clinical_use_warning": _WARNING,
        "summary": grid.summary(),
    }


def _parametric_map(catalog: Catalog, index: int) -> dict[str, Any]:
    from dcmview.sdk.parametric import read_parametric_map

    path = catalog.header(index).path
    m = read_cached("pmap", path, lambda: read_parametric_map(catalog[index], catalog))
    seen: list[Any] = []
    for k in range(m.number_of_frames):
        if m.mapping(k) not in seen:
            seen.append(m.mapping(k))
    mappings = [
        {
            "source": "embedded",
            "source_sop_instance_uid": None,
            "label": x.label or None,
            "first_value_mapped": x.first,
            "last_value_mapped": x.last,
            "slope": x.slope,
            "intercept": x.intercept,
            "lut_data": list(x.lut[:256]) if x.lut else [],
            "lut_data_truncated": bool(x.lut and len(x.lut) > 256),
            "units": _code(x.unit),
            "quantity": _code(x.quantity),
            "derivation": None,
        }
        for x in seen
    ]
    legend = m.legend()
    frames = _referred_frames(catalog, index)
    stored = _STORED.get(catalog[index].pixel_keyword or "", "integer")
    units = {len({x.unit_text for x in seen})}
    return {
        "kind": "parametric_map",
        "stored_value_type": stored,
        "displayed_value_kind": "stored",
        "mappings": mappings,
        "mapping_status": "mapping_available",
        "warnings": [] if units == {1} else ["frames map to different units"],
        "overlay": _overlay(
            bool(frames),
            f"{len(frames)} image frame(s) it refers to are in the catalog"
            if frames
            else "no image it refers to is in the catalog",
            None,
            len({f["file_index"] for f in frames}),
        ),
        "overlay_source_frames": frames,
        "legend": _legend(
            legend.unit,
            _code(m.mapping().unit),
            legend.minimum,
            legend.maximum,
            colormap=legend.colormap,
            stops=[list(c[:3]) for _, c in legend.stops],
        ),
    }


def _presentation_state(catalog: Catalog, index: int) -> dict[str, Any]:
    from dcmview.sdk.presentation import read_presentation_state

    path = catalog.header(index).path
    ps = read_cached("gsps", path, lambda: read_presentation_state(catalog[index], catalog))
    ds = catalog[index].dataset
    frames = _referred_frames(catalog, index)
    annotations = [i for i in ds.get("GraphicAnnotationSequence") or [] if is_dataset(i)]
    items = []
    for n, item in enumerate(annotations):
        graphics = [g for g in item.get("GraphicObjectSequence") or [] if is_dataset(g)]
        texts = [t for t in item.get("TextObjectSequence") or [] if is_dataset(t)]
        scoped = "ReferencedImageSequence" in item
        items.append(
            {
                "index": n,
                "layer": text(item, "GraphicLayer"),
                "graphic_types": [text(g, "GraphicType").lower() for g in graphics],
                "texts": [text(t, "UnformattedTextValue") for t in texts],
                "scoped": scoped,
                "first_frame": frames[0] if frames else None,
                "frame_count": len(frames),
            }
        )
    return {
        "kind": "presentation_state",
        "content_label": text(ds, "ContentLabel") or None,
        "content_description": text(ds, "ContentDescription") or None,
        "content_creator_name": text(ds, "ContentCreatorName") or None,
        "presentation_creation_date": text(ds, "PresentationCreationDate") or None,
        "layers": [
            {
                "name": x.name,
                "order": x.order,
                "description": x.description or None,
                "color": list(x.color) if x.color else None,
            }
            for x in ps.layers
        ],
        "items": items,
        "annotated_frames": frames,
        "skipped": {"display_units": 0, "matrix_units": 0, "malformed": 0, "masked_text": 0},
    }


def value_mapping(catalog: Catalog, index: int, frame: int) -> dict[str, Any]:
    """How the stored values of frame `frame` of file `index` become values.

    Returns
    -------
    dict
        ``file_index``, ``frame_index``, ``stored_value_type`` (``"integer"``,
        ``"float32"``, ``"float64"``), ``modality`` (``rescale_slope``,
        ``rescale_intercept``, ``rescale_type``, ``lut``), ``real_world`` (a
        parametric map's mappings, an RT Dose's Dose Grid Scaling in Gy) and
        ``voi_lut`` (the VOI LUT's description, or None).

    Raises
    ------
    NotFoundError, FrameIndexError
        The index or the frame is out of range.
    """
    h = catalog.header(index)
    inst = catalog[index]
    check_frame(catalog, index, frame)
    ds = inst.dataset
    groups = list(functional_groups(ds, frame)) if h.has_pixels else []
    transform = next(
        (x for g in groups if (x := first_item(g, "PixelValueTransformationSequence"))), None
    )
    where: Dataset = transform if transform is not None else ds
    slope = _floats([where.get("RescaleSlope", 1.0)]) or [1.0]
    intercept = _floats([where.get("RescaleIntercept", 0.0)]) or [0.0]
    stored = _STORED.get(inst.pixel_keyword or "", "integer")
    lut = first_item(ds, "ModalityLUTSequence")
    voi = first_item(ds, "VOILUTSequence")
    real_world: list[dict[str, Any]] = []
    if h.sop_class_uid == PARAMETRIC_MAP_CLASS:
        real_world = _map_value_mappings(catalog, index, frame)
    elif h.sop_class_uid == RT_DOSE_CLASS and ds.get("DoseGridScaling") not in (None, ""):
        units = text(ds, "DoseUnits").upper()
        real_world.append(
            {
                "source": "dose_grid_scaling",
                "source_file_index": None,
                "label": "Dose",
                "first_value_mapped": None,
                "last_value_mapped": None,
                "transform": {
                    "kind": "linear",
                    "slope": float(ds.DoseGridScaling),
                    "intercept": 0.0,
                },
                "unit_label": "Gy" if units == "GY" else units.lower(),
                "units": None,
                "quantity": None,
            }
        )
    return {
        "file_index": index,
        "frame_index": frame,
        "stored_value_type": stored,
        "modality": {
            "rescale_slope": slope[0],
            "rescale_intercept": intercept[0],
            "rescale_type": text(where, "RescaleType") or None,
            "lut": _lut(lut),
        },
        "real_world": real_world,
        "voi_lut": _lut(voi),
    }


def _lut(item: Dataset | None) -> dict[str, Any] | None:
    if item is None:
        return None
    descriptor = _floats(item.get("LUTDescriptor"))
    return {"descriptor": descriptor, "explanation": text(item, "LUTExplanation") or None}


def _map_value_mappings(catalog: Catalog, index: int, frame: int) -> list[dict[str, Any]]:
    from dcmview.sdk.parametric import read_parametric_map

    path = catalog.header(index).path
    try:
        m = read_cached("pmap", path, lambda: read_parametric_map(catalog[index], catalog))
    except DerivedObjectError:
        return []
    x = m.mapping(frame)
    return [
        {
            "source": "real_world_value_mapping",
            "source_file_index": None,
            "label": x.label or None,
            "first_value_mapped": x.first,
            "last_value_mapped": x.last,
            "transform": {"kind": "lut", "length": len(x.lut)}
            if x.lut
            else {"kind": "linear", "slope": x.slope, "intercept": x.intercept},
            "unit_label": x.unit_text,
            "units": _code(x.unit),
            "quantity": _code(x.quantity),
        }
    ]
