/**
 * The frame on screen: which cached frame the active tab's position and window want,
 * loading it first and prefetching ahead, and what the viewport shows meanwhile. Also
 * cine's source (playback steps only onto cached frames) and the instrumentation the
 * e2e tests and the benchmark read.
 */
import type { ApiClient } from "../api/client";
import { FrameStore, frameKey, type Loaded, type PngWindow } from "../api/frames";
import type { StackItem } from "../model/catalog";
import { framesInBudget, prefetchPlan } from "../model/cine";
import { pngWindow } from "../model/preset";
import { needsServerWindow } from "../render/raw";
import type { Size } from "../render/transform";
import { catalog } from "./catalog.svelte";
import { cine, type CineSource } from "./cine.svelte";
import { tabs, type Tab } from "./tabs.svelte";

/** Browser-side frame cache budget: a 60-frame 2048×1664 16-bit stack is ≈ 410 MB. */
export const FRAME_BUDGET_BYTES = 640 * 1024 * 1024;

class DisplayState {
  /** What is on screen (or the error drawing it), for the overlay and the readout. */
  shown = $state.raw<Loaded | null>(null);
  loading = $state(false);
  /** Bumped whenever a frame lands in the cache, so the viewport redraws if it waited for it. */
  tick = $state(0);
}

export const display = new DisplayState();

/** Instrumentation read by the e2e tests and the benchmark (counts only, no data). */
export const stats = { draws: 0, framesShown: 0, frameRequests: 0 };

let store: FrameStore | null = null;

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

/** The cache key of `item` as shown under the tab's window, and whether it is a PNG of a drawable file. */
function keyFor(tab: Tab, item: StackItem, png: PngWindow): { key: string; viaPng: boolean } {
  const raw = frameKey(item.fileIndex, item.frame);
  if (!store || store.pngFiles.has(item.fileIndex)) return { key: frameKey(item.fileIndex, item.frame, png), viaPng: false };
  const hit = store.get(raw);
  if (hit?.kind === "raw") {
    const needs = new Set(["dicom", "full"].filter((p) => needsServerWindow(hit.raw, p)));
    serverWindowed.set(item.fileIndex, needs);
  }
  const viaPng = serverWindowed.get(item.fileIndex)?.has(tab.preset) ?? false;
  return { key: viaPng ? frameKey(item.fileIndex, item.frame, png) : raw, viaPng };
}

let planned = "";

/**
 * Make sure the current frame is loading and the frames ahead are being prefetched.
 * Returns the cached frame when it is ready (the viewport draws it right away).
 */
export function ensureFrames(): Loaded | null {
  const tab = tabs.current;
  if (!tab || !store) return null;
  const item = tab.stack.items[tab.pos];
  if (!item) return null;
  const png = pngWindow(tab);
  const { key, viaPng } = keyFor(tab, item, png);
  const hit = store.get(key);
  // Re-plan only when what is wanted changes, not on every frame that lands in the cache.
  const plan = `${tab.key}|${key}|${cine.playing}|${cine.mode}|${cine.dir}`;
  if (plan !== planned || (!hit && !store.isLoading(key))) {
    planned = plan;
    store.pin([key]);
    store.clearQueue();
    if (!hit) {
      stats.frameRequests++;
      void store.load(item.fileIndex, item.frame, png, true, viaPng);
    }
    schedulePrefetch(tab, png);
  }
  display.loading = !hit;
  return hit ?? null;
}

function schedulePrefetch(tab: Tab, png: PngWindow): void {
  if (!store) return;
  const n = tab.stack.items.length;
  if (n <= 1) return;
  const f = catalog.byIndex.get(tab.stack.items[tab.pos]?.fileIndex ?? -1);
  const bytesPerFrame = Math.max(1, (f?.rows ?? 512) * (f?.columns ?? 512) * 2);
  // Keep a quarter of the budget for other tabs and the frames just behind the playhead.
  const count = Math.min(n, framesInBudget(bytesPerFrame, store.budgetBytes * 0.75), cine.playing ? n : 16);
  const plan = prefetchPlan({ pos: tab.pos, dir: cine.dir }, n, cine.mode, count, cine.playing);
  for (const p of plan.slice(1)) {
    const it = tab.stack.items[p];
    if (it) void store.load(it.fileIndex, it.frame, png, false, keyFor(tab, it, png).viaPng);
  }
}

let shownTab: string | null = null;

/**
 * Record what the viewport shows. While the next frame of the same stack loads, the
 * previous one stays up (scrolling never flashes black); another tab's frame does not.
 */
export function showFrame(hit: Loaded | null): void {
  const active = tabs.active;
  if (hit) {
    display.shown = hit;
    shownTab = active;
  } else if (shownTab !== active) {
    display.shown = null;
    shownTab = active;
  }
}

/** Size in pixels of the image on screen, or null. */
export function imageSize(): Size | null {
  const s = display.shown;
  if (s?.kind === "raw") return { width: s.raw.columns, height: s.raw.rows };
  if (s?.kind === "png") return { width: s.width, height: s.height };
  return null;
}

/** Cine plays the active tab's stack, stepping only onto cached frames. */
export const cineSource: CineSource = {
  playhead() {
    const tab = tabs.current;
    return tab && store ? { pos: tab.pos, length: tab.stack.items.length } : null;
  },
  show(pos) {
    const tab = tabs.current;
    if (!tab || !store) return false;
    const it = tab.stack.items[pos];
    const png = pngWindow(tab);
    const want = it && keyFor(tab, it, png);
    if (want && store.has(want.key)) {
      tab.pos = pos;
      return true;
    }
    if (it && want) void store.load(it.fileIndex, it.frame, png, true, want.viaPng);
    return false;
  },
  started() {
    ensureFrames();
  },
};

/** Counters and cache use for window.__dcmview (tests and the benchmark). */
export function instrumentation(): { stats: typeof stats; cachedBytes: () => number; busy: () => number } {
  return { stats, cachedBytes: () => store?.usedBytes ?? 0, busy: () => store?.pending ?? 0 };
}
