/**
 * The viewport panes: the layout (1×1, 1×2, 2×2), which pane is active, and per pane the
 * tab it shows, what it has on screen and its size. Each pane shows one tab (its stack,
 * position, view and window live on the Tab); the keys, the cine bar, the tag panel and
 * the toolbar act on the active pane's tab (`tabs.current`). With one pane this is the
 * single viewport of before.
 */
import type { Loaded } from "../api/frames";
import { paneCount, type LayoutKind } from "../model/layout";
import type { Size } from "../render/transform";

export const MAX_PANES = 4;

export class Pane {
  /** The tab shown (its key), or null for an empty pane. */
  tabKey = $state<string | null>(null);
  /** What is on screen (or the error drawing it), for the overlay and the readout. */
  shown = $state.raw<Loaded | null>(null);
  loading = $state(false);
  /** Size in CSS pixels: what the view is fitted to and what decides the level asked. */
  size = $state<Size>({ width: 0, height: 0 });
  dpr = $state(1);

  constructor(readonly id: number) {}
}

class PaneState {
  layout = $state<LayoutKind>("1x1");
  active = $state(0);
  /** Scroll, zoom and pan of the active pane are followed by the other panes. */
  sync = $state(false);
  /** The panes the layout shows (the others keep their tabs for when it grows again). */
  count = $derived(paneCount(this.layout));
}

export const panes = new PaneState();

/** Every pane, shown or not; pane i is `allPanes[i]`. */
export const allPanes: readonly Pane[] = Array.from({ length: MAX_PANES }, (_, i) => new Pane(i));

export function activePane(): Pane {
  return allPanes[panes.active] ?? (allPanes[0] as Pane);
}

/** The panes the layout shows, in reading order. */
export function visiblePanes(): Pane[] {
  return allPanes.slice(0, panes.count);
}

export function setPaneSize(pane: Pane, size: Size, dpr = 1): void {
  if (size.width !== pane.size.width || size.height !== pane.size.height) pane.size = size;
  if (dpr > 0 && dpr !== pane.dpr) pane.dpr = dpr;
}
