/**
 * "Export PNG" as displayed: which of a pane's layers go into the file, in what order,
 * and the pure steps of drawing them (no DOM here; state/export.svelte.ts reads the
 * page and hands these functions plain values, so vitest can check them in node).
 *
 * What goes in, bottom to top, as on screen:
 *   1. the image canvas (window, zoom, pan, flips, rotation as drawn);
 *   2. the overlay layer (OverlayLayer.svelte, any layer marked `data-export="overlay"`):
 *      its bitmap canvases (SEG, RT Dose, parametric maps, overlay planes) at their CSS
 *      opacity, then its SVG (GSPS display shutters, RTSTRUCT contours, GSPS graphics and
 *      texts) serialised with the computed styles that paint inlined;
 *   3. the ROI boxes of the frame (stroked in --roi, as before);
 *   4. the length measurements (`data-export="measure"`): lines and their lengths,
 *      useful in a figure and naming no one;
 *   5. only when asked ("Scale bar & orientation"): the scale bar and the orientation
 *      markers and laterality (`data-export="annotation"`): useful in a paper figure,
 *      but not part of the image, so the default PNG stays the image and what the user
 *      switched on or drew.
 * Never: the corner text (patient, series, file name, window and zoom readouts, frame
 * counter, pixel readout), the burned-in notice, ROI handles and drafts, the Redact
 * tool's outlines (the server has already blacked out the pixels under them). Under
 * --mask, the overlay layer's free text (GSPS text annotations, which the server does
 * not mask) is left out as well: nothing in the file can name the patient.
 */

/** A layer of the pane that goes into the exported PNG, from its `data-export` attribute. */
export type ExportLayer = "overlay" | "measure" | "annotation";

export interface ExportOptions {
  /** The scale bar and orientation markers too (off by default). */
  annotations: boolean;
  /** --mask: leave out overlay free text. */
  masked: boolean;
}

/** The layers to draw over the image and ROI boxes, in screen order; ROIs between. */
export function layersToExport(opts: ExportOptions): { belowRois: ExportLayer[]; aboveRois: ExportLayer[] } {
  return { belowRois: ["overlay"], aboveRois: opts.annotations ? ["measure", "annotation"] : ["measure"] };
}

/** SVG elements whose text could name someone: left out of an overlay layer under --mask. */
export function dropsText(layer: ExportLayer, opts: ExportOptions): boolean {
  return layer === "overlay" && opts.masked;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** An element's box (client coordinates) in device pixels of the pane whose box is `pane`. */
export function deviceRect(el: { left: number; top: number; width: number; height: number }, pane: { left: number; top: number }, dpr: number): Rect {
  return { x: (el.left - pane.left) * dpr, y: (el.top - pane.top) * dpr, width: el.width * dpr, height: el.height * dpr };
}

/**
 * The computed style properties that decide how SVG paints (presentation properties a
 * stylesheet may set through a class: the viewer's `.contour`, `.graphic`, `.gsps-text`,
 * the measure layer's lines and labels). Set inline on the serialised copy, since an SVG
 * drawn as an image sees none of the page's stylesheets.
 */
export const SVG_PAINT_PROPS = [
  "fill",
  "fill-opacity",
  "fill-rule",
  "stroke",
  "stroke-width",
  "stroke-opacity",
  "stroke-dasharray",
  "stroke-linecap",
  "stroke-linejoin",
  "opacity",
  "paint-order",
  "font-family",
  "font-size",
  "font-weight",
  "font-style",
  "text-anchor",
  "dominant-baseline",
  "visibility",
] as const;

/** `prop: value` declarations for an inline style attribute, from a computed style getter. */
export function inlineStyle(get: (prop: string) => string, props: readonly string[] = SVG_PAINT_PROPS): string {
  const out: string[] = [];
  for (const p of props) {
    const v = get(p).trim();
    // Double quotes in font-family lists would end the attribute's value early in a
    // hand-written document; XMLSerializer escapes them, single quotes read the same.
    if (v) out.push(`${p}: ${v.replaceAll('"', "'")}`);
  }
  return out.join("; ");
}

/**
 * The attributes that make a serialised `<svg>` of `size` CSS px a standalone document
 * rasterised at device pixels: width and height in device px, the drawing in CSS px.
 */
export function svgRootAttributes(size: { width: number; height: number }, dpr: number): Record<string, string> {
  return {
    xmlns: "http://www.w3.org/2000/svg",
    width: String(Math.max(1, Math.round(size.width * dpr))),
    height: String(Math.max(1, Math.round(size.height * dpr))),
    viewBox: `0 0 ${size.width} ${size.height}`,
  };
}

/** An element's opacity as painted: its own and its ancestors' CSS opacity multiplied. */
export function effectiveOpacity(chain: Array<string | number>): number {
  let a = 1;
  for (const v of chain) {
    const n = typeof v === "number" ? v : Number.parseFloat(v);
    if (Number.isFinite(n)) a *= Math.min(1, Math.max(0, n));
  }
  return a;
}

/** What a 2D context needs here (a CanvasRenderingContext2D, or a recorder in tests). */
export interface Ctx2D {
  globalAlpha: number;
  fillStyle: string | CanvasGradient | CanvasPattern;
  strokeStyle: string | CanvasGradient | CanvasPattern;
  lineWidth: number;
  font: string;
  textBaseline: CanvasTextBaseline;
  textAlign: CanvasTextAlign;
  shadowColor: string;
  shadowBlur: number;
  save(): void;
  restore(): void;
  strokeRect(x: number, y: number, w: number, h: number): void;
  fillText(text: string, x: number, y: number): void;
  beginPath(): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  stroke(): void;
}

/** ROI boxes (CSS px) stroked as RoiLayer strokes them. */
export function strokeBoxes(ctx: Ctx2D, boxes: Rect[], dpr: number, colour: string): void {
  ctx.strokeStyle = colour;
  ctx.lineWidth = 1.5 * dpr; // as RoiLayer strokes them
  for (const b of boxes) ctx.strokeRect(b.x * dpr, b.y * dpr, b.width * dpr, b.height * dpr);
}

/** An HTML label of the pane (a marker, the scale bar's length): its text, box and look. */
export interface TextBox {
  text: string;
  /** Its content box in device px. */
  rect: Rect;
  /** CSS font shorthand at device px (see `scaleFont`). */
  font: string;
  colour: string;
  align: "left" | "right" | "center";
  /** A border drawn round it (the laterality's box), in device px; 0 for none. */
  border: number;
}

/** A computed CSS font's size and line height scaled to device pixels. */
export function scaleFont(style: { fontStyle: string; fontWeight: string; fontSize: string; fontFamily: string }, dpr: number): string {
  const size = Number.parseFloat(style.fontSize) || 12;
  const parts = [style.fontStyle, style.fontWeight].filter((p) => p && p !== "normal" && p !== "400");
  return [...parts, `${size * dpr}px`, style.fontFamily].join(" ");
}

/** The labels drawn as the page draws them: the text with its dark halo (text-shadow). */
export function paintTextBoxes(ctx: Ctx2D, boxes: TextBox[], dpr: number): void {
  for (const b of boxes) {
    ctx.save();
    ctx.font = b.font;
    ctx.fillStyle = b.colour;
    ctx.textBaseline = "middle";
    ctx.textAlign = b.align;
    ctx.shadowColor = "#000";
    ctx.shadowBlur = 3 * dpr;
    const x = b.align === "left" ? b.rect.x : b.align === "right" ? b.rect.x + b.rect.width : b.rect.x + b.rect.width / 2;
    // Twice, as the two text-shadows on screen make a darker halo than one.
    ctx.fillText(b.text, x, b.rect.y + b.rect.height / 2);
    ctx.fillText(b.text, x, b.rect.y + b.rect.height / 2);
    if (b.border > 0) {
      ctx.strokeStyle = b.colour;
      ctx.lineWidth = b.border;
      ctx.strokeRect(b.rect.x, b.rect.y, b.rect.width, b.rect.height);
    }
    ctx.restore();
  }
}

/** The scale bar's bracket (left, bottom and right border of its box, device px). */
export function paintScaleBar(ctx: Ctx2D, rect: Rect, colour: string, dpr: number): void {
  ctx.save();
  ctx.strokeStyle = colour;
  ctx.lineWidth = dpr;
  ctx.shadowColor = "#000";
  ctx.shadowBlur = 2 * dpr;
  const h = dpr / 2; // stroke on the border's middle, inside the box
  ctx.beginPath();
  ctx.moveTo(rect.x + h, rect.y);
  ctx.lineTo(rect.x + h, rect.y + rect.height - h);
  ctx.lineTo(rect.x + rect.width - h, rect.y + rect.height - h);
  ctx.lineTo(rect.x + rect.width - h, rect.y);
  ctx.stroke();
  ctx.restore();
}
