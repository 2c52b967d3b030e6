import { beforeAll, afterAll, describe, expect, it, vi } from "vitest";
import type { ApiClient } from "../api/client";
import type { FileSummary } from "../api/types";
import { treeFromFiles } from "../model/catalog";
import type { RawFrame } from "../render/raw";
import { fitView } from "../render/transform";
import { catalog } from "./catalog.svelte";
import { cine } from "./cine.svelte";
import { cineSource, display, ensureFrames, fullFrame, imageSize, showFrame, startFrames } from "./display.svelte";
import { activePane, setPaneSize } from "./panes.svelte";
import { openFile, setPos, tabs } from "./tabs.svelte";

// The tomosynthesis: 60 frames of 2048×1664, drawn in an 800×600 viewport at
// ≈ 600×488 device pixels, so level 1 (1024×832) is the one that fits.
const ROWS = 2048;
const COLS = 1664;

function raw(level: number): RawFrame {
  const rows = Math.ceil(ROWS / 2 ** level);
  const columns = Math.ceil(COLS / 2 ** level);
  return {
    rows,
    columns,
    bitsAllocated: 16,
    signed: false,
    samplesPerPixel: 1,
    photometric: "MONOCHROME2",
    slope: 1,
    intercept: 0,
    inverted: false,
    float: false,
    defaultWindow: null,
    autoWindow: { center: 500, width: 1000 },
    fullWindow: { center: 500, width: 1000 },
    voiLut: false,
    modalityLut: false,
    padding: null,
    unit: "",
    level,
    fullRows: ROWS,
    fullColumns: COLS,
    // Only the length matters here; a small buffer keeps the test light.
    data: new Uint16Array(4),
  };
}

interface Call {
  frame: number;
  level: number;
  signal: AbortSignal | undefined;
  resolve: (r: RawFrame) => void;
}

const calls: Call[] = [];
/** The PNGs asked: frame and window query. */
const pngCalls: Array<{ frame: number; window: unknown; resolve: (p: { blob: Blob; window: unknown }) => void }> = [];
const link = { slow: false };
const api = {
  link,
  framePng(_index: number, frame: number, window: unknown) {
    return new Promise((resolve) => pngCalls.push({ frame, window, resolve }));
  },
  frameRaw(_index: number, frame: number, opts: { level?: number; signal?: AbortSignal } = {}) {
    return new Promise<RawFrame>((resolve, reject) => {
      opts.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
      calls.push({ frame, level: opts.level ?? 0, signal: opts.signal, resolve });
    });
  },
} as unknown as ApiClient;

async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/** Answer the open request for (frame, level) with its samples. */
async function answer(frame: number, level: number): Promise<void> {
  const c = calls.find((x) => x.frame === frame && x.level === level && !x.signal?.aborted);
  if (!c) throw new Error(`no request for frame ${frame} level ${level}: ${JSON.stringify(asked())}`);
  c.resolve(raw(level));
  await flush();
}

function asked(): string[] {
  return calls.map((c) => `${c.frame}@${c.level}${c.signal?.aborted ? "x" : ""}`);
}

beforeAll(() => {
  vi.useFakeTimers();
  const f: FileSummary = { index: 0, path: "/d/dbt.dcm", series_instance_uid: "dbt", has_pixels: true, frame_count: 60, rows: ROWS, columns: COLS };
  catalog.files = [f];
  catalog.byIndex = new Map([[0, f]]);
  catalog.tree = treeFromFiles([f]);
  setPaneSize(activePane(), { width: 800, height: 600 }, 1);
  startFrames(api);
  openFile(0);
});

afterAll(() => {
  vi.useRealTimers();
});

/** What the viewport's effect does: ensure, then show. */
function frame(): ReturnType<typeof ensureFrames> {
  const hit = ensureFrames();
  showFrame(hit);
  return hit;
}

// One module state for the file: the tests run in order, as a user would.
describe("progressive frames", () => {
  it("asks the frame on screen at the fitting level first, and its neighbours next, two at a time", async () => {
    expect(frame()).toBeNull();
    expect(activePane().loading).toBe(true);
    expect(asked()).toEqual(["0@1", "1@1"]);
    await answer(0, 1);
    const shown = frame();
    expect(shown?.key).toBe("0:0:L1");
    // The geometry is the full image's whatever the level.
    expect(imageSize()).toEqual({ width: COLS, height: ROWS });
    expect(activePane().loading).toBe(false);
    // The readout never reads a level.
    expect(fullFrame({ fileIndex: 0, frame: 0 })).toBeNull();
    expect(asked()).toEqual(["0@1", "1@1", "2@1"]);
  });

  it("refines the frame the user stopped on after 300 ms, ahead of the prefetch", async () => {
    vi.advanceTimersByTime(299);
    frame();
    expect(calls.some((c) => c.level === 0)).toBe(false);
    vi.advanceTimersByTime(1);
    expect(display.refineTick).toBe(1);
    frame();
    // Both slots are busy with prefetches: full resolution is next in line.
    await answer(1, 1);
    expect(asked().at(-1)).toBe("0@0");
    // Meanwhile the level stays on screen, then full resolution replaces it.
    expect(frame()?.key).toBe("0:0:L1");
    await answer(0, 0);
    expect(frame()?.key).toBe("0:0");
    expect(fullFrame({ fileIndex: 0, frame: 0 })?.level).toBe(0);
  });

  it("steps onto prefetched levels without waiting for full resolution", async () => {
    setPos(1);
    expect(frame()?.key).toBe("0:1:L1");
    setPos(2);
    // Not here yet: the previous frame stays up while it loads.
    await answer(2, 1);
    expect(frame()?.key).toBe("0:2:L1");
    expect(calls.filter((c) => c.level === 0)).toHaveLength(1);
  });

  it("aborts the prefetches the user moved away from", async () => {
    const before = calls.length;
    const inFlight = calls.filter((c) => !c.signal?.aborted && c.frame > 2);
    expect(inFlight.length).toBeGreaterThan(0);
    setPos(59);
    frame();
    for (const c of inFlight) expect(c.signal?.aborted).toBe(true);
    await flush();
    // The new frame first, at its fitting level.
    expect(asked()[before]).toBe("59@1");
    await answer(59, 1);
    expect(frame()?.key).toBe("0:59:L1");
  });

  it("zooming past the level's 1:1 refines at once", async () => {
    const tab = tabs.current;
    if (!tab) throw new Error("no tab");
    tab.view = fitView({ width: COLS, height: ROWS }, { width: 800, height: 600 });
    frame();
    const fullAsks = () => calls.filter((c) => c.level === 0 && c.frame === 59).length;
    expect(fullAsks()).toBe(0);
    tab.view = { ...tab.view, zoom: tab.view.zoom * 2.5 };
    frame();
    await flush();
    expect(fullAsks()).toBe(1);
  });

  it("cine steps only onto frames cached at the fitting level or finer, and never refines", async () => {
    const tab = tabs.current;
    if (!tab) throw new Error("no tab");
    tab.view = fitView({ width: COLS, height: ROWS }, { width: 800, height: 600 });
    setPos(0);
    frame();
    cine.playing = true;
    frame();
    expect(cineSource.show(1)).toBe(true);
    expect(tabs.current?.pos).toBe(1);
    frame();
    expect(cineSource.show(2)).toBe(true);
    frame();
    // Frame 3 is not cached: hold, and ask it (at its level) first.
    expect(cineSource.show(3)).toBe(false);
    expect(tabs.current?.pos).toBe(2);
    await flush();
    vi.advanceTimersByTime(1000);
    const refineBefore = display.refineTick;
    frame();
    expect(display.refineTick).toBe(refineBefore);
    expect(calls.filter((c) => c.level === 0 && c.frame === 2)).toHaveLength(0);
    await answer(3, 1);
    expect(cineSource.show(3)).toBe(true);
    cine.playing = false;
    frame();
    vi.advanceTimersByTime(300);
    frame();
    await flush();
    // Full resolution goes first once a prefetch in flight frees a slot.
    await answer(4, 1);
    expect(asked().at(-1)).toBe("3@0");
  });

  it("over a slow link refines with the server's PNG at the window in effect, again after a W/L change", async () => {
    link.slow = true;
    const tab = tabs.current;
    if (!tab) throw new Error("no tab");
    // createImageBitmap is the browser's; here a stand-in of the full size.
    vi.stubGlobal("createImageBitmap", () => Promise.resolve({ width: COLS, height: ROWS, close() {} }));
    try {
      setPos(30);
      frame();
      await flush();
      await answer(30, 1);
      expect(frame()?.key).toBe("0:30:L1");
      vi.advanceTimersByTime(300);
      frame();
      await flush();
      // Free the two slots the neighbours' prefetches hold (answering twice is a no-op).
      for (const c of calls) if (!c.signal?.aborted) c.resolve(raw(c.level));
      await flush();
      // The level's own window (autoWindow here), as exact numbers: not 16-bit samples.
      expect(pngCalls.map((c) => [c.frame, c.window])).toEqual([[30, { center: 500, width: 1000 }]]);
      expect(calls.some((c) => c.frame === 30 && c.level === 0)).toBe(false);
      pngCalls[0]?.resolve({ blob: new Blob([]), window: { center: 500, width: 1000 } });
      await flush();
      const shown = frame();
      expect(shown?.kind).toBe("png");
      expect(imageSize()).toEqual({ width: COLS, height: ROWS });
      // A W/L drag draws the level's samples at once and asks no PNG until it stops.
      tab.preset = "custom";
      tab.custom = { center: 400, width: 800 };
      expect(frame()?.key).toBe("0:30:L1");
      vi.advanceTimersByTime(299);
      frame();
      await flush();
      expect(pngCalls).toHaveLength(1);
      vi.advanceTimersByTime(1);
      frame();
      await flush();
      for (const c of calls) if (!c.signal?.aborted) c.resolve(raw(c.level));
      await flush();
      expect(pngCalls.map((c) => c.window)).toEqual([{ center: 500, width: 1000 }, { center: 400, width: 800 }]);
    } finally {
      vi.unstubAllGlobals();
      link.slow = false;
    }
  });
});
