import { describe, expect, it } from "vitest";
import { advance, clampFps, defaultFps, framesInBudget, prefetchPlan } from "./cine";

describe("advance", () => {
  it.each([
    ["loop wraps forward", { pos: 4, dir: 1 as const }, "loop" as const, { pos: 0, dir: 1 }],
    ["loop steps", { pos: 1, dir: 1 as const }, "loop" as const, { pos: 2, dir: 1 }],
    ["sweep bounces at the end", { pos: 4, dir: 1 as const }, "sweep" as const, { pos: 3, dir: -1 }],
    ["sweep bounces at the start", { pos: 0, dir: -1 as const }, "sweep" as const, { pos: 1, dir: 1 }],
    ["once stops", { pos: 4, dir: 1 as const }, "once" as const, null],
  ])("%s", (_n, p, mode, want) => {
    expect(advance(p, 5, mode)).toEqual(want);
  });

  it("a full sweep visits every frame twice per cycle without repeating ends", () => {
    let p = { pos: 0, dir: 1 as 1 | -1 };
    const seen: number[] = [p.pos];
    for (let i = 0; i < 8; i++) {
      const n = advance(p, 5, "sweep");
      if (!n) break;
      p = n;
      seen.push(p.pos);
    }
    expect(seen).toEqual([0, 1, 2, 3, 4, 3, 2, 1, 0]);
  });
});

describe("prefetchPlan", () => {
  it("follows the play order when playing (loop wraps)", () => {
    expect(prefetchPlan({ pos: 3, dir: 1 }, 5, "loop", 5, true)).toEqual([3, 4, 0, 1, 2]);
  });

  it("follows a sweep's turn", () => {
    expect(prefetchPlan({ pos: 3, dir: 1 }, 5, "sweep", 5, true)).toEqual([3, 4, 2, 1, 0]);
  });

  it("interleaves both neighbours when paused", () => {
    expect(prefetchPlan({ pos: 2, dir: 1 }, 10, "loop", 5, false)).toEqual([2, 3, 1, 4, 0]);
  });

  it("respects the count (the memory budget)", () => {
    expect(prefetchPlan({ pos: 0, dir: 1 }, 100, "loop", 3, true)).toEqual([0, 1, 2]);
  });
});

describe("limits", () => {
  it.each([
    [0, 1],
    [1, 1],
    [29.6, 30],
    [60, 60],
    [240, 60],
    [Number.NaN, 10],
  ])("clampFps(%d) = %d", (v, want) => {
    expect(clampFps(v)).toBe(want);
  });

  it("counts frames in a budget", () => {
    // A 2048×1664 16-bit frame is 6.8 MB; 60 of them fit in 480 MiB.
    expect(framesInBudget(2048 * 1664 * 2, 480 * 1024 * 1024)).toBe(73);
    expect(framesInBudget(10, 5)).toBe(1);
  });
});

describe("defaultFps", () => {
  it("is the file's own rate, rounded and clamped to 1–60", () => {
    expect(defaultFps(30)).toBe(30);
    expect(defaultFps(1000 / 33.333)).toBe(30);
    expect(defaultFps(7.5)).toBe(8);
    expect(defaultFps(120)).toBe(60);
    expect(defaultFps(0.5)).toBe(1);
  });

  it("is 10 fps without a usable rate", () => {
    expect(defaultFps(null)).toBe(10);
    expect(defaultFps(undefined)).toBe(10);
    expect(defaultFps(0)).toBe(10);
    expect(defaultFps(Number.NaN)).toBe(10);
  });
});
