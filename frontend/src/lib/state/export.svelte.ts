/**
 * "Export": the active pane's view as displayed, as PNG, and the cine loop, as a file.
 *
 * The PNG is made here, from the viewport canvas (window, zoom, pan, flips, rotation
 * exactly as drawn) with the layers drawn over it on screen that belong in a figure:
 * the overlay layer (bitmaps, shutters, contours, GSPS graphics), the ROI boxes of the
 * frame, the length measurements and, when asked, the scale bar and orientation
 * markers. render/compose.ts says which and why; only the browser knows the view. No
 * corner text goes in (patient name, ID, dates stay out of it), nor, under --mask, the
 * overlays' free text.
 *
 * The cine loop is encoded by the server (GET /api/file/:i/cine, Instance.export_cine):
 * WebP, APNG, GIF and H.264 encoders are there already, a browser would need a WASM
 * encoder for any of them but WebM, and a script, the CLI and the viewer then all get
 * the same file. It holds whole frames (not the zoom or flips) at the level that fits
 * 1024 pixels, in the tab's window, at the cine bar's rate, with the file's ROIs.
 */
import { windowFor } from "../model/preset";
import {
  SVG_PAINT_PROPS,
  deviceRect,
  dropsText,
  effectiveOpacity,
  inlineStyle,
  layersToExport,
  paintScaleBar,
  paintTextBoxes,
  scaleFont,
  strokeBoxes,
  svgRootAttributes,
  type ExportLayer,
  type ExportOptions,
  type Rect,
  type TextBox,
} from "../render/compose";
import { roiScreenRect, visibleOnFrame } from "../render/roi";
import type { WindowLevel } from "../render/window";
import { catalog } from "./catalog.svelte";
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

export type Box = Rect;

/** "Scale bar & orientation" beside Export PNG: those labels go into the PNG too. */
export const exportSettings = $state({ annotations: false });

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

/** A 2D canvas holding a copy of `source`'s pixels. */
function copyOf(source: HTMLCanvasElement): { out: HTMLCanvasElement; ctx: CanvasRenderingContext2D } {
  const out = document.createElement("canvas");
  out.width = source.width;
  out.height = source.height;
  const ctx = out.getContext("2d");
  if (!ctx) throw new Error("no 2D canvas");
  ctx.drawImage(source, 0, 0);
  return { out, ctx };
}

/**
 * The pane's view as on screen: `source` (the image canvas, copied first and at once,
 * see registerSnapshot), then the pane's exported layers (render/compose.ts) in screen
 * order with the ROI boxes between them.
 */
export async function composeDisplayed(
  source: HTMLCanvasElement,
  pane: HTMLElement,
  boxes: Box[],
  dpr: number,
  colour: string,
  opts: ExportOptions,
): Promise<HTMLCanvasElement> {
  const { out, ctx } = copyOf(source);
  const { belowRois, aboveRois } = layersToExport(opts);
  for (const layer of belowRois) await drawLayer(ctx, pane, layer, dpr, opts);
  strokeBoxes(ctx, boxes, dpr, colour);
  for (const layer of aboveRois) await drawLayer(ctx, pane, layer, dpr, opts);
  return out;
}

function shown(el: Element): boolean {
  const s = getComputedStyle(el);
  return s.display !== "none" && s.visibility !== "hidden";
}

/** The CSS opacities from `el` up to the pane, multiplied. */
function opacityOf(el: Element, pane: Element): number {
  const chain: string[] = [];
  for (let e: Element | null = el; e && e !== pane; e = e.parentElement) chain.push(getComputedStyle(e).opacity);
  return effectiveOpacity(chain);
}

async function drawLayer(ctx: CanvasRenderingContext2D, pane: HTMLElement, layer: ExportLayer, dpr: number, opts: ExportOptions): Promise<void> {
  const paneBox = pane.getBoundingClientRect();
  for (const root of pane.querySelectorAll(`[data-export="${layer}"]`)) {
    if (layer === "annotation") {
      drawLabels(ctx, root, paneBox, dpr);
      continue;
    }
    // Every canvas and outermost SVG of the layer, in document (= screen) order: the
    // bitmaps of OverlayLayer and any added to it later, then its vectors.
    const parts = [root, ...root.querySelectorAll("*")].filter((el) => el.matches("canvas, svg") && !el.parentElement?.closest("svg"));
    for (const el of parts) {
      if (!shown(el)) continue;
      const r = deviceRect(el.getBoundingClientRect(), paneBox, dpr);
      if (r.width <= 0 || r.height <= 0) continue;
      const picture = el instanceof HTMLCanvasElement ? el : await svgImage(el as SVGSVGElement, dpr, dropsText(layer, opts));
      ctx.globalAlpha = opacityOf(el, pane);
      ctx.drawImage(picture, r.x, r.y, r.width, r.height);
      ctx.globalAlpha = 1;
    }
  }
}

/**
 * `svg` as an image: a copy with the computed paint of each element inlined (the page's
 * stylesheets do not reach an SVG drawn as an image), rasterised at device pixels.
 */
async function svgImage(svg: SVGSVGElement, dpr: number, noText: boolean): Promise<HTMLImageElement> {
  const copy = svg.cloneNode(true) as SVGSVGElement;
  const originals = [svg, ...svg.querySelectorAll("*")];
  const copies = [copy, ...copy.querySelectorAll("*")];
  const drop: Element[] = [];
  originals.forEach((orig, i) => {
    const el = copies[i];
    if (!el) return;
    const cs = getComputedStyle(orig);
    if (cs.display === "none" || (noText && orig.tagName.toLowerCase() === "text")) {
      drop.push(el);
      return;
    }
    // The root's own opacity is applied when it is drawn (with its ancestors').
    const props = i === 0 ? SVG_PAINT_PROPS.filter((p) => p !== "opacity") : SVG_PAINT_PROPS;
    el.setAttribute("style", inlineStyle((p) => cs.getPropertyValue(p), props));
  });
  for (const el of drop) el.remove();
  const box = svg.getBoundingClientRect();
  for (const [k, v] of Object.entries(svgRootAttributes(box, dpr))) copy.setAttribute(k, v);
  const text = new XMLSerializer().serializeToString(copy);
  // A Blob URL is same-origin: drawing it leaves the canvas readable (toBlob works).
  const url = URL.createObjectURL(new Blob([text], { type: "image/svg+xml" }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    return img;
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** The scale bar and the orientation markers (HTML labels) as the page shows them. */
function drawLabels(ctx: CanvasRenderingContext2D, root: Element, paneBox: DOMRect, dpr: number): void {
  const boxes: TextBox[] = [];
  for (const el of [root, ...root.querySelectorAll("*")]) {
    if (!shown(el)) continue;
    const cs = getComputedStyle(el);
    if (el.classList.contains("bar")) {
      paintScaleBar(ctx, deviceRect(el.getBoundingClientRect(), paneBox, dpr), cs.borderLeftColor, dpr);
      continue;
    }
    const text = el.children.length === 0 ? (el.textContent ?? "").trim() : "";
    if (!text) continue;
    boxes.push({
      text,
      rect: deviceRect(el.getBoundingClientRect(), paneBox, dpr),
      font: scaleFont(cs, dpr),
      colour: cs.color,
      align: "center",
      border: (Number.parseFloat(cs.borderTopWidth) || 0) * dpr,
    });
  }
  paintTextBoxes(ctx, boxes, dpr);
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

/** Download the view as displayed (PNG, canvas size), with the layers compose.ts names. */
export async function exportView(): Promise<void> {
  const pane = activePane();
  const item = tabs.item;
  const view = currentView(pane);
  const img = imageSize(pane);
  const canvas = snapshot?.() ?? null;
  const host = canvas?.parentElement ?? null;
  if (!item || !view || !img || !canvas || !host) {
    toast("Nothing to export: open an image first");
    return;
  }
  const boxes = roisOf(item.fileIndex)
    .filter((r) => visibleOnFrame(r, item.frame))
    .map((r) => roiScreenRect(r, view, img, pane.size));
  const colour = getComputedStyle(document.documentElement).getPropertyValue("--roi").trim() || "#3ee07a";
  let out: HTMLCanvasElement;
  try {
    out = await composeDisplayed(canvas, host, boxes, pane.dpr, colour, { annotations: exportSettings.annotations, masked: catalog.masked });
  } catch (exc) {
    toast(`Export failed: ${exc instanceof Error ? exc.message : String(exc)}`);
    return;
  }
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
