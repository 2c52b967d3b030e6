/**
 * "Export": the active pane's view as displayed, as PNG, and the cine loop, as a file.
 *
 * The PNG is made here, from the viewport canvas (window, zoom, pan, flips, rotation
 * exactly as drawn) with the ROI boxes of the frame drawn over it: only the browser
 * knows the view. No corner text goes in (patient name, ID, dates stay out of it).
 *
 * The cine loop is encoded by the server (GET /api/file/:i/cine, Instance.export_cine):
 * WebP, APNG, GIF and H.264 encoders are there already, a browser would need a WASM
 * encoder for any of them but WebM, and a script, the CLI and the viewer then all get
 * the same file. It holds whole frames (not the zoom or flips) at the level that fits
 * 1024 pixels, in the tab's window, at the cine bar's rate, with the file's ROIs.
 */
import { windowFor } from "../model/preset";
import { roiScreenRect, visibleOnFrame } from "../render/roi";
import type { WindowLevel } from "../render/window";
import { cine } from "./cine.svelte";
import { client } from "./connection.svelte";
import { imageSize } from "./display.svelte";
import { activePane } from "./panes.svelte";
import { roisOf } from "./rois.svelte";
import { tabs } from "./tabs.svelte";
import { toast } from "./ui.svelte";
import { currentView } from "./view.svelte";

/** The largest side of an exported cine frame: the level that fits it (max_size). */
export const CINE_MAX_SIZE = 1024;

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

let snapshot: (() => HTMLCanvasElement | null) | null = null;

/**
 * The active pane's viewport registers how to get its canvas freshly drawn: a WebGL
 * canvas keeps its pixels only until the browser composites, so the export copies them
 * in the same task.
 */
export function registerSnapshot(fn: () => HTMLCanvasElement | null): () => void {
  snapshot = fn;
  return () => {
    if (snapshot === fn) snapshot = null;
  };
}

/** The canvas's pixels with `boxes` (CSS pixels) stroked over them, as a new canvas. */
export function composeView(source: HTMLCanvasElement, boxes: Box[], dpr: number, colour: string): HTMLCanvasElement {
  const out = document.createElement("canvas");
  out.width = source.width;
  out.height = source.height;
  const ctx = out.getContext("2d");
  if (!ctx) throw new Error("no 2D canvas");
  ctx.drawImage(source, 0, 0);
  ctx.strokeStyle = colour;
  ctx.lineWidth = 1.5 * dpr; // as RoiLayer strokes them
  for (const b of boxes) ctx.strokeRect(b.x * dpr, b.y * dpr, b.width * dpr, b.height * dpr);
  return out;
}

function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Download the view as displayed (PNG, canvas size), ROI boxes of this frame included. */
export async function exportView(): Promise<void> {
  const pane = activePane();
  const item = tabs.item;
  const view = currentView(pane);
  const img = imageSize(pane);
  const canvas = snapshot?.() ?? null;
  if (!item || !view || !img || !canvas) {
    toast("Nothing to export: open an image first");
    return;
  }
  const boxes = roisOf(item.fileIndex)
    .filter((r) => visibleOnFrame(r, item.frame))
    .map((r) => roiScreenRect(r, view, img, pane.size));
  const colour = getComputedStyle(document.documentElement).getPropertyValue("--roi").trim() || "#3ee07a";
  const out = composeView(canvas, boxes, pane.dpr, colour);
  const blob = await new Promise<Blob | null>((resolve) => out.toBlob(resolve, "image/png"));
  if (!blob) {
    toast("Export failed: the canvas could not be encoded");
    return;
  }
  download(blob, `dcmview-${item.fileIndex}-frame${item.frame + 1}.png`);
}

/** Download the open file's frames as an animation (the server encodes it). */
export async function exportCine(format: "webp" | "gif" | "png" | "mp4" = "webp"): Promise<void> {
  const api = client();
  const tab = tabs.current;
  const item = tabs.item;
  if (!api || !tab || !item) {
    toast("Nothing to export: open an image first");
    return;
  }
  const shown = activePane().shown;
  const colour = shown?.kind === "raw" && shown.raw.samplesPerPixel > 1;
  const window: WindowLevel | null = colour ? null : windowFor(tab, shown);
  toast("Exporting cine…");
  try {
    const blob = await api.cine(item.fileIndex, { format, fps: cine.fps, window, maxSize: CINE_MAX_SIZE, rois: true });
    download(blob, `dcmview-${item.fileIndex}.${format}`);
    toast(`Exported ${format.toUpperCase()}`);
  } catch (exc) {
    toast(`Export failed: ${exc instanceof Error ? exc.message : String(exc)}`);
  }
}
