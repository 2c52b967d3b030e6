/**
 * Rectangular ROI geometry: validation, hit-testing, move and resize.
 *
 * Boxes follow the EMBED convention [ymin, xmin, ymax, xmax] in pixel indices. On screen
 * a box is drawn from (xmin, ymin) to (xmax, ymax) in image coordinates. Every edit is
 * clamped to the image so an invalid box is never produced (and never sent).
 */
import { imageToScreen, screenToImage, type Point, type Size, type View } from "./transform";

export interface Roi {
  ymin: number;
  xmin: number;
  ymax: number;
  xmax: number;
  /** 0-based frames of the file the ROI applies to; empty = all frames. */
  frames: number[];
}

/** Which image edges a drag moves; all four = a move. */
export interface Grip {
  top: boolean;
  bottom: boolean;
  left: boolean;
  right: boolean;
}

export type HitPart = "move" | Grip;

export interface Hit {
  index: number;
  part: HitPart;
}

export const MOVE_GRIP: Grip = { top: true, bottom: true, left: true, right: true };

/** The 8 resize handles, as (fraction along x, fraction along y, grip). */
const HANDLES: ReadonlyArray<[number, number, Grip]> = [
  [0, 0, { top: true, bottom: false, left: true, right: false }],
  [0.5, 0, { top: true, bottom: false, left: false, right: false }],
  [1, 0, { top: true, bottom: false, left: false, right: true }],
  [1, 0.5, { top: false, bottom: false, left: false, right: true }],
  [1, 1, { top: false, bottom: true, left: false, right: true }],
  [0.5, 1, { top: false, bottom: true, left: false, right: false }],
  [0, 1, { top: false, bottom: true, left: true, right: false }],
  [0, 0.5, { top: false, bottom: false, left: true, right: false }],
];

/** Largest valid index along each axis: a box corner is a pixel index, so < rows/columns. */
function maxX(image: Size): number {
  return image.width - 1;
}
function maxY(image: Size): number {
  return image.height - 1;
}

export function visibleOnFrame(roi: Roi, frame: number): boolean {
  return roi.frames.length === 0 || roi.frames.includes(frame);
}

/** Integer box inside the image with a non-empty area, and in-range frames. */
export function isValidRoi(roi: Roi, image: Size, frameCount: number): boolean {
  const ints = [roi.ymin, roi.xmin, roi.ymax, roi.xmax].every(Number.isInteger);
  return (
    ints &&
    roi.xmin >= 0 &&
    roi.ymin >= 0 &&
    roi.xmax <= maxX(image) &&
    roi.ymax <= maxY(image) &&
    roi.xmin < roi.xmax &&
    roi.ymin < roi.ymax &&
    roi.frames.every((f) => Number.isInteger(f) && f >= 0 && f < frameCount)
  );
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/** A new box spanning two image points, clamped and rounded; null when it would be empty. */
export function roiFromPoints(a: Point, b: Point, image: Size, frames: number[]): Roi | null {
  const x0 = Math.round(clamp(Math.min(a.x, b.x), 0, maxX(image)));
  const x1 = Math.round(clamp(Math.max(a.x, b.x), 0, maxX(image)));
  const y0 = Math.round(clamp(Math.min(a.y, b.y), 0, maxY(image)));
  const y1 = Math.round(clamp(Math.max(a.y, b.y), 0, maxY(image)));
  if (x1 - x0 < 1 || y1 - y0 < 1) return null;
  return { ymin: y0, xmin: x0, ymax: y1, xmax: x1, frames: [...frames] };
}

/** Translate by (dx, dy) image pixels, stopping at the image border (the size is kept). */
export function moveRoi(roi: Roi, dx: number, dy: number, image: Size): Roi {
  const w = roi.xmax - roi.xmin;
  const h = roi.ymax - roi.ymin;
  const xmin = clamp(Math.round(roi.xmin + dx), 0, maxX(image) - w);
  const ymin = clamp(Math.round(roi.ymin + dy), 0, maxY(image) - h);
  return { ...roi, xmin, ymin, xmax: xmin + w, ymax: ymin + h };
}

/**
 * Move the gripped edges to image point `p`. Edges may cross (dragging the left edge past
 * the right one flips the box); the result is normalised, clamped, and at least 1 pixel
 * wide, so it stays valid. Returns the original box when no valid box results.
 */
export function resizeRoi(roi: Roi, grip: Grip, p: Point, image: Size): Roi {
  const x = Math.round(clamp(p.x, 0, maxX(image)));
  const y = Math.round(clamp(p.y, 0, maxY(image)));
  let { xmin, xmax, ymin, ymax } = roi;
  if (grip.left) xmin = x;
  if (grip.right) xmax = x;
  if (grip.top) ymin = y;
  if (grip.bottom) ymax = y;
  const out = {
    ...roi,
    xmin: Math.min(xmin, xmax),
    xmax: Math.max(xmin, xmax),
    ymin: Math.min(ymin, ymax),
    ymax: Math.max(ymin, ymax),
  };
  if (out.xmax - out.xmin < 1 || out.ymax - out.ymin < 1) return roi;
  return out;
}

/** Screen rectangle of a box (axis-aligned: the view only rotates by multiples of 90°). */
export function roiScreenRect(roi: Roi, view: View, image: Size, viewport: Size): { x: number; y: number; width: number; height: number } {
  const a = imageToScreen({ x: roi.xmin, y: roi.ymin }, view, image, viewport);
  const b = imageToScreen({ x: roi.xmax, y: roi.ymax }, view, image, viewport);
  return {
    x: Math.min(a.x, b.x),
    y: Math.min(a.y, b.y),
    width: Math.abs(a.x - b.x),
    height: Math.abs(a.y - b.y),
  };
}

/** Screen positions of the resize handles with the image edges each one moves. */
export function roiHandles(roi: Roi, view: View, image: Size, viewport: Size): Array<{ point: Point; grip: Grip }> {
  return HANDLES.map(([fx, fy, grip]) => ({
    point: imageToScreen(
      { x: roi.xmin + fx * (roi.xmax - roi.xmin), y: roi.ymin + fy * (roi.ymax - roi.ymin) },
      view,
      image,
      viewport,
    ),
    grip,
  }));
}

/**
 * What is under screen point `s`: a handle of the selected box first (within `tolerance`
 * CSS px), then the interior of the top-most visible box. `visible` holds indices into
 * `rois` in drawing order.
 */
export function hitTest(
  rois: readonly Roi[],
  visible: readonly number[],
  selected: number | null,
  s: Point,
  view: View,
  image: Size,
  viewport: Size,
  tolerance = 6,
): Hit | null {
  if (selected !== null && visible.includes(selected)) {
    const roi = rois[selected];
    if (roi) {
      for (const h of roiHandles(roi, view, image, viewport)) {
        if (Math.abs(h.point.x - s.x) <= tolerance && Math.abs(h.point.y - s.y) <= tolerance) {
          return { index: selected, part: h.grip };
        }
      }
    }
  }
  const p = screenToImage(s, view, image, viewport);
  for (let k = visible.length - 1; k >= 0; k--) {
    const i = visible[k];
    if (i === undefined) continue;
    const roi = rois[i];
    if (roi && p.x >= roi.xmin && p.x <= roi.xmax && p.y >= roi.ymin && p.y <= roi.ymax) {
      return { index: i, part: "move" };
    }
  }
  return null;
}

/** The annotations JSON of the HTTP API. */
export interface AnnotationsBody {
  num_roi: number;
  roi_coords: number[][];
  roi_frames: number[][];
}

export function roisFromApi(body: AnnotationsBody): Roi[] {
  return body.roi_coords.map((c, i) => ({
    ymin: c[0] ?? 0,
    xmin: c[1] ?? 0,
    ymax: c[2] ?? 0,
    xmax: c[3] ?? 0,
    frames: [...(body.roi_frames[i] ?? [])],
  }));
}

export function roisToApi(rois: readonly Roi[]): AnnotationsBody {
  return {
    num_roi: rois.length,
    roi_coords: rois.map((r) => [r.ymin, r.xmin, r.ymax, r.xmax]),
    roi_frames: rois.map((r) => [...r.frames]),
  };
}
