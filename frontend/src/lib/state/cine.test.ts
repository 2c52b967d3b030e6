import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cine, playCine, setCineSource, setFps, setMode, stopCine, togglePlay, type CineSource } from "./cine.svelte";

/** A stack of `length` frames of which `ready` are cached; show() moves the playhead. */
function fakeSource(length: number, ready: Set<number>) {
  const asked: number[] = [];
  let starts = 0;
  const head = { pos: 0 };
  const source: CineSource = {
    playhead: () => ({ pos: head.pos, length }),
    show(pos) {
      if (!ready.has(pos)) {
        asked.push(pos);
        return false;
      }
      head.pos = pos;
      return true;
    },
    started: () => void starts++,
  };
  return { source, head, asked, starts: () => starts };
}

let frameCallbacks: Array<(now: number) => void> = [];

/** Run the pending animation frame at time `now` (ms). */
function frameAt(now: number): void {
  const cbs = frameCallbacks;
  frameCallbacks = [];
  for (const cb of cbs) cb(now);
}

beforeEach(() => {
  frameCallbacks = [];
  vi.spyOn(performance, "now").mockReturnValue(0);
  vi.stubGlobal("requestAnimationFrame", (cb: (now: number) => void) => frameCallbacks.push(cb));
  vi.stubGlobal("cancelAnimationFrame", () => (frameCallbacks = []));
  setFps(10);
  setMode("loop");
});

afterEach(() => {
  stopCine();
  setCineSource(null);
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe("cine playback", () => {
  it("does not play a single frame or without a source", () => {
    playCine();
    expect(cine.playing).toBe(false);
    setCineSource(fakeSource(1, new Set([0])).source);
    playCine();
    expect(cine.playing).toBe(false);
  });

  it("steps once per frame period and plans the prefetch when it starts", () => {
    const s = fakeSource(3, new Set([0, 1, 2]));
    setCineSource(s.source);
    togglePlay();
    expect(cine.playing).toBe(true);
    expect(s.starts()).toBe(1);
    frameAt(50); // half a period at 10 fps: hold
    expect(s.head.pos).toBe(0);
    frameAt(100);
    expect(s.head.pos).toBe(1);
    frameAt(200);
    expect(s.head.pos).toBe(2);
    frameAt(300); // loop
    expect(s.head.pos).toBe(0);
    expect(cine.measured).toBe(3);
  });

  it("waits on a frame that is not cached instead of skipping it", () => {
    const ready = new Set([0]);
    const s = fakeSource(3, ready);
    setCineSource(s.source);
    playCine();
    frameAt(100);
    frameAt(200);
    expect(s.head.pos).toBe(0);
    expect(s.asked).toEqual([1, 1]);
    ready.add(1);
    frameAt(300);
    expect(s.head.pos).toBe(1);
  });

  it("stops at the end in 'once' mode and reverses in 'sweep'", () => {
    const once = fakeSource(2, new Set([0, 1]));
    setCineSource(once.source);
    setMode("once");
    playCine();
    frameAt(100);
    expect(once.head.pos).toBe(1);
    frameAt(200);
    expect(cine.playing).toBe(false);

    const sweep = fakeSource(2, new Set([0, 1]));
    setCineSource(sweep.source);
    setMode("sweep");
    playCine();
    frameAt(100);
    frameAt(200);
    expect(sweep.head.pos).toBe(0);
    expect(cine.dir).toBe(-1);
  });

  it("stops when nothing is on screen any more", () => {
    const s = fakeSource(3, new Set([0, 1, 2]));
    setCineSource(s.source);
    playCine();
    s.source.playhead = () => null;
    frameAt(100);
    expect(cine.playing).toBe(false);
    expect(frameCallbacks).toHaveLength(0);
  });

  it("clamps the rate to 1–60 fps", () => {
    setFps(500);
    expect(cine.fps).toBe(60);
    setFps(0);
    expect(cine.fps).toBe(1);
  });
});
