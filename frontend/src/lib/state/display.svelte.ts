/**
 * The frames on screen: which cached frame each pane's tab (position, window, view)
 * wants, loading it first and prefetching ahead, and what the pane shows meanwhile. One
 * frame cache (one budget) serves every pane. Also cine's source (playback steps only
 * onto cached frames of the active pane) and the instrumentation the e2e tests and the
 * benchmark read.
 *
 * Progressive frames: a frame is first asked at the resolution level that fits the
 * viewport (model/levels.ts) and refined to full resolution when the user stops on it
 * (model/refine.ts); cine and the prefetch use fitting levels only. Whatever level is
 * drawn, the image's geometry is the full-resolution size (imageSize()). Over a slow
 * link the refinement is the server's PNG at the window in effect (refineWindow()).
 */
import type { ApiClient } from "../api/client";
import { FrameStore, frameKey, levelKey, type Loaded, type PngWindow } from "../api/frames";
import { fileStatus, type StackItem } from "../model/catalog";
import { framesInBudget, prefetchPlan } from "../model/cine";
import { fitLevel, levelBytes } from "../model/levels";
import { pngWindow, windowFor } from "../model/preset";
import { RefineScheduler } from "../model/refine";
import { needsServerWindow, type RawFrame } from "../render/raw";
import { fitView, type Size } from "../render/transform";
import type { WindowLevel } from "../render/window";
import { catalog } from "./catalog.svelte";
import { cine, type CineSource } from "./cine.svelte";
import { activePane, panes, type Pane } from "./panes.svelte";
import { followScroll, tabOf, tabs, type Tab } from "./tabs.svelte";

/** Browser-side frame cache budget: a 60-frame 2048×1664 16-bit stack is ≈ 410 MB. */
export const FRAME_BUDGET_BYTES = 640 * 1024 * 1024;

class DisplayState {
  /** Bumped whenever a frame lands in the cache, so a pane redraws if it waited for it. */
  tick = $state(0);
  /** Bumped when a frame on screen becomes due for full resolution. */
  refineTick = $state(0);
}

export const display = new DisplayState();

/**
 * Instrumentation read by the e2e tests and the benchmark (counts only, no data).
 * `levels` lists, per frame ("file:frame"), the resolution levels it was drawn at in order.
 */
export const stats = { draws: 0, framesShown: 0, frameRequests: 0, levels: {} as Record<string, number[]> };

let store: FrameStore | null = null;

/** What a pane last asked of the store (not reactive: bookkeeping of ensureFrames). */
interface Plan {
  planned: string;
  lastPos: string;
  lastScale: number;
  shownTab: string | null;
  refiner: RefineScheduler;
  /** The loads this pane still wants (its frame and the plan ahead): others' cancels keep them. */
  keep: Set<string>;
  /** The keys this pane has on screen: never evicted. */
  pins: string[];
}

const plans = new Map<number, Plan>();

function planOf(pane: Pane): Plan {
  let p = plans.get(pane.id);
  if (!p) {
    const refiner = new RefineScheduler(() => {
      display.refineTick++;
    });
    p = { planned: "", lastPos: "", lastScale: 0, shownTab: null, refiner, keep: new Set(), pins: [] };
    plans.set(pane.id, p);
  }
  return p;
}

/** A pane left the layout: its loads and pins no longer count. */
export function releasePane(pane: Pane): void {
  plans.get(pane.id)?.refiner.clear();
  plans.delete(pane.id);
  pane.shown = null;
  pane.loading = false;
  store?.pin(allPins());
}

function allPins(): string[] {
  return [...plans.values()].flatMap((p) => p.pins);
}

/** Create the frame cache over `api`. */
export function startFrames(api: ApiClient): FrameStore {
  store = new FrameStore(api, FRAME_BUDGET_BYTES);
  store.onLoaded(() => {
    display.tick++;
  });
  return store;
}

/**
 * Files whose frames need the server PNG under "dicom" / "full" although their samples
 * are drawable (a VOI LUT table, or a server that does not send the window), learnt from
 * the last raw frame seen, so that the next frames are asked as PNGs straight away.
 */
const serverWindowed = new Map<number, Set<string>>();

/** Whether `item` is shown as a server PNG under the tab's window (not from raw samples). */
function viaPngFor(tab: Tab, item: StackItem): boolean {
  if (!store || store.pngFiles.has(item.fileIndex)) return false;
  const hit = store.finest(item.fileIndex, item.frame);
  if (hit?.kind === "raw") {
    const needs = new Set(["dicom", "full"].filter((p) => needsServerWindow(hit.raw, p)));
    serverWindowed.set(item.fileIndex, needs);
  }
  return serverWindowed.get(item.fileIndex)?.has(tab.preset) ?? false;
}

/** An item's full-resolution size: the catalog's, else a cached frame's, else null. */
function fullSize(item: StackItem): Size | null {
  const f = catalog.byIndex.get(item.fileIndex);
  if (f?.rows && f.columns) return { width: f.columns, height: f.rows };
  const hit = store?.finest(item.fileIndex, item.frame);
  return hit?.kind === "raw" ? { width: hit.raw.fullColumns, height: hit.raw.fullRows } : null;
}

/** Device pixels per full-resolution pixel for the tab's view in `pane` (fitted when not yet set). */
function drawScale(pane: Pane, tab: Tab, full: Size): number {
  const size = pane.size;
  if (size.width <= 0 || size.height <= 0) return 1;
  const view = tab.view ?? fitView(full, size);
  return view.zoom * pane.dpr;
}

/** The level `item` is shown at while the user moves through frames (0: full resolution). */
function fittingLevel(pane: Pane, tab: Tab, item: StackItem): number {
  if (!store?.levelsFor(item.fileIndex)) return 0;
  const full = fullSize(item);
  return full ? fitLevel(full, drawScale(pane, tab, full)) : 0;
}

function levelOf(v: Loaded | undefined): number {
  return v?.kind === "raw" ? v.raw.level : 0;
}

/** What to show for `item` and what to load for it: the key and level wanted, and whether a PNG. */
interface Want {
  /** The best thing cached now (maybe a coarser level than wanted), or undefined. */
  best: Loaded | undefined;
  /** The cache key (and level) to load when `best` is not good enough. */
  key: string;
  level: number;
  viaPng: boolean;
  png: PngWindow;
  /** `best` is the wanted level or finer (or the frame's error): nothing to load. */
  good: boolean;
}

/**
 * The window to refine `item` with a server PNG, or null to refine with raw samples.
 * Over a slow link (an SSH forward) the full-resolution 16-bit samples are several
 * times the size of the frame windowed to 8 bits and PNG-compressed: refine with the
 * PNG at the window in effect (the exact numbers the level's samples are drawn with,
 * so the image does not change but for its detail). A W/L drag draws the level's
 * samples again and refines at the new window once it stops (refineKey() includes it);
 * the readout asks the server (full resolution) when no full samples are cached.
 */
function refineWindow(tab: Tab, item: StackItem): WindowLevel | null {
  const s = store;
  if (!s?.slowLink || s.has(levelKey(item.fileIndex, item.frame, 0))) return null;
  const best = s.finest(item.fileIndex, item.frame);
  if (best?.kind !== "raw" || best.raw.level === 0 || best.raw.samplesPerPixel !== 1) return null;
  return windowFor(tab, best);
}

function want(pane: Pane, tab: Tab, item: StackItem, full: boolean): Want {
  const png = pngWindow(tab);
  const s = store;
  if (!s) return { best: undefined, key: "", level: 0, viaPng: false, png, good: false };
  const viaPng = viaPngFor(tab, item);
  if (viaPng || s.pngFiles.has(item.fileIndex)) {
    const key = frameKey(item.fileIndex, item.frame, png);
    const best = s.get(key);
    return { best, key, level: 0, viaPng, png, good: best !== undefined };
  }
  const win = full ? refineWindow(tab, item) : null;
  if (win) {
    const key = frameKey(item.fileIndex, item.frame, win);
    const refined = s.get(key);
    const best = refined ?? s.finest(item.fileIndex, item.frame);
    return { best, key, level: 0, viaPng: true, png: win, good: refined !== undefined };
  }
  const level = full ? 0 : fittingLevel(pane, tab, item);
  const best = s.finest(item.fileIndex, item.frame);
  const good = best !== undefined && (best.kind === "error" || levelOf(best) <= level);
  return { best, key: levelKey(item.fileIndex, item.frame, level), level, viaPng, png, good };
}

/**
 * Make sure the frame of `pane`'s tab is loading and the frames ahead are being
 * prefetched. Returns what to draw now (the best cached level of the frame, maybe a
 * coarse one while the wanted one loads), or null.
 */
export function ensureFrames(pane: Pane = activePane()): Loaded | null {
  const tab = tabOf(pane);
  const pl = planOf(pane);
  if (!tab || !store) {
    pl.refiner.clear();
    pl.keep = new Set();
    return null;
  }
  const item = tab.stack.items[tab.pos];
  if (!item) return null;
  // A document (an SR) has no frame to ask for: the viewport shows its text.
  if (fileStatus(catalog.byIndex.get(item.fileIndex)) === "document") return null;
  // Until the pane is laid out the fitting level is unknown: asking now would ask full
  // resolution. The pane's effect calls again when its size arrives.
  if (pane.size.width <= 0 || pane.size.height <= 0) return store.finest(item.fileIndex, item.frame) ?? null;
  // Over a slow link the refinement is a PNG at the window: a new window is a new
  // refinement, due after the same pause (a W/L drag never asks a PNG per move).
  const pos = `${tab.key}|${item.fileIndex}:${item.frame}` + (store.slowLink ? `|${tab.preset}|${JSON.stringify(tab.custom)}` : "");
  const refiner = pl.refiner;
  refiner.playing(cine.playing);
  // Zooming in past the drawn level's 1:1 needs the full samples now, not after a pause.
  const full = fullSize(item);
  const scale = full ? drawScale(pane, tab, full) : 0;
  if (pos === pl.lastPos && scale > pl.lastScale && !cine.playing && full) {
    const shownLevel = levelOf(store.finest(item.fileIndex, item.frame));
    if (shownLevel > 0 && shownLevel > fitLevel(full, scale)) refiner.now();
  }
  pl.lastPos = pos;
  pl.lastScale = scale;
  const w = want(pane, tab, item, refiner.wantsFull(pos));
  refiner.show(pos, w.best !== undefined);
  // Re-plan only when what is wanted changes, not on every frame that lands in the cache.
  const plan = `${tab.key}|${w.key}|${cine.playing}|${cine.mode}|${cine.dir}`;
  if (plan !== pl.planned || (!w.good && !store.isLoading(w.key))) {
    const first = plan !== pl.planned;
    pl.planned = plan;
    const ahead = prefetchKeys(pane, tab);
    // Keep the frame's fitting level too: refining must not abort its first image.
    const fitting = levelKey(item.fileIndex, item.frame, fittingLevel(pane, tab, item));
    pl.keep = new Set([w.key, fitting, ...ahead.map((p) => p.key)]);
    // What the other panes want is kept too.
    if (first) store.cancel(new Set([...plans.values()].flatMap((p) => [...p.keep])));
    pl.pins = [w.key, ...(w.best ? [w.best.key] : [])];
    store.pin(allPins());
    if (!w.good) {
      stats.frameRequests++;
      void store.load(item.fileIndex, item.frame, w.png, true, w.viaPng, w.level);
    }
    for (const p of ahead) void store.load(p.item.fileIndex, p.item.frame, w.png, false, p.viaPng, p.level);
  }
  pane.loading = !w.best;
  return w.best ?? null;
}

/** The frames to prefetch ahead of the playhead (both ways when still), at fitting levels, not cached yet. */
function prefetchKeys(pane: Pane, tab: Tab): Array<{ item: StackItem; key: string; level: number; viaPng: boolean }> {
  const s = store;
  const n = tab.stack.items.length;
  if (!s || n <= 1) return [];
  const cur = tab.stack.items[tab.pos];
  const full = cur ? fullSize(cur) : null;
  const level = cur ? fittingLevel(pane, tab, cur) : 0;
  const bytesPerFrame = full ? levelBytes(full, level) : 512 * 512 * 2;
  // Keep a quarter of the budget for other tabs and the frames just behind the playhead;
  // the panes on screen share the rest.
  const share = (s.budgetBytes * 0.75) / Math.max(1, panes.count);
  const count = Math.min(n, framesInBudget(bytesPerFrame, share), cine.playing ? n : 16);
  const plan = prefetchPlan({ pos: tab.pos, dir: cine.dir }, n, cine.mode, count, cine.playing);
  const out: Array<{ item: StackItem; key: string; level: number; viaPng: boolean }> = [];
  for (const p of plan.slice(1)) {
    const it = tab.stack.items[p];
    if (!it) continue;
    const w = want(pane, tab, it, false);
    if (!w.good) out.push({ item: it, key: w.key, level: w.level, viaPng: w.viaPng });
  }
  return out;
}

/** Refine the frame on screen in `pane` to full resolution now (an ROI is being drawn or edited). */
export function refineNow(pane: Pane = activePane()): void {
  planOf(pane).refiner.now();
}

/**
 * Record what `pane` shows. While the next frame of the same stack loads, the previous
 * one stays up (scrolling never flashes black); another tab's frame does not.
 */
export function showFrame(hit: Loaded | null, pane: Pane = activePane()): void {
  const pl = planOf(pane);
  const key = pane.tabKey;
  if (hit) {
    pane.shown = hit;
    pl.shownTab = key;
  } else if (pl.shownTab !== key) {
    pane.shown = null;
    pl.shownTab = key;
  }
}

/** Record that `shown` was drawn (the viewport calls this once per new key). */
export function noteDrawn(shown: Loaded): void {
  stats.framesShown++;
  if (shown.kind === "error") return;
  const id = shown.key.split(":").slice(0, 2).join(":");
  const list = stats.levels[id] ?? (Object.keys(stats.levels).length < 2000 ? (stats.levels[id] = []) : null);
  // A server PNG is full resolution.
  list?.push(shown.kind === "raw" ? shown.raw.level : 0);
}

/**
 * The raw samples behind what is on screen in `pane`: the frame's own when raw, else (a PNG that
 * refined it over a slow link) the finest cached level's. A W/L drag starts from them.
 */
export function shownRaw(pane: Pane = activePane()): RawFrame | null {
  const s = pane.shown;
  if (s?.kind === "raw") return s.raw;
  if (s?.kind !== "png" || !store) return null;
  const [file, frame] = s.key.split(":").map(Number);
  const best = file !== undefined && frame !== undefined ? store.finest(file, frame) : undefined;
  return best?.kind === "raw" ? best.raw : null;
}

/** The level of what is on screen in `pane` (0: full resolution, or a PNG). */
export function shownLevel(pane: Pane = activePane()): number {
  return levelOf(pane.shown ?? undefined);
}

/** Size in full-resolution pixels of the image on screen in `pane`, or null. */
export function imageSize(pane: Pane = activePane()): Size | null {
  const s = pane.shown;
  if (s?.kind === "raw") return { width: s.raw.fullColumns, height: s.raw.fullRows };
  if (s?.kind === "png") return { width: s.width, height: s.height };
  return null;
}

/** The full-resolution raw samples of `item` when they are cached (the readout's source). */
export function fullFrame(item: StackItem): RawFrame | null {
  const v = store?.get(levelKey(item.fileIndex, item.frame, 0));
  return v?.kind === "raw" ? v.raw : null;
}

/** Cine plays the active tab's stack at fitting levels, stepping only onto cached frames. */
export const cineSource: CineSource = {
  playhead() {
    const tab = tabs.current;
    return tab && store ? { pos: tab.pos, length: tab.stack.items.length } : null;
  },
  show(pos) {
    const tab = tabs.current;
    if (!tab || !store) return false;
    const it = tab.stack.items[pos];
    if (!it) return false;
    const w = want(activePane(), tab, it, false);
    if (w.good) {
      tab.pos = pos;
      followScroll(tab);
      return true;
    }
    void store.load(it.fileIndex, it.frame, w.png, true, w.viaPng, w.level);
    return false;
  },
  started() {
    ensureFrames(activePane());
  },
};

/** Counters and cache use for window.__dcmview (tests and the benchmark). */
export function instrumentation(): {
  stats: typeof stats;
  cachedBytes: () => number;
  busy: () => number;
  loads: () => { sent: number; aborted: number };
} {
  return {
    stats,
    cachedBytes: () => store?.usedBytes ?? 0,
    busy: () => store?.pending ?? 0,
    loads: () => ({ sent: store?.counts.sent ?? 0, aborted: store?.counts.aborted ?? 0 }),
  };
}
