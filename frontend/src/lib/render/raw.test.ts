import { describe, expect, it } from "vitest";
import { RawFormatError, canRenderRaw, decodeUnit, isInverted, needsServerWindow, parseRawFrame, presetWindow, storedAt, unshuffleBytes } from "./raw";

function headers(h: Record<string, string>): { get(n: string): string | null } {
  return { get: (n: string) => h[n.toLowerCase()] ?? null };
}

// The headers the predecessor sent for a CT slice (prev-shapes/raw_hdr.txt), shrunk to 2×3.
const ct = {
  "x-frame-rows": "2",
  "x-frame-columns": "3",
  "x-frame-bits-allocated": "16",
  "x-frame-pixel-representation": "1",
  "x-frame-samples-per-pixel": "1",
  "x-frame-photometric-interpretation": "MONOCHROME2",
  "x-frame-rescale-slope": "1",
  "x-frame-rescale-intercept": "-1024",
  "x-frame-default-wc": "40",
  "x-frame-default-ww": "400",
};

describe("parseRawFrame", () => {
  it("reads signed 16-bit little-endian samples", () => {
    const buf = new ArrayBuffer(12);
    new DataView(buf).setInt16(2, -2000, true);
    new DataView(buf).setInt16(10, 1234, true);
    const f = parseRawFrame(headers(ct), buf);
    expect(f.data).toBeInstanceOf(Int16Array);
    expect(storedAt(f, 0, 1)).toEqual([-2000]);
    expect(storedAt(f, 1, 2)).toEqual([1234]);
    expect(f.intercept).toBe(-1024);
    expect(f.defaultWindow).toEqual({ center: 40, width: 400 });
    expect(canRenderRaw(f)).toBe(true);
  });

  it("has no default window when the headers are absent", () => {
    const h = { ...ct } as Record<string, string>;
    delete h["x-frame-default-wc"];
    delete h["x-frame-default-ww"];
    expect(parseRawFrame(headers(h), new ArrayBuffer(12)).defaultWindow).toBeNull();
  });

  it("takes the modality unit from X-Frame-Unit, and says when the server did not send it", () => {
    expect(parseRawFrame(headers({ ...ct, "x-frame-unit": "HU" }), new ArrayBuffer(12)).unit).toBe("HU");
    expect(parseRawFrame(headers({ ...ct, "x-frame-unit": "" }), new ArrayBuffer(12)).unit).toBe("");
    // A CT without the header: the unit is unknown here, not guessed from the modality.
    expect(parseRawFrame(headers(ct), new ArrayBuffer(12)).unit).toBeNull();
  });

  it("reads interleaved 8-bit RGB", () => {
    const h = { ...ct, "x-frame-bits-allocated": "8", "x-frame-pixel-representation": "0", "x-frame-samples-per-pixel": "3", "x-frame-photometric-interpretation": "RGB" };
    const f = parseRawFrame(headers(h), new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]).buffer);
    expect(storedAt(f, 1, 0)).toEqual([10, 11, 12]);
    expect(canRenderRaw(f)).toBe(true);
  });

  it("reads a reduced level's size and the full-resolution size it stands for", () => {
    const h = { ...ct, "x-frame-level": "2", "x-frame-full-rows": "7", "x-frame-full-columns": "11" };
    const f = parseRawFrame(headers(h), new ArrayBuffer(12));
    expect([f.level, f.rows, f.columns, f.fullRows, f.fullColumns]).toEqual([2, 2, 3, 7, 11]);
    // Without the headers (a server without levels): full resolution, its own size.
    const g = parseRawFrame(headers(ct), new ArrayBuffer(12));
    expect([g.level, g.fullRows, g.fullColumns]).toEqual([0, 2, 3]);
  });

  it("leaves palette color to the server", () => {
    const h = { ...ct, "x-frame-bits-allocated": "8", "x-frame-pixel-representation": "0", "x-frame-photometric-interpretation": "PALETTE COLOR" };
    expect(canRenderRaw(parseRawFrame(headers(h), new ArrayBuffer(6)))).toBe(false);
  });

  it("rejects a body whose length disagrees with the headers", () => {
    expect(() => parseRawFrame(headers(ct), new ArrayBuffer(10))).toThrow(RawFormatError);
  });

  it("rejects unsupported bit depths", () => {
    expect(() => parseRawFrame(headers({ ...ct, "x-frame-bits-allocated": "12" }), new ArrayBuffer(9))).toThrow(/unsupported layout/);
  });

  it("inverts only MONOCHROME1", () => {
    expect(isInverted("MONOCHROME1")).toBe(true);
    expect(isInverted("MONOCHROME2")).toBe(false);
  });
});

describe("byte planes (?shuffle=bytes)", () => {
  it("restores interleaved little-endian samples", () => {
    const want = new Uint16Array([0x0102, 0x0304, 0x0506]);
    // Planes: all low bytes, then all high bytes.
    const planes = new Uint8Array([0x02, 0x04, 0x06, 0x01, 0x03, 0x05]);
    expect(new Uint16Array(unshuffleBytes(planes.buffer, 2))).toEqual(want);
  });

  it("is read from the X-Frame-Shuffle header", () => {
    const planes = new Uint8Array([0x30, 0xd0, 0x00, 0, 0, 0, 0x00, 0x07, 0xf8, 0, 0, 0]);
    const f = parseRawFrame(headers({ ...ct, "x-frame-shuffle": "bytes" }), planes.buffer);
    expect(storedAt(f, 0, 0)).toEqual([0x0030]);
    expect(storedAt(f, 0, 1)).toEqual([0x07d0]);
    expect(storedAt(f, 0, 2)).toEqual([-2048]);
  });

  it("reads the padding range and float samples", () => {
    const f = parseRawFrame(headers({ ...ct, "x-frame-padding-low": "-2000", "x-frame-padding-high": "-2000" }), new ArrayBuffer(12));
    expect(f.padding).toEqual([-2000, -2000]);
    const g = parseRawFrame(headers({ ...ct, "x-frame-bits-allocated": "32", "x-frame-sample-format": "float" }), new Float32Array([0.5, 1, 2, 3, 4, 5]).buffer);
    expect(g.float).toBe(true);
    expect(storedAt(g, 0, 0)).toEqual([0.5]);
  });
});

describe("inversion", () => {
  it.each([
    ["MONOCHROME1", null, true],
    ["MONOCHROME1", "INVERSE", true],
    // MONOCHROME1 defines the stored values: IDENTITY does not undo it (the SDK's rule).
    ["MONOCHROME1", "IDENTITY", true],
    ["MONOCHROME2", "INVERSE", true],
    ["MONOCHROME2", "IDENTITY", false],
    ["MONOCHROME2", null, false],
  ])("%s with Presentation LUT Shape %s inverts: %s", (photometric, shape, want) => {
    const h: Record<string, string> = { ...ct, "x-frame-photometric-interpretation": photometric };
    if (shape) h["x-frame-presentation-lut-shape"] = shape;
    expect(parseRawFrame(headers(h), new ArrayBuffer(12)).inverted).toBe(want);
  });
});

describe("the server's windows (X-Frame-Auto-*, X-Frame-Full-*, X-Frame-Window-Function)", () => {
  const ours = { ...ct, "x-frame-auto-wc": "40", "x-frame-auto-ww": "400", "x-frame-full-wc": "-511.5", "x-frame-full-ww": "4096" };

  it("draws 'dicom' with the auto window and 'full' with the full window", () => {
    const f = parseRawFrame(headers({ ...ours, "x-frame-window-function": "LINEAR" }), new ArrayBuffer(12));
    expect(presetWindow(f, "dicom")).toEqual({ center: 40, width: 400 });
    expect(presetWindow(f, "full")).toEqual({ center: -511.5, width: 4096 });
    expect(needsServerWindow(f, "dicom")).toBe(false);
    expect(needsServerWindow(f, "full")).toBe(false);
  });

  it.each([["SIGMOID" as const], ["LINEAR_EXACT" as const]])("carries the %s function of the default window, not of 'full'", (fn) => {
    const f = parseRawFrame(headers({ ...ours, "x-frame-window-function": fn.toLowerCase() }), new ArrayBuffer(12));
    expect(f.defaultWindow).toEqual({ center: 40, width: 400, function: fn });
    expect(presetWindow(f, "dicom")).toEqual({ center: 40, width: 400, function: fn });
    expect(presetWindow(f, "full")?.function).toBeUndefined();
  });

  it("uses the percentile window the server sends when the file has none", () => {
    const h: Record<string, string> = { ...ours, "x-frame-auto-wc": "100.5", "x-frame-auto-ww": "81" };
    delete h["x-frame-default-wc"];
    delete h["x-frame-default-ww"];
    const f = parseRawFrame(headers(h), new ArrayBuffer(12));
    expect(f.defaultWindow).toBeNull();
    expect(presetWindow(f, "dicom")).toEqual({ center: 100.5, width: 81 });
  });

  it("asks for the server PNG when the default window is a VOI LUT table", () => {
    const f = parseRawFrame(headers({ ...ours, "x-frame-voi-lut": "1" }), new ArrayBuffer(12));
    expect(f.voiLut).toBe(true);
    expect(presetWindow(f, "dicom")).toBeNull();
    expect(needsServerWindow(f, "dicom")).toBe(true);
    expect(needsServerWindow(f, "full")).toBe(false);
    expect(needsServerWindow(f, "lung")).toBe(false);
  });

  it("leaves a frame mapped by a Modality LUT Sequence to the server", () => {
    const f = parseRawFrame(headers({ ...ours, "x-frame-modality-lut": "1" }), new ArrayBuffer(12));
    expect(f.modalityLut).toBe(true);
    expect(canRenderRaw(f)).toBe(false);
    expect(canRenderRaw(parseRawFrame(headers(ours), new ArrayBuffer(12)))).toBe(true);
  });

  it("reads the unit the server percent-encodes", () => {
    expect(decodeUnit("HU")).toBe("HU");
    expect(decodeUnit("%C2%B5mol/l")).toBe("µmol/l");
    expect(decodeUnit("100%25")).toBe("100%");
    expect(decodeUnit(null)).toBeNull();
    expect(decodeUnit("50%")).toBe("50%"); // not percent-encoding: shown as sent
    const f = parseRawFrame(headers({ ...ours, "x-frame-unit": "%C2%B5mol/l" }), new ArrayBuffer(12));
    expect(f.unit).toBe("µmol/l");
  });

  it("falls back to the predecessor's default window, and to the server PNG without one", () => {
    const old = parseRawFrame(headers(ct), new ArrayBuffer(12));
    expect(presetWindow(old, "dicom")).toEqual({ center: 40, width: 400 });
    expect(needsServerWindow(old, "full")).toBe(true);
    const h: Record<string, string> = { ...ct };
    delete h["x-frame-default-wc"];
    delete h["x-frame-default-ww"];
    expect(needsServerWindow(parseRawFrame(headers(h), new ArrayBuffer(12)), "dicom")).toBe(true);
  });

  it("never needs a window for colour", () => {
    const h = { ...ct, "x-frame-bits-allocated": "8", "x-frame-pixel-representation": "0", "x-frame-samples-per-pixel": "3", "x-frame-photometric-interpretation": "RGB" };
    expect(needsServerWindow(parseRawFrame(headers(h), new ArrayBuffer(18)), "full")).toBe(false);
  });

  it("ignores an unknown function and an unusable width", () => {
    const f = parseRawFrame(headers({ ...ours, "x-frame-window-function": "CUBIC", "x-frame-full-ww": "0" }), new ArrayBuffer(12));
    expect(presetWindow(f, "dicom")).toEqual({ center: 40, width: 400 });
    expect(f.fullWindow).toBeNull();
  });
});
