import { describe, expect, it } from "vitest";
import { PRESETS, SIGMOID_CLAMP, dragWindow, pngWindowQuery, windowByte, windowFromPngHeaders, windowToRgba, windowUnit } from "./window";

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

describe("windowUnit (PS3.3 C.11.2.1.3.2 LINEAR_EXACT)", () => {
  // c=40, w=400: the ramp runs from c - w/2 = -160 to c + w/2 = 240.
  it.each([
    ["below the ramp", -500, 0],
    ["ramp start", -160, 0],
    ["center is mid-grey", 40, 0.5],
    ["ramp end", 240, 1],
    ["above the ramp", 1000, 1],
  ])("%s", (_name, x, y) => {
    expect(windowUnit(x, 40, 400, "LINEAR_EXACT")).toBeCloseTo(y, 12);
  });

  it("has slope 1/w (not 1/(w-1)) and no threshold at width 1", () => {
    expect(windowUnit(10, 40, 400, "LINEAR_EXACT") - windowUnit(0, 40, 400, "LINEAR_EXACT")).toBeCloseTo(10 / 400, 12);
    expect(windowUnit(100, 100, 1, "LINEAR_EXACT")).toBe(0.5);
    expect(windowUnit(100, 100, 0.5, "LINEAR_EXACT")).toBe(0.5);
  });
});

describe("windowUnit (PS3.3 C.11.2.1.3.1 SIGMOID)", () => {
  it.each([
    ["center is mid-grey", 1800, 0.5],
    ["one width above", 1800 + 900, 1 / (1 + Math.exp(-4))],
    ["half a width below", 1800 - 450, 1 / (1 + Math.exp(2))],
  ])("%s", (_name, x, y) => {
    expect(windowUnit(x, 1800, 900, "SIGMOID")).toBeCloseTo(y, 12);
  });

  it("is symmetric about the center and increasing", () => {
    for (const d of [1, 10, 100, 1000]) {
      expect(windowUnit(1800 + d, 1800, 900, "SIGMOID") + windowUnit(1800 - d, 1800, 900, "SIGMOID")).toBeCloseTo(1, 12);
      expect(windowUnit(1800 + d, 1800, 900, "SIGMOID")).toBeGreaterThan(windowUnit(1800 + d / 2, 1800, 900, "SIGMOID"));
    }
  });

  it("saturates without overflow far from the center", () => {
    expect(windowUnit(1e30, 0, 1, "SIGMOID")).toBe(1 / (1 + Math.exp(-SIGMOID_CLAMP)));
    expect(windowUnit(-1e30, 0, 1, "SIGMOID")).toBe(1 / (1 + Math.exp(SIGMOID_CLAMP)));
    expect(Math.round(windowUnit(-1e30, 0, 1, "SIGMOID") * 255)).toBe(0);
    expect(Math.round(windowUnit(1e30, 0, 1, "SIGMOID") * 255)).toBe(255);
  });
});

describe("windowByte", () => {
  const linear = { center: 40, width: 400 };

  it("maps the ramp to 0..255 and inverts MONOCHROME1", () => {
    expect(windowByte(-1000, linear, false)).toBe(0);
    expect(windowByte(1000, linear, false)).toBe(255);
    expect(windowByte(1000, linear, true)).toBe(0);
    // 39.5 → 0.5 → 127.5 rounds half up like the GPU's unorm conversion.
    expect(windowByte(39.5, linear, false)).toBe(128);
  });

  it("matches the standard formula at every integer of a 12-bit ramp", () => {
    const c = 2048;
    const w = 4096;
    for (let x = 0; x < 4096; x += 37) {
      const ref = Math.min(1, Math.max(0, (x - (c - 0.5)) / (w - 1) + 0.5));
      expect(windowByte(x, { center: c, width: w }, false)).toBe(Math.round(ref * 255));
      expect(windowByte(x, { center: c, width: w, function: "LINEAR" }, false)).toBe(Math.round(ref * 255));
    }
  });

  it.each([
    // The SDK's Window.apply doctest: Window(0, 10, "LINEAR_EXACT").apply([-5, 0, 5]) == [0, 128, 255].
    ["LINEAR_EXACT" as const, [-5, 0, 5], [0, 128, 255]],
    // SIGMOID at c, and at c ± w: 255 / (1 + e^∓4) = 250.4 / 4.6.
    ["SIGMOID" as const, [-10, 0, 10], [5, 128, 250]],
  ])("applies %s", (fn, xs, bytes) => {
    expect(xs.map((x) => windowByte(x, { center: 0, width: 10, function: fn }, false))).toEqual(bytes);
    // Inverted: 255 minus it, but mid-grey 127.5 rounds half up either way (128).
    expect(xs.map((x) => windowByte(x, { center: 0, width: 10, function: fn }, true))).toEqual(bytes.map((b) => (b === 128 ? 128 : 255 - b)));
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

  it("applies the window's VOI function, inversion and padding", () => {
    const out = new Uint8ClampedArray(12);
    const win = { center: 0, width: 10, function: "SIGMOID" as const };
    windowToRgba(new Int16Array([5, 20, -7]), { slope: 2, intercept: -20, invert: true }, win, out, [-7, -7]);
    // Modality -10 → 255/(1+e^4) = 4.6 → inverted 250; modality 20 → 255 → 0; padding black.
    expect([...out]).toEqual([250, 250, 250, 255, 0, 0, 0, 255, 0, 0, 0, 255]);
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

  it("keeps the VOI function of the window dragged", () => {
    expect(dragWindow({ center: 40, width: 400, function: "SIGMOID" }, 10, 10, 4096).function).toBe("SIGMOID");
    expect(dragWindow({ center: 40, width: 400 }, 10, 10, 4096).function).toBeUndefined();
  });
});

describe("pngWindowQuery / windowFromPngHeaders (the PNG route's window)", () => {
  it.each([
    [null, ""],
    ["full", "?mode=full_dynamic"],
    [{ center: 40, width: 400 }, "?wc=40&ww=400"],
    [{ center: 40, width: 400, function: "LINEAR" }, "?wc=40&ww=400"],
    [{ center: -600.5, width: 1500, function: "SIGMOID" }, "?wc=-600.5&ww=1500&function=SIGMOID"],
    [{ center: 2, width: 0.5, function: "LINEAR_EXACT" }, "?wc=2&ww=0.5&function=LINEAR_EXACT"],
  ] as const)("%j -> %s", (window, query) => {
    expect(pngWindowQuery(window)).toBe(query);
  });

  it("reads the function back from X-Frame-Window-Applied", () => {
    expect(windowFromPngHeaders("sigmoid", "40", "400")).toEqual({ center: 40, width: 400, function: "SIGMOID" });
    expect(windowFromPngHeaders("linear_exact", "1.5", "3")).toEqual({ center: 1.5, width: 3, function: "LINEAR_EXACT" });
    expect(windowFromPngHeaders("linear", "40", "400")).toEqual({ center: 40, width: 400 });
    expect(windowFromPngHeaders("voi_lut", "127.5", "256")).toEqual({ center: 127.5, width: 256 });
    expect(windowFromPngHeaders(null, null, null)).toBeNull();
  });

  it("keeps a sigmoid a sigmoid through a drag and back to the server", () => {
    const start = windowFromPngHeaders("sigmoid", "40", "400");
    expect(start).not.toBeNull();
    const dragged = dragWindow(start!, 10, -20, 4096);
    expect(pngWindowQuery(dragged)).toMatch(/&function=SIGMOID$/);
  });
});
