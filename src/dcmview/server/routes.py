"""ROUTES: the HTTP API of docs/http-api.md; each endpoint parses, makes one SDK call, answers.

No DICOM logic lives here: the SDK answers in values, which become JSON here. The frame
routes (PNG, raw samples, pixel readout) are :mod:`dcmview.server.frames`, the derived
objects' routes :mod:`dcmview.server.derived`; the helpers below are shared with them.
Endpoints that read files are ``async`` only to check the cache and the client first;
the work itself runs off the event loop. Cached bodies (catalog and tag JSON) are
answered straight from the event loop.

Cache keys of this module (one :class:`~dcmview.sdk.cache.ByteCache` for all):
``("tags", path, coding)``: the serialized tag tree; ``("files"|"series", coding)``: the
catalog's answers once the scan is complete.
"""

from __future__ import annotations

import json
import sys
import sysconfig
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from dcmview import __version__
from dcmview.sdk.calibration import calibration
from dcmview.sdk.cine import cine_rate
from dcmview.sdk.errors import InvalidInputError, InvalidPathError
from dcmview.sdk.redaction import burned_in_text
from dcmview.sdk.references import catalog_links, file_kind
from dcmview.sdk.support import classify
from dcmview.sdk.window import Window
from dcmview.server import privacy, schemas
from dcmview.server.errors import HttpError
from dcmview.server.openapi import openapi_json
from dcmview.server.security import require_json
from dcmview.server.transport import choose_encoding, encode_json, json_response

if TYPE_CHECKING:
    from dcmview.sdk.header import Header
    from dcmview.sdk.instance import Instance
    from dcmview.server.app import ServerState

__all__ = ["ROUTES"]

# -- helpers -------------------------------------------------------------------------


def _state(request: Request) -> ServerState:
    return cast("ServerState", request.app.state.dcmview)


def _path_int(request: Request, name: str) -> int:
    text = request.path_params[name]
    # The predecessor's answer for "/api/file/abc/info" and "/api/file/-1/...".
    if not (text.isascii() and text.isdigit()) or len(text) > 12:
        raise InvalidPathError(
            f"invalid path: file indexes and frame numbers are non-negative integers, got {text!r}"
        )
    return int(text)


def _json(request: Request, body: object) -> Response:
    """A small JSON answer, serialized on the event loop."""
    coding = choose_encoding(request.headers.get("accept-encoding"))
    return json_response(*encode_json(body, coding), coding)


async def _json_offloaded(request: Request, make: Callable[[], object]) -> Response:
    """A JSON answer built and serialized in a worker thread (large catalogs, file I/O).

    Not in the decode pool: listing files must not wait behind frames being decoded.
    """
    coding = choose_encoding(request.headers.get("accept-encoding"))
    data, coded = await anyio.to_thread.run_sync(lambda: encode_json(make(), coding))
    return json_response(data, coded, coding)


async def _catalog_json(request: Request, name: str, make: Callable[[], object]) -> Response:
    """A catalog answer (files, series): built while the scan runs, kept once it is complete."""
    state = _state(request)
    coding = choose_encoding(request.headers.get("accept-encoding"))
    kept = state.catalog_answers.get((name, coding))
    if kept is None:
        complete = state.catalog.complete  # read before building: the body is at least this
        kept = await anyio.to_thread.run_sync(lambda: encode_json(make(), coding))
        if complete:
            state.catalog_answers[(name, coding)] = kept
    return json_response(*kept, coding)


def _window_body(window: Window | None) -> schemas.WindowBody | None:
    if window is None:
        return None
    return {"center": window.center, "width": window.width}


def _opt_str(value: int | None) -> str | None:
    return None if value is None else str(value)


def _opt_list(value: tuple[Any, ...] | None) -> list[Any] | None:
    return None if value is None else list(value)


_NO_LINKS: tuple[tuple[int, ...], tuple[int, ...]] = ((), ())


def _summary(
    index: int, h: Header, links: tuple[tuple[int, ...], tuple[int, ...]] = _NO_LINKS
) -> schemas.FileSummary:
    default = None
    if h.window_center is not None and h.window_width is not None:
        default = {"center": h.window_center, "width": h.window_width}
    kind = classify(h)
    return {
        "index": index,
        "path": h.path,
        "display_name": h.display_name,
        "label": h.label,
        "patient_id": h.patient_id,
        "patient_name": h.patient_name,
        "study_instance_uid": h.study_instance_uid,
        "study_date": h.study_date,
        "study_description": h.study_description,
        "series_instance_uid": h.series_instance_uid,
        "series_number": _opt_str(h.series_number),
        "series_description": h.series_description,
        "modality": h.modality,
        "instance_number": _opt_str(h.instance_number),
        "sop_instance_uid": h.sop_instance_uid,
        "sop_class_uid": h.sop_class_uid,
        "object_kind": kind.object_kind,
        "support_state": kind.support_state,
        "support_reason": kind.support_reason,
        "raw_windowing_compatible": kind.raw_windowing_compatible,
        "raw_windowing_reason": kind.raw_windowing_reason,
        "presentation_layer": kind.presentation_layer,
        "presentation_layer_content": _layer_content(h) if kind.presentation_layer else [],
        "burned_in_annotation": kind.burned_in_annotation,
        "burned_in_text": burned_in_text(h),
        "has_pixels": h.has_pixels,
        "frame_count": h.number_of_frames,
        "rows": h.rows,
        "columns": h.columns,
        "pixel_aspect_ratio": kind.pixel_aspect_ratio,
        "samples_per_pixel": h.samples_per_pixel,
        "photometric_interpretation": h.photometric_interpretation,
        "transfer_syntax_uid": h.transfer_syntax_uid,
        "default_window": cast("schemas.WindowBody | None", default),
        "cine_rate": cine_rate(h),
        "image_laterality": h.image_laterality,
        "laterality": h.laterality,
        "view_position": h.view_position,
        "kind": file_kind(h),
        "refers_to": list(links[0]),
        "referenced_by": list(links[1]),
    }


def _layer_content(h: Header) -> list[schemas.LayerContent]:
    """What ``/presentation-layer`` holds, for the viewer to name it."""
    out: list[schemas.LayerContent] = []
    if h.has_overlay_planes:
        out.append("overlay_planes")
    if h.has_display_shutter:
        out.append("display_shutter")
    return out


def _non_negative(request: Request, name: str) -> int | None:
    text = request.query_params.get(name)
    if text is None:
        return None
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise InvalidInputError(
            f"invalid query: {name} must be a non-negative integer, got {text!r}"
        )
    return int(text)


# -- endpoints -----------------------------------------------------------------------


#: Who answers; the predecessor's build fields name the platform and Python here.
_VIEWER: schemas.ViewerBody = {
    "name": "dcmview",
    "version": __version__,
    "build_target": "{}-{}-{}.{}".format(
        sysconfig.get_platform(), sys.implementation.name, *sys.version_info[:2]
    ),
    "build_profile": "dev" if ".dev" in __version__ or "+" in __version__ else "release",
}


async def health(request: Request) -> Response:
    """``GET /api/health``."""
    state = _state(request)
    body: schemas.HealthBody = {
        "status": "ok",
        "viewer": _VIEWER,
        "file_count": len(state.catalog),
        "server_start_ms": state.server_start_ms,
        "masked": state.masker is not None,
        "scan_complete": state.catalog.complete,
    }
    return _json(request, body)


async def files(request: Request) -> Response:
    """``GET /api/files``: the catalog so far, also while the scan runs."""
    return await _catalog_json(request, "files", lambda: _files(_state(request)))


def _files(state: ServerState) -> schemas.FilesBody:
    catalog = state.catalog
    complete = catalog.complete  # read first: the lists below are at least this complete
    headers = privacy.mask_headers(state, catalog.headers)
    skipped = list(catalog.skipped)
    links = catalog_links(catalog)
    body: schemas.FilesBody = {
        "files": [_summary(i, h, links.get(i, _NO_LINKS)) for i, h in enumerate(headers)],
        "scan_complete": complete,
        "scanned": catalog.scanned,
        "skipped": len(skipped),
        "filtered": catalog.filtered,
        "server_start_ms": state.server_start_ms,
        "discovery": privacy.mask_paths(
            state,
            [
                {"path": s.path, "disposition": "skipped", "reason": s.reason, "detail": s.detail}
                for s in skipped
            ],
        ),
        "tunnelled": state.tunnel_host is not None,
        "tunnel_host": state.tunnel_host,
        "masked": state.masker is not None,
    }
    return body


async def patients(request: Request) -> Response:
    """``GET /api/patients``: patient → study → series → instances in stack order."""
    return await _catalog_json(request, "patients", lambda: _patients(_state(request)))


def _patients(state: ServerState) -> schemas.PatientsBody:
    catalog = state.catalog
    complete = catalog.complete
    patients: list[schemas.PatientNode] = []
    for patient in catalog.patients:
        studies: list[schemas.StudyNode] = []
        for study in patient.studies:
            nodes: list[schemas.SeriesNode] = []
            for s in study.series:
                refs: list[schemas.InstanceRef] = []
                for i in s.indexes:
                    h = catalog.header(i)
                    refs.append(
                        {
                            "index": i,
                            "frame_count": h.number_of_frames,
                            "instance_number": h.instance_number,
                            "sop_instance_uid": h.sop_instance_uid,
                        }
                    )
                nodes.append(
                    {
                        "series_instance_uid": s.series_instance_uid,
                        "series_number": s.series_number,
                        "series_description": s.series_description,
                        "modality": s.modality,
                        "frame_count": sum(r["frame_count"] for r in refs),
                        "instances": refs,
                    }
                )
            studies.append(
                {
                    "study_instance_uid": study.study_instance_uid,
                    "study_date": study.study_date,
                    "study_description": study.study_description,
                    "series": nodes,
                }
            )
        patients.append(
            {
                "patient_id": patient.patient_id,
                "patient_name": patient.patient_name,
                "studies": studies,
            }
        )
    return privacy.mask_patients(state, {"patients": patients, "scan_complete": complete})


def _info(instance: Instance) -> schemas.InfoBody:
    h = instance.header
    default = instance.frame(0).default_window() if h.has_pixels and h.number_of_frames else None
    kind = classify(h)
    cal = calibration(instance.dataset)
    return {
        "frame_count": h.number_of_frames,
        "rows": h.rows,
        "columns": h.columns,
        "transfer_syntax_uid": h.transfer_syntax_uid,
        "has_pixels": h.has_pixels,
        "sop_class_uid": h.sop_class_uid,
        "object_kind": kind.object_kind,
        "support_state": kind.support_state,
        "support_reason": kind.support_reason,
        "samples_per_pixel": h.samples_per_pixel,
        "photometric_interpretation": h.photometric_interpretation,
        "bits_allocated": h.bits_allocated,
        "default_window": _window_body(default),
        "cine_rate": instance.cine_rate,
        "pixel_spacing": _opt_list(cal.pixel_spacing),
        "imager_pixel_spacing": _opt_list(cal.imager_pixel_spacing),
        "image_orientation_patient": _opt_list(cal.image_orientation_patient),
        "patient_orientation": _opt_list(cal.patient_orientation),
        "laterality": cal.laterality,
    }


async def info(request: Request) -> Response:
    """``GET /api/file/:i/info``."""
    state = _state(request)
    index = _path_int(request, "index")
    instance = state.catalog[index]
    # Reading the header (functional groups for the window) is file I/O: off the loop.
    return await _json_offloaded(request, lambda: _info(instance))


def _tags(state: ServerState, instance: Instance, coding: str | None) -> tuple[bytes, bool]:
    def make() -> tuple[bytes, bool]:
        # Tag values may hold NaN (a DS "NaN"): written as JSON's NaN, as before.
        return encode_json(privacy.tag_tree(state, instance), coding, allow_nan=True)

    value, _ = state.cache.get_or_create(("tags", instance.path, coding), make)
    return value


async def tags(request: Request) -> Response:
    """``GET /api/file/:i/tags``: the tag tree of the file's header."""
    state = _state(request)
    instance = state.catalog[_path_int(request, "index")]
    coding = choose_encoding(request.headers.get("accept-encoding"))
    cached = state.cache.get(("tags", instance.path, coding))
    if cached is not None:
        body, coded = cached
    else:
        body, coded = await anyio.to_thread.run_sync(_tags, state, instance, coding)
    headers = {"Vary": "Accept-Encoding"}
    if coded and coding is not None:
        headers["Content-Encoding"] = coding
    return Response(body, headers=headers, media_type="application/json")


async def file_annotations(request: Request) -> Response:
    """``GET``/``PUT /api/file/:i/annotations``: the file's boxes, edited in memory."""
    state = _state(request)
    instance = state.catalog[_path_int(request, "index")]
    if request.method == "PUT":
        require_json(request.headers)
        raw = await request.body()
        try:
            payload = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise HttpError(400, "invalid_json", f"the request body is not JSON: {exc}") from None
        # Off the loop: the first edit imports the annotation module (pandas).
        await anyio.to_thread.run_sync(_put_rois, state, instance.header, payload)
    if state.rois is None:
        return _json(request, _NO_ROIS)
    return _json(request, state.rois.to_json(instance.header))


def _put_rois(state: ServerState, header: Header, payload: object) -> None:
    from dcmview.sdk.roi import rois_from_json

    state.roi_set().set(header, rois_from_json(payload))


_NO_ROIS: schemas.AnnotationsBody = {"num_roi": 0, "roi_coords": [], "roi_frames": []}


async def export_csv(request: Request) -> Response:
    """``GET /api/annotations/export.csv``: every annotation as EMBED CSV."""
    state = _state(request)
    text = await anyio.to_thread.run_sync(lambda: state.roi_set().to_embed_csv())
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="dcmview-annotations.csv"'},
    )


#: The API routes, matched in order; the static viewer is mounted after them.
ROUTES: Sequence[BaseRoute] = (
    Route("/api/health", health, methods=["GET"]),
    Route("/api/files", files, methods=["GET"]),
    Route("/api/patients", patients, methods=["GET"]),
    Route("/api/file/{index}/info", info, methods=["GET"]),
    Route("/api/file/{index}/tags", tags, methods=["GET"]),
    Route("/api/file/{index}/annotations", file_annotations, methods=["GET", "PUT"]),
    Route("/api/annotations/export.csv", export_csv, methods=["GET"]),
    Route("/api/openapi.json", openapi_json, methods=["GET"]),
)
