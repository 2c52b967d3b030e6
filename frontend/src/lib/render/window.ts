/**
 * Window/level (VOI LUT) math for client-side rendering.
 *
 * The server stays the authority (`Frame.png()`): it says which window "DICOM default"
 * and "Full dynamic" mean for each frame (X-Frame-Auto-*, X-Frame-Full-*, see raw.ts),
 * and this module only applies a window, so that dragging it never waits for a round
 * trip. The GLSL in gl.ts computes exactly `windowUnit`; e2e tests compare the canvas
 * with the server PNG.
 */

/** The VOI LUT Function (0028,1056) defined terms, PS3.3 C.11.2.1.3. */
export type VoiFunction = "LINEAR" | "LINEAR_EXACT" | "SIGMOID";

/** A VOI window in modality units (after Rescale Slope/Intercept). */
export interface WindowLevel {
  center: number;
  width: number;
  /** The VOI LUT function; absent means LINEAR (presets and `?wc=&ww=` are LINEAR). */
  function?: VoiFunction;
}

export interface Preset {
  id: string;
  label: string;
  /** Absent for the data-dependent presets ("dicom", "full"). */
  window?: WindowLevel;
  key?: string;
}

/** Presets offered in the toolbar; the numbers follow common CT practice (center/width in HU). */
export const PRESETS: readonly Preset[] = [
  { id: "dicom", label: "DICOM default", key: "1" },
  { id: "full", label: "Full dynamic", key: "2" },
  { id: "abdomen", label: "CT abdomen", window: { center: 60, width: 400 }, key: "3" },
  { id: "angio", label: "Angio", window: { center: 300, width: 600 }, key: "4" },
  { id: "bone", label: "Bone", window: { center: 300, width: 1500 }, key: "5" },
  { id: "brain", label: "Brain", window: { center: 40, width: 80 }, key: "6" },
  { id: "chest", label: "Chest", window: { center: 40, width: 400 }, key: "7" },
  { id: "lung", label: "Lung", window: { center: -600, width: 1500 }, key: "8" },
];

/** |−4 (x − c) / w| beyond which the sigmoid is 0 or 1 to display precision. */
export const SIGMOID_CLAMP = 80;

/**
 * The VOI functions of PS3.3 C.11.2.1.2/.3, normalised to 0..1 (the SDK's Window.apply
 * with ymin = 0, ymax = 1).
 *
 * - LINEAR (C.11.2.1.2.1): ((x − (c − 0.5)) / (w − 1) + 0.5), clipped to [0, 1]; for
 *   w ≤ 1 a threshold at c − 0.5 (values above it are white).
 * - LINEAR_EXACT (C.11.2.1.3.2): ((x − c) / w + 0.5), clipped to [0, 1].
 * - SIGMOID (C.11.2.1.3.1): 1 / (1 + exp(−4 (x − c) / w)).
 */
export function windowUnit(x: number, center: number, width: number, fn: VoiFunction = "LINEAR"): number {
  if (fn === "SIGMOID") {
    // The exponent is clamped like the SDK's (and the shader's): beyond ±80 y is 0 or 1.
    const e = Math.min(SIGMOID_CLAMP, Math.max(-SIGMOID_CLAMP, (-4 * (x - center)) / width));
    return 1 / (1 + Math.exp(e));
  }
  let y: number;
  if (fn === "LINEAR_EXACT") y = (x - center) / width + 0.5;
  else if (width <= 1) return x > center - 0.5 ? 1 : 0;
  else y = (x - (center - 0.5)) / (width - 1) + 0.5;
  return y <= 0 ? 0 : y >= 1 ? 1 : y;
}

/** The 8-bit display value, rounded like the GPU's float → unorm8 conversion. */
export function windowByte(x: number, win: WindowLevel, invert: boolean): number {
  const y = windowUnit(x, win.center, win.width, win.function);
  return Math.round((invert ? 1 - y : y) * 255);
}

/** What the viewer needs to know about a frame's samples to window them. */
export interface Rescale {
  slope: number;
  intercept: number;
  /** MONOCHROME1 or Presentation LUT Shape INVERSE (PS3.3 C.7.6.3.1.2, C.11.6.1): inverted output. */
  invert: boolean;
}

/**
 * Window grayscale samples into RGBA bytes (the 2D-canvas fallback and the reference
 * for the shader). Rescale is applied first: the window is defined on modality values.
 */
export function windowToRgba(
  samples: ArrayLike<number>,
  rescale: Rescale,
  win: WindowLevel,
  out: Uint8ClampedArray,
  padding: readonly [number, number] | null = null,
): void {
  const { slope, intercept, invert } = rescale;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i] ?? 0;
    // Padding is black after the window and inversion, like the server's render.
    const v = padding && s >= padding[0] && s <= padding[1] ? 0 : windowByte(s * slope + intercept, win, invert);
    const o = i * 4;
    out[o] = v;
    out[o + 1] = v;
    out[o + 2] = v;
    out[o + 3] = 255;
  }
}

/**
 * New window for a W/L drag of (dx, dy) CSS pixels from `start`: right widens, down
 * raises the center (the common PACS convention). The step scales with the current
 * width so a narrow brain window and a 4096-wide mammogram window both feel the same.
 */
export function dragWindow(start: WindowLevel, dx: number, dy: number, dataSpan: number): WindowLevel {
  const step = Math.max(start.width / 256, dataSpan / 4096, 0.01);
  // The VOI function is kept: a SIGMOID window stays a sigmoid while it is dragged.
  return {
    ...start,
    center: start.center + dy * step,
    width: Math.max(1, start.width + dx * step),
  };
}

/** Format a window value for the overlay: integers stay integers, others get 1 decimal. */
export function formatWindowValue(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

/**
 * The PNG route's query for a window: `null` is the server's default, "full" its full
 * dynamic range; a LINEAR_EXACT or SIGMOID function travels as `function=` (the server
 * applies `wc`/`ww` LINEAR otherwise), so a dragged sigmoid stays a sigmoid.
 */
export function pngWindowQuery(window: WindowLevel | "full" | null): string {
  if (window === "full") return "?mode=full_dynamic";
  if (!window) return "";
  let q = `?wc=${encodeURIComponent(window.center)}&ww=${encodeURIComponent(window.width)}`;
  if (window.function && window.function !== "LINEAR") q += `&function=${window.function}`;
  return q;
}

/**
 * The window a server PNG was rendered with, from its X-Frame-Window-* headers; null for
 * colour (no headers). A VOI LUT table ("voi_lut") has no function a drag could keep.
 */
export function windowFromPngHeaders(applied: string | null, center: string | null, width: string | null): WindowLevel | null {
  if (center === null || width === null) return null;
  const w: WindowLevel = { center: Number(center), width: Number(width) };
  const fn = applied?.toUpperCase();
  if (fn === "LINEAR_EXACT" || fn === "SIGMOID") w.function = fn;
  return w;
}
