/**
 * Open tabs, one per stack (a series, or a file on its own), each with its position,
 * view, window choice and cine rate; the active tab and the item (file, frame) it is on.
 */
import { fileStack, fileStatus, neighbourFile, stackForFile, stackPosition, tabLabel, type Stack, type StackItem } from "../model/catalog";
import { tabLabels } from "../model/labels";
import { defaultFps } from "../model/cine";
import type { WindowChoice } from "../model/preset";
import type { View } from "../render/transform";
import { catalog, revealFile } from "./catalog.svelte";
import { cine, setFps, stopCine } from "./cine.svelte";
import { client } from "./connection.svelte";

export interface Tab extends WindowChoice {
  key: string;
  /** What the tab reads (model/labels.ts: tells the open tabs apart) and its hover text. */
  label: string;
  title?: string;
  stack: Stack;
  pos: number;
  view: View | null;
  /** Cine's rate for this stack: the file's own (cine_rate) until the user sets one. */
  fps: number;
  /** Whether the user set `fps` (then the file's rate, arriving later, does not replace it). */
  fpsSet?: boolean;
}

class TabState {
  list = $state<Tab[]>([]);
  active = $state<string | null>(null);
  current = $derived(this.list.find((t) => t.key === this.active) ?? null);
  item = $derived<StackItem | null>(this.current ? (this.current.stack.items[this.current.pos] ?? null) : null);
}

export const tabs = new TabState();

/** Open (or focus) the stack containing a file, positioned on that file's frame. */
export function openFile(fileIndex: number, frame = 0): void {
  const f = catalog.byIndex.get(fileIndex);
  if (!f) return;
  const stack = fileStatus(f) === "ok" ? stackForFile(catalog.tree, fileIndex, f.frame_count) : fileStack(fileIndex, 1);
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
  tabs.active = tab.key;
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

export function activateTab(key: string): void {
  tabs.active = key;
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
  if (tabs.active === key) tabs.active = tabs.list[Math.min(i, tabs.list.length - 1)]?.key ?? null;
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
