"""PresentationState, a GSPS read for display, and read_presentation_state."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from dcmview.sdk._derived import text as _s, uid_index
from dcmview.sdk._framegroups import first_item, functional_groups
from dcmview.sdk._types import ArrayF64, ArrayU8, StrPath
from dcmview.sdk.errors import DerivedObjectError, MissingSourceError, WrongObjectKindError
from dcmview.sdk.geometry import corner_to_centre
from dcmview.sdk.presentation._read import (
    RawGraphic,
    Scope,
    floats,
    frames,
    items,
    read_graphic,
    read_layer,
    read_shutter,
    read_text,
)
from dcmview.sdk.presentation._values import (
    Annotations,
    DisplayedArea,
    GraphicLayer,
    GraphicObject,
    ImageReference,
    Point,
    Shutter,
    SpatialTransform,
    TextObject,
    pair,
)

if TYPE_CHECKING:  # pragma: no cover
    import numpy.typing as npt
    from pydicom import Dataset

    from dcmview.sdk.catalog import Catalog
    from dcmview.sdk.instance import Instance
    from dcmview.sdk.window import Window

#: Grayscale Softcopy Presentation State Storage.
GSPS_CLASS = "1.2.840.10008.5.1.4.1.1.11.1"


class PresentationState:
    """A Grayscale Softcopy Presentation State read for display.

    Use :func:`read_presentation_state` (or the constructor with an Instance).

    Parameters
    ----------
    instance : Instance
        The GSPS file.
    catalog : Catalog, optional
        Where its images are: resolves :attr:`references` to file indices, and
        lets methods take a SOP Instance UID where they need the image.

    Attributes
    ----------
    label, description, creator : str
        Content Label, Content Description, Content Creator's Name.
    references : tuple of ImageReference
        The images it applies to (Referenced Series Sequence).
    layers : tuple of GraphicLayer
        Its graphic layers, lowest order first.
    spatial : SpatialTransform
        Image Rotation and Image Horizontal Flip.
    shutter : Shutter or None
        Its display shutter.
    presentation_lut_shape : {"IDENTITY", "INVERSE"} or None
        Presentation LUT Shape; None for a Presentation LUT Sequence (a table,
        not applied) or when absent.
    has_presentation_lut_table : bool
        Whether it has a Presentation LUT Sequence.

    Raises
    ------
    WrongObjectKindError
        The file is not a GSPS.
    DerivedObjectError
        It references no image, or a graphic, text or shutter is malformed.
    """

    def __init__(self, instance: Instance, catalog: Catalog | None = None) -> None:
        ds = instance.dataset
        path = instance.path
        self._instance = instance
        self._catalog = catalog
        if _s(ds, "SOPClassUID") != GSPS_CLASS:
            raise WrongObjectKindError(
                f"{path} is not a Grayscale Softcopy Presentation State "
                f"(SOP Class {_s(ds, 'SOPClassUID') or 'missing'})",
                path=path,
            )
        by_uid = self._uids()
        refs: list[ImageReference] = []
        for series in items(ds, "ReferencedSeriesSequence"):
            for image in items(series, "ReferencedImageSequence"):
                uid = _s(image, "ReferencedSOPInstanceUID")
                if uid:
                    refs.append(
                        ImageReference(
                            uid,
                            _s(image, "ReferencedSOPClassUID"),
                            frames(image),
                            _s(series, "SeriesInstanceUID"),
                            by_uid.get(uid),
                        )
                    )
        if not refs:
            raise DerivedObjectError(f"{path}: the GSPS references no image", path=path)
        self.references: tuple[ImageReference, ...] = tuple(refs)
        self.label: str = _s(ds, "ContentLabel")
        self.description: str = _s(ds, "ContentDescription")
        self.creator: str = _s(ds, "ContentCreatorName")
        self.layers: tuple[GraphicLayer, ...] = tuple(
            sorted(
                (read_layer(i) for i in items(ds, "GraphicLayerSequence")), key=lambda x: x.order
            )
        )
        try:
            rotation = int(ds.get("ImageRotation", 0) or 0)
        except (TypeError, ValueError):
            rotation = -1
        if rotation not in (0, 90, 180, 270):
            raise DerivedObjectError(
                f"{path}: Image Rotation {ds.get('ImageRotation')!r} is not 0, 90, 180 or 270",
                path=path,
            )
        self.spatial = SpatialTransform(rotation, _s(ds, "ImageHorizontalFlip").upper() == "Y")
        self.shutter: Shutter | None = read_shutter(ds, path)
        shape = _s(ds, "PresentationLUTShape").upper()
        self.presentation_lut_shape: Literal["IDENTITY", "INVERSE"] | None = (
            "INVERSE" if shape == "INVERSE" else "IDENTITY" if shape == "IDENTITY" else None
        )
        self.has_presentation_lut_table: bool = bool(items(ds, "PresentationLUTSequence"))
        self._raw: list[RawGraphic] = []
        for annotation in items(ds, "GraphicAnnotationSequence"):
            scope = Scope.of(annotation)
            layer = _s(annotation, "GraphicLayer")
            for item in items(annotation, "GraphicObjectSequence"):
                self._raw.append(read_graphic(item, scope, layer, path))
            for item in items(annotation, "TextObjectSequence"):
                self._raw.append(read_text(item, scope, layer, path))
        self._voi = [(Scope.of(i), i) for i in items(ds, "SoftcopyVOILUTSequence")]
        self._areas = [(Scope.of(i), i) for i in items(ds, "DisplayedAreaSelectionSequence")]

    def __repr__(self) -> str:
        return f"<PresentationState {self.label!r} {len(self.references)} images {self.path!r}>"

    @property
    def path(self) -> str:
        """The GSPS file."""
        return self._instance.path

    @property
    def instance(self) -> Instance:
        """The GSPS file as an :class:`Instance`."""
        return self._instance

    def _uids(self) -> dict[str, int]:
        return uid_index(self._catalog)

    def missing_sources(self) -> list[str]:
        """Referenced SOP Instance UIDs the catalog does not have (all, without a catalog)."""
        return sorted({r.sop_instance_uid for r in self.references if r.index is None})

    # -- which image -----------------------------------------------------------------

    def _check(self, source: Instance | str, frame: int) -> str:
        """The UID of `source` (an image or its UID) when the state references it and frame."""
        uid = source if isinstance(source, str) else source.sop_instance_uid
        for ref in self.references:
            if ref.sop_instance_uid == uid and (not ref.frames or frame in ref.frames):
                return uid
        named = any(r.sop_instance_uid == uid for r in self.references)
        raise MissingSourceError(
            f"{self.path} does not apply to "
            + (f"frame {frame} of {uid}" if named else f"the image {uid}"),
            path=self.path,
        )

    def _source(self, source: Instance | str) -> Instance:
        if not isinstance(source, str):
            return source
        if self._catalog is not None:
            # the same choice as references.find_references when a UID is in the
            # catalog twice (a copy of the file, say)
            index = self._uids().get(source)
            if index is not None:
                return self._catalog[index]
        raise MissingSourceError(
            f"{self.path}: the image {source} is not in the catalog (pass the Instance)",
            path=self.path,
        )

    def applies_to(self, source: Instance | str, frame: int = 0) -> bool:
        """Whether the state references this image (and frame)."""
        try:
            self._check(source, frame)
        except MissingSourceError:
            return False
        return True

    # -- per image ---------------------------------------------------------------------

    def displayed_area(self, source: Instance | str, frame: int = 0) -> DisplayedArea:
        """The displayed area for an image frame; the whole image when none is given.

        Raises
        ------
        MissingSourceError
            The state does not reference the image (or frame); or `source` is a
            UID, no item names it and the catalog does not have it.
        """
        uid = self._check(source, frame)
        for scope, item in self._areas:
            if scope.covers(uid, frame) and "DisplayedAreaTopLeftHandCorner" in item:
                tl = floats(item.DisplayedAreaTopLeftHandCorner, "a displayed area", self.path)
                br = floats(
                    item.get("DisplayedAreaBottomRightHandCorner"), "a displayed area", self.path
                )
                if len(tl) != 2 or len(br) != 2:
                    raise DerivedObjectError(
                        f"{self.path}: a displayed area corner is not column\\row", path=self.path
                    )
                spacing = item.get("PresentationPixelSpacing")
                aspect = item.get("PresentationPixelAspectRatio")
                magnification = item.get("PresentationPixelMagnificationRatio")
                return DisplayedArea(
                    top_left=(int(tl[1]) - 1, int(tl[0]) - 1),
                    bottom_right=(int(br[1]) - 1, int(br[0]) - 1),
                    size_mode=_s(item, "PresentationSizeMode") or "SCALE TO FIT",
                    pixel_spacing=(float(spacing[0]), float(spacing[1]))
                    if spacing is not None and len(spacing) == 2
                    else None,
                    aspect_ratio=(int(aspect[0]), int(aspect[1]))
                    if aspect is not None and len(aspect) == 2
                    else None,
                    magnification=float(magnification) if magnification is not None else None,
                )
        image = self._source(source)
        return DisplayedArea((0, 0), (image.rows - 1, image.columns - 1))

    def window(self, source: Instance | str, frame: int = 0) -> Window | None:
        """The state's VOI for an image frame (window or VOI LUT), None when it gives none.

        Raises
        ------
        MissingSourceError
            The state does not reference the image (or frame).
        """
        from dcmview.sdk.window import Window

        uid = self._check(source, frame)
        for scope, item in self._voi:
            if scope.covers(uid, frame):
                # A Softcopy VOI LUT item holds a VOI LUT Module (PS3.3 C.11.8).
                found = Window.from_dataset(item)
                if found is not None:
                    return found
        return None

    def modality_lut(self) -> tuple[float, float, str] | None:
        """The state's rescale ``(slope, intercept, type)``, or None when it has none.

        A Modality LUT Sequence is reported as ``(1.0, 0.0, its type)``: it is
        applied by :meth:`apply` all the same.
        """
        ds = self._instance.dataset
        item = first_item(ds, "ModalityLUTSequence")
        if item is not None:
            return (1.0, 0.0, _s(item, "ModalityLUTType"))
        if "RescaleSlope" not in ds and "RescaleIntercept" not in ds:
            return None
        slope = floats(ds.get("RescaleSlope", 1.0), "Rescale Slope", self.path)
        intercept = floats(ds.get("RescaleIntercept", 0.0), "Rescale Intercept", self.path)
        return (slope[0], intercept[0], _s(ds, "RescaleType"))

    def replaces_modality_lut(self, image: Instance) -> bool:
        """Whether the state's Modality LUT replaces the image's (as :meth:`apply` does).

        PS3.3 C.11.1: a state's Modality LUT does not apply to images that keep
        theirs in functional groups (enhanced multi-frame).
        """
        if self.modality_lut() is None:
            return False
        return not any(
            "PixelValueTransformationSequence" in g
            for k in range(image.number_of_frames)
            for g in functional_groups(image.dataset, k)
        )

    def inverted(self, source: Instance | str) -> bool:
        """Whether grey levels are inverted after the VOI, as :meth:`apply` decides.

        The state's Presentation LUT Shape when it has a Presentation LUT (INVERSE
        inverts; a table is shown as IDENTITY), else the image's own MONOCHROME1 /
        Presentation LUT Shape (PS3.4 N.2).
        """
        from dcmview.sdk import display

        return display.inverted(self._view(self._source(source)))

    def display_settings(self, source: Instance | str, frame: int = 0) -> dict[str, Any]:
        """What the state sets for showing one image frame, JSON-ready, for a viewer.

        ``window`` (in the image's own modality values, or None), ``invert``,
        ``rotation``, ``flip``, ``displayed_area`` and ``shutter`` (shapes in
        ``[x, y]`` from the image's top-left corner): see
        the module docstring of ``dcmview.sdk.presentation`` (display settings).

        Raises
        ------
        MissingSourceError
            The state does not reference the image (or frame), or a UID not in
            the catalog.
        """
        from dcmview.sdk.presentation._display import display_settings

        image = self._source(source)
        self._check(image, frame)
        return display_settings(self, image, frame)

    def _points(
        self, xy: Sequence[tuple[float, float]], units: str, source: Instance | str, frame: int
    ) -> tuple[Point, ...]:
        """File ``(x, y)`` in `units` -> ``(row, column)`` pixel centres of the image."""
        pts = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        if units == "DISPLAY":
            pts = self._display_to_corner(pts, self._source(source), frame)
        return tuple(pair(p) for p in corner_to_centre(pts))

    def _display_to_corner(self, uv: ArrayF64, image: Instance, frame: int) -> ArrayF64:
        """DISPLAY ``(x, y)`` (0..1 of the displayed area, after rotation/flip) -> image corners."""
        area = self.displayed_area(image, frame)
        rows, columns = float(image.rows), float(image.columns)
        (r0, c0), (r1, c1) = area.top_left, area.bottom_right
        # the displayed area's outer corners in the image, then where they are shown
        xs = (min(c0, c1), max(c0, c1) + 1.0)
        ys = (min(r0, r1), max(r0, r1) + 1.0)
        corners = np.array([[x, y] for x in xs for y in ys], dtype=np.float64)
        shown = self.spatial._forward(corners, columns, rows)
        lo, hi = shown.min(axis=0), shown.max(axis=0)
        displayed = lo + uv * (hi - lo)
        return self.spatial._inverse(displayed, columns, rows)

    def annotations(self, source: Instance | str, frame: int = 0) -> Annotations:
        """The graphics and texts the state draws on one image frame, in its pixels.

        Parameters
        ----------
        source : Instance or str
            The image (a SOP Instance UID needs the image in the catalog only
            when an annotation is in DISPLAY units).
        frame : int
            0-based frame.

        Raises
        ------
        MissingSourceError
            The state does not reference the image (or frame).
        """
        uid = self._check(source, frame)
        graphics: list[GraphicObject] = []
        texts: list[TextObject] = []
        for raw in self._raw:
            if not raw.scope.covers(uid, frame):
                continue

            def pixels(xy: Sequence[tuple[float, float]], units: str) -> tuple[Point, ...]:
                return self._points(xy, units, source, frame)

            if raw.kind == "TEXT":
                box = pixels(raw.data, raw.units) if raw.data else ()
                anchor = pixels([raw.anchor], raw.anchor_units)[0] if raw.anchor else None
                texts.append(
                    TextObject(
                        text=raw.text,
                        box=(box[0], box[1]) if box else None,
                        anchor=anchor,
                        anchor_visible=raw.anchor_visible,
                        justification=raw.justification,
                        layer=raw.layer,
                        units=raw.units,
                        tracking_id=raw.tracking_id,
                        tracking_uid=raw.tracking_uid,
                    )
                )
            else:
                graphics.append(
                    GraphicObject(
                        type=raw.kind,  # type: ignore[arg-type]  # checked against POINTS
                        points=pixels(raw.data, raw.units),
                        filled=raw.filled,
                        layer=raw.layer,
                        units=raw.units,
                        tracking_id=raw.tracking_id,
                        tracking_uid=raw.tracking_uid,
                    )
                )
        return Annotations(uid, frame, self.layers, tuple(graphics), tuple(texts))

    def shutter_mask(self, source: Instance | str, frame: int = 0) -> npt.NDArray[np.bool_]:
        """True where the image frame shows, False behind a shutter (all True without one).

        Raises
        ------
        MissingSourceError
            The state does not reference the image (or frame).
        """
        self._check(source, frame)
        image = self._source(source)
        if self.shutter is None:
            return np.ones((image.rows, image.columns), dtype=np.bool_)
        return self.shutter.mask(image.rows, image.columns)

    # -- rendering ---------------------------------------------------------------------

    def _view(self, image: Instance) -> Dataset:
        """The image's header with the state's Modality LUT and Presentation LUT Shape.

        A new Dataset over the same elements: the image's own is not changed.
        Elements are replaced, never mutated (they are shared).
        """
        from pydicom import Dataset
        from pydicom.dataelem import DataElement

        ds = image.dataset
        view = Dataset(dict(ds.items()))
        own = self._instance.dataset
        if self.replaces_modality_lut(image):
            for keyword in (
                "RescaleSlope",
                "RescaleIntercept",
                "RescaleType",
                "ModalityLUTSequence",
            ):
                if keyword in view:
                    del view[keyword]
                if keyword in own:
                    view[keyword] = own[keyword]
        if self.presentation_lut_shape is None and not self.has_presentation_lut_table:
            return view  # no Presentation LUT at all: the image's own inversion stays
        # The state's Presentation LUT decides the inversion (PS3.4 N.2), not the
        # image's MONOCHROME1; a table (not applied) is shown as IDENTITY.
        if _s(ds, "PhotometricInterpretation").upper() == "MONOCHROME1":
            view["PhotometricInterpretation"] = DataElement(0x00280004, "CS", "MONOCHROME2")
        shape = self.presentation_lut_shape or "IDENTITY"
        view["PresentationLUTShape"] = DataElement(0x20500020, "CS", shape)
        return view

    def apply(
        self,
        source: Instance | str,
        frame: int = 0,
        *,
        spatial: bool = False,
        shutters: bool = True,
        level: int = 0,
    ) -> ArrayU8:
        """Render an image frame as the state says: its VOI, inversion and shutters.

        Parameters
        ----------
        source : Instance or str
            The image (a UID needs the catalog).
        frame : int
            0-based frame.
        spatial : bool
            Also rotate and flip (:attr:`spatial`); off by default, so the result
            stays in the image's pixel coordinates, where :meth:`annotations` are.
        shutters : bool
            Paint the area behind the shutters with the shutter's grey.
        level : int
            The resolution level (see :meth:`Frame.array <dcmview.sdk.frame.Frame.array>`);
            shutters are scaled to it.

        Returns
        -------
        numpy.ndarray
            uint8, (rows, columns), or (rows, columns, 3) for a colour image.

        Raises
        ------
        MissingSourceError
            The state does not reference the image (or frame), or a UID not in
            the catalog.
        """
        from dcmview.sdk import display

        image = self._source(source)
        self._check(image, frame)
        voi = self.window(image, frame)
        stored = image.frame(frame).array(level)
        out, _used = display.render(stored, self._view(image), frame, voi)
        if shutters and self.shutter is not None:
            mask = self.shutter.mask(image.rows, image.columns)
            if mask.shape != out.shape[:2]:
                # a reduced level: sample the full-size mask at the level's pixel centres
                rs = (np.arange(out.shape[0]) * image.rows) // out.shape[0]
                cs = (np.arange(out.shape[1]) * image.columns) // out.shape[1]
                mask = mask[np.ix_(rs, cs)]
            out = out.copy() if not out.flags.writeable else out
            out[~mask] = (
                self.shutter.color if out.ndim == 3 and self.shutter.color else (self.shutter.grey)
            )
        return self.spatial.apply(out) if spatial else out

    def to_json(self, source: Instance | str | None = None, frame: int = 0) -> dict[str, Any]:
        """A JSON-ready summary; with `source`, also what it does to that image frame."""
        out: dict[str, Any] = {
            "path": self.path,
            "sop_instance_uid": self._instance.sop_instance_uid,
            "label": self.label,
            "description": self.description,
            "creator": self.creator,
            "references": [r.to_json() for r in self.references],
            "missing_sources": self.missing_sources() if self._catalog is not None else [],
            "layers": [x.to_json() for x in self.layers],
            "spatial": self.spatial.to_json(),
            "shutter": self.shutter.to_json() if self.shutter else None,
            "presentation_lut_shape": self.presentation_lut_shape,
            "presentation_lut_table": self.has_presentation_lut_table,
            "modality_lut": list(m) if (m := self.modality_lut()) else None,
        }
        if source is not None:
            window = self.window(source, frame)
            out["image"] = {
                "annotations": self.annotations(source, frame).to_json(),
                "window": None
                if window is None
                else {
                    "center": window.center,
                    "width": window.width,
                    "function": window.function,
                    "lut": window.lut is not None,
                },
                "displayed_area": self.displayed_area(source, frame).to_json(),
            }
        return out


def read_presentation_state(
    source: Instance | StrPath, catalog: Catalog | None = None
) -> PresentationState:
    """Read a GSPS file (or an opened Instance) for display.

    Parameters
    ----------
    source : Instance or str or os.PathLike
        The presentation state.
    catalog : Catalog, optional
        Where its images are (see :class:`PresentationState`).

    Returns
    -------
    PresentationState

    Raises
    ------
    WrongObjectKindError, DerivedObjectError
        Not a GSPS, or a broken one; the message names the file.
    InvalidPathError, NotDicomError
        As :func:`dcmview.sdk.open`.
    """
    from dcmview.sdk.instance import Instance, open

    inst = source if isinstance(source, Instance) else open(source)
    return PresentationState(inst, catalog)
