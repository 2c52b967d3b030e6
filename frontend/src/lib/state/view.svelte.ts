/**
 * The active tab's view of its image: fitted on first use to the viewport,
 * then panned, zoomed, flipped and rotated (the transforms are render/transform.ts).
 * The view is in full-resolution image pixels whatever level of the frame is drawn.
 */
import { fitView, flipScreenHorizontal, flipScreenVertical, rotateView, zoomAbout, type Point, type View } from "../render/transform";
import { imageSize } from "./display.svelte";
import { tabs } from "./tabs.svelte";
import { viewport } from "./viewport.svelte";

/** The tab's view, fitted on first use. */
export function currentView(): View | null {
  const tab = tabs.current;
  const img = imageSize();
  if (!tab || !img) return null;
  if (!tab.view) tab.view = fitView(img, viewport.size);
  return tab.view;
}

export function setView(v: View): void {
  if (tabs.current) tabs.current.view = v;
}

export function resetView(): void {
  const img = imageSize();
  if (tabs.current && img) tabs.current.view = fitView(img, viewport.size);
}

export function zoomAt(factor: number, at: Point): void {
  const v = currentView();
  if (v) setView(zoomAbout(v, factor, at, viewport.size));
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
