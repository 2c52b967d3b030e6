/**
 * Decoding GET /api/file/:i/frame/:f/raw responses: little-endian samples plus the
 * X-Frame-* headers that say how to read and window them.
 */
import type { VoiFunction, WindowLevel } from "./window";

export type Samples = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array;

export interface RawFrame {
  rows: number;
  columns: number;
  bitsAllocated: number;
  signed: boolean;
  samplesPerPixel: number;
  photometric: string;
  slope: number;
  intercept: number;
  /** Grey levels are inverted after the window: MONOCHROME1, or Presentation LUT Shape INVERSE. */
  inverted: boolean;
  /** Float pixel data (X-Frame-Sample-Format: float). */
  float: boolean;
  /** The frame's DICOM default window (per-frame functional groups first, server-resolved). */
  defaultWindow: WindowLevel | null;
  /**
   * What "DICOM default" means for this frame, as the SDK resolves it (X-Frame-Auto-*): the
   * DICOM window, else the server's percentile window. Null from a server without it.
   */
  autoWindow: WindowLevel | null;
  /** What "Full dynamic" means for this frame (X-Frame-Full-*), or null. */
  fullWindow: WindowLevel | null;
  /** The default window is a VOI LUT table (X-Frame-Voi-Lut): only the server PNG shows it. */
  voiLut: boolean;
  /**
   * A Modality LUT Sequence maps the samples (X-Frame-Modality-Lut): slope and intercept do
   * not describe it, so only the server renders the frame and reads its values.
   */
  modalityLut: boolean;
  /** Inclusive stored-value range of Pixel Padding (PS3.3 C.7.5.1.1.2): drawn black. */
  padding: [number, number] | null;
  /**
   * Unit of the modality values (Rescale Type; "HU" for CT; "" for none) from X-Frame-Unit,
   * or null from a server that does not send it (then GET .../pixel says).
   */
  unit: string | null;
  /** The resolution level of these samples (X-Frame-Level; 0, full resolution, from a server without it). */
  level: number;
  /**
   * The full-resolution size (X-Frame-Full-Rows/-Columns; rows and columns without them):
   * the image's geometry whatever the level, which transforms, ROIs and readouts use.
   */
  fullRows: number;
  fullColumns: number;
  data: Samples;
}

export interface HeaderSource {
  get(name: string): string | null;
}

function num(h: HeaderSource, name: string, fallback: number): number {
  const v = h.get(name);
  if (v === null || v.trim() === "") return fallback;
  const n = Number(v);
  return Number.isFinite(n) ? n : fallback;
}

const VOI_FUNCTIONS: readonly VoiFunction[] = ["LINEAR", "LINEAR_EXACT", "SIGMOID"];

/** The window of headers `prefix`-Wc / `prefix`-Ww, or null when absent or unusable. */
function windowHeader(h: HeaderSource, prefix: string, fn: VoiFunction): WindowLevel | null {
  const wc = h.get(`${prefix}-wc`);
  const ww = h.get(`${prefix}-ww`);
  if (wc === null || ww === null || wc.trim() === "" || ww.trim() === "") return null;
  const center = Number(wc);
  const width = Number(ww);
  if (!Number.isFinite(center) || !Number.isFinite(width) || width <= 0) return null;
  return fn === "LINEAR" ? { center, width } : { center, width, function: fn };
}

export class RawFormatError extends Error {
  override name = "RawFormatError";
}

/** Typed-array view of the samples; throws RawFormatError if headers and length disagree. */
export function parseRawFrame(h: HeaderSource, body: ArrayBuffer): RawFrame {
  let buf = body;
  const rows = num(h, "x-frame-rows", 0);
  const columns = num(h, "x-frame-columns", 0);
  const bitsAllocated = num(h, "x-frame-bits-allocated", 0);
  const signed = num(h, "x-frame-pixel-representation", 0) === 1;
  const samplesPerPixel = num(h, "x-frame-samples-per-pixel", 1);
  const photometric = (h.get("x-frame-photometric-interpretation") ?? "MONOCHROME2").trim().toUpperCase();
  const slope = num(h, "x-frame-rescale-slope", 1);
  const intercept = num(h, "x-frame-rescale-intercept", 0);
  // The function of the default window; "full" and the percentile fallback are LINEAR.
  const named = (h.get("x-frame-window-function") ?? "").trim().toUpperCase();
  const fn = VOI_FUNCTIONS.find((f) => f === named) ?? "LINEAR";
  const defaultWindow = windowHeader(h, "x-frame-default", fn);
  const autoWindow = windowHeader(h, "x-frame-auto", fn);
  const fullWindow = windowHeader(h, "x-frame-full", "LINEAR");
  const voiLut = (h.get("x-frame-voi-lut") ?? "").trim() === "1";
  const modalityLut = (h.get("x-frame-modality-lut") ?? "").trim() === "1";
  const lo = h.get("x-frame-padding-low");
  const hi = h.get("x-frame-padding-high");
  const padding: [number, number] | null =
    lo !== null && hi !== null && Number.isFinite(Number(lo)) && Number.isFinite(Number(hi)) ? [Number(lo), Number(hi)] : null;
  const float = (h.get("x-frame-sample-format") ?? "").trim().toLowerCase() === "float";
  const unit = decodeUnit(h.get("x-frame-unit"));
  const level = Math.max(0, Math.round(num(h, "x-frame-level", 0)));
  const fullRows = level > 0 ? num(h, "x-frame-full-rows", rows) : rows;
  const fullColumns = level > 0 ? num(h, "x-frame-full-columns", columns) : columns;
  const count = rows * columns * samplesPerPixel;
  const bytes = bitsAllocated === 1 ? 1 : bitsAllocated / 8;
  if (rows <= 0 || columns <= 0 || ![8, 16, 32, 64].includes(bitsAllocated) || (bitsAllocated === 64 && !float)) {
    throw new RawFormatError(`raw frame has unsupported layout: ${rows}x${columns}, ${bitsAllocated} bits allocated`);
  }
  if (buf.byteLength !== count * bytes) {
    throw new RawFormatError(`raw frame is ${buf.byteLength} bytes; ${rows}x${columns}x${samplesPerPixel} at ${bitsAllocated} bits needs ${count * bytes}`);
  }
  if ((h.get("x-frame-shuffle") ?? "").trim().toLowerCase() === "bytes") buf = unshuffleBytes(buf, bytes);
  // The wire format is little-endian; every browser this runs on is little-endian too,
  // so a typed-array view is the samples without a copy.
  let data: Samples;
  if (float) data = bitsAllocated === 64 ? Float32Array.from(new Float64Array(buf)) : new Float32Array(buf);
  else if (bitsAllocated === 8) data = signed ? new Int8Array(buf) : new Uint8Array(buf);
  else if (bitsAllocated === 16) data = signed ? new Int16Array(buf) : new Uint16Array(buf);
  else data = signed ? new Int32Array(buf) : new Uint32Array(buf);
  // MONOCHROME1 (PS3.3 C.7.6.3.1.2) and Presentation LUT Shape INVERSE (C.11.6.1) describe
  // one inversion, applied once (as the SDK's display.inverted does).
  const lutShape = (h.get("x-frame-presentation-lut-shape") ?? "").trim().toUpperCase();
  const inverted = isInverted(photometric) || lutShape === "INVERSE";
  return { rows, columns, bitsAllocated, signed, samplesPerPixel, photometric, slope, intercept, inverted, float, defaultWindow, autoWindow, fullWindow, voiLut, modalityLut, padding, unit, level, fullRows, fullColumns, data };
}

/**
 * The window to draw raw samples with for the "dicom" or "full" preset, or null when
 * only the server PNG can show it: a VOI LUT table, or a server that does not say.
 */
export function presetWindow(f: RawFrame, preset: "dicom" | "full"): WindowLevel | null {
  if (preset === "full") return f.fullWindow;
  if (f.voiLut) return null;
  // The predecessor sends only X-Frame-Default-*: its own window, LINEAR.
  return f.autoWindow ?? f.defaultWindow;
}

/** Whether this frame under this preset must be shown as the server PNG (grey only). */
export function needsServerWindow(f: RawFrame, preset: string): boolean {
  if (!isGrayscale(f) || (preset !== "dicom" && preset !== "full")) return false;
  return presetWindow(f, preset) === null;
}

/**
 * Undo the server's byte-plane layout (?shuffle=bytes: all first bytes, then all second
 * bytes, ...; the Blosc/HDF5 "shuffle" filter), which compresses noisy 16-bit frames better.
 */
export function unshuffleBytes(buf: ArrayBuffer, itemsize: number): ArrayBuffer {
  if (itemsize <= 1) return buf;
  const src = new Uint8Array(buf);
  const n = src.length / itemsize;
  const out = new Uint8Array(src.length);
  for (let j = 0; j < itemsize; j++) {
    const plane = j * n;
    for (let i = 0, o = j; i < n; i++, o += itemsize) out[o] = src[plane + i] as number;
  }
  return out.buffer;
}

/**
 * The unit of X-Frame-Unit: the server percent-encodes "%" and anything outside printable
 * ASCII as UTF-8 ("µmol/l" arrives as "%C2%B5mol/l"). Null when the header is absent.
 */
export function decodeUnit(value: string | null): string | null {
  if (value === null) return null;
  try {
    return decodeURIComponent(value.trim());
  } catch {
    return value.trim(); // not percent-encoding after all: show it as sent
  }
}

/** MONOCHROME1 displays the lowest value as white (PS3.3 C.7.6.3.1.2). */
export function isInverted(photometric: string): boolean {
  return photometric === "MONOCHROME1";
}

export function isGrayscale(f: RawFrame): boolean {
  return f.samplesPerPixel === 1 && (f.photometric === "MONOCHROME1" || f.photometric === "MONOCHROME2");
}

/** Whether the viewport can draw these samples itself (else it asks for the server PNG). */
export function canRenderRaw(f: RawFrame): boolean {
  if (f.modalityLut) return false;
  if (isGrayscale(f)) return true;
  // Color: only 8-bit RGB is drawn directly; palette color and others use the server PNG.
  return f.samplesPerPixel === 3 && f.bitsAllocated === 8 && f.photometric === "RGB";
}

/** Stored value(s) at (row, column). */
export function storedAt(f: RawFrame, row: number, column: number): number[] {
  const base = (row * f.columns + column) * f.samplesPerPixel;
  const out: number[] = [];
  for (let s = 0; s < f.samplesPerPixel; s++) out.push(f.data[base + s] ?? 0);
  return out;
}

export function byteSize(f: RawFrame): number {
  return f.data.byteLength;
}
