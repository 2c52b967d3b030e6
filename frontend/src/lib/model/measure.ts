/**
 * Lengths and scale bars: which spacing a file is measured with, the length of a line in
 * mm (or in pixels without a spacing), and a round scale-bar length for a zoom.
 *
 * Pixel Spacing is the size of a pixel in the patient; Imager Pixel Spacing its size at
 * the detector of a projection image (larger than in the patient by the geometric
 * magnification), so a length measured with it says so: "12.3 mm (detector)".
 */
import type { Point, View } from "../render/transform";

export type SpacingSource = "pixel" | "detector";

/** mm between row centres (`row`) and between column centres (`column`). */
export interface Spacing {
  row: number;
  column: number;
  source: SpacingSource;
}

/** The /info fields a spacing comes from. */
export interface SpacingFields {
  pixel_spacing?: number[] | null;
  imager_pixel_spacing?: number[] | null;
}

function pair(v: number[] | null | undefined): [number, number] | null {
  if (!v || v.length !== 2) return null;
  const [r, c] = v;
  if (r === undefined || c === undefined || !(r > 0) || !(c > 0) || !Number.isFinite(r) || !Number.isFinite(c)) return null;
  return [r, c];
}

/** Pixel Spacing when present, else Imager Pixel Spacing, else null (measure in pixels). */
export function chooseSpacing(f: SpacingFields | null | undefined): Spacing | null {
  const p = pair(f?.pixel_spacing);
  if (p) return { row: p[0], column: p[1], source: "pixel" };
  const d = pair(f?.imager_pixel_spacing);
  if (d) return { row: d[0], column: d[1], source: "detector" };
  return null;
}

export interface Length {
  value: number;
  unit: "mm" | "px";
  source: SpacingSource | null;
}

/** Length of the segment a–b (image coordinates: x = column, y = row). */
export function lengthOf(a: Point, b: Point, spacing: Spacing | null): Length {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  if (!spacing) return { value: Math.hypot(dx, dy), unit: "px", source: null };
  return { value: Math.hypot(dx * spacing.column, dy * spacing.row), unit: "mm", source: spacing.source };
}

/** A number with the decimals its size deserves: 123, 12.3, 1.23. */
function round(v: number): string {
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 1) return v.toFixed(1);
  return v.toFixed(2);
}

export function formatLength(l: Length): string {
  return `${round(l.value)} ${l.unit}${l.source === "detector" ? " (detector)" : ""}`;
}

/** The largest 1, 2 or 5 × 10ⁿ that is at most `max` (> 0); 0 for max ≤ 0. */
export function niceLength(max: number): number {
  if (!(max > 0) || !Number.isFinite(max)) return 0;
  const p = Math.pow(10, Math.floor(Math.log10(max)));
  for (const m of [5, 2, 1]) {
    // A small tolerance: 0.3 / 0.1 is 2.9999999999999996 in floating point.
    if (m * p <= max * (1 + 1e-9)) return m * p;
  }
  return p;
}

export interface ScaleBar {
  /** On-screen length in CSS px. */
  px: number;
  value: number;
  unit: "mm" | "px";
  label: string;
}

/**
 * A horizontal scale bar of a round length, at most `maxPx` CSS px long, for the view's
 * zoom. Screen x runs along the image's columns, or its rows when rotated by 90°/270°.
 */
export function scaleBar(view: View, spacing: Spacing | null, maxPx: number): ScaleBar | null {
  if (!(view.zoom > 0) || !(maxPx > 0)) return null;
  const perImagePx = !spacing ? 1 : view.rotation % 180 === 0 ? spacing.column : spacing.row;
  const perScreenPx = perImagePx / view.zoom;
  const value = niceLength(maxPx * perScreenPx);
  if (value <= 0) return null;
  const unit = spacing ? "mm" : "px";
  const label = `${value >= 1 ? String(value) : value.toPrecision(1)} ${unit}${spacing?.source === "detector" ? " (detector)" : ""}`;
  return { px: value / perScreenPx, value, unit, label };
}

/**
 * Which end of which line is within `tolerance` CSS px of screen point `s` (the nearest;
 * later lines win ties), or null. `lines` are [index, a, b] in image coordinates.
 */
export function lineEndAt(
  lines: ReadonlyArray<{ index: number; a: Point; b: Point }>,
  s: Point,
  toScreen: (p: Point) => Point,
  tolerance = 6,
): { index: number; end: 0 | 1 } | null {
  let best: { index: number; end: 0 | 1 } | null = null;
  let bestD = tolerance;
  for (const l of lines) {
    for (const end of [0, 1] as const) {
      const q = toScreen(end === 0 ? l.a : l.b);
      const d = Math.hypot(q.x - s.x, q.y - s.y);
      if (d <= bestD) {
        bestD = d;
        best = { index: l.index, end };
      }
    }
  }
  return best;
}
