import { describe, expect, it } from "vitest";
import { identityView } from "../render/transform";
import { chooseSpacing, formatLength, lengthOf, lineEndAt, niceLength, scaleBar } from "./measure";

describe("chooseSpacing", () => {
  it("prefers Pixel Spacing", () => {
    expect(chooseSpacing({ pixel_spacing: [0.5, 0.25], imager_pixel_spacing: [0.1, 0.1] })).toEqual({ row: 0.5, column: 0.25, source: "pixel" });
  });
  it("falls back to Imager Pixel Spacing, marked as the detector's", () => {
    expect(chooseSpacing({ pixel_spacing: null, imager_pixel_spacing: [0.07, 0.07] })).toEqual({ row: 0.07, column: 0.07, source: "detector" });
  });
  it("is null without either (or with nonsense)", () => {
    expect(chooseSpacing({})).toBeNull();
    expect(chooseSpacing(null)).toBeNull();
    expect(chooseSpacing({ pixel_spacing: [0, 1], imager_pixel_spacing: [1] })).toBeNull();
    expect(chooseSpacing({ pixel_spacing: [Number.NaN, 1] })).toBeNull();
  });
});

describe("lengthOf", () => {
  it("scales columns and rows by their own spacing", () => {
    const s = { row: 2, column: 0.5, source: "pixel" as const };
    // 30 columns × 0.5 mm and 20 rows × 2 mm: 15 and 40 mm.
    const l = lengthOf({ x: 10, y: 10 }, { x: 40, y: 30 }, s);
    expect(l.unit).toBe("mm");
    expect(l.value).toBeCloseTo(Math.hypot(15, 40), 10);
    expect(l.source).toBe("pixel");
  });
  it("is in pixels without a spacing", () => {
    expect(lengthOf({ x: 0, y: 0 }, { x: 3, y: 4 }, null)).toEqual({ value: 5, unit: "px", source: null });
  });
});

describe("formatLength", () => {
  it("says which spacing was used", () => {
    expect(formatLength({ value: 12.345, unit: "mm", source: "pixel" })).toBe("12.3 mm");
    expect(formatLength({ value: 12.345, unit: "mm", source: "detector" })).toBe("12.3 mm (detector)");
    expect(formatLength({ value: 5, unit: "px", source: null })).toBe("5.0 px");
  });
  it("keeps as many decimals as the size needs", () => {
    expect(formatLength({ value: 123.4, unit: "mm", source: "pixel" })).toBe("123 mm");
    expect(formatLength({ value: 0.456, unit: "mm", source: "pixel" })).toBe("0.46 mm");
  });
});

describe("niceLength", () => {
  it("rounds down to 1, 2 or 5 × 10ⁿ", () => {
    expect(niceLength(73)).toBe(50);
    expect(niceLength(50)).toBe(50);
    expect(niceLength(49.9)).toBe(20);
    expect(niceLength(19)).toBe(10);
    expect(niceLength(1)).toBe(1);
    expect(niceLength(0.3)).toBeCloseTo(0.2, 12);
    expect(niceLength(2500)).toBe(2000);
  });
  it("is 0 for nothing", () => {
    expect(niceLength(0)).toBe(0);
    expect(niceLength(-3)).toBe(0);
    expect(niceLength(Number.POSITIVE_INFINITY)).toBe(0);
  });
});

describe("scaleBar", () => {
  const s = { row: 0.2, column: 0.1, source: "pixel" as const };
  it("follows the zoom", () => {
    // zoom 1: 0.1 mm per screen px; 150 px are 15 mm → a 10 mm bar of 100 px.
    const a = scaleBar({ ...identityView(), zoom: 1 }, s, 150);
    expect(a).toMatchObject({ value: 10, unit: "mm", label: "10 mm" });
    expect(a?.px).toBeCloseTo(100, 9);
    // zoom 4: 0.025 mm per px; 150 px are 3.75 mm → a 2 mm bar of 80 px.
    const b = scaleBar({ ...identityView(), zoom: 4 }, s, 150);
    expect(b?.value).toBe(2);
    expect(b?.px).toBeCloseTo(80, 9);
  });
  it("uses the row spacing when the view is rotated by 90°", () => {
    const r = scaleBar({ ...identityView(), zoom: 1, rotation: 90 }, s, 150);
    // 0.2 mm per px: 150 px are 30 mm → 20 mm = 100 px.
    expect(r?.value).toBe(20);
    expect(r?.px).toBeCloseTo(100, 9);
  });
  it("is never longer than asked", () => {
    for (const zoom of [0.03, 0.17, 0.5, 1.3, 7, 40]) {
      const bar = scaleBar({ ...identityView(), zoom }, s, 120);
      expect(bar).not.toBeNull();
      expect(bar?.px ?? 0).toBeLessThanOrEqual(120 + 1e-9);
      expect(bar?.px ?? 0).toBeGreaterThan(120 / 5 - 1e-9);
    }
  });
  it("counts image pixels without a spacing, and says detector", () => {
    expect(scaleBar({ ...identityView(), zoom: 0.5 }, null, 150)).toMatchObject({ value: 200, unit: "px", label: "200 px" });
    expect(scaleBar({ ...identityView(), zoom: 1 }, { ...s, source: "detector" }, 150)?.label).toBe("10 mm (detector)");
  });
});

describe("lineEndAt", () => {
  const id = (p: { x: number; y: number }) => p;
  const lines = [
    { index: 0, a: { x: 10, y: 10 }, b: { x: 50, y: 10 } },
    { index: 3, a: { x: 52, y: 12 }, b: { x: 90, y: 90 } },
  ];
  it("finds the nearest end within the tolerance", () => {
    expect(lineEndAt(lines, { x: 11, y: 9 }, id)).toEqual({ index: 0, end: 0 });
    expect(lineEndAt(lines, { x: 52, y: 12 }, id)).toEqual({ index: 3, end: 0 });
    expect(lineEndAt(lines, { x: 49, y: 10 }, id)).toEqual({ index: 0, end: 1 });
    expect(lineEndAt(lines, { x: 30, y: 30 }, id)).toBeNull();
  });
  it("measures on screen", () => {
    const zoom = (p: { x: number; y: number }) => ({ x: p.x * 4, y: p.y * 4 });
    expect(lineEndAt(lines, { x: 44, y: 44 }, zoom)).toEqual({ index: 0, end: 0 });
    expect(lineEndAt(lines, { x: 11, y: 9 }, zoom)).toBeNull();
  });
});
