import { describe, expect, it } from "vitest";
import { deepestLevel, fitLevel, levelBytes, levelCovers, levelSize } from "./levels";

const DBT = { width: 1664, height: 2048 };
const FFDM = { width: 2560, height: 3328 };

describe("levelSize", () => {
  it("rounds up like JPEG 2000's reduced resolutions", () => {
    expect(levelSize(DBT, 0)).toEqual(DBT);
    expect(levelSize(DBT, 1)).toEqual({ width: 832, height: 1024 });
    expect(levelSize({ width: 5, height: 3 }, 1)).toEqual({ width: 3, height: 2 });
    expect(levelSize({ width: 5, height: 3 }, 3)).toEqual({ width: 1, height: 1 });
  });
});

describe("deepestLevel", () => {
  it("keeps a whole reduction of the short side, at most 6", () => {
    expect(deepestLevel({ width: 1, height: 1 })).toBe(0);
    expect(deepestLevel({ width: 5, height: 3 })).toBe(1);
    expect(deepestLevel({ width: 64, height: 512 })).toBe(6);
    expect(deepestLevel(FFDM)).toBe(6);
    expect(deepestLevel({ width: 0, height: 0 })).toBe(0);
  });
});

describe("fitLevel", () => {
  it("is the coarsest level still at least the drawn size", () => {
    // The tomosynthesis frame drawn ≈ 900 px tall: 1024 rows (level 1) still cover it.
    expect(fitLevel(DBT, 900 / 2048)).toBe(1);
    // Drawn 600 px tall: level 1 (1024) and level 1 only; level 2 (512) is too small.
    expect(fitLevel(DBT, 600 / 2048)).toBe(1);
    expect(fitLevel(DBT, 500 / 2048)).toBe(2);
    // A 3328-row mammogram fitted into 600 device px: level 2 (832 rows).
    expect(fitLevel(FFDM, 600 / 3328)).toBe(2);
  });

  it("counts device pixels: a 2× display needs one level finer", () => {
    expect(fitLevel(FFDM, (600 / 3328) * 2)).toBe(1);
  });

  it("is full resolution at 1:1 and beyond, or without a size", () => {
    expect(fitLevel(DBT, 1)).toBe(0);
    expect(fitLevel(DBT, 3)).toBe(0);
    expect(fitLevel(DBT, 0)).toBe(0);
    expect(fitLevel({ width: 0, height: 0 }, 0.1)).toBe(0);
  });

  it("checks both sides (a level must cover the drawn width as well)", () => {
    // 1000×100 drawn at 0.3: 300×30; level 1 is 500×50, level 2 250×25 (too narrow).
    expect(fitLevel({ width: 1000, height: 100 }, 0.3)).toBe(1);
  });

  it("tolerates half a device pixel of rounding", () => {
    // Drawn 512.4 px: level 2 of 2048 (512) is close enough.
    expect(fitLevel(DBT, 512.4 / 2048)).toBe(2);
    expect(fitLevel(DBT, 513 / 2048)).toBe(1);
  });

  it("never asks deeper than the deepest level", () => {
    expect(fitLevel({ width: 8, height: 8 }, 0.001)).toBe(3);
    expect(fitLevel(FFDM, 0.0001)).toBe(6);
  });
});

describe("levelCovers", () => {
  it("says when zooming in passed a level's 1:1", () => {
    expect(levelCovers(DBT, 1, 0.4)).toBe(true);
    expect(levelCovers(DBT, 1, 0.6)).toBe(false);
    expect(levelCovers(DBT, 0, 8)).toBe(true);
  });
});

describe("levelBytes", () => {
  it("is a quarter per level for 16-bit samples", () => {
    expect(levelBytes(DBT, 0)).toBe(1664 * 2048 * 2);
    expect(levelBytes(DBT, 1)).toBe(832 * 1024 * 2);
    expect(levelBytes(DBT, 1, 1)).toBe(832 * 1024);
  });
});
