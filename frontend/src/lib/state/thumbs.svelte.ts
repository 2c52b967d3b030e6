/**
 * Series thumbnails for the navigator: small PNGs the server renders (the frame route
 * with `max_size`, so it decodes only the resolution level that fills them), asked for
 * when a row scrolls into view, two at a time, after the first image is on screen so
 * they never delay it. Kept as object URLs for the page's life (a few KB each).
 */
import type { StackItem } from "../model/catalog";
import { client } from "./connection.svelte";

/** The thumbnail's larger side in CSS px; the server gets it times the pixel ratio. */
export const THUMB_PX = 40;
const IN_FLIGHT = 2;

class ThumbState {
  /** "file:frame" -> object URL, or "" when the server could not render it. */
  urls = $state<Record<string, string>>({});
  /** Thumbnails loaded (instrumentation for the e2e tests). */
  loaded = $state(0);
}

export const thumbs = new ThumbState();

const queue: StackItem[] = [];
const asked = new Set<string>();
let running = 0;
let ready = false;

export function thumbKey(item: StackItem): string {
  return `${item.fileIndex}:${item.frame}`;
}

/** Ask for a thumbnail (once); it loads when a slot is free. */
export function requestThumb(item: StackItem): void {
  const key = thumbKey(item);
  if (asked.has(key)) return;
  asked.add(key);
  queue.push(item);
  pump();
}

/** The first image is on screen: thumbnails may load now. */
export function thumbsReady(): void {
  if (ready) return;
  ready = true;
  pump();
}

function pump(): void {
  const api = client();
  if (!ready || !api) return;
  while (running < IN_FLIGHT && queue.length > 0) {
    const item = queue.shift() as StackItem;
    running++;
    const size = Math.round(THUMB_PX * Math.min(2, window.devicePixelRatio || 1));
    api
      .thumbnail(item.fileIndex, item.frame, size)
      .then((blob) => {
        thumbs.urls[thumbKey(item)] = URL.createObjectURL(blob);
        thumbs.loaded++;
      })
      .catch(() => {
        thumbs.urls[thumbKey(item)] = "";
      })
      .finally(() => {
        running--;
        pump();
      });
  }
}
