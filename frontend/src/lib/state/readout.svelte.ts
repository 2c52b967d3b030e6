/**
 * The pixel readout under the pointer, always of the frame the tab is on and always at
 * full resolution: read in the browser from the frame's full-resolution samples when
 * they are cached, else asked of the server (GET .../pixel), never taken from a reduced
 * level's samples (they are block means, not stored values). The viewport calls
 * readoutAt() when the pointer moves and again when the frame or the view changes, so
 * stepping frames with the pointer still updates the value.
 *
 * Server reads are coalesced: one request in flight, and when it returns, only the
 * latest position is asked next. The unit is always the server's (Rescale Type): from
 * the raw frame's X-Frame-Unit, or from a server without that header, asked once per
 * file through /pixel.
 */
import type { PixelReadout } from "../api/types";
import { placeholderReadout, pixelReadout, rawReadout, type PixelPos, type Readout } from "../model/readout";
import { client } from "./connection.svelte";
import { fullFrame } from "./display.svelte";
import type { Pane } from "./panes.svelte";
import { tabOf } from "./tabs.svelte";

class ReadoutState {
  value = $state<Readout | null>(null);
  /** The pane the pointer is over (the readout shows there). */
  pane = $state<number | null>(null);
}

export const readout = new ReadoutState();

/** The unit /pixel gave per file: "" while asked, when it has none, or when it failed. */
const units = new Map<number, string>();

interface Ask {
  fileIndex: number;
  frame: number;
  row: number;
  column: number;
}

/** The latest server read wanted (null: none), and whether one is in flight. */
let wanted: Ask | null = null;
/** What the readout shows the server's answer for. */
let answered: Ask | null = null;
let asking = false;
/** The file the readout is of. */
let readoutFile: number | null = null;

function same(a: Ask | null, b: Ask | null): boolean {
  return a !== null && b !== null && a.fileIndex === b.fileIndex && a.frame === b.frame && a.row === b.row && a.column === b.column;
}

/**
 * Update the pixel readout for image pixel (row, column) of the frame `pane`'s tab is on,
 * or clear it (null).
 */
export function readoutAt(pix: PixelPos | null, pane: Pane): void {
  const tab = tabOf(pane);
  const item = tab ? (tab.stack.items[tab.pos] ?? null) : null;
  const s = pane.shown;
  readout.pane = pane.id;
  const failed = s?.kind === "error" && s.key.split(":").slice(0, 2).join(":") === `${item?.fileIndex}:${item?.frame}`;
  if (!pix || !item || failed) {
    wanted = null;
    answered = null;
    readout.value = null;
    return;
  }
  readoutFile = item.fileIndex;
  const full = fullFrame(item);
  // Through a Modality LUT Sequence only the server knows the modality values.
  if (full && !full.modalityLut) {
    wanted = null;
    answered = null;
    const unit = full.unit ?? units.get(item.fileIndex);
    readout.value = rawReadout(full, pix, unit ?? "");
    if (unit === undefined && full.samplesPerPixel === 1) fetchUnit(item.fileIndex, item.frame, pix);
    return;
  }
  // A reduced level, a server PNG, a Modality LUT, or nothing yet on screen: ask the server.
  const ask: Ask = { fileIndex: item.fileIndex, frame: item.frame, row: pix.row, column: pix.column };
  if (same(ask, wanted) || same(ask, answered)) return;
  wanted = ask;
  answered = null;
  readout.value = placeholderReadout(pix, "…");
  if (!asking) void askServer();
}

async function askServer(): Promise<void> {
  const api = client();
  asking = true;
  try {
    while (api && wanted) {
      const ask = wanted;
      let value: Readout;
      try {
        const p: PixelReadout = await api.pixel(ask.fileIndex, ask.frame, ask.row, ask.column);
        value = pixelReadout(p);
      } catch {
        value = placeholderReadout(ask, "n/a");
      }
      if (same(ask, wanted)) {
        readout.value = value;
        answered = ask;
        wanted = null;
      }
    }
  } finally {
    asking = false;
  }
}

function fetchUnit(fileIndex: number, frame: number, pix: PixelPos): void {
  units.set(fileIndex, "");
  client()
    ?.pixel(fileIndex, frame, pix.row, pix.column)
    .then((p) => {
      const unit = p.unit ?? "";
      units.set(fileIndex, unit);
      if (readout.value && readoutFile === fileIndex) readout.value = { ...readout.value, unit };
    })
    .catch(() => {
      // Keep "" (no unit) rather than ask again on every pointer move.
    });
}
