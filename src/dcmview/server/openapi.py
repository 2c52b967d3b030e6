"""OpenAPI 3.1 document of the HTTP API, built from the routes of docs/http-api.md and schemas.py.

The JSON bodies come from the TypedDicts of :mod:`dcmview.server.schemas` (one
converter, so the document cannot drift from what the endpoints are typed to
return); the routes, parameters, media types and error statuses follow
docs/http-api.md. The document is served at ``GET /api/openapi.json`` (behind the
token, like every ``/api/*`` route) and drives the schema-based tests
(schemathesis) of tests/reliability/test_openapi.py.
"""

from __future__ import annotations

import functools
import types
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints, is_typeddict

from starlette.requests import Request
from starlette.responses import JSONResponse

from dcmview.server import schemas

__all__ = ["build_openapi", "openapi_json"]

JsonSchema = dict[str, Any]

# Statuses every file route may answer, with the stable codes behind them (docs/http-api.md).
_ERRORS: dict[int, str] = {
    400: "bad parameters: invalid_query, invalid_window, invalid_path, invalid_annotations, "
    "invalid_redactions",
    401: "missing or wrong token: unauthorized",
    403: "a Host name that is not this server's: forbidden_host",
    404: "unknown file or frame: not_found, frame_out_of_range, no_pixel_data, route_not_found",
    422: "cannot be decoded here: unsupported_transfer_syntax, unsupported_pixel_layout, "
    "image_too_large",
    500: "corrupt data or a file gone since the scan: pixel_decode_failed, file_unreadable",
    501: "a decoder package is missing: decoder_missing",
}

_TAG_VALUE: JsonSchema = {
    "type": "object",
    "required": ["type"],
    "properties": {
        "type": {"enum": ["string", "number", "numbers", "sequence", "binary", "error"]},
        "value": {},
        "length": {"type": "integer", "minimum": 0},
        "items": {"type": "array"},
        "message": {"type": "string"},
        "truncated": {"type": "boolean"},
        "total": {"type": "integer", "minimum": 0},
    },
}

_TAG_NODE: JsonSchema = {
    "type": "object",
    "required": ["tag", "vr", "keyword", "value"],
    "properties": {
        "tag": {"type": "string", "pattern": "^\\([0-9A-F]{4},[0-9A-F]{4}\\)$"},
        "vr": {"type": "string"},
        "keyword": {"type": "string"},
        "name": {"type": "string"},
        "private_creator": {"type": ["string", "null"]},
        "value": {"$ref": "#/components/schemas/TagValue"},
    },
}


def _schema(tp: Any, defs: dict[str, JsonSchema]) -> JsonSchema:
    """JSON Schema of a type of schemas.py; TypedDicts go to `defs` and are referenced."""
    if tp is Any:
        return {}
    if tp is type(None):
        return {"type": "null"}
    if tp is bool:  # before int: bool is an int in Python, not in JSON
        return {"type": "boolean"}
    if tp is int:
        return {"type": "integer"}
    if tp is float:
        return {"type": "number"}
    if tp is str:
        return {"type": "string"}
    origin, args = get_origin(tp), get_args(tp)
    if origin in (Union, types.UnionType):
        return {"anyOf": [_schema(a, defs) for a in args]}
    if origin is Literal:
        return {"enum": list(args)}
    if origin is list:
        return {"type": "array", "items": _schema(args[0], defs)}
    if origin is dict:
        return {"type": "object", "additionalProperties": _schema(args[1], defs)}
    if is_typeddict(tp):
        name = tp.__name__
        if name not in defs:
            defs[name] = {}  # placeholder: a TypedDict may refer to itself
            hints = get_type_hints(tp)
            defs[name] = {
                "type": "object",
                # Bodies may gain fields (schemas.py), so others are allowed.
                "properties": {key: _schema(hint, defs) for key, hint in hints.items()},
                "required": sorted(tp.__required_keys__),
            }
        return {"$ref": f"#/components/schemas/{name}"}
    raise TypeError(f"no JSON Schema for {tp!r}")


def _json(ref: JsonSchema, description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ref}}}


def _errors(*statuses: int) -> dict[str, Any]:
    body = {"$ref": "#/components/schemas/ErrorBody"}
    return {str(s): _json(body, _ERRORS[s]) for s in statuses}


def _int_path(name: str, what: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": what,
        "schema": {"type": "integer", "minimum": 0},
    }


def _query(name: str, schema: JsonSchema, what: str, required: bool = False) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": what,
        "schema": schema,
    }


_INDEX = _int_path("index", "0-based catalog index (GET /api/files)")
_FRAME = _int_path("frame", "0-based frame index")
_ALWAYS = (401, 403)
_FILE = (400, *_ALWAYS, 404)  # 400: an index that is not a non-negative integer
_PIXELS = (*_FILE, 422, 500, 501)


def _get(summary: str, ok: dict[str, Any], errors: tuple[int, ...], **extra: Any) -> Any:
    return {"get": {"summary": summary, "responses": {"200": ok, **_errors(*errors)}, **extra}}


@functools.cache
def _document(version: str) -> dict[str, Any]:
    defs: dict[str, JsonSchema] = {}
    ref = functools.partial(_schema, defs=defs)
    ref(schemas.ErrorBody)
    annotations = ref(schemas.AnnotationsBody)
    window_params = [
        _query("wc", {"type": "number"}, "window center (with ww)"),
        _query("ww", {"type": "number", "exclusiveMinimum": 0}, "window width (with wc)"),
        _query("mode", {"enum": ["default", "full_dynamic"]}, "default: the file's window"),
        _query(
            "function",
            {"enum": ["LINEAR", "LINEAR_EXACT", "SIGMOID"]},
            "VOI LUT function of wc/ww (beyond; LINEAR when absent)",
        ),
    ]
    level_params = [
        _query(
            "level",
            {"type": "integer", "minimum": 0},
            "resolution level (beyond): 0 full, n is 1/2**n of each side, rounded up; "
            "at most the level that is 1x1 (else 400)",
        ),
        _query(
            "max_size",
            {"type": "integer", "minimum": 1},
            "pick the least-work level whose larger side is still at least this many "
            "pixels (beyond; not with level)",
        ),
        _query(
            "then",
            {"enum": ["full"]},
            "after answering a reduced level, decode the full frame into the cache: the "
            "full-resolution request is expected next (beyond)",
        ),
    ]
    binary = {"type": "string", "format": "binary"}
    png = {"description": "PNG (RGBA)", "content": {"image/png": {"schema": binary}}}
    raw = {
        "description": "float32 little-endian, row-major (X-Frame-Rows, X-Frame-Columns)",
        "content": {"application/octet-stream": {"schema": binary}},
    }
    paths: dict[str, Any] = {
        "/api/health": _get("Server status", _json(ref(schemas.HealthBody)), _ALWAYS),
        "/api/files": _get(
            "The catalog (served while the scan runs)", _json(ref(schemas.FilesBody)), _ALWAYS
        ),
        "/api/series": _get(
            "Series > stacks > frames, each frame with its position (the predecessor's shape)",
            _json(ref(schemas.SeriesBody)),
            _ALWAYS,
        ),
        "/api/patients": _get(
            "Patient > study > series > instances in stack order (beyond)",
            _json(ref(schemas.PatientsBody)),
            _ALWAYS,
        ),
        "/api/file/{index}/info": _get(
            "Geometry and default window of one file",
            _json(ref(schemas.InfoBody)),
            (*_FILE, 500),
            parameters=[_INDEX],
        ),
        "/api/file/{index}/frame/{frame}": _get(
            "One frame as an 8-bit PNG, windowed",
            {"description": "PNG", "content": {"image/png": {"schema": binary}}},
            _PIXELS,
            parameters=[
                _INDEX,
                _FRAME,
                *window_params,
                *level_params,
                _query(
                    "preview",
                    {"enum": ["true", "false", "1", "0"]},
                    "the same image, not kept in the PNG cache (a window being dragged)",
                ),
                _query(
                    "unit",
                    {"type": "string"},
                    "accepted and ignored, as by the predecessor (wc/ww are modality values)",
                ),
            ],
        ),
        "/api/file/{index}/frame/{frame}/raw": _get(
            "One frame's decoded samples: little-endian, row-major, interleaved colour",
            {
                "description": "samples (X-Frame-* headers describe them)",
                "content": {"application/octet-stream": {"schema": binary}},
            },
            _PIXELS,
            parameters=[
                _INDEX,
                _FRAME,
                _query("shuffle", {"enum": ["none", "bytes"]}, "byte-plane shuffle"),
                *level_params,
            ],
        ),
        "/api/file/{index}/frame/{frame}/pixel": _get(
            "One sample and its modality value",
            _json(ref(schemas.PixelBody)),
            _PIXELS,
            parameters=[
                _INDEX,
                _FRAME,
                _query("row", {"type": "integer", "minimum": 0}, "0-based row", True),
                _query("column", {"type": "integer", "minimum": 0}, "0-based column", True),
            ],
        ),
        "/api/file/{index}/frame/{frame}/raw/pixel": _get(
            "One pixel's samples as raw bytes (the predecessor's readout): X-Frame-* headers "
            "with rows and columns 1",
            {
                "description": "the samples of one pixel",
                "content": {"application/octet-stream": {"schema": binary}},
            },
            _PIXELS,
            parameters=[
                _INDEX,
                _FRAME,
                _query("row", {"type": "integer", "minimum": 0}, "0-based row", True),
                _query("column", {"type": "integer", "minimum": 0}, "0-based column", True),
            ],
        ),
        "/api/file/{index}/tags/select": _get(
            "One element by tag path, with a page of its sequence items",
            _json({"$ref": "#/components/schemas/TagNode"}),
            (*_FILE, 500),
            parameters=[
                _INDEX,
                _query(
                    "path",
                    {"type": "string"},
                    "(GGGG,EEEE), or tags and 0-based item numbers joined by /: "
                    "(0040,A730)/0/(0040,A043)",
                    True,
                ),
                _query("offset", {"type": "integer", "minimum": 0}, "first sequence item"),
                _query("limit", {"type": "integer", "minimum": 1, "maximum": 256}, "items (100)"),
            ],
        ),
        "/api/file/{index}/cine": _get(
            "The frames as an animation file for download (beyond): Instance.export_cine",
            {
                "description": "the file (Content-Disposition: attachment)",
                "content": {
                    t: {"schema": binary}
                    for t in ("image/webp", "image/apng", "image/gif", "video/mp4")
                },
            },
            _PIXELS,
            parameters=[
                _INDEX,
                _query("format", {"enum": ["webp", "png", "gif", "mp4"]}, "default webp"),
                _query(
                    "fps",
                    {"type": "number", "minimum": 0.1, "maximum": 1000},
                    "default: the file's",
                ),
                _query("rois", {"enum": ["0", "1", "true", "false"]}, "draw the file's ROIs in"),
                *window_params,
                *level_params,
            ],
        ),
        "/api/file/{index}/tags": _get(
            "The header as a tag tree (values of binary elements as lengths only)",
            _json({"type": "array", "items": {"$ref": "#/components/schemas/TagNode"}}),
            (*_FILE, 500),
            parameters=[_INDEX],
        ),
        "/api/file/{index}/annotations": {
            "parameters": [_INDEX],
            "get": {
                "summary": "The ROIs of one file",
                "responses": {"200": _json(annotations), **_errors(*_FILE)},
            },
            "put": {
                "summary": "Replace the ROIs of one file; answers the canonical form",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": annotations}},
                },
                "responses": {
                    "200": _json(annotations),
                    **_errors(*_FILE),
                    "415": _json(
                        {"$ref": "#/components/schemas/ErrorBody"},
                        "a body that is not application/json: invalid_json",
                    ),
                },
            },
        },
        "/api/file/{index}/redactions": {
            "parameters": [_INDEX],
            "get": {
                "summary": "The redaction boxes of one file (the annotations' body)",
                "responses": {"200": _json(annotations), **_errors(*_FILE)},
            },
            "put": {
                "summary": "Replace the redaction boxes of one file; its pixels are removed "
                "from every answer from now on",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": annotations}},
                },
                "responses": {
                    "200": _json(annotations),
                    **_errors(*_FILE),
                    "415": _json(
                        {"$ref": "#/components/schemas/ErrorBody"},
                        "a body that is not application/json: invalid_json",
                    ),
                },
            },
        },
        "/api/file/{index}/redactions/series": {
            "parameters": [_INDEX],
            "put": {
                "summary": "Copy the file's redaction boxes to the other instances of its "
                "series that they fit",
                "requestBody": {
                    "required": False,
                    "content": {"application/json": {"schema": {}}},
                },
                "responses": {
                    "200": _json(ref(schemas.SeriesRedactionsBody)),
                    **_errors(*_FILE),
                    "415": _json(
                        {"$ref": "#/components/schemas/ErrorBody"},
                        "a body that is not application/json: invalid_json",
                    ),
                },
            },
        },
        "/api/redactions/export.csv": _get(
            "Every redaction box as an EMBED CSV, with the real paths",
            {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}},
            _ALWAYS,
        ),
        "/api/file/{index}/references": _get(
            "What the file refers to (the predecessor's references) and, beyond, "
            "the derived objects that refer to it",
            _json(ref(schemas.ReferencesBody)),
            (*_FILE, 500),
            parameters=[_INDEX],
        ),
        "/api/file/{index}/frame/{frame}/segmentation-overlay": _get(
            "RGBA PNG of the segmentations on an image frame (i: the image, not the SEG)",
            {"description": "PNG (RGBA)", "content": {"image/png": {"schema": binary}}},
            (*_FILE, 422, 500),
            parameters=[
                _INDEX,
                _FRAME,
                _query(
                    "seg",
                    {"type": "integer", "minimum": 0},
                    "only the SEG that is this file index (beyond; all SEGs when absent)",
                ),
                _query(
                    "segments",
                    {"type": "string", "pattern": "^[0-9,]*$"},
                    "only these Segment Numbers, comma-separated (beyond; all when absent)",
                ),
                _query(
                    "colors",
                    {"type": "string", "pattern": "^([0-9]+:#?[0-9a-fA-F]{6},?)*$"},
                    "draw these segments in these sRGB colours instead of their "
                    "recommended ones: Segment Number:rrggbb pairs, comma-separated "
                    "(beyond)",
                ),
            ],
        ),
        "/api/file/{index}/semantic-context": _get(
            "What a SEG, RT Dose, Parametric Map or presentation state means (the "
            "predecessor's semantic context); other files: kind not_applicable",
            _json(ref(schemas.SemanticContextBody)),
            (*_FILE, 500),
            parameters=[_INDEX],
        ),
        **{
            f"/api/file/{{index}}/frame/{{frame}}/{route}": _get(
                summary,
                answer,
                (*_FILE, 422, 500),
                parameters=[
                    _INDEX,
                    _FRAME,
                    _query(param, {"type": "integer", "minimum": 0}, what, required=True),
                ],
            )
            for route, param, what, summary, answer in (
                (
                    "dose-overlay",
                    "dose",
                    "the RT Dose file",
                    "RGBA PNG: the dose resampled on the frame, as a colour wash",
                    png,
                ),
                (
                    "dose-overlay/values",
                    "dose",
                    "the RT Dose file",
                    "float32 little-endian dose in Gy on the frame's pixels (NaN outside)",
                    raw,
                ),
                (
                    "parametric-map-overlay",
                    "map",
                    "the Parametric Map file",
                    "RGBA PNG: the parametric map on the frame (viridis)",
                    png,
                ),
                (
                    "parametric-map-overlay/values",
                    "map",
                    "the Parametric Map file",
                    "float32 little-endian real-world values on the frame's pixels",
                    raw,
                ),
                (
                    "graphic-annotations",
                    "state",
                    "the presentation state file",
                    "A presentation state's graphics and texts on the frame, and (beyond) "
                    "its display settings: window, inversion, rotation, flip, area, shutters",
                    _json(ref(schemas.GraphicAnnotationsBody)),
                ),
            )
        },
        "/api/file/{index}/frame/{frame}/value-legend": _get(
            "Beyond: the colour scale of a dose (dose=J) or map (map=J) overlay",
            _json(ref(schemas.ValueLegendBody)),
            (*_FILE, 422, 500),
            parameters=[
                _INDEX,
                _FRAME,
                _query("dose", {"type": "integer", "minimum": 0}, "an RT Dose file"),
                _query("map", {"type": "integer", "minimum": 0}, "a Parametric Map file"),
            ],
        ),
        "/api/file/{index}/frame/{frame}/presentation-layer": _get(
            "RGBA PNG of the file's Display Shutter and Overlay Planes (60xx) on the frame",
            png,
            (*_FILE, 422, 500),
            parameters=[_INDEX, _FRAME],
        ),
        "/api/file/{index}/frame/{frame}/value-mapping": _get(
            "How the frame's stored values map: rescale, real-world mappings, VOI LUT",
            _json(ref(schemas.ValueMappingBody)),
            (*_FILE, 500),
            parameters=[_INDEX, _FRAME],
        ),
        "/api/file/{index}/frame/{frame}/rt-contours": _get(
            "Beyond: RT Structure Set contours on the frame as (row, column) polygons",
            _json(ref(schemas.RtContoursBody)),
            (*_FILE, 422, 500),
            parameters=[
                _INDEX,
                _FRAME,
                _query(
                    "structure_set",
                    {"type": "integer", "minimum": 0},
                    "only this RTSTRUCT file (all that refer to the image when absent)",
                ),
            ],
        ),
        "/api/file/{index}/document": _get(
            "Beyond: the object as a document (an SR's content tree as text items)",
            _json(ref(schemas.DocumentBody)),
            (*_FILE, 500),
            parameters=[_INDEX],
        ),
        "/api/annotations/export.csv": _get(
            "Every annotation as an EMBED CSV (the input CSV is never written)",
            {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}},
            _ALWAYS,
        ),
        "/api/openapi.json": _get(
            "This document", _json({"type": "object", "required": ["openapi"]}), _ALWAYS
        ),
    }
    defs["TagNode"] = _TAG_NODE
    defs["TagValue"] = _TAG_VALUE
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "dcmview",
            "version": version,
            "description": "The HTTP API of a running dcmview viewer (docs/http-api.md). Files "
            "are addressed by catalog index, never by path; every /api/* route needs "
            "Authorization: Bearer <token>.",
        },
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(defs.items())),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def build_openapi() -> dict[str, Any]:
    """Return the OpenAPI 3.1 document of the API as a dict (a fresh copy each call).

    Returns
    -------
    dict
        JSON-ready: ``json.dumps(build_openapi())`` works.

    Examples
    --------
    >>> doc = build_openapi()
    >>> doc["openapi"], sorted(doc["paths"])[:2]
    ('3.1.0', ['/api/annotations/export.csv', '/api/file/{index}/annotations'])
    """
    import copy

    from dcmview import __version__

    return copy.deepcopy(_document(__version__))


async def openapi_json(request: Request) -> JSONResponse:
    """``GET /api/openapi.json``: the document (the security middleware asks for the token)."""
    return JSONResponse(build_openapi())
