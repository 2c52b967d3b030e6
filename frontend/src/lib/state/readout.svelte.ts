/**
 * The pixel readout under the pointer. A raw frame is read in the browser (its unit
 * asked once per file from the server); for a server PNG only the server knows the
 * values, so /pixel is asked, the latest answer winning.
 */
import { placeholderReadout, pixelReadout, rawReadout, type PixelPos, type Readout } from "../model/readout";
import { catalog } from "./catalog.svelte";
import { client } from "./connection.svelte";
import { display } from "./display.svelte";
import { tabs } from "./tabs.svelte";

class ReadoutState {
  value = $state<Readout | null>(null);
}

export const readout = new ReadoutState();

const unitCache = new Map<number, string>();
let pixelSeq = 0;

/** Update the pixel readout for image pixel (row, column), or clear it (null). */
export function readoutAt(pix: PixelPos | null): void {
  const s = display.shown;
  const item = tabs.item;
  if (!pix || !s || !item || s.kind === "error") {
    readout.value = null;
    return;
  }
  const api = client();
  if (s.kind === "raw") {
    const f = catalog.byIndex.get(item.fileIndex);
    const unit = unitCache.get(item.fileIndex) ?? (f?.modality === "CT" ? "HU" : "");
    readout.value = rawReadout(s.raw, pix, unit);
    if (s.raw.samplesPerPixel === 1 && !unitCache.has(item.fileIndex)) fetchUnit(item.fileIndex, item.frame, pix);
    return;
  }
  // Server PNG: only the server knows the stored values.
  const seq = ++pixelSeq;
  readout.value = placeholderReadout(pix, "…");
  api
    ?.pixel(item.fileIndex, item.frame, pix.row, pix.column)
    .then((p) => {
      if (seq === pixelSeq) readout.value = pixelReadout(p);
    })
    .catch(() => {
      if (seq === pixelSeq) readout.value = placeholderReadout(pix, "n/a");
    });
}

function fetchUnit(fileIndex: number, frame: number, pix: PixelPos): void {
  unitCache.set(fileIndex, "");
  client()
    ?.pixel(fileIndex, frame, pix.row, pix.column)
    .then((p) => {
      unitCache.set(fileIndex, p.unit ?? "");
      if (readout.value) readout.value = { ...readout.value, unit: p.unit ?? "" };
    })
    .catch(() => {
      const f = catalog.byIndex.get(fileIndex);
      unitCache.set(fileIndex, f?.modality === "CT" ? "HU" : "");
    });
}
