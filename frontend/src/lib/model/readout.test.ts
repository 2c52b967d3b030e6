import { describe, expect, it } from "vitest";
import { parseRawFrame } from "../render/raw";
import { formatNum, pixelReadout, placeholderReadout, rawReadout, readoutText } from "./readout";

function raw(extra: Record<string, string>, body: ArrayBuffer) {
  const h: Record<string, string> = {
    "x-frame-rows": "1",
    "x-frame-columns": "2",
    "x-frame-bits-allocated": "16",
    "x-frame-pixel-representation": "1",
    "x-frame-samples-per-pixel": "1",
    "x-frame-photometric-interpretation": "MONOCHROME2",
    ...extra,
  };
  return parseRawFrame({ get: (n) => h[n.toLowerCase()] ?? null }, body);
}

describe("formatNum", () => {
  it("keeps integers and rounds others to two decimals", () => {
    expect(formatNum(-1024)).toBe("-1024");
    expect(formatNum(0.125)).toBe("0.13");
  });
});

describe("rawReadout", () => {
  it("rescales one sample and labels it with the given unit", () => {
    const buf = new ArrayBuffer(4);
    new DataView(buf).setInt16(2, 1064, true);
    const f = raw({ "x-frame-rescale-slope": "0.5", "x-frame-rescale-intercept": "-1024" }, buf);
    expect(rawReadout(f, { row: 0, column: 1 }, "HU")).toEqual({ row: 0, column: 1, stored: "1064", modality: "-492", unit: "HU" });
  });

  it("lists colour samples without a modality value", () => {
    const f = raw({ "x-frame-bits-allocated": "8", "x-frame-pixel-representation": "0", "x-frame-samples-per-pixel": "3", "x-frame-photometric-interpretation": "RGB" }, new Uint8Array([1, 2, 3, 4, 5, 6]).buffer);
    expect(rawReadout(f, { row: 0, column: 1 }, "")).toEqual({ row: 0, column: 1, stored: "4, 5, 6", modality: "", unit: "" });
  });
});

describe("pixelReadout", () => {
  it("formats the server's answer with its unit", () => {
    expect(pixelReadout({ row: 3, column: 4, stored: 10, modality: 2.5, unit: "OD" })).toEqual({ row: 3, column: 4, stored: "10", modality: "2.50", unit: "OD" });
  });

  it("shows colour samples and no unit when the server has none", () => {
    expect(pixelReadout({ row: 0, column: 0, stored: [1, 2, 3], modality: null, unit: null })).toEqual({ row: 0, column: 0, stored: "1, 2, 3", modality: "", unit: "" });
  });
});

describe("placeholderReadout", () => {
  it("carries only the position and the text", () => {
    expect(placeholderReadout({ row: 1, column: 2 }, "…")).toEqual({ row: 1, column: 2, stored: "…", modality: "", unit: "" });
  });
});

describe("readout text", () => {
  it("puts a space on both sides of the separator", () => {
    expect(readoutText({ row: 3, column: 4, stored: "1049", modality: "25", unit: "HU" })).toBe("(3, 4) stored 1049 · 25 HU");
    expect(readoutText({ row: 3, column: 4, stored: "7", modality: "7", unit: "" })).toBe("(3, 4) stored 7 · 7");
    expect(readoutText({ row: 0, column: 1, stored: "1, 2, 3", modality: "", unit: "" })).toBe("(0, 1) stored 1, 2, 3");
  });
});
