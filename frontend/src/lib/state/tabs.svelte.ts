/**
 * Open tabs, one per stack (a series, or a file on its own), each with its position,
 * view, window choice and cine rate; the active tab (the one the active pane shows) and
 * the item (file, frame) it is on. Opening or activating a tab puts it in the active pane.
 */
import { fileStack, fileStatus, neighbourFile, stackForFile, stackPosition, tabLabel, type Stack, type StackItem } from "../model/catalog";
import { tabLabels } from "../model/labels";
import { defaultFps } from "../model/cine";
import type { Placement } from "../model/hanging";
import { syncedPos } from "../model/layout";
import type { WindowChoice } from "../model/preset";
import type { View } from "../render/transform";
import { catalog, revealFile } from "./catalog.svelte";
import { cine, setFps, stopCine } from "./cine.svelte";
import { client } from "./connection.svelte";
import { activePane, allPanes, panes, type Pane } from "./panes.svelte";

export interface Tab extends WindowChoice {
  key: string;
  /** What the tab reads (model/labels.ts: tells the open tabs apart) and its hover text. */
  label: string;
  title?: string;
  stack: Stack;
  pos: number;
  view: View | null;
  /** The view is the fitted one (not zoomed or panned since): it is refitted when its pane's size changes. */
  fitted?: boolean;
  /** Where a hanging put the image in its pane (flips, the edge it is pushed against). */
  placement?: Placement | null;
  /** Invert after the window instead of as the frame says (a GSPS's display, state/gsps.svelte.ts). */
  invert?: boolean;
  /** Cine's rate for this stack: the file's own (cine_rate) until the user sets one. */
  fps: number;
  /** Whether the user set `fps` (then the file's rate, arriving later, does not replace it). */
  fpsSet?: boolean;
}

class TabState {
  list = $state<Tab[]>([]);
  /** The active pane's tab. */
  active = $derived<string | null>(allPanes[panes.active]?.tabKey ?? null);
  current = $derived(this.list.find((t) => t.key === this.active) ?? null);
  item = $derived<StackItem | null>(this.current ? (this.current.stack.items[this.current.pos] ?? null) : null);
}

export const tabs = new TabState();

/**
 * Open (or focus) the stack containing a file in the active pane, positioned on that
 * file's frame; with `alone`, a stack of that file only (a hanging puts each view of a
 * series in its own pane).
 */
export function openFile(fileIndex: number, frame = 0, alone = false): void {
  const f = catalog.byIndex.get(fileIndex);
  if (!f) return;
  let stack = fileStatus(f) === "ok" ? stackForFile(catalog.tree, fileIndex, f.frame_count) : fileStack(fileIndex, 1);
  if (alone && stack.items.some((it) => it.fileIndex !== fileIndex)) stack = fileStack(fileIndex, f.frame_count);
  let tab = tabs.list.find((t) => t.key === stack.key);
  if (!tab) {
    tabs.list.push({ key: stack.key, label: tabLabel(f), stack, pos: 0, view: null, preset: "dicom", custom: null, fps: defaultFps(f.cine_rate) });
    relabel();
    tab = tabs.list[tabs.list.length - 1];
    // A server that predates cine_rate in /api/files: ask /info of a multi-frame file.
    if (tab && f.cine_rate === undefined && f.frame_count > 1) askCineRate(tab.key, fileIndex);
  }
  if (!tab) return;
  tab.pos = stackPosition(tab.stack, fileIndex, frame);
  activePane().tabKey = tab.key;
  revealFile(fileIndex);
  stopCine();
  followTabFps();
}

/** Label every tab so that no two read alike (model/labels.ts). */
export function relabel(): void {
  const facts = tabs.list.map((t) => ({
    key: t.key,
    file: catalog.byIndex.get(t.stack.fileIndex),
    series: t.key.startsWith("series:") && t.stack.items.length > 1,
  }));
  tabLabels(facts).forEach((l, i) => {
    const t = tabs.list[i];
    if (!t) return;
    if (t.label !== l.label) t.label = l.label;
    if (t.title !== l.title) t.title = l.title;
  });
}

/**
 * ↑/↓ (`by` "file") and PgUp/PgDn (`by` "series"): open the next or previous file of
 * the navigator, among those its filter keeps; false at either end.
 */
export function openNeighbour(delta: 1 | -1, by: "file" | "series"): boolean {
  const next = neighbourFile(catalog.tree, catalog.filter, tabs.item?.fileIndex ?? null, delta, by);
  if (next === null) return false;
  openFile(next);
  return true;
}

/** The tab a pane shows, or null. */
export function tabOf(pane: Pane): Tab | null {
  const key = pane.tabKey;
  return key === null ? null : (tabs.list.find((t) => t.key === key) ?? null);
}

/** Show tab `key` in the active pane. */
export function activateTab(key: string): void {
  activePane().tabKey = key;
  stopCine();
  followTabFps();
}

/** Make pane `id` the active one (what the keys, the cine bar and the tag panel act on). */
export function activatePane(id: number): void {
  if (id === panes.active || !allPanes[id]) return;
  panes.active = id;
  stopCine();
  followTabFps();
}

/** Cine takes the active stack's rate. */
function followTabFps(): void {
  const t = tabs.current;
  if (t) setFps(t.fps);
}

/** The user sets cine's rate: kept for this stack. */
export function setStackFps(v: number): void {
  setFps(v);
  const t = tabs.current;
  if (t) {
    t.fps = cine.fps;
    t.fpsSet = true;
  }
}

/**
 * A multi-frame file's rate from /info when the catalog has none: the scan's summary may
 * lack the attributes it comes from (Cine Rate, Frame Time, Recommended Display Frame
 * Rate); /info reads them from the file.
 */
function askCineRate(tabKey: string, fileIndex: number): void {
  client()
    ?.info(fileIndex)
    .then((info) => {
      const t = tabs.list.find((x) => x.key === tabKey);
      if (!t || t.fpsSet || typeof info.cine_rate !== "number") return;
      t.fps = defaultFps(info.cine_rate);
      if (tabs.active === tabKey) setFps(t.fps);
    })
    .catch(() => {
      // Keep the default rate.
    });
}

export function closeTab(key: string): void {
  const i = tabs.list.findIndex((t) => t.key === key);
  if (i < 0) return;
  tabs.list.splice(i, 1);
  relabel();
  const next = tabs.list[Math.min(i, tabs.list.length - 1)]?.key ?? null;
  // The active pane moves to the neighbour tab; another pane that showed it is emptied.
  for (const p of allPanes) if (p.tabKey === key) p.tabKey = p === activePane() ? next : null;
  stopCine();
  followTabFps();
}

export function stackLength(): number {
  return tabs.current?.stack.items.length ?? 0;
}

export function setPos(pos: number): void {
  const t = tabs.current;
  if (!t) return;
  const n = t.stack.items.length;
  t.pos = Math.min(n - 1, Math.max(0, Math.round(pos)));
  followScroll(t);
}

/** With synchronised panes, the other panes' stacks follow tab `t`'s position. */
export function followScroll(t: Tab): void {
  if (!panes.sync) return;
  const n = t.stack.items.length;
  for (const p of allPanes.slice(0, panes.count)) {
    const o = tabOf(p);
    if (!o || o === t || o.key === t.key) continue;
    o.pos = syncedPos(t.pos, n, o.stack.items.length);
  }
}

export function step(delta: number): void {
  const t = tabs.current;
  if (!t) return;
  setPos(t.pos + delta);
}

let autoOpened = false;

/**
 * Follow a new catalog: stacks of open tabs grow while the scan adds slices to their
 * series, and the first image opens as soon as the scan found one (once: closing every
 * tab stays closed).
 */
export function syncTabs(): void {
  for (const t of tabs.list) {
    if (!t.key.startsWith("series:")) continue;
    const cur = t.stack.items[t.pos];
    const f = catalog.byIndex.get(t.stack.fileIndex);
    const s = stackForFile(catalog.tree, t.stack.fileIndex, f?.frame_count ?? 1);
    if (s.key === t.key && s.items.length !== t.stack.items.length) {
      t.stack = s;
      if (cur) t.pos = stackPosition(s, cur.fileIndex, cur.frame);
    }
  }
  relabel();
  if (!autoOpened) openFirst();
}

function openFirst(): void {
  if (tabs.list.length > 0) {
    autoOpened = true;
    return;
  }
  for (const p of catalog.tree)
    for (const s of p.studies)
      for (const e of s.series)
        for (const i of e.instances) {
          const f = catalog.byIndex.get(i.fileIndex);
          if (f && fileStatus(f) === "ok") {
            openFile(i.fileIndex);
            autoOpened = true;
            return;
          }
        }
}
