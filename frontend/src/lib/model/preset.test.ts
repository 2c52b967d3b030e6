import { describe, expect, it } from "vitest";
import type { Loaded } from "../api/frames";
import { parseRawFrame } from "../render/raw";
import { fixedWindow, pngWindow, windowFor } from "./preset";

function rawLoaded(extra: Record<string, string>): Loaded {
  const h: Record<string, string> = {
    "x-frame-rows": "1",
    "x-frame-columns": "2",
    "x-frame-bits-allocated": "16",
    "x-frame-pixel-representation": "1",
    "x-frame-samples-per-pixel": "1",
    "x-frame-photometric-interpretation": "MONOCHROME2",
    "x-frame-default-wc": "40",
    "x-frame-default-ww": "400",
    ...extra,
  };
  const raw = parseRawFrame({ get: (n) => h[n.toLowerCase()] ?? null }, new ArrayBuffer(4));
  return { kind: "raw", key: "0:0", raw, bytes: 4 };
}

const dicom = { preset: "dicom", custom: null };
const full = { preset: "full", custom: null };
const bone = { preset: "bone", custom: null };
const dragged = { preset: "custom", custom: { center: 10, width: 20, function: "SIGMOID" as const } };

describe("fixedWindow / pngWindow", () => {
  it("a preset id and a drag fix the window; dicom and full depend on the frame", () => {
    expect(fixedWindow(bone)).toEqual({ center: 300, width: 1500 });
    expect(fixedWindow(dragged)).toEqual(dragged.custom);
    expect(fixedWindow(dicom)).toBeNull();
    expect(fixedWindow(full)).toBeNull();
  });

  it("asks the server PNG for its default, full range, or the fixed window", () => {
    expect(pngWindow(dicom)).toBeNull();
    expect(pngWindow(full)).toBe("full");
    expect(pngWindow(bone)).toEqual({ center: 300, width: 1500 });
    expect(pngWindow(dragged)).toEqual(dragged.custom);
  });
});

describe("windowFor", () => {
  it("uses the fixed window whatever is shown", () => {
    expect(windowFor(bone, null)).toEqual({ center: 300, width: 1500 });
    expect(windowFor(dragged, rawLoaded({}))).toEqual(dragged.custom);
  });

  it("takes dicom and full from the server's headers of a raw frame", () => {
    const r = rawLoaded({ "x-frame-auto-wc": "50", "x-frame-auto-ww": "350", "x-frame-full-wc": "0", "x-frame-full-ww": "4096" });
    expect(windowFor(dicom, r)).toEqual({ center: 50, width: 350 });
    expect(windowFor(full, r)).toEqual({ center: 0, width: 4096 });
  });

  it("falls back to the frame's DICOM window from a server without X-Frame-Auto-*", () => {
    expect(windowFor(dicom, rawLoaded({}))).toEqual({ center: 40, width: 400 });
  });

  it("under a VOI LUT table shows the range the server window covers until its PNG comes", () => {
    const r = rawLoaded({ "x-frame-voi-lut": "1", "x-frame-auto-wc": "50", "x-frame-auto-ww": "350" });
    expect(windowFor(dicom, r)).toEqual({ center: 50, width: 350 });
  });

  it("uses the window a server PNG was rendered with, else the 8-bit identity", () => {
    const png = (window: { center: number; width: number } | null): Loaded => ({
      kind: "png",
      key: "0:0:png:default",
      bitmap: {} as ImageBitmap,
      width: 2,
      height: 1,
      window,
      bytes: 8,
    });
    expect(windowFor(dicom, png({ center: 7, width: 9 }))).toEqual({ center: 7, width: 9 });
    expect(windowFor(dicom, png(null))).toEqual({ center: 127.5, width: 256 });
    expect(windowFor(dicom, null)).toEqual({ center: 127.5, width: 256 });
  });
});
