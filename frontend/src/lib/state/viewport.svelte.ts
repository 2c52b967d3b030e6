/**
 * The viewport's size in CSS pixels and the device-pixel ratio: what the view is fitted
 * to (view.svelte.ts) and what decides the resolution level a frame is asked at
 * (display.svelte.ts).
 */
import type { Size } from "../render/transform";

class ViewportState {
  size = $state<Size>({ width: 0, height: 0 });
  dpr = $state(1);
}

export const viewport = new ViewportState();

export function setViewport(size: Size, dpr = 1): void {
  if (size.width !== viewport.size.width || size.height !== viewport.size.height) viewport.size = size;
  if (dpr > 0 && dpr !== viewport.dpr) viewport.dpr = dpr;
}
