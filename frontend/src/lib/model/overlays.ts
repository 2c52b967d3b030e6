/**
 * Derived objects on the image on screen: which objects refer to it (SEG, RTSTRUCT, RT
 * Dose, parametric maps, GSPS), how their layers map onto the screen (the same
 * image ↔ screen transform as the image, render/transform.ts), legends and messages.
 * The image's own Overlay Planes (60xx) are listed with them (`planes`, planesEntry).
 */
import type { FileSummary, ValueLegend } from "../api/types";
import { imageToScreen, type Point, type Size, type View } from "../render/transform";

export type OverlayKind = "seg" | "rtstruct" | "dose" | "pmap" | "gsps" | "planes";

export interface DerivedEntry {
  /** The derived object's file index (the image's own for its overlay planes). */
  index: number;
  kind: OverlayKind;
  label: string;
}

const KINDS: Record<string, OverlayKind> = {
  SEG: "seg",
  RTSTRUCT: "rtstruct",
  RTDOSE: "dose",
  PMAP: "pmap",
  GSPS: "gsps",
};

export const KIND_LABEL: Record<OverlayKind, string> = {
  seg: "SEG",
  rtstruct: "RTSTRUCT",
  dose: "RT Dose",
  pmap: "Map",
  gsps: "GSPS",
  planes: "Overlay planes (60xx)",
};

const ORDER: OverlayKind[] = ["planes", "seg", "rtstruct", "dose", "pmap", "gsps"];

/** The overlay a file kind draws (`/api/files`' `kind`), null for what draws nothing. */
export function overlayKind(kind: string | undefined | null): OverlayKind | null {
  return (kind && KINDS[kind]) || null;
}

/** Whether the overlay is a bitmap the size of the image (drawn on the overlay canvas). */
export function isBitmap(kind: OverlayKind): boolean {
  return kind === "seg" || kind === "dose" || kind === "pmap" || kind === "planes";
}

// -- the image's own Overlay Planes (60xx) ------------------------------------------------

/**
 * The entry of the image's own Overlay Planes (60xx), when `/api/files` says it has some
 * (`presentation_layer`): drawn from `/presentation-layer` like a SEG bitmap, keyed by the
 * image's own index (no derived object has it).
 */
export function planesEntry(file: FileSummary | undefined): DerivedEntry | null {
  if (!file?.presentation_layer) return null;
  return { index: file.index, kind: "planes", label: "" };
}

/**
 * Whether an overlay is shown when nobody has switched it: overlay planes are (they are
 * part of the image as its creator meant it), derived objects are not.
 */
export function shownByDefault(kind: OverlayKind): boolean {
  return kind === "planes";
}

/** What the overlay panel lists and the overlay layer draws for `file`: planes, then derived objects. */
export function overlayEntries(file: FileSummary | undefined, byIndex: Map<number, FileSummary>, extra: readonly number[] = []): DerivedEntry[] {
  const planes = planesEntry(file);
  const derived = derivedFor(file, byIndex, extra);
  return planes ? [planes, ...derived] : derived;
}

/**
 * The derived objects that refer to `file`: its `referenced_by` (by UID, from /api/files)
 * and `extra` (by Frame of Reference, from /references), those that draw something, in
 * kind order then file order.
 */
export function derivedFor(file: FileSummary | undefined, byIndex: Map<number, FileSummary>, extra: readonly number[] = []): DerivedEntry[] {
  if (!file) return [];
  const seen = new Set<number>();
  const out: DerivedEntry[] = [];
  for (const i of [...(file.referenced_by ?? []), ...extra]) {
    if (seen.has(i) || i === file.index) continue;
    seen.add(i);
    const f = byIndex.get(i);
    const kind = overlayKind(f?.kind);
    if (!f || !kind) continue;
    const label = f.series_description || f.display_name || `file ${i}`;
    out.push({ index: i, kind, label });
  }
  return out.sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind) || a.index - b.index);
}

/** The canvas transform [a, b, c, d, e, f] that draws image pixels where the image is on screen. */
export function imageToScreenMatrix(view: View, image: Size, viewport: Size): [number, number, number, number, number, number] {
  const o = imageToScreen({ x: 0, y: 0 }, view, image, viewport);
  const ex = imageToScreen({ x: 1, y: 0 }, view, image, viewport);
  const ey = imageToScreen({ x: 0, y: 1 }, view, image, viewport);
  return [ex.x - o.x, ex.y - o.y, ey.x - o.x, ey.y - o.y, o.x, o.y];
}

/** A (row, column) pixel position (integers at pixel centres) as an image point. */
export function pixelCentre(row: number, column: number): Point {
  return { x: column + 0.5, y: row + 0.5 };
}

function pathOf(points: Point[], closed: boolean): string {
  if (points.length === 0) return "";
  const d = points.map((p, k) => `${k === 0 ? "M" : "L"}${p.x.toFixed(2)} ${p.y.toFixed(2)}`).join(" ");
  return closed ? `${d} Z` : d;
}

/** SVG path of an RTSTRUCT contour ([row, column] points) on screen; CLOSED_PLANAR is closed. */
export function contourPath(points: readonly (readonly [number, number])[], geometricType: string, view: View, image: Size, viewport: Size): string {
  const screen = points.map(([r, c]) => imageToScreen(pixelCentre(r, c), view, image, viewport));
  return pathOf(screen, geometricType === "CLOSED_PLANAR");
}

function ellipsePoints(centre: Point, a: Point, b: Point, n = 48): Point[] {
  const out: Point[] = [];
  for (let k = 0; k < n; k++) {
    const t = (2 * Math.PI * k) / n;
    out.push({ x: centre.x + a.x * Math.cos(t) + b.x * Math.sin(t), y: centre.y + a.y * Math.cos(t) + b.y * Math.sin(t) });
  }
  return out;
}

/**
 * SVG path of a GSPS graphic (points [x, y] from the image's top-left corner, PS3.3
 * C.10.5.1.2): polyline / interpolated as lines, point as a small cross, circle (centre,
 * a point on it) and ellipse (major axis ends, minor axis ends) as closed outlines.
 */
export function graphicPath(type: string, points: readonly (readonly [number, number])[], view: View, image: Size, viewport: Size): string {
  const img = points.map(([x, y]) => ({ x, y }));
  const toScreen = (p: Point): Point => imageToScreen(p, view, image, viewport);
  const t = type.toLowerCase();
  if (t === "circle" && img.length >= 2) {
    const [c, p] = img as [Point, Point];
    const r = Math.hypot(p.x - c.x, p.y - c.y);
    return pathOf(ellipsePoints(c, { x: r, y: 0 }, { x: 0, y: r }).map(toScreen), true);
  }
  if (t === "ellipse" && img.length >= 4) {
    const [p0, p1, p2, p3] = img as [Point, Point, Point, Point];
    const c = { x: (p0.x + p1.x) / 2, y: (p0.y + p1.y) / 2 };
    const a = { x: (p1.x - p0.x) / 2, y: (p1.y - p0.y) / 2 };
    const b = { x: (p3.x - p2.x) / 2, y: (p3.y - p2.y) / 2 };
    return pathOf(ellipsePoints(c, a, b).map(toScreen), true);
  }
  if (t === "point" && img.length >= 1) {
    const s = toScreen(img[0] as Point);
    return `M${s.x - 4} ${s.y} L${s.x + 4} ${s.y} M${s.x} ${s.y - 4} L${s.x} ${s.y + 4}`;
  }
  const screen = img.map(toScreen);
  const first = img[0];
  const last = img[img.length - 1];
  const closed = img.length > 2 && first !== undefined && last !== undefined && first.x === last.x && first.y === last.y;
  return pathOf(closed ? screen.slice(0, -1) : screen, closed);
}

/** `#rrggbb` of an sRGB triple (the value of a colour input). */
export function rgbHex([r, g, b]: readonly [number, number, number]): string {
  return `#${[r, g, b].map((c) => Math.min(255, Math.max(0, Math.round(c))).toString(16).padStart(2, "0")).join("")}`;
}

/**
 * The segmentation overlay's `colors=` query of the colours chosen for a SEG's segments
 * (Segment Number -> `#rrggbb`): `1:ff0000,3:00a0ff`, in segment order, so the same choice
 * always asks for (and caches as) the same URL; "" when nothing is chosen.
 */
export function colorsParam(chosen: Readonly<Record<number, string>> | undefined): string {
  if (!chosen) return "";
  return Object.entries(chosen)
    .filter(([, hex]) => /^#[0-9a-f]{6}$/i.test(hex))
    .map(([n, hex]) => [Number(n), hex.slice(1).toLowerCase()] as const)
    .sort((a, b) => a[0] - b[0])
    .map(([n, hex]) => `${n}:${hex}`)
    .join(",");
}

/** A CSS gradient of a legend's stops, placed by value from `minimum` to `maximum`. */
export function legendGradient(legend: ValueLegend): string {
  const span = legend.maximum - legend.minimum || 1;
  const parts = legend.stops.map((s) => `${s.color} ${(((s.value - legend.minimum) / span) * 100).toFixed(1)}%`);
  return `linear-gradient(to right, ${parts.join(", ")})`;
}

/** A legend value with its unit: 3 significant digits, no trailing zeros ("60 Gy", "0.5 Gy"). */
export function formatLegendValue(value: number, unit: string): string {
  const v = Number.parseFloat(value.toPrecision(3));
  return unit ? `${v} ${unit}` : String(v);
}

const REASONS: Record<string, string> = {
  derived_source_missing: "its source image is not in the catalog",
  derived_geometry_mismatch: "it does not fit this image",
  no_image_geometry: "this image has no plane geometry to place it on",
  pixel_decode_failed: "its pixel data cannot be decoded",
  derived_object_invalid: "the object is broken",
  invalid_structure_set: "the structure set is broken",
  invalid_dose_grid: "the dose grid is broken",
  not_found: "it has nothing on this frame",
};

/** The panel's message for an overlay that could not be drawn: what, then the server's words. */
export function overlayMessage(entry: Pick<DerivedEntry, "kind">, code: string, message: string): string {
  const what = KIND_LABEL[entry.kind];
  const reason = REASONS[code];
  return reason ? `${what} not shown: ${reason} (${message})` : `${what} not shown: ${message}`;
}
