/**
 * Window/level (VOI LUT) math for client-side rendering.
 *
 * The server stays the authority (`Frame.png()`); this mirrors its LINEAR window so
 * that dragging the window never waits for a round trip. The GLSL in gl.ts computes
 * exactly `windowUnit`; e2e tests compare the canvas with the server PNG.
 */

/** A VOI window in modality units (after Rescale Slope/Intercept). */
export interface WindowLevel {
  center: number;
  width: number;
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

/**
 * LINEAR VOI function of PS3.3 C.11.2.1.2.1, normalised to 0..1.
 *
 * y = ((x − (c − 0.5)) / (w − 1) + 0.5), clipped to [0, 1]. For w ≤ 1 the function
 * degenerates to a threshold at c − 0.5 (values above it are white), which is what
 * the standard's piecewise definition gives in the limit.
 */
export function windowUnit(x: number, center: number, width: number): number {
  if (width <= 1) return x > center - 0.5 ? 1 : 0;
  const y = (x - (center - 0.5)) / (width - 1) + 0.5;
  return y <= 0 ? 0 : y >= 1 ? 1 : y;
}

/** The 8-bit display value, rounded like the GPU's float → unorm8 conversion. */
export function windowByte(x: number, center: number, width: number, invert: boolean): number {
  const y = windowUnit(x, center, width);
  return Math.round((invert ? 1 - y : y) * 255);
}

/** What the viewer needs to know about a frame's samples to window them. */
export interface Rescale {
  slope: number;
  intercept: number;
  /** MONOCHROME1: minimum sample value is white (PS3.3 C.7.6.3.1.2), so the output is inverted. */
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
    const v = padding && s >= padding[0] && s <= padding[1] ? 0 : windowByte(s * slope + intercept, win.center, win.width, invert);
    const o = i * 4;
    out[o] = v;
    out[o + 1] = v;
    out[o + 2] = v;
    out[o + 3] = 255;
  }
}

/** Minimum and maximum stored value (a plain loop: Math.min(...big) overflows the stack). */
export function sampleRange(samples: ArrayLike<number>): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i] ?? 0;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min === Infinity) return { min: 0, max: 0 };
  return { min, max };
}

/**
 * The window spanning [lo, hi] in modality units: with the LINEAR function, lo maps to
 * 0 and hi to 1 when c − 0.5 − (w − 1)/2 = lo and c − 0.5 + (w − 1)/2 = hi.
 */
export function windowForRange(lo: number, hi: number): WindowLevel {
  const width = Math.max(1, hi - lo + 1);
  return { center: (lo + hi + 1) / 2, width };
}

/** Full dynamic range of one frame in modality units (slope may be negative). */
export function fullDynamicWindow(samples: ArrayLike<number>, rescale: Rescale): WindowLevel {
  const { min, max } = sampleRange(samples);
  const a = min * rescale.slope + rescale.intercept;
  const b = max * rescale.slope + rescale.intercept;
  return windowForRange(Math.min(a, b), Math.max(a, b));
}

/**
 * New window for a W/L drag of (dx, dy) CSS pixels from `start`: right widens, down
 * raises the center (the common PACS convention). The step scales with the current
 * width so a narrow brain window and a 4096-wide mammogram window both feel the same.
 */
export function dragWindow(start: WindowLevel, dx: number, dy: number, dataSpan: number): WindowLevel {
  const step = Math.max(start.width / 256, dataSpan / 4096, 0.01);
  return {
    center: start.center + dy * step,
    width: Math.max(1, start.width + dx * step),
  };
}

/** Format a window value for the overlay: integers stay integers, others get 1 decimal. */
export function formatWindowValue(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

/** The percentiles of the auto-window for frames without a DICOM window (the SDK's PERCENTILES). */
export const AUTO_PERCENTILES: readonly [number, number] = [1, 99];

/** 0-based rank of a percentile of n sorted values, numpy's "inverted_cdf" definition. */
export function percentileRank(n: number, percentile: number): number {
  const virtual = n * (percentile / 100) - 1;
  const below = Math.floor(virtual);
  const rank = virtual === below ? below : below + 1;
  return Math.min(Math.max(rank, 0), n - 1);
}

function isPadding(v: number, padding: readonly [number, number] | null): boolean {
  return padding !== null && v >= padding[0] && v <= padding[1];
}

/**
 * The window the server uses when none is given: "full" spans the frame's modality
 * values, "auto" their 1st..99th percentile (the fallback of the "dicom" default when
 * the file has no window). Padding pixels are left out unless there is nothing else.
 * Integer samples of up to 16 bits go through a histogram (no sort of millions of values).
 */
export function autoWindow(
  samples: ArrayLike<number>,
  rescale: Pick<Rescale, "slope" | "intercept">,
  padding: readonly [number, number] | null,
  kind: "full" | "auto",
  layout: "u16" | "s16" | "other",
): WindowLevel {
  const toValue = (v: number): number => v * rescale.slope + rescale.intercept;
  // Distinct stored values with their counts, ascending in stored value.
  const collect = (skipPadding: boolean): { codes: number[]; counts: number[] } => {
    const codes: number[] = [];
    const counts: number[] = [];
    if (layout !== "other") {
      const off = layout === "s16" ? 32768 : 0;
      const bins = new Uint32Array(65536);
      for (let i = 0; i < samples.length; i++) {
        const v = samples[i] ?? 0;
        if (!(skipPadding && isPadding(v, padding))) bins[v + off] = (bins[v + off] ?? 0) + 1;
      }
      for (let b = 0; b < 65536; b++) {
        const c = bins[b] ?? 0;
        if (c > 0) {
          codes.push(b - off);
          counts.push(c);
        }
      }
    } else {
      const vals: number[] = [];
      for (let i = 0; i < samples.length; i++) {
        const v = samples[i] ?? 0;
        if (Number.isFinite(v) && !(skipPadding && isPadding(v, padding))) vals.push(v);
      }
      vals.sort((a, b) => a - b);
      for (const v of vals) {
        codes.push(v);
        counts.push(1);
      }
    }
    // A negative slope reverses the order of modality values.
    if (rescale.slope < 0) {
      codes.reverse();
      counts.reverse();
    }
    return { codes, counts };
  };
  let { codes, counts } = collect(padding !== null);
  if (codes.length === 0) ({ codes, counts } = collect(false));
  if (codes.length === 0) return windowForRange(0, 0);
  if (kind === "full") return windowForRange(toValue(codes[0] ?? 0), toValue(codes[codes.length - 1] ?? 0));
  let n = 0;
  for (const c of counts) n += c;
  const at = (rank: number): number => {
    let cum = 0;
    for (let i = 0; i < codes.length; i++) {
      cum += counts[i] ?? 0;
      if (cum >= rank + 1) return toValue(codes[i] ?? 0);
    }
    return toValue(codes[codes.length - 1] ?? 0);
  };
  return windowForRange(at(percentileRank(n, AUTO_PERCENTILES[0])), at(percentileRank(n, AUTO_PERCENTILES[1])));
}
