/**
 * A switched-on GSPS's display applied to each pane that shows an image it refers to:
 * its window, inversion, rotation/flip and displayed area on the pane's tab (model/gsps.ts),
 * its shutters drawn by OverlayLayer. What the tab had before is kept per tab and put
 * back when the GSPS is switched off, its "apply" box is unticked, or the pane moves to
 * an image (or frame) it does not apply to. The user may change the window meanwhile.
 */
import { untrack } from "svelte";
import type { GspsPresentation } from "../api/types";
import { appliedDisplay, type PaneDisplay } from "../model/gsps";
import { derivedFor } from "../model/overlays";
import { catalog } from "./catalog.svelte";
import { layerKey, overlays } from "./overlays.svelte";
import type { Pane } from "./panes.svelte";
import { tabOf, type Tab } from "./tabs.svelte";

class GspsState {
  /** GSPS file index -> apply its display when it is switched on (default: yes). */
  apply = $state<Record<number, boolean>>({});
  /** Tab key -> the GSPS file whose display it shows (for the panel and the tests). */
  applied = $state<Record<string, number>>({});
}

export const gsps = new GspsState();

interface Record_ {
  object: number;
  settings: string;
  before: PaneDisplay;
}
/** Tab key -> what was applied and what the tab had before (not reactive: only sync reads it). */
const records = new Map<string, Record_>();

/** Whether GSPS `object`'s display is applied when it is on (ticked by default). */
export function applies(object: number): boolean {
  return gsps.apply[object] ?? true;
}

export function setApply(object: number, on: boolean): void {
  gsps.apply[object] = on;
}

export interface Wanted {
  object: number;
  presentation: GspsPresentation;
}

/**
 * The GSPS whose display frame `frame` of image `image` should show: the first switched-on
 * GSPS (file order) that is ticked and sets something for the frame; "pending" while its
 * answer is loading (the pane keeps what it has), null for none.
 */
export function wantedPresentation(image: number, frame: number): Wanted | "pending" | null {
  const entries = derivedFor(catalog.byIndex.get(image), catalog.byIndex, overlays.extra[image] ?? []);
  for (const e of entries) {
    if (e.kind !== "gsps" || !overlays.enabled[e.index] || !applies(e.index)) continue;
    const layer = overlays.layers[layerKey(e, image, frame)];
    if (!layer || layer.status === "loading") return "pending";
    const p = layer.annotations?.presentation;
    if (layer.status === "ready" && p) return { object: e.index, presentation: p };
  }
  return null;
}

function snapshot(tab: Tab): PaneDisplay {
  return { preset: tab.preset, custom: tab.custom, view: tab.view ? { ...tab.view } : null, fitted: tab.fitted, invert: tab.invert };
}

function put(tab: Tab, d: PaneDisplay): void {
  tab.preset = d.preset;
  tab.custom = d.custom;
  tab.view = d.view;
  tab.fitted = d.fitted;
  tab.invert = d.invert;
}

/**
 * Bring pane `pane`'s tab in line with the GSPS that applies to what it shows: apply a
 * new one (keeping what the tab had), put back what it had when none applies any more.
 * Call from an effect: it tracks the overlay state and the tab's position only.
 */
export function syncPresentation(pane: Pane): void {
  const tab = tabOf(pane);
  if (!tab) return;
  const item = tab.stack.items[tab.pos];
  const want = item ? wantedPresentation(item.fileIndex, item.frame) : null;
  if (want === "pending") return;
  untrack(() => reconcile(tab, pane, want, item?.fileIndex ?? -1));
}

function reconcile(tab: Tab, pane: Pane, want: Wanted | null, image: number): void {
  const cur = records.get(tab.key);
  const settings = want ? JSON.stringify(want.presentation) : "";
  if (cur && want && cur.object === want.object && cur.settings === settings) return;
  if (cur) {
    put(tab, cur.before);
    records.delete(tab.key);
  }
  if (want) {
    const before = snapshot(tab);
    const f = catalog.byIndex.get(image);
    const size = { width: f?.columns ?? 0, height: f?.rows ?? 0 };
    put(tab, appliedDisplay(before, want.presentation, size, pane.size));
    records.set(tab.key, { object: want.object, settings, before });
  }
  const { [tab.key]: _, ...rest } = gsps.applied;
  gsps.applied = want ? { ...rest, [tab.key]: want.object } : rest;
}
