/**
 * A GSPS's display settings applied to a pane (`/graphic-annotations`' `presentation`):
 * the window it sets, the view its rotation, flip and displayed area give, a one-line
 * summary for the overlay panel, and its shutters as SVG paths on screen (through the
 * same image → screen transform as the image and the other overlays, render/transform.ts).
 */
import type { GspsPresentation, ShutterShape } from "../api/types";
import { clampZoom, imageToScreen, rotatedSize, type Rotation, type Size, type View } from "../render/transform";
import { formatWindowValue, type WindowLevel } from "../render/window";

/** What applying a GSPS changes on a tab, and what turning it off puts back. */
export interface PaneDisplay {
  preset: string;
  custom: WindowLevel | null;
  view: View | null;
  fitted?: boolean;
  /** Invert after the window instead of as the frame says; undefined: as the frame says. */
  invert?: boolean;
}

/** The GSPS's window as the viewer's, or null: none given, or a table (the viewer keeps its window). */
export function gspsWindow(p: GspsPresentation): WindowLevel | null {
  const w = p.window;
  if (!w || w.lut) return null;
  return w.function && w.function !== "LINEAR" ? { center: w.center, width: w.width, function: w.function } : { center: w.center, width: w.width };
}

/**
 * The view's rotation and flips for the GSPS's Image Rotation (clockwise) then Image
 * Horizontal Flip (of the rotated image, PS3.3 C.10.6). The view flips in image space
 * before it rotates, and flipping after a rotation by θ is flipping before one by −θ.
 */
export function gspsOrientation(p: Pick<GspsPresentation, "rotation" | "flip">): Pick<View, "rotation" | "flipH" | "flipV"> {
  const r = (((p.rotation % 360) + 360) % 360) as Rotation;
  return { rotation: p.flip ? (((360 - r) % 360) as Rotation) : r, flipH: p.flip, flipV: false };
}

/**
 * The view a GSPS asks for: its rotation and flip, and its displayed area fitted to the
 * viewport and centred (every Presentation Size Mode is shown scaled to fit: the viewer
 * has no physical size of its screen). Without a viewport size, only rotation and flip.
 */
export function gspsView(p: GspsPresentation, image: Size, viewport: Size, base: View | null): View {
  const o = gspsOrientation(p);
  const start: View = { zoom: base?.zoom ?? 1, panX: base?.panX ?? 0, panY: base?.panY ?? 0, ...o };
  if (viewport.width <= 0 || viewport.height <= 0 || image.width <= 0 || image.height <= 0) return start;
  const [x0, y0] = p.displayed_area.top_left;
  const [x1, y1] = p.displayed_area.bottom_right;
  const area = { width: Math.max(1, x1 - x0), height: Math.max(1, y1 - y0) };
  const shown = rotatedSize(area, o.rotation);
  const zoom = clampZoom(Math.min(viewport.width / shown.width, viewport.height / shown.height));
  // Where the area's centre lands without a pan; the pan brings it to the viewport's centre.
  const at = imageToScreen({ x: (x0 + x1) / 2, y: (y0 + y1) / 2 }, { ...start, zoom, panX: 0, panY: 0 }, image, viewport);
  return { ...start, zoom, panX: viewport.width / 2 - at.x, panY: viewport.height / 2 - at.y };
}

/** The tab's display with the GSPS applied (its window when it gives one, its inversion and view). */
export function appliedDisplay(before: PaneDisplay, p: GspsPresentation, image: Size, viewport: Size): PaneDisplay {
  const win = gspsWindow(p);
  return {
    preset: win ? "custom" : before.preset,
    custom: win ?? before.custom,
    view: gspsView(p, image, viewport, before.view),
    fitted: false,
    invert: p.invert,
  };
}

/** "W 400 / C 40 · rotate 90° · area 192×192 · 2 shutters": what the GSPS sets, in one line. */
export function gspsSummary(p: GspsPresentation, image?: Size): string {
  const parts: string[] = [];
  const w = p.window;
  if (w && w.lut) parts.push("VOI LUT (window kept)");
  else if (w) parts.push(`W ${formatWindowValue(Math.round(w.width * 10) / 10)} / C ${formatWindowValue(Math.round(w.center * 10) / 10)}${w.function && w.function !== "LINEAR" ? ` ${w.function.toLowerCase()}` : ""}`);
  if (p.invert) parts.push("inverted");
  if (p.rotation) parts.push(`rotate ${p.rotation}°`);
  if (p.flip) parts.push("flip");
  const [x0, y0] = p.displayed_area.top_left;
  const [x1, y1] = p.displayed_area.bottom_right;
  if (image && (x0 !== 0 || y0 !== 0 || x1 !== image.width || y1 !== image.height)) parts.push(`area ${x1 - x0}×${y1 - y0}`);
  const n = p.shutter?.shapes.length ?? 0;
  if (n) parts.push(`${n} shutter${n > 1 ? "s" : ""}`);
  if (p.shutter?.bitmap) parts.push("bitmap shutter not shown");
  return parts.length ? parts.join(" · ") : "no display settings";
}

function fmt(v: number): string {
  return v.toFixed(2);
}

/**
 * SVG path (fill-rule evenodd) that covers the viewport outside one shutter shape: the
 * viewport's rectangle, then the shape on screen. The image shows inside every shape, so
 * one such path per shape, all painted, hide what any shutter hides.
 */
export function shutterPath(shape: ShutterShape, view: View, image: Size, viewport: Size): string {
  const outer = `M0 0 H${fmt(viewport.width)} V${fmt(viewport.height)} H0 Z`;
  const toScreen = ([x, y]: readonly [number, number]) => imageToScreen({ x, y }, view, image, viewport);
  const poly = (pts: readonly (readonly [number, number])[]): string => {
    if (pts.length < 3) return "";
    const s = pts.map(toScreen);
    return `${s.map((p, k) => `${k === 0 ? "M" : "L"}${fmt(p.x)} ${fmt(p.y)}`).join(" ")} Z`;
  };
  if (shape.type === "rectangle") {
    const [x0, y0] = shape.top_left;
    const [x1, y1] = shape.bottom_right;
    return `${outer} ${poly([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])}`;
  }
  if (shape.type === "circle") {
    // A circle stays a circle: the view only zooms, rotates by quarter turns and flips.
    const c = toScreen(shape.center);
    const r = shape.radius * view.zoom;
    const a = `A${fmt(r)} ${fmt(r)} 0 1 0`;
    return `${outer} M${fmt(c.x - r)} ${fmt(c.y)} ${a} ${fmt(c.x + r)} ${fmt(c.y)} ${a} ${fmt(c.x - r)} ${fmt(c.y)} Z`;
  }
  return `${outer} ${poly(shape.points)}`;
}
