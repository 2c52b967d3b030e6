/**
 * Resolution levels (pure): which level of a frame fits the viewport, and when a frame
 * on screen must be refined to full resolution.
 *
 * Level 0 is full resolution; level n has ceil(rows / 2^n) × ceil(columns / 2^n) samples
 * (JPEG 2000's reduced-resolution rule, the server's for every syntax). The viewer asks
 * for the coarsest level that is still at least as large as the image's drawn size in
 * device pixels, so a 2048×1664 tomosynthesis frame drawn at ≈ 600 px travels and decodes
 * at 1024×832, a quarter of the work, with no visible loss.
 */
import type { Size } from "../render/transform";

/** The deepest level the viewer ever asks for (a 2^6 reduction: 4096 px → 64 px). */
export const MAX_ASKED_LEVEL = 6;

/** Samples of level `n` of a `full`-sized frame. */
export function levelSize(full: Size, n: number): Size {
  const k = 2 ** n;
  return { width: Math.ceil(full.width / k), height: Math.ceil(full.height / k) };
}

/**
 * The deepest level worth asking for: both sides keep at least one whole reduction
 * (floor(min side / 2^n) ≥ 1, valid whichever way the server counts its last level),
 * and never beyond MAX_ASKED_LEVEL.
 */
export function deepestLevel(full: Size): number {
  const side = Math.min(full.width, full.height);
  if (!(side >= 1)) return 0;
  return Math.min(MAX_ASKED_LEVEL, Math.floor(Math.log2(side)));
}

/**
 * The coarsest level whose samples still cover the image's drawn size: `scale` is device
 * pixels per full-resolution pixel (view zoom × devicePixelRatio). 0 when the image is
 * drawn at 1:1 or larger, or the size is unknown.
 */
export function fitLevel(full: Size, scale: number): number {
  if (!(scale > 0) || !(full.width > 0) || !(full.height > 0)) return 0;
  // Half a device pixel of slack: a fitted image's drawn size is rarely a whole number.
  const needW = full.width * scale - 0.5;
  const needH = full.height * scale - 0.5;
  let n = 0;
  const deepest = deepestLevel(full);
  while (n < deepest) {
    const next = levelSize(full, n + 1);
    if (next.width < needW || next.height < needH) break;
    n++;
  }
  return n;
}

/** Whether level `level` is still sharp enough (at least 1 sample per device pixel) at `scale`. */
export function levelCovers(full: Size, level: number, scale: number): boolean {
  return level <= fitLevel(full, scale);
}

/**
 * Bytes a frame takes in the cache at `level` (2 bytes a sample unless told): used to
 * bound the prefetch by the cache budget.
 */
export function levelBytes(full: Size, level: number, bytesPerSample = 2): number {
  const s = levelSize(full, level);
  return Math.max(1, s.width * s.height * bytesPerSample);
}
