/**
 * A pane's view of its tab's image: fitted on first use to the pane, then panned,
 * zoomed, flipped and rotated (the transforms are render/transform.ts). The view is in
 * full-resolution image pixels whatever level of the frame is drawn. The actions without
 * a pane act on the active one (the toolbar and the keys).
 */
import { fitView, flipScreenHorizontal, flipScreenVertical, rotateView, zoomAbout, type Point, type View } from "../render/transform";
import { imageSize } from "./display.svelte";
import { activePane, type Pane } from "./panes.svelte";
import { tabOf } from "./tabs.svelte";

/** The view of the tab `pane` shows, fitted on first use. */
export function currentView(pane: Pane = activePane()): View | null {
  const tab = tabOf(pane);
  const img = imageSize(pane);
  if (!tab || !img) return null;
  if (!tab.view) tab.view = fitView(img, pane.size);
  return tab.view;
}

export function setView(v: View, pane: Pane = activePane()): void {
  const tab = tabOf(pane);
  if (tab) tab.view = v;
}

export function resetView(pane: Pane = activePane()): void {
  const img = imageSize(pane);
  const tab = tabOf(pane);
  if (tab && img) tab.view = fitView(img, pane.size);
}

export function zoomAt(factor: number, at: Point, pane: Pane = activePane()): void {
  const v = currentView(pane);
  if (v) setView(zoomAbout(v, factor, at, pane.size), pane);
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
