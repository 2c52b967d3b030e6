/**
 * The viewer's single source of truth: connection, catalog, open tabs, tool, window,
 * cine. Components read these objects and call the exported functions; nothing else
 * mutates them and no component fetches by itself.
 */
import { ApiClient, ApiError } from "../api/client";
import type { FileSummary, PixelReadout } from "../api/types";
import { takeToken } from "../api/auth";
import {
  allKeys,
  fileStack,
  flattenTree,
  pathToFile,
  stackForFile,
  stackPosition,
  tabLabel,
  treeFromFiles,
  treeFromSeries,
  type NavRow,
  type NavTree,
  type Stack,
  type StackItem,
} from "../model/catalog";
import { advance, clampFps, framesInBudget, prefetchPlan, type PlayMode } from "../model/cine";
import { needsServerWindow, presetWindow, storedAt } from "../render/raw";
import {
  fitView,
  flipScreenHorizontal,
  flipScreenVertical,
  rotateView,
  zoomAbout,
  type Point,
  type Size,
  type View,
} from "../render/transform";
import { PRESETS, dragWindow, type WindowLevel } from "../render/window";
import { FrameStore, frameKey, type Loaded, type PngWindow } from "../api/frames";

export type Tool = "wl" | "pan" | "zoom" | "scroll" | "roi";

export const TOOLS: ReadonlyArray<{ id: Tool; label: string; key: string }> = [
  { id: "wl", label: "Window/level", key: "W" },
  { id: "pan", label: "Pan", key: "P" },
  { id: "zoom", label: "Zoom", key: "Z" },
  { id: "scroll", label: "Scroll", key: "S" },
  { id: "roi", label: "ROI", key: "R" },
];

/** Browser-side frame cache budget: a 60-frame 2048×1664 16-bit stack is ≈ 410 MB. */
export const FRAME_BUDGET_BYTES = 640 * 1024 * 1024;

export interface Tab {
  key: string;
  label: string;
  stack: Stack;
  pos: number;
  view: View | null;
  /** "dicom" (per-frame default), "full", a preset id, or "custom" (then `custom` is set). */
  preset: string;
  custom: WindowLevel | null;
}

class Connection {
  status = $state<"pending" | "no-token" | "ok" | "unauthorized">("pending");
  instance = $state<string | null>(null);
  stopped = $state(false);
  restarted = $state(false);
  baseUrl = $state("");
}

class CatalogState {
  files = $state.raw<FileSummary[]>([]);
  byIndex = $state.raw<Map<number, FileSummary>>(new Map());
  tree = $state.raw<NavTree>([]);
  seriesFromServer = $state(false);
  expanded = $state.raw<Set<string>>(new Set());
  filter = $state("");
  scanComplete = $state(false);
  scanned = $state(0);
  skipped = $state(0);
  filtered = $state(0);
  loadError = $state<string | null>(null);
  rows = $derived<NavRow[]>(flattenTree(this.tree, this.expanded, this.filter));
  instanceCount = $derived(this.files.length);
}

class ViewerState {
  tabs = $state<Tab[]>([]);
  active = $state<string | null>(null);
  tool = $state<Tool>("wl");
  help = $state(false);
  showTags = $state(true);
  showNav = $state(true);
  viewport = $state<Size>({ width: 0, height: 0 });
  /** What is on screen (or the error drawing it), for the overlay and the readout. */
  shown = $state.raw<Loaded | null>(null);
  loading = $state(false);
  readout = $state<{ row: number; column: number; stored: string; modality: string; unit: string } | null>(null);
  toast = $state("");
  /** Bumped whenever a frame lands in the cache, so the viewport redraws if it waited for it. */
  tick = $state(0);
  tab = $derived(this.tabs.find((t) => t.key === this.active) ?? null);
  item = $derived<StackItem | null>(this.tab ? (this.tab.stack.items[this.tab.pos] ?? null) : null);
}

class CineState {
  playing = $state(false);
  fps = $state(10);
  mode = $state<PlayMode>("loop");
  dir = $state<1 | -1>(1);
  /** Frames actually shown per second over the last second of playback. */
  measured = $state(0);
}

export const conn = new Connection();
export const catalog = new CatalogState();
export const viewer = new ViewerState();
export const cine = new CineState();

let api: ApiClient | null = null;
let store: FrameStore | null = null;

/** Instrumentation read by the e2e tests and the benchmark (counts only, no data). */
export const stats = { draws: 0, framesShown: 0, frameRequests: 0 };

export function client(): ApiClient | null {
  return api;
}

export function frames(): FrameStore | null {
  return store;
}

// ---------------------------------------------------------------- connection

/** Read the token (fragment → sessionStorage), strip it from the URL, start loading. */
export function init(): void {
  conn.baseUrl = `${location.protocol}//${location.host}`;
  const { token, cleanUrl } = takeToken(location, sessionStorage);
  if (cleanUrl !== null) history.replaceState(history.state, "", cleanUrl);
  if (!token) {
    conn.status = "no-token";
    return;
  }
  api = new ApiClient("", token, {
    onInstance: (id) => {
      if (conn.instance === null) conn.instance = id;
      else if (conn.instance !== id) conn.restarted = true;
    },
    onNetworkError: () => {
      conn.stopped = true;
    },
    onUnauthorized: () => {
      if (conn.status === "ok") conn.restarted = true;
      else conn.status = "unauthorized";
    },
  });
  store = new FrameStore(api, FRAME_BUDGET_BYTES);
  store.onLoaded(() => {
    viewer.tick++;
  });
  const w = window as unknown as { __dcmview?: unknown };
  w.__dcmview = { stats, cachedBytes: () => store?.usedBytes ?? 0, busy: () => store?.pending ?? 0 };
  void start();
}

async function start(): Promise<void> {
  if (!api) return;
  // Health and the catalog in parallel: the first image is a few round trips sooner.
  const health = api.health();
  const catalogLoad = refreshCatalog();
  try {
    const h = await health;
    conn.status = "ok";
    startMs = h.server_start_ms;
    // Only this project's server reports scan_complete in health and knows ?shuffle=bytes.
    api.shuffle = "scan_complete" in h;
  } catch (exc) {
    if (exc instanceof ApiError && exc.status === 401) {
      conn.status = "unauthorized";
      return;
    }
    catalog.loadError = exc instanceof Error ? exc.message : String(exc);
  }
  await catalogLoad;
  watchServer();
}

let healthTimer: ReturnType<typeof setInterval> | null = null;
let startMs: number | null = null;

/**
 * Poll health so a stopped or restarted server is noticed even while the user is idle.
 * X-Server-Instance (checked on every response) is the primary signal; server_start_ms
 * covers a server that does not send the header.
 */
function watchServer(): void {
  if (healthTimer) return;
  healthTimer = setInterval(() => {
    if (!api) return;
    api
      .health()
      .then((h) => {
        conn.stopped = false;
        if (startMs === null) startMs = h.server_start_ms;
        else if (h.server_start_ms !== startMs) conn.restarted = true;
      })
      .catch((exc: unknown) => {
        // A 401 after we were in means a new server (new token) on the same port.
        if (exc instanceof ApiError && exc.status === 401) conn.restarted = true;
      });
  }, 3000);
}

// ---------------------------------------------------------------- catalog

let scanTimer: ReturnType<typeof setTimeout> | null = null;

/** Load /api/files and /api/series; keep polling while the scan runs. */
export async function refreshCatalog(): Promise<void> {
  if (!api) return;
  const seriesLoad = api.series().catch(() => null);
  try {
    const resp = await api.files();
    const files = [...resp.files].sort((a, b) => a.index - b.index);
    catalog.files = files;
    catalog.byIndex = new Map(files.map((f) => [f.index, f]));
    catalog.scanComplete = resp.scan_complete ?? true;
    catalog.scanned = resp.scanned ?? files.length;
    catalog.skipped = resp.skipped ?? 0;
    catalog.filtered = resp.filtered ?? 0;
    catalog.loadError = null;
  } catch (exc) {
    catalog.loadError = exc instanceof Error ? exc.message : String(exc);
    return;
  }
  let tree: NavTree | null = null;
  const series = await seriesLoad;
  // An older server answers /api/series in another shape: then group the files ourselves.
  if (series && Array.isArray(series.patients)) {
    tree = treeFromSeries(series, catalog.byIndex);
    catalog.seriesFromServer = true;
  }
  catalog.tree = tree ?? treeFromFiles(catalog.files);
  if (catalog.expanded.size === 0 && catalog.files.length <= 2000) {
    catalog.expanded = new Set(allKeys(catalog.tree).filter((k) => !k.includes(":e")));
  }
  refreshStacks();
  // Show something as soon as the scan found an image (once: closing every tab stays closed).
  if (!autoOpened) openFirst();
  if (!catalog.scanComplete) {
    if (scanTimer) clearTimeout(scanTimer);
    scanTimer = setTimeout(() => void refreshCatalog(), 1000);
  }
}

/** Stacks of open tabs grow while the scan adds slices to their series. */
function refreshStacks(): void {
  for (const t of viewer.tabs) {
    if (!t.key.startsWith("series:")) continue;
    const cur = t.stack.items[t.pos];
    const f = catalog.byIndex.get(t.stack.fileIndex);
    const s = stackForFile(catalog.tree, t.stack.fileIndex, f?.frame_count ?? 1);
    if (s.key === t.key && s.items.length !== t.stack.items.length) {
      t.stack = s;
      if (cur) t.pos = stackPosition(s, cur.fileIndex, cur.frame);
    }
  }
}

let autoOpened = false;

function openFirst(): void {
  if (viewer.tabs.length > 0) {
    autoOpened = true;
    return;
  }
  for (const p of catalog.tree)
    for (const s of p.studies)
      for (const e of s.series)
        for (const i of e.instances) {
          const f = catalog.byIndex.get(i.fileIndex);
          if (f?.has_pixels) {
            openFile(i.fileIndex);
            autoOpened = true;
            return;
          }
        }
}

export function setNavFilter(v: string): void {
  catalog.filter = v;
}

export function toggleNode(key: string): void {
  const next = new Set(catalog.expanded);
  if (next.has(key)) next.delete(key);
  else next.add(key);
  catalog.expanded = next;
}

// ---------------------------------------------------------------- tabs

/** Open (or focus) the stack containing a file, positioned on that file's frame. */
export function openFile(fileIndex: number, frame = 0): void {
  const f = catalog.byIndex.get(fileIndex);
  if (!f) return;
  const stack = f.has_pixels ? stackForFile(catalog.tree, fileIndex, f.frame_count) : fileStack(fileIndex, 1);
  let tab = viewer.tabs.find((t) => t.key === stack.key);
  if (!tab) {
    viewer.tabs.push({ key: stack.key, label: tabLabel(f), stack, pos: 0, view: null, preset: "dicom", custom: null });
    tab = viewer.tabs[viewer.tabs.length - 1];
  }
  if (!tab) return;
  tab.pos = stackPosition(tab.stack, fileIndex, frame);
  viewer.active = tab.key;
  const path = pathToFile(catalog.tree, fileIndex);
  if (path.some((k) => !catalog.expanded.has(k))) catalog.expanded = new Set([...catalog.expanded, ...path]);
  stopCine();
}

export function activateTab(key: string): void {
  viewer.active = key;
  stopCine();
}

export function closeTab(key: string): void {
  const i = viewer.tabs.findIndex((t) => t.key === key);
  if (i < 0) return;
  viewer.tabs.splice(i, 1);
  if (viewer.active === key) viewer.active = viewer.tabs[Math.min(i, viewer.tabs.length - 1)]?.key ?? null;
  stopCine();
}

// ---------------------------------------------------------------- frames

export function stackLength(): number {
  return viewer.tab?.stack.items.length ?? 0;
}

export function setPos(pos: number): void {
  const t = viewer.tab;
  if (!t) return;
  const n = t.stack.items.length;
  t.pos = Math.min(n - 1, Math.max(0, Math.round(pos)));
}

export function step(delta: number): void {
  const t = viewer.tab;
  if (!t) return;
  setPos(t.pos + delta);
}

function pngWindowFor(tab: Tab): PngWindow {
  if (tab.preset === "dicom") return null;
  if (tab.preset === "full") return "full";
  return effectiveCustom(tab);
}

function effectiveCustom(tab: Tab): WindowLevel | null {
  if (tab.preset === "custom") return tab.custom;
  return PRESETS.find((p) => p.id === tab.preset)?.window ?? null;
}

/** The window applied to what is shown, in modality units. */
export function windowFor(tab: Tab, loaded: Loaded | null): WindowLevel {
  const custom = effectiveCustom(tab);
  if (custom) return custom;
  if (loaded?.kind === "png") return loaded.window ?? { center: 127.5, width: 256 };
  if (loaded?.kind === "raw") {
    // The server says what "dicom" and "full" mean for this frame (X-Frame-Auto/Full-*);
    // null: the server PNG is on its way (VOI LUT), until then the range it covers.
    const r = loaded.raw;
    const w = presetWindow(r, tab.preset === "dicom" ? "dicom" : "full") ?? r.autoWindow ?? r.defaultWindow;
    if (w) return w;
  }
  return { center: 127.5, width: 256 };
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

/**
 * Make sure the current frame is loading and the frames ahead are being prefetched.
 * Returns the cached frame when it is ready (the viewport draws it right away).
 */
let planned = "";

export function ensureFrames(): Loaded | null {
  const tab = viewer.tab;
  if (!tab || !store) return null;
  const item = tab.stack.items[tab.pos];
  if (!item) return null;
  const png = pngWindowFor(tab);
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
  viewer.loading = !hit;
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
  const active = viewer.active;
  if (hit) {
    viewer.shown = hit;
    shownTab = active;
  } else if (shownTab !== active) {
    viewer.shown = null;
    shownTab = active;
  }
}

// ---------------------------------------------------------------- view

export function setViewport(size: Size): void {
  if (size.width !== viewer.viewport.width || size.height !== viewer.viewport.height) viewer.viewport = size;
}

export function imageSize(): Size | null {
  const s = viewer.shown;
  if (s?.kind === "raw") return { width: s.raw.columns, height: s.raw.rows };
  if (s?.kind === "png") return { width: s.width, height: s.height };
  return null;
}

/** The tab's view, fitted on first use. */
export function currentView(): View | null {
  const tab = viewer.tab;
  const img = imageSize();
  if (!tab || !img) return null;
  if (!tab.view) tab.view = fitView(img, viewer.viewport);
  return tab.view;
}

export function setView(v: View): void {
  if (viewer.tab) viewer.tab.view = v;
}

export function resetView(): void {
  const img = imageSize();
  if (viewer.tab && img) viewer.tab.view = fitView(img, viewer.viewport);
}

export function zoomAt(factor: number, at: Point): void {
  const v = currentView();
  if (v) setView(zoomAbout(v, factor, at, viewer.viewport));
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

export function setTool(t: Tool): void {
  viewer.tool = t;
}

// ---------------------------------------------------------------- window

export function setPreset(id: string): void {
  const tab = viewer.tab;
  if (!tab) return;
  tab.preset = id;
  tab.custom = null;
}

/** W/L drag from the window in effect at drag start. */
export function dragWindowBy(start: WindowLevel, dx: number, dy: number): void {
  const tab = viewer.tab;
  if (!tab) return;
  const s = viewer.shown;
  let span = 4096;
  if (s?.kind === "raw") {
    const full = windowFor({ ...tab, preset: "full", custom: null }, s);
    span = full.width;
  }
  tab.preset = "custom";
  tab.custom = dragWindow(start, dx, dy, span);
}

export function currentWindow(): WindowLevel | null {
  const tab = viewer.tab;
  return tab ? windowFor(tab, viewer.shown) : null;
}

// ---------------------------------------------------------------- cine

let rafId = 0;
let lastTick = 0;
let shownTimes: number[] = [];

export function togglePlay(): void {
  if (cine.playing) stopCine();
  else playCine();
}

export function playCine(): void {
  if (stackLength() <= 1) return;
  cine.playing = true;
  lastTick = performance.now();
  shownTimes = [];
  ensureFrames();
  rafId = requestAnimationFrame(cineTick);
}

export function stopCine(): void {
  cine.playing = false;
  cine.measured = 0;
  if (rafId) cancelAnimationFrame(rafId);
  rafId = 0;
}

export function setFps(v: number): void {
  cine.fps = clampFps(v);
}

export function setMode(m: PlayMode): void {
  cine.mode = m;
  if (m !== "sweep") cine.dir = 1;
}

/**
 * One animation frame of playback: advance when the frame period has elapsed and the next
 * frame is cached; otherwise hold (playback waits for the server instead of skipping).
 */
function cineTick(now: number): void {
  if (!cine.playing) return;
  const tab = viewer.tab;
  if (!tab || !store) {
    stopCine();
    return;
  }
  const period = 1000 / cine.fps;
  if (now - lastTick >= period - 1) {
    const n = tab.stack.items.length;
    const next = advance({ pos: tab.pos, dir: cine.dir }, n, cine.mode);
    if (!next) {
      stopCine();
      return;
    }
    const it = tab.stack.items[next.pos];
    const png = pngWindowFor(tab);
    const want = it && keyFor(tab, it, png);
    if (want && store.has(want.key)) {
      tab.pos = next.pos;
      cine.dir = next.dir;
      // Catch up on the schedule without bursting after a stall.
      lastTick = now - lastTick > 2 * period ? now : lastTick + period;
      shownTimes.push(now);
      while (shownTimes.length > 0 && (shownTimes[0] ?? now) < now - 1000) shownTimes.shift();
      cine.measured = shownTimes.length;
    } else if (it && want) {
      void store.load(it.fileIndex, it.frame, png, true, want.viaPng);
    }
  }
  rafId = requestAnimationFrame(cineTick);
}

// ---------------------------------------------------------------- readout

const unitCache = new Map<number, string>();
let pixelSeq = 0;

/** Update the pixel readout for image pixel (row, column), or clear it (null). */
export function readoutAt(pix: { row: number; column: number } | null): void {
  const s = viewer.shown;
  const item = viewer.item;
  if (!pix || !s || !item || s.kind === "error") {
    viewer.readout = null;
    return;
  }
  const f = catalog.byIndex.get(item.fileIndex);
  if (s.kind === "raw") {
    const stored = storedAt(s.raw, pix.row, pix.column);
    const gray = stored.length === 1;
    const unit = unitCache.get(item.fileIndex) ?? (f?.modality === "CT" ? "HU" : "");
    viewer.readout = {
      ...pix,
      stored: stored.join(", "),
      modality: gray ? formatNum((stored[0] ?? 0) * s.raw.slope + s.raw.intercept) : "",
      unit,
    };
    if (gray && !unitCache.has(item.fileIndex)) fetchUnit(item.fileIndex, item.frame, pix);
    return;
  }
  // Server PNG: only the server knows the stored values.
  const seq = ++pixelSeq;
  viewer.readout = { ...pix, stored: "…", modality: "", unit: "" };
  api
    ?.pixel(item.fileIndex, item.frame, pix.row, pix.column)
    .then((p) => {
      if (seq === pixelSeq) viewer.readout = fromPixel(p);
    })
    .catch(() => {
      if (seq === pixelSeq) viewer.readout = { ...pix, stored: "n/a", modality: "", unit: "" };
    });
}

function fetchUnit(fileIndex: number, frame: number, pix: { row: number; column: number }): void {
  unitCache.set(fileIndex, "");
  api
    ?.pixel(fileIndex, frame, pix.row, pix.column)
    .then((p) => {
      unitCache.set(fileIndex, p.unit ?? "");
      if (viewer.readout) viewer.readout = { ...viewer.readout, unit: p.unit ?? "" };
    })
    .catch(() => {
      const f = catalog.byIndex.get(fileIndex);
      unitCache.set(fileIndex, f?.modality === "CT" ? "HU" : "");
    });
}

function fromPixel(p: PixelReadout): NonNullable<ViewerState["readout"]> {
  const fmt = (v: number | number[] | null): string => (v === null ? "" : Array.isArray(v) ? v.map(formatNum).join(", ") : formatNum(v));
  return { row: p.row, column: p.column, stored: fmt(p.stored), modality: fmt(p.modality), unit: p.unit ?? "" };
}

function formatNum(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

// ---------------------------------------------------------------- misc

let toastTimer: ReturnType<typeof setTimeout> | null = null;

export function toast(msg: string): void {
  viewer.toast = msg;
  if (toastTimer) clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (viewer.toast = ""), 2500);
}

export function toggleHelp(v?: boolean): void {
  viewer.help = v ?? !viewer.help;
}

export function toggleTags(): void {
  viewer.showTags = !viewer.showTags;
}

export function toggleNav(): void {
  viewer.showNav = !viewer.showNav;
}

/** Copy text to the clipboard (falls back to a hidden textarea where the API is blocked). */
export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const ta = document.createElement("textarea");
    ta.value = text;
    ta.style.position = "fixed";
    ta.style.opacity = "0";
    document.body.appendChild(ta);
    ta.select();
    document.execCommand("copy");
    ta.remove();
  }
  toast(`Copied: ${text.length > 60 ? `${text.slice(0, 60)}…` : text}`);
}
