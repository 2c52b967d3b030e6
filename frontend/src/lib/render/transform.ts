/**
 * Image ↔ screen transforms for the viewport.
 *
 * Image coordinates are continuous pixel units with the origin at the top-left corner of
 * pixel (0, 0); pixel (r, c) covers [c, c+1) × [r, r+1). Screen coordinates are CSS pixels
 * from the top-left of the viewport. The view flips in image space, then rotates clockwise
 * about the image center, scales by `zoom` and translates to the viewport center + pan.
 */

export type Rotation = 0 | 90 | 180 | 270;

export interface View {
  zoom: number;
  panX: number;
  panY: number;
  rotation: Rotation;
  flipH: boolean;
  flipV: boolean;
}

export interface Size {
  width: number;
  height: number;
}

export interface Point {
  x: number;
  y: number;
}

export const MIN_ZOOM = 0.02;
export const MAX_ZOOM = 64;

export function identityView(): View {
  return { zoom: 1, panX: 0, panY: 0, rotation: 0, flipH: false, flipV: false };
}

/** Rotate a vector clockwise on screen (y points down) by a multiple of 90°. */
function rotate(p: Point, rotation: Rotation): Point {
  switch (rotation) {
    case 0:
      return { x: p.x, y: p.y };
    case 90:
      return { x: -p.y, y: p.x };
    case 180:
      return { x: -p.x, y: -p.y };
    case 270:
      return { x: p.y, y: -p.x };
  }
}

function unrotate(p: Point, rotation: Rotation): Point {
  return rotate(p, ((360 - rotation) % 360) as Rotation);
}

export function imageToScreen(p: Point, view: View, image: Size, viewport: Size): Point {
  let x = p.x - image.width / 2;
  let y = p.y - image.height / 2;
  if (view.flipH) x = -x;
  if (view.flipV) y = -y;
  const r = rotate({ x, y }, view.rotation);
  return {
    x: viewport.width / 2 + view.panX + view.zoom * r.x,
    y: viewport.height / 2 + view.panY + view.zoom * r.y,
  };
}

export function screenToImage(s: Point, view: View, image: Size, viewport: Size): Point {
  const r = {
    x: (s.x - viewport.width / 2 - view.panX) / view.zoom,
    y: (s.y - viewport.height / 2 - view.panY) / view.zoom,
  };
  const q = unrotate(r, view.rotation);
  if (view.flipH) q.x = -q.x;
  if (view.flipV) q.y = -q.y;
  return { x: q.x + image.width / 2, y: q.y + image.height / 2 };
}

/**
 * screenToImage as an affine map [a, b, c, d, e, f]: x = a·sx + c·sy + e, y = b·sx + d·sy + f
 * (column-major like a GLSL mat3), so the fragment shader can map each canvas pixel to an
 * image pixel with one matrix multiply.
 */
export function screenToImageAffine(view: View, image: Size, viewport: Size): [number, number, number, number, number, number] {
  const o = screenToImage({ x: 0, y: 0 }, view, image, viewport);
  const ex = screenToImage({ x: 1, y: 0 }, view, image, viewport);
  const ey = screenToImage({ x: 0, y: 1 }, view, image, viewport);
  return [ex.x - o.x, ex.y - o.y, ey.x - o.x, ey.y - o.y, o.x, o.y];
}

/** Size of the image's bounding box on screen at zoom 1 (90°/270° swap the axes). */
export function rotatedSize(image: Size, rotation: Rotation): Size {
  return rotation === 90 || rotation === 270 ? { width: image.height, height: image.width } : { ...image };
}

/** The zoom that fits the whole (rotated) image into the viewport. */
export function fitZoom(image: Size, viewport: Size, rotation: Rotation): number {
  const r = rotatedSize(image, rotation);
  if (r.width <= 0 || r.height <= 0 || viewport.width <= 0 || viewport.height <= 0) return 1;
  return clampZoom(Math.min(viewport.width / r.width, viewport.height / r.height));
}

export function clampZoom(z: number): number {
  return Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, z));
}

/** The reset view: fitted, centered, no flips or rotation. */
export function fitView(image: Size, viewport: Size): View {
  return { ...identityView(), zoom: fitZoom(image, viewport, 0) };
}

/** Zoom by `factor` keeping the image point under screen point `s` where it is. */
export function zoomAbout(view: View, factor: number, s: Point, viewport: Size): View {
  const zoom = clampZoom(view.zoom * factor);
  const k = zoom / view.zoom;
  const cx = viewport.width / 2;
  const cy = viewport.height / 2;
  return {
    ...view,
    zoom,
    panX: s.x - cx - k * (s.x - cx - view.panX),
    panY: s.y - cy - k * (s.y - cy - view.panY),
  };
}

/**
 * Flip left↔right as seen on screen. Flips are stored in image space, so when the image
 * is rotated by 90° or 270° a horizontal flip on screen is a vertical flip of the image.
 */
export function flipScreenHorizontal(view: View): View {
  return view.rotation % 180 === 0 ? { ...view, flipH: !view.flipH } : { ...view, flipV: !view.flipV };
}

export function flipScreenVertical(view: View): View {
  return view.rotation % 180 === 0 ? { ...view, flipV: !view.flipV } : { ...view, flipH: !view.flipH };
}

/** Rotate by ±90° about the viewport center (pan is rotated with the image). */
export function rotateView(view: View, clockwise: boolean): View {
  const rotation = (((view.rotation + (clockwise ? 90 : 270)) % 360) as Rotation);
  const pan = rotate({ x: view.panX, y: view.panY }, clockwise ? 90 : 270);
  return { ...view, rotation, panX: pan.x, panY: pan.y };
}

/** The image pixel (row, column) under a screen point, or null outside the image. */
export function pixelAt(s: Point, view: View, image: Size, viewport: Size): { row: number; column: number } | null {
  const p = screenToImage(s, view, image, viewport);
  const column = Math.floor(p.x);
  const row = Math.floor(p.y);
  if (column < 0 || row < 0 || column >= image.width || row >= image.height) return null;
  return { row, column };
}
