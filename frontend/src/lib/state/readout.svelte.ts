/**
 * The pixel readout under the pointer. A raw frame is read in the browser; for a server
 * PNG only the server knows the values, so /pixel is asked, the latest answer winning.
 * The unit is always the server's (Rescale Type): from the raw frame's X-Frame-Unit, or
 * from a server without that header, asked once per file through /pixel.
 */
import { placeholderReadout, pixelReadout, rawReadout, type PixelPos, type Readout } from "../model/readout";
import { client } from "./connection.svelte";
import { display } from "./display.svelte";
import { tabs } from "./tabs.svelte";

class ReadoutState {
  value = $state<Readout | null>(null);
}

export const readout = new ReadoutState();

/** The unit /pixel gave per file: "" while asked, when it has none, or when it failed. */
const units = new Map<number, string>();
let pixelSeq = 0;

/** Update the pixel readout for image pixel (row, column), or clear it (null). */
export function readoutAt(pix: PixelPos | null): void {
  const s = display.shown;
  const item = tabs.item;
  if (!pix || !s || !item || s.kind === "error") {
    readout.value = null;
    return;
  }
  if (s.kind === "raw") {
    const unit = s.raw.unit ?? units.get(item.fileIndex);
    readout.value = rawReadout(s.raw, pix, unit ?? "");
    if (unit === undefined && s.raw.samplesPerPixel === 1) fetchUnit(item.fileIndex, item.frame, pix);
    return;
  }
  // Server PNG: only the server knows the stored values.
  const seq = ++pixelSeq;
  readout.value = placeholderReadout(pix, "…");
  client()
    ?.pixel(item.fileIndex, item.frame, pix.row, pix.column)
    .then((p) => {
      if (seq === pixelSeq) readout.value = pixelReadout(p);
    })
    .catch(() => {
      if (seq === pixelSeq) readout.value = placeholderReadout(pix, "n/a");
    });
}

function fetchUnit(fileIndex: number, frame: number, pix: PixelPos): void {
  units.set(fileIndex, "");
  client()
    ?.pixel(fileIndex, frame, pix.row, pix.column)
    .then((p) => {
      const unit = p.unit ?? "";
      units.set(fileIndex, unit);
      if (readout.value && tabs.item?.fileIndex === fileIndex) readout.value = { ...readout.value, unit };
    })
    .catch(() => {
      // Keep "" (no unit) rather than ask again on every pointer move.
    });
}
