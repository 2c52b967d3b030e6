/**
 * What a tab's window choice means for the frame on screen: "dicom" (the frame's own
 * window, as the server resolves it), "full" (its full dynamic range), a preset id from
 * the toolbar, or "custom" (a dragged window).
 */
import type { Loaded, PngWindow } from "../api/frames";
import { presetWindow } from "../render/raw";
import { PRESETS, type WindowLevel } from "../render/window";

export interface WindowChoice {
  /** "dicom" (per-frame default), "full", a preset id, or "custom" (then `custom` is set). */
  preset: string;
  custom: WindowLevel | null;
}

/** Shown until the frame says better: the 8-bit identity window. */
const IDENTITY: WindowLevel = { center: 127.5, width: 256 };

/** The window a preset id or a drag fixes; null for "dicom" and "full" (they depend on the frame). */
export function fixedWindow(c: WindowChoice): WindowLevel | null {
  if (c.preset === "custom") return c.custom;
  return PRESETS.find((p) => p.id === c.preset)?.window ?? null;
}

/** The window to ask the server's PNG for (null: the server's default). */
export function pngWindow(c: WindowChoice): PngWindow {
  if (c.preset === "dicom") return null;
  if (c.preset === "full") return "full";
  return fixedWindow(c);
}

/** The window applied to what is shown, in modality units. */
export function windowFor(c: WindowChoice, loaded: Loaded | null): WindowLevel {
  const fixed = fixedWindow(c);
  if (fixed) return fixed;
  if (loaded?.kind === "png") return loaded.window ?? IDENTITY;
  if (loaded?.kind === "raw") {
    // The server says what "dicom" and "full" mean for this frame (X-Frame-Auto/Full-*);
    // null: the server PNG is on its way (VOI LUT), until then the range it covers.
    const r = loaded.raw;
    const w = presetWindow(r, c.preset === "dicom" ? "dicom" : "full") ?? r.autoWindow ?? r.defaultWindow;
    if (w) return w;
  }
  return IDENTITY;
}
