/**
 * A pane's view of its tab's image: fitted on first use to the pane (as a hanging placed
 * it, model/hanging.ts), then panned, zoomed, flipped and rotated (the transforms are
 * render/transform.ts). The view is in full-resolution image pixels whatever level of
 * the frame is drawn. The actions without a pane act on the active one (the toolbar and
 * the keys). With synchronised panes a zoom or pan of the active pane is applied to the
 * others (model/layout.ts).
 */
import { placedView } from "../model/hanging";
import { syncedView } from "../model/layout";
import { flipScreenHorizontal, flipScreenVertical, rotateView, zoomAbout, type Point, type View } from "../render/transform";
import { imageSize } from "./display.svelte";
import { activePane, allPanes, panes, type Pane } from "./panes.svelte";
import { tabOf, type Tab } from "./tabs.svelte";

function fit(tab: Tab, pane: Pane): View | null {
  const img = imageSize(pane);
  if (!img) return null;
  tab.view = placedView(img, pane.size, tab.placement);
  tab.fitted = true;
  return tab.view;
}

/** The view of the tab `pane` shows, fitted on first use. */
export function currentView(pane: Pane = activePane()): View | null {
  const tab = tabOf(pane);
  if (!tab) return null;
  return tab.view ?? fit(tab, pane);
}

/**
 * Set the view of `pane`'s tab (the user changed it: it is no longer the fitted one).
 * With `follow`, a zoom or pan the other panes follow when synchronised.
 */
export function setView(v: View, pane: Pane = activePane(), follow = false): void {
  const tab = tabOf(pane);
  if (!tab) return;
  const before = tab.view;
  tab.view = v;
  tab.fitted = false;
  if (!follow || !before || !panes.sync) return;
  for (const p of allPanes.slice(0, panes.count)) {
    const o = tabOf(p);
    if (p === pane || !o?.view || o.key === tab.key) continue;
    // A pane hung on the other side mirrors the change (its chest wall is on the other side).
    const a = tab.placement?.justify;
    const b = o.placement?.justify;
    const mirror = a !== undefined && b !== undefined && a !== "center" && b !== "center" && a !== b;
    o.view = syncedView(before, v, o.view, mirror);
    o.fitted = false;
  }
}

export function resetView(pane: Pane = activePane()): void {
  const tab = tabOf(pane);
  if (tab) fit(tab, pane);
}

/** The pane's size or tab changed: a view still as fitted is fitted again. */
export function refitView(pane: Pane): void {
  const tab = tabOf(pane);
  if (tab?.view && tab.fitted && pane.size.width > 0 && pane.size.height > 0) fit(tab, pane);
}

export function zoomAt(factor: number, at: Point, pane: Pane = activePane()): void {
  const v = currentView(pane);
  if (v) setView(zoomAbout(v, factor, at, pane.size), pane, true);
}

export function flipH(): void {
  const v = currentView();
  if (v) setView(flipScreenHorizontal(v));
}

export function flipV(): void {
  const v = currentView();
  if (v) setView(flipScreenVertical(v));
}

export function rotate(clockwise: boolean): void {
  const v = currentView();
  if (v) setView(rotateView(v, clockwise));
}
