"""Roi, RoiSet; EMBED CSV <-> pandas DataFrame <-> JSON; coordinate convention lives here.

A :class:`Roi` is one rectangle ``[ymin, xmin, ymax, xmax]`` in pixel indices of
an instance (0-based, max inclusive: the box covers rows ``ymin..ymax`` and
columns ``xmin..xmax``), optionally scoped to some 0-based frame indices. A
:class:`RoiSet` holds the ROIs of many instances, keyed by the normalized
absolute path of the file, together with the table they came from: an EMBED
annotations CSV (or a DataFrame) is kept row for row, and exporting writes the
same table back with only the edited instances' ROI cells changed, in the
dialect each cell was read in.

The three ``ROI_coords`` dialects (see ``docs/annotations-csv.md``)::

    json    [[120,340,220,430],[400,510,480,590]]     the predecessor tool, []
    tuple   ((1365, 272, 1610, 508),)                 the real EMBED tables, ()
    nested  [[[1165, 822, 1294, 1000]]]               one list of boxes per source

Cells are parsed as literals only (a strict regular expression for the common
spellings, :func:`ast.literal_eval` for the rest), never evaluated. Every
problem is a :class:`~dcmview.sdk.errors.RoiFormatError` naming the row (the
header is row 1, the first data row is row 2, as a spreadsheet shows them), the
column and the offending value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dcmview.sdk.roi._box import Roi, RoiPayload, rois_from_json, rois_to_json
from dcmview.sdk.roi._cells import (
    COORDS_COLUMN,
    COUNT_COLUMNS,
    DEFAULT_COLUMNS,
    FRAMES_COLUMN,
    PATH_COLUMN,
    Dialect,
)
from dcmview.sdk.roi._match import CatalogLike, MatchReport

if TYPE_CHECKING:
    from dcmview.sdk.roi._set import RoiSet

__all__ = [
    "COORDS_COLUMN",
    "COUNT_COLUMNS",
    "DEFAULT_COLUMNS",
    "FRAMES_COLUMN",
    "PATH_COLUMN",
    "CatalogLike",
    "Dialect",
    "MatchReport",
    "Roi",
    "RoiPayload",
    "RoiSet",
    "rois_from_json",
    "rois_to_json",
]


def __getattr__(name: str) -> Any:
    # RoiSet needs pandas (about 0.3 s to import): imported on first use, so that
    # Roi and the JSON body (the client, the server's PUT) do without it.
    if name != "RoiSet":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from dcmview.sdk.roi._set import RoiSet

    globals()["RoiSet"] = RoiSet  # later look-ups skip this function
    return RoiSet


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
