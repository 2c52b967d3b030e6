/**
 * Overlays of derived objects: which are switched on (per derived file, for every image
 * it refers to), their opacity, and what was loaded for each (object, image, frame):
 * a bitmap (SEG, dose, map), RTSTRUCT contours or GSPS graphics, a legend, or the
 * message of why it cannot be drawn. Drawing is components/OverlayLayer.svelte.
 */
import { ApiError } from "../api/client";
import type { GraphicAnnotations, ImageContour, SemanticContext, ValueLegend } from "../api/types";
import { colorsParam, isBitmap, overlayMessage, shownByDefault, type DerivedEntry } from "../model/overlays";
import { client } from "./connection.svelte";

export interface Layer {
  status: "loading" | "ready" | "empty" | "error";
  bitmap?: ImageBitmap;
  contours?: ImageContour[];
  annotations?: GraphicAnnotations;
  /** Dose / map values on the image's pixels, row-major (value under the cursor). */
  values?: Float32Array;
  message?: string;
}

class OverlayState {
  /** Derived file index -> shown. */
  enabled = $state<Record<number, boolean>>({});
  /** Derived file index -> opacity 0..1 (1: as the server drew it). */
  opacity = $state<Record<number, number>>({});
  /** `${object}:${image}:${frame}` -> what was loaded. */
  layers = $state.raw<Record<string, Layer>>({});
  /** Derived file index -> its colour scale (dose, map). */
  legends = $state.raw<Record<number, ValueLegend>>({});
  /** Derived file index -> its semantic context (segments, eligibility). */
  contexts = $state.raw<Record<number, SemanticContext | { failed: string }>>({});
  /** Image file index -> derived objects found by Frame of Reference (/references). */
  extra = $state.raw<Record<number, number[]>>({});
  /** SEG file index -> Segment Numbers switched off. */
  hiddenSegments = $state<Record<number, number[]>>({});
  /** SEG file index -> Segment Number -> the colour chosen for it (`#rrggbb`). */
  segmentColors = $state<Record<number, Record<number, string>>>({});
}

export const overlays = new OverlayState();

const KEEP = 96; // layers kept; bitmaps beyond are closed (oldest first)
const order: string[] = [];

/** The key of what `entry` draws on a frame (a SEG's key names its hidden segments and colours). */
export function layerKey(entry: Pick<DerivedEntry, "index" | "kind">, image: number, frame: number): string {
  if (entry.kind !== "seg") return `${entry.index}:${image}:${frame}`;
  const hidden = overlays.hiddenSegments[entry.index] ?? [];
  const colors = colorsParam(overlays.segmentColors[entry.index]);
  return `${entry.index}:${image}:${frame}${hidden.length ? `:-${hidden.join(",")}` : ""}${colors ? `:${colors}` : ""}`;
}

/** The Segment Numbers of a SEG from its semantic context (empty until it is loaded). */
function segmentNumbers(seg: number): number[] {
  const c = overlays.contexts[seg];
  return c && "context" in c ? (c.context.segments ?? []).map((s) => s.number) : [];
}

export function toggleSegment(seg: number, number: number): void {
  const hidden = new Set(overlays.hiddenSegments[seg] ?? []);
  if (hidden.has(number)) hidden.delete(number);
  else hidden.add(number);
  overlays.hiddenSegments[seg] = [...hidden].sort((a, b) => a - b);
}

/** Draw a segment in `hex` (`#rrggbb`), or in its recommended colour again (null). */
export function setSegmentColor(seg: number, number: number, hex: string | null): void {
  const { [number]: _, ...rest } = overlays.segmentColors[seg] ?? {};
  overlays.segmentColors[seg] = hex === null ? rest : { ...rest, [number]: hex.toLowerCase() };
}

/** Whether `entry` is shown: as switched, else by default (overlay planes on, the rest off). */
export function isShown(entry: Pick<DerivedEntry, "index" | "kind">): boolean {
  return overlays.enabled[entry.index] ?? shownByDefault(entry.kind);
}

/** Switch an overlay on or off (`on`), or over; `kind` gives what it is when never switched. */
export function toggleOverlay(object: number, on?: boolean, kind?: DerivedEntry["kind"]): void {
  const was = overlays.enabled[object] ?? (kind ? shownByDefault(kind) : false);
  overlays.enabled[object] = on ?? !was;
}

export function setOpacity(object: number, value: number): void {
  overlays.opacity[object] = Math.min(1, Math.max(0, value));
}

function put(key: string, layer: Layer): void {
  overlays.layers = { ...overlays.layers, [key]: layer };
  const at = order.indexOf(key);
  if (at >= 0) order.splice(at, 1);
  order.push(key);
  while (order.length > KEEP) {
    const old = order.shift();
    if (old === undefined) break;
    overlays.layers[old]?.bitmap?.close();
    const { [old]: _, ...rest } = overlays.layers;
    overlays.layers = rest;
  }
}

/**
 * Drop the loaded overlay planes of `files`: their redaction boxes changed, and the server
 * hides overlay planes under the boxes too (a plane can hold text); they load again.
 */
export function forgetPlanes(files: Iterable<number>): void {
  const prefixes = [...files].map((f) => `${f}:${f}:`); // a planes layer is keyed by its own image
  const gone = Object.keys(overlays.layers).filter((key) => prefixes.some((p) => key.startsWith(p)));
  if (!gone.length) return;
  const next = { ...overlays.layers };
  for (const key of gone) {
    next[key]?.bitmap?.close();
    delete next[key];
    order.splice(order.indexOf(key), 1);
  }
  overlays.layers = next;
}

function failed(entry: DerivedEntry, exc: unknown): Layer {
  if (exc instanceof ApiError) {
    // A SEG with no mask on this frame is nothing to draw, not a fault.
    if (exc.code === "not_found" && entry.kind === "seg") return { status: "empty" };
    return { status: "error", message: overlayMessage(entry, exc.code, exc.message) };
  }
  return { status: "error", message: overlayMessage(entry, "internal", String(exc)) };
}

/** Values are fetched beside the wash up to this many pixels (16 MiB of float32). */
const MAX_VALUE_PIXELS = 4 * 1024 * 1024;

async function fetchLayer(entry: DerivedEntry, image: number, frame: number, pixels: number): Promise<Layer> {
  const api = client();
  if (!api) return { status: "error", message: "not connected" };
  if (entry.kind === "planes") {
    // The image's own overlay planes: white where set, transparent elsewhere.
    return { status: "ready", bitmap: await createImageBitmap(await api.presentationLayer(image, frame)) };
  }
  if (isBitmap(entry.kind)) {
    const hidden = overlays.hiddenSegments[entry.index] ?? [];
    const only = hidden.length ? segmentNumbers(entry.index).filter((n) => !hidden.includes(n)) : undefined;
    const blob =
      entry.kind === "seg"
        ? await api.segmentationOverlay(image, frame, entry.index, only, colorsParam(overlays.segmentColors[entry.index]))
        : entry.kind === "dose"
          ? await api.doseOverlay(image, frame, entry.index)
          : await api.parametricMapOverlay(image, frame, entry.index);
    const bitmap = await createImageBitmap(blob);
    if (entry.kind === "seg" || pixels > MAX_VALUE_PIXELS) return { status: "ready", bitmap };
    const of = entry.kind === "dose" ? { dose: entry.index } : { map: entry.index };
    const values = await api.overlayValues(image, frame, of).catch(() => undefined);
    return values ? { status: "ready", bitmap, values } : { status: "ready", bitmap };
  }
  if (entry.kind === "rtstruct") {
    const body = await api.rtContours(image, frame, entry.index);
    const contours = body.structure_sets.flatMap((s) => s.contours);
    return contours.length ? { status: "ready", contours } : { status: "empty" };
  }
  const annotations = await api.graphicAnnotations(image, frame, entry.index);
  // A GSPS that only sets the display (window, rotation, shutters) is something to apply.
  const some = annotations.graphics.length || annotations.texts.length || annotations.presentation;
  return some ? { status: "ready", annotations } : { status: "empty" };
}

/**
 * Load what the switched-on `entries` draw on frame `frame` of image `image` (once each);
 * `pixels`: the image's size, to decide whether dose / map values come along.
 */
export function ensureLayers(image: number, frame: number, entries: readonly DerivedEntry[], pixels = 0): void {
  for (const entry of entries) {
    if (!isShown(entry)) continue;
    const key = layerKey(entry, image, frame);
    if (overlays.layers[key]) continue;
    put(key, { status: "loading" });
    fetchLayer(entry, image, frame, pixels)
      .then((layer) => put(key, layer))
      .catch((exc: unknown) => put(key, failed(entry, exc)));
    if ((entry.kind === "dose" || entry.kind === "pmap") && !overlays.legends[entry.index]) ensureLegend(entry, image, frame);
  }
}

function ensureLegend(entry: DerivedEntry, image: number, frame: number): void {
  const api = client();
  if (!api) return;
  const of = entry.kind === "dose" ? { dose: entry.index } : { map: entry.index };
  api
    .valueLegend(image, frame, of)
    .then((legend) => (overlays.legends = { ...overlays.legends, [entry.index]: legend }))
    .catch(() => undefined); // the layer itself reports why it cannot be drawn
}

const asked = new Set<string>();

/** The semantic context of a derived object (segments and colours, eligibility), once. */
export function ensureContext(object: number): void {
  const api = client();
  if (!api || asked.has(`c${object}`)) return;
  asked.add(`c${object}`);
  api
    .semanticContext(object)
    .then((ctx) => (overlays.contexts = { ...overlays.contexts, [object]: ctx }))
    .catch((exc: unknown) => (overlays.contexts = { ...overlays.contexts, [object]: { failed: exc instanceof Error ? exc.message : String(exc) } }));
}

/** The objects that place themselves on `image` by Frame of Reference (from /references), once. */
export function ensureExtraReferences(image: number): void {
  const api = client();
  if (!api || asked.has(`r${image}`)) return;
  asked.add(`r${image}`);
  api
    .references(image)
    .then((refs) => {
      const byGeometry = refs.referenced_by.filter((r) => r.via === "FrameOfReferenceUID" && r.index !== null).map((r) => r.index as number);
      if (byGeometry.length) overlays.extra = { ...overlays.extra, [image]: byGeometry };
    })
    .catch(() => undefined); // an image without references: nothing more to list
}
