import { describe, expect, it } from "vitest";
import { PRESETS, autoWindow, dragWindow, fullDynamicWindow, percentileRank, sampleRange, windowByte, windowForRange, windowToRgba, windowUnit } from "./window";

describe("windowUnit (PS3.3 C.11.2.1.2.1 LINEAR)", () => {
  // c=40, w=400: the ramp runs from c-0.5-(w-1)/2 = -160 to c-0.5+(w-1)/2 = 239.
  it.each([
    ["below the ramp", -500, 0],
    ["ramp start", -160, 0],
    ["ramp end", 239, 1],
    ["above the ramp", 1000, 1],
    ["center - 0.5 is mid-grey", 39.5, 0.5],
  ])("%s", (_name, x, y) => {
    expect(windowUnit(x, 40, 400)).toBeCloseTo(y, 12);
  });

  it("is linear inside the ramp with slope 1/(w-1)", () => {
    const a = windowUnit(0, 40, 400);
    const b = windowUnit(10, 40, 400);
    expect(b - a).toBeCloseTo(10 / 399, 12);
  });

  it("degenerates to a threshold at c - 0.5 for width 1", () => {
    expect(windowUnit(99.5, 100, 1)).toBe(0);
    expect(windowUnit(99.6, 100, 1)).toBe(1);
  });
});

describe("windowByte", () => {
  it("maps the ramp to 0..255 and inverts MONOCHROME1", () => {
    expect(windowByte(-1000, 40, 400, false)).toBe(0);
    expect(windowByte(1000, 40, 400, false)).toBe(255);
    expect(windowByte(1000, 40, 400, true)).toBe(0);
    // 39.5 → 0.5 → 127.5 rounds half up like the GPU's unorm conversion.
    expect(windowByte(39.5, 40, 400, false)).toBe(128);
  });

  it("matches the standard formula at every integer of a 12-bit ramp", () => {
    const c = 2048;
    const w = 4096;
    for (let x = 0; x < 4096; x += 37) {
      const ref = Math.min(1, Math.max(0, (x - (c - 0.5)) / (w - 1) + 0.5));
      expect(windowByte(x, c, w, false)).toBe(Math.round(ref * 255));
    }
  });
});

describe("windowToRgba", () => {
  it("applies rescale before the window (CT: stored + intercept = HU)", () => {
    // Stored 1024 with intercept -1024 is 0 HU; with the abdomen window (60/400) that is
    // (0 - 59.5)/399 + 0.5 = 0.3509 → 89.
    const out = new Uint8ClampedArray(8);
    windowToRgba(new Int16Array([1024, -976]), { slope: 1, intercept: -1024, invert: false }, { center: 60, width: 400 }, out);
    expect([...out]).toEqual([89, 89, 89, 255, 0, 0, 0, 255]);
  });
});

describe("full dynamic range", () => {
  it("finds min and max without spreading the array", () => {
    const big = new Uint16Array(1_000_000);
    big[5] = 7;
    big[999_999] = 4095;
    expect(sampleRange(big)).toEqual({ min: 0, max: 4095 });
  });

  it("maps the data minimum to black and maximum to white", () => {
    const w = fullDynamicWindow(new Int16Array([-2000, 0, 3000]), { slope: 1, intercept: -1024, invert: false });
    expect(windowByte(-3024, w.center, w.width, false)).toBe(0);
    expect(windowByte(1976, w.center, w.width, false)).toBe(255);
  });

  it("handles a negative rescale slope", () => {
    const w = fullDynamicWindow(new Uint8Array([0, 255]), { slope: -1, intercept: 0, invert: false });
    expect(w).toEqual(windowForRange(-255, 0));
  });

  it("gives width 1 for a constant frame", () => {
    expect(windowForRange(5, 5).width).toBe(1);
  });
});

describe("presets", () => {
  it.each([
    ["abdomen", 60, 400],
    ["angio", 300, 600],
    ["bone", 300, 1500],
    ["brain", 40, 80],
    ["chest", 40, 400],
    ["lung", -600, 1500],
  ])("%s is C %d / W %d", (id, c, w) => {
    expect(PRESETS.find((p) => p.id === id)?.window).toEqual({ center: c, width: w });
  });

  it("has DICOM default and full dynamic first, with distinct keys", () => {
    expect(PRESETS.slice(0, 2).map((p) => p.id)).toEqual(["dicom", "full"]);
    expect(new Set(PRESETS.map((p) => p.key)).size).toBe(PRESETS.length);
  });
});

describe("dragWindow", () => {
  it("widens to the right and raises the center downwards", () => {
    const w = dragWindow({ center: 40, width: 400 }, 256, 256, 4096);
    expect(w.width).toBeGreaterThan(400);
    expect(w.center).toBeGreaterThan(40);
  });

  it("never produces a width below 1", () => {
    expect(dragWindow({ center: 40, width: 10 }, -100000, 0, 10).width).toBe(1);
  });
});

describe("autoWindow (the server's fallback window)", () => {
  const id = { slope: 1, intercept: 0 };

  it("percentileRank follows numpy's inverted_cdf", () => {
    // numpy.percentile(range(100), [1, 99], method="inverted_cdf") -> [0, 98]
    expect(percentileRank(100, 1)).toBe(0);
    expect(percentileRank(100, 99)).toBe(98);
    // n=1000: 1% -> virtual 9 (integer) -> rank 9; 99% -> 989
    expect(percentileRank(1000, 1)).toBe(9);
    expect(percentileRank(1000, 99)).toBe(989);
    expect(percentileRank(1, 50)).toBe(0);
  });

  it.each([["u16" as const], ["other" as const]])("1st..99th percentile of 0..999 is 9..989 (%s)", (layout) => {
    const s = Uint16Array.from({ length: 1000 }, (_, i) => 999 - i);
    expect(autoWindow(s, id, null, "auto", layout)).toEqual(windowForRange(9, 989));
  });

  it("leaves padding out of the full range", () => {
    const s = new Int16Array([-2000, -2000, 0, 100, 3000]);
    expect(autoWindow(s, { slope: 1, intercept: -1024 }, [-2000, -2000], "full", "s16")).toEqual(windowForRange(-1024, 1976));
    expect(autoWindow(s, { slope: 1, intercept: -1024 }, null, "full", "s16")).toEqual(windowForRange(-3024, 1976));
  });

  it("uses the padding when the frame is nothing else", () => {
    expect(autoWindow(new Int16Array([-5, -5]), id, [-5, -5], "full", "s16")).toEqual(windowForRange(-5, -5));
  });

  it("orders by modality value under a negative slope", () => {
    expect(autoWindow(new Uint16Array([0, 10]), { slope: -1, intercept: 0 }, null, "full", "u16")).toEqual(windowForRange(-10, 0));
  });
});
