"""A presentation state's display settings for one image frame, in a viewer's terms.

:meth:`PresentationState.display_settings` answers with what a client needs to
show an image frame as the state says, without the SDK's rendering: the window,
whether to invert, the rotation and flip, the displayed area and the shutters.
Positions are ``[x, y]`` with the image's top-left corner at ``(0, 0)`` (DICOM's
PIXEL units, the HTTP API's GSPS points), so a client maps them to the screen
with the same transform as the image.

The window is given in the modality values of the *image* (the values a viewer
windows when it draws the image by its own rescale). A state that brings its
own rescale (Modality LUT Module with Rescale Slope/Intercept) windows values
``stored * slope + intercept`` of its own; the window is carried over into the
image's values exactly for each VOI LUT function (both rescales are linear in
the stored value). When a Modality LUT *table* is involved on either side, or
the state gives a VOI LUT table, no center/width pair says the same thing:
``lut`` is then true and a viewer keeps its window (the SDK's
:meth:`PresentationState.apply` renders such states exactly).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dcmview.sdk import display

if TYPE_CHECKING:  # pragma: no cover
    from dcmview.sdk.instance import Instance
    from dcmview.sdk.presentation._state import PresentationState
    from dcmview.sdk.presentation._values import Shutter
    from dcmview.sdk.window import Window


def display_settings(ps: PresentationState, image: Instance, frame: int) -> dict[str, Any]:
    """The JSON of :meth:`PresentationState.display_settings` (the state applies to the frame).

    Returns
    -------
    dict
        ``window``: ``{"center", "width", "function", "lut", "rescaled"}`` or None
        when the state gives no VOI for the frame (``lut``: a table, keep the
        viewer's window; ``rescaled``: converted from the state's own rescale);
        ``invert`` (bool); ``rotation`` (0, 90, 180, 270, clockwise) and ``flip``
        (horizontal, after the rotation, PS3.3 C.10.6); ``displayed_area``
        (``top_left`` and ``bottom_right`` ``[x, y]`` corners of the area and
        its ``size_mode``); ``shutter``: None, or ``shapes`` (``{"type":
        "rectangle", "top_left", "bottom_right"}``, ``{"type": "circle",
        "center", "radius"}``, ``{"type": "polygon", "points"}``; the image
        shows inside all of them), ``value`` (Shutter Presentation Value),
        ``grey`` (0..255), ``color`` (``[r, g, b]`` or None) and ``fill``
        (``#rrggbb``, what :meth:`PresentationState.apply` paints) and
        ``bitmap`` (a BITMAP shutter is listed, not applied).
    """
    area = ps.displayed_area(image, frame)
    (r0, c0), (r1, c1) = area.top_left, area.bottom_right
    return {
        "window": _window(ps, image, frame),
        "invert": ps.inverted(image),
        "rotation": ps.spatial.rotation,
        "flip": ps.spatial.flip,
        "displayed_area": {
            # the outer corners of the pixels named (either order in the file)
            "top_left": [min(c0, c1), min(r0, r1)],
            "bottom_right": [max(c0, c1) + 1, max(r0, r1) + 1],
            "size_mode": area.size_mode,
        },
        "shutter": None if ps.shutter is None else _shutter(ps.shutter, image),
    }


def _window(ps: PresentationState, image: Instance, frame: int) -> dict[str, Any] | None:
    window = ps.window(image, frame)
    if window is None:
        return None
    lut = window.lut is not None
    rescaled = False
    if not lut and ps.replaces_modality_lut(image):
        ds = image.dataset
        theirs = ps.instance.dataset
        if display.has_modality_lut(ds, frame) or "ModalityLUTSequence" in theirs:
            lut = True  # a table on either side: no center/width says the same
        else:
            own = display.rescale(ds, frame)[:2]
            # the state's own rescale, read as the display pipeline reads the image's
            used = ps.modality_lut()
            assert used is not None  # replaces_modality_lut said it has one
            if (used[0], used[1]) != own:
                converted = _carry_over(window, (used[0], used[1]), own)
                if converted is None:
                    lut = True
                else:
                    window, rescaled = converted, True
    return {
        "center": window.center,
        "width": window.width,
        "function": window.function,
        "lut": lut,
        "rescaled": rescaled,
    }


def _carry_over(
    window: Window, theirs: tuple[float, float], own: tuple[float, float]
) -> Window | None:
    """A window on the state's modality values as one on the image's, or None.

    theirs = a * own + d for the same stored value, a = slope / own slope. The
    VOI functions of PS3.3 C.11.2.1.2/.3 depend on (x - c) / w, or for LINEAR
    on (x - (c - 0.5)) / (w - 1): those stay the same with c, w mapped back.
    A negative or zero a (one rescale reverses the other) would invert the
    window: not a center/width pair.
    """
    from dataclasses import replace

    from dcmview.sdk.errors import WindowError

    if own[0] == 0:
        return None
    a = theirs[0] / own[0]
    d = theirs[1] - a * own[1]
    if a <= 0:
        return None
    c, w = window.center, window.width
    try:
        if window.function == "LINEAR":
            return replace(window, center=(c - 0.5 - d) / a + 0.5, width=(w - 1) / a + 1)
        return replace(window, center=(c - d) / a, width=w / a)
    except WindowError:
        return None


def _shutter(shutter: Shutter, image: Instance) -> dict[str, Any]:
    """Shutter shapes as ``[x, y]`` from the image's corner (pixel centres at +0.5)."""
    shapes: list[dict[str, Any]] = []
    if shutter.rectangle is not None:
        top, left, bottom, right = shutter.rectangle
        # pixels top..bottom, left..right (inclusive) show: their outer edges
        shapes.append(
            {"type": "rectangle", "top_left": [left, top], "bottom_right": [right + 1, bottom + 1]}
        )
    if shutter.circle is not None:
        row, column, radius = shutter.circle
        shapes.append({"type": "circle", "center": [column + 0.5, row + 0.5], "radius": radius})
    if shutter.polygon:
        shapes.append(
            {"type": "polygon", "points": [[c + 0.5, r + 0.5] for r, c in shutter.polygon]}
        )
    # As apply() paints: the colour on a colour image, else the grey.
    rgb = shutter.fill(image.samples_per_pixel == 3)
    return {
        "shapes": shapes,
        "value": shutter.value,
        "grey": shutter.grey,
        "color": list(shutter.color) if shutter.color else None,
        "fill": "#{:02x}{:02x}{:02x}".format(*rgb),
        "bitmap": "BITMAP" in shutter.shapes,
    }
