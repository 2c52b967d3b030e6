/**
 * Redaction boxes per file: the Redact tool's list and every write to it. A committed
 * edit is saved with PUT /api/file/:i/redactions; once the server has the boxes, the
 * file's cached frames are forgotten and loaded again, so the viewer shows (and holds)
 * only the redacted pixels the server sends. Saves of one file are sent in order.
 */
import type { AnnotationsJson } from "../api/types";
import { isValidRoi, roisFromApi, roisToApi, type Roi } from "../render/roi";
import type { Size } from "../render/transform";
import { catalog } from "./catalog.svelte";
import { client } from "./connection.svelte";
import { forgetFrames } from "./display.svelte";
import { forgetPlanes } from "./overlays.svelte";
import { toast } from "./ui.svelte";

class RedactionState {
  byFile = $state.raw<Map<number, Roi[]>>(new Map());
  selected = $state<number | null>(null);
  /** File whose list `selected` indexes. */
  selectedFile = $state<number | null>(null);
  saving = $state(0);
  error = $state<string | null>(null);
  /**
   * The files whose pixels changed last (their boxes were saved), and a counter: what
   * else keeps images of a file (thumbnails, exports) watches this to drop them.
   */
  changed = $state.raw<{ files: number[]; seq: number }>({ files: [], seq: 0 });
}

export const redactions = new RedactionState();

const loading = new Set<number>();
const version = new Map<number, number>();
const chain = new Map<number, Promise<void>>();

function setList(fileIndex: number, list: Roi[]): void {
  const next = new Map(redactions.byFile);
  next.set(fileIndex, list);
  redactions.byFile = next;
}

/** The server has new boxes for `files`: forget their frames and say so. */
function pixelsChanged(files: number[]): void {
  forgetFrames(files);
  forgetPlanes(files);
  redactions.changed = { files, seq: redactions.changed.seq + 1 };
}

function message(exc: unknown): string {
  return exc instanceof Error ? exc.message : String(exc);
}

/** Fetch a file's boxes once (the Redact layer calls this when the file comes on screen). */
export function ensureRedactions(fileIndex: number): void {
  const api = client();
  if (!api || redactions.byFile.has(fileIndex) || loading.has(fileIndex)) return;
  loading.add(fileIndex);
  api
    .redactions(fileIndex)
    .then((a) => {
      if (!redactions.byFile.has(fileIndex)) setList(fileIndex, roisFromApi(a));
    })
    .catch(() => setList(fileIndex, []))
    .finally(() => loading.delete(fileIndex));
}

export function redactionsOf(fileIndex: number): Roi[] {
  return redactions.byFile.get(fileIndex) ?? [];
}

function frameCount(fileIndex: number): number {
  return catalog.byIndex.get(fileIndex)?.frame_count ?? 1;
}

function persist(fileIndex: number): void {
  const api = client();
  if (!api) return;
  const v = (version.get(fileIndex) ?? 0) + 1;
  version.set(fileIndex, v);
  const body: AnnotationsJson = roisToApi(redactionsOf(fileIndex));
  redactions.saving++;
  const prev = chain.get(fileIndex) ?? Promise.resolve();
  const next = prev
    .then(() => api.putRedactions(fileIndex, body))
    .then((canon) => {
      redactions.error = null;
      if (version.get(fileIndex) === v) setList(fileIndex, roisFromApi(canon));
      pixelsChanged([fileIndex]);
    })
    .catch((exc: unknown) => {
      redactions.error = message(exc);
      toast(`Redaction not saved: ${redactions.error}`);
    })
    .finally(() => {
      redactions.saving--;
    });
  chain.set(fileIndex, next);
}

/** Add a box (already clamped by the geometry helpers); invalid boxes are refused. */
export function addRedaction(fileIndex: number, box: Roi, image: Size): boolean {
  if (!isValidRoi(box, image, frameCount(fileIndex))) return false;
  const list = [...redactionsOf(fileIndex), box];
  setList(fileIndex, list);
  persist(fileIndex);
  selectRedaction(fileIndex, list.length - 1);
  return true;
}

/** Change a box while dragging (`save` false) and at the end of the drag (`save` true). */
export function updateRedaction(fileIndex: number, index: number, box: Roi, image: Size, save: boolean): boolean {
  const list = redactionsOf(fileIndex);
  if (!list[index] || !isValidRoi(box, image, frameCount(fileIndex))) return false;
  setList(
    fileIndex,
    list.map((r, i) => (i === index ? box : r)),
  );
  if (save) persist(fileIndex);
  return true;
}

/** Save the current list as is (the end of a drag that already changed it locally). */
export function saveRedactions(fileIndex: number): void {
  persist(fileIndex);
}

export function selectRedaction(fileIndex: number | null, index: number | null): void {
  redactions.selectedFile = index === null ? null : fileIndex;
  redactions.selected = index;
}

export function deleteSelectedRedaction(): boolean {
  const f = redactions.selectedFile;
  const i = redactions.selected;
  if (f === null || i === null) return false;
  setList(
    f,
    redactionsOf(f).filter((_, k) => k !== i),
  );
  selectRedaction(null, null);
  persist(f);
  return true;
}

/** Scope the selected box to one frame (`frame`) or, with null, to every frame of its file. */
export function scopeSelectedRedaction(frame: number | null): void {
  const f = redactions.selectedFile;
  const i = redactions.selected;
  if (f === null || i === null || !redactionsOf(f)[i]) return;
  const frames = frame === null ? [] : [frame];
  setList(
    f,
    redactionsOf(f).map((x, k) => (k === i ? { ...x, frames } : x)),
  );
  persist(f);
}

/** Copy a file's boxes to every other instance of its series that they fit (the server decides). */
export async function applyToSeries(fileIndex: number): Promise<void> {
  const api = client();
  if (!api) return;
  try {
    await (chain.get(fileIndex) ?? Promise.resolve());
    const { file_indices: changed } = await api.putSeriesRedactions(fileIndex);
    const boxes = redactionsOf(fileIndex);
    for (const i of changed) setList(i, boxes);
    pixelsChanged(changed);
    toast(`Redaction applied to ${changed.length} more file${changed.length === 1 ? "" : "s"} of the series`);
  } catch (exc) {
    toast(`Redaction not applied: ${message(exc)}`);
  }
}

/** Download every redaction box as an EMBED CSV (real paths; load it with --redactions). */
export async function exportRedactions(): Promise<void> {
  const api = client();
  if (!api) return;
  try {
    await Promise.all([...chain.values()]);
    const blob = await api.exportRedactionsCsv();
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = "dcmview_redactions.csv";
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } catch (exc) {
    toast(`Export failed: ${message(exc)}`);
  }
}
