/**
 * The pixel readout's text: stored value(s), modality value and its unit, from a raw
 * frame in the browser or from the server's GET /api/file/:i/frame/:f/pixel answer.
 */
import type { PixelReadout } from "../api/types";
import { storedAt, type RawFrame } from "../render/raw";

export interface Readout {
  row: number;
  column: number;
  stored: string;
  /** The modality value (after rescale), "" for colour or while unknown. */
  modality: string;
  /** The server's unit of the modality value (Rescale Type; "HU" for CT), "" for none. */
  unit: string;
}

export interface PixelPos {
  row: number;
  column: number;
}

/** Integers as they are, other values with two decimals. */
export function formatNum(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

/** The readout of a raw frame at `at`, with `unit` from the server; one sample has a modality value. */
export function rawReadout(raw: RawFrame, at: PixelPos, unit: string): Readout {
  const stored = storedAt(raw, at.row, at.column);
  const gray = stored.length === 1;
  return {
    row: at.row,
    column: at.column,
    stored: stored.join(", "),
    modality: gray ? formatNum((stored[0] ?? 0) * raw.slope + raw.intercept) : "",
    unit,
  };
}

/** The readout of the server's /pixel answer. */
export function pixelReadout(p: PixelReadout): Readout {
  const fmt = (v: number | number[] | null): string => (v === null ? "" : Array.isArray(v) ? v.map(formatNum).join(", ") : formatNum(v));
  return { row: p.row, column: p.column, stored: fmt(p.stored), modality: fmt(p.modality), unit: p.unit ?? "" };
}

/** A readout with no values yet ("…" while asked) or none to give ("n/a"). */
export function placeholderReadout(at: PixelPos, stored: string): Readout {
  return { row: at.row, column: at.column, stored, modality: "", unit: "" };
}

/** The readout line: `(row, column) stored S · M unit` (the modality part only when known). */
export function readoutText(r: Readout): string {
  const head = `(${r.row}, ${r.column}) stored ${r.stored}`;
  if (r.modality === "") return head;
  return `${head} · ${[r.modality, r.unit].filter(Boolean).join(" ")}`;
}
