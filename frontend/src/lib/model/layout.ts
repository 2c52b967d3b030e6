/**
 * Pane layouts and the maths of synchronised panes (no state here).
 *
 * Synchronised scroll moves every other stack to the same relative place along it, so
 * stacks of equal length move frame for frame and a 60-plane and a 30-plane
 * tomosynthesis stay at the same depth fraction. Synchronised zoom and pan apply the
 * active pane's change (a zoom factor about a point, a shift in screen pixels) to each
 * other pane's own view, mirrored left↔right for a pane hung on the other side (the
 * chest walls of a mammography pair face each other, so "towards the chest wall" is
 * right in one pane and left in the other).
 */
import { clampZoom, type View } from "../render/transform";

export type LayoutKind = "1x1" | "1x2" | "2x2";

export const LAYOUTS: ReadonlyArray<{ id: LayoutKind; label: string; rows: number; columns: number }> = [
  { id: "1x1", label: "1×1", rows: 1, columns: 1 },
  { id: "1x2", label: "1×2", rows: 1, columns: 2 },
  { id: "2x2", label: "2×2", rows: 2, columns: 2 },
];

export function layoutGrid(kind: LayoutKind): { rows: number; columns: number } {
  const l = LAYOUTS.find((x) => x.id === kind) ?? LAYOUTS[0];
  return { rows: l?.rows ?? 1, columns: l?.columns ?? 1 };
}

export function paneCount(kind: LayoutKind): number {
  const g = layoutGrid(kind);
  return g.rows * g.columns;
}

/**
 * CSS grid tracks splitting `total` px into `n` panes with `gap` px between them, in
 * whole pixels (the last pane takes the remainder); fractions until `total` is known.
 */
export function paneTracks(total: number, n: number, gap: number): string {
  if (n <= 1) return "minmax(0, 1fr)";
  if (total <= 0) return `repeat(${n}, minmax(0, 1fr))`;
  const each = Math.max(0, Math.floor((total - gap * (n - 1)) / n));
  const last = Math.max(0, total - gap * (n - 1) - each * (n - 1));
  return [...Array.from({ length: n - 1 }, () => `${each}px`), `${last}px`].join(" ");
}

/** The layout after `kind` in the toolbar's order (the key cycles through them). */
export function nextLayout(kind: LayoutKind): LayoutKind {
  const i = LAYOUTS.findIndex((x) => x.id === kind);
  return LAYOUTS[(i + 1) % LAYOUTS.length]?.id ?? "1x1";
}

/**
 * Where a stack of `length` follows a stack of `srcLength` now at `srcPos`: the same
 * fraction along it (equal lengths: the same position). A one-frame stack stays at 0.
 */
export function syncedPos(srcPos: number, srcLength: number, length: number): number {
  if (length <= 1) return 0;
  if (srcLength <= 1) return 0;
  if (srcLength === length) return Math.min(length - 1, Math.max(0, srcPos));
  const f = Math.min(1, Math.max(0, srcPos / (srcLength - 1)));
  return Math.round(f * (length - 1));
}

/**
 * Apply the change `before` → `after` of the active pane's view to another pane's view.
 *
 * On screen, relative to the pane's centre, the active pane's change maps a point s to
 * k·s + (pan' − k·pan) with k the zoom ratio; the same map is applied to `other` (its
 * flips and rotation stay its own). With `mirror` the horizontal part is mirrored.
 */
export function syncedView(before: View, after: View, other: View, mirror = false): View {
  const k = before.zoom > 0 ? after.zoom / before.zoom : 1;
  const zoom = clampZoom(other.zoom * k);
  // The ratio actually applied (the clamp may have limited it).
  const kk = other.zoom > 0 ? zoom / other.zoom : 1;
  const tx = after.panX - k * before.panX;
  const ty = after.panY - k * before.panY;
  return { ...other, zoom, panX: kk * other.panX + (mirror ? -tx : tx), panY: kk * other.panY + ty };
}
