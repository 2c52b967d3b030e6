/**
 * ROI list per file and every write to it. Each committed edit is saved with
 * PUT /api/file/:i/annotations; the server's canonical answer replaces the local copy
 * unless a newer edit happened meanwhile. Saves of one file are sent in order.
 * Every committed edit is also recorded for undo/redo (model/undo.ts): undoing puts the
 * file's list back as it was and saves it the same way, so the server follows.
 */
import type { AnnotationsJson } from "../api/types";
import { UndoStack } from "../model/undo";
import { isValidRoi, roisFromApi, roisToApi, visibleOnFrame, type Roi } from "../render/roi";
import type { Size } from "../render/transform";
import { catalog } from "./catalog.svelte";
import { client } from "./connection.svelte";
import { openFile, tabs } from "./tabs.svelte";
import { toast } from "./ui.svelte";

class RoiState {
  byFile = $state.raw<Map<number, Roi[]>>(new Map());
  selected = $state<number | null>(null);
  /** File whose list `selected` indexes. */
  selectedFile = $state<number | null>(null);
  saving = $state(0);
  error = $state<string | null>(null);
  canUndo = $state(false);
  canRedo = $state(false);
}

export const rois = new RoiState();

/** Committed edits of every file, newest last (one history for the whole viewer). */
const history = new UndoStack<number, Roi[]>();
/** A file's list when a drag began (the drag updates the list before it is committed). */
const dragBefore = new Map<number, Roi[]>();

const loading = new Set<number>();
const version = new Map<number, number>();
const chain = new Map<number, Promise<void>>();

function setList(fileIndex: number, list: Roi[]): void {
  const next = new Map(rois.byFile);
  next.set(fileIndex, list);
  rois.byFile = next;
}

/** Fetch a file's ROIs once (the viewport calls this when the file comes on screen). */
export function ensureRois(fileIndex: number): void {
  const api = client();
  if (!api || rois.byFile.has(fileIndex) || loading.has(fileIndex)) return;
  loading.add(fileIndex);
  api
    .annotations(fileIndex)
    .then((a) => {
      if (!rois.byFile.has(fileIndex)) setList(fileIndex, roisFromApi(a));
    })
    .catch(() => {
      setList(fileIndex, []);
    })
    .finally(() => loading.delete(fileIndex));
}

export function roisOf(fileIndex: number): Roi[] {
  return rois.byFile.get(fileIndex) ?? [];
}

function frameCount(fileIndex: number): number {
  return catalog.byIndex.get(fileIndex)?.frame_count ?? 1;
}

/** Replace a file's list locally and, when `save`, persist it. */
function commit(fileIndex: number, list: Roi[], save: boolean): void {
  setList(fileIndex, list);
  if (save) persist(fileIndex);
}

/** Commit and save an edit, and remember it for undo. */
function record(fileIndex: number, before: Roi[], after: Roi[], label: string): void {
  dragBefore.delete(fileIndex);
  commit(fileIndex, after, true);
  history.push({ key: fileIndex, label, before, after });
  syncHistory();
}

function syncHistory(): void {
  rois.canUndo = history.canUndo;
  rois.canRedo = history.canRedo;
}

function sameBox(a: Roi, b: Roi): boolean {
  return a.xmin === b.xmin && a.ymin === b.ymin && a.xmax === b.xmax && a.ymax === b.ymax && a.frames.join() === b.frames.join();
}

function sameList(a: readonly Roi[], b: readonly Roi[]): boolean {
  return a.length === b.length && a.every((r, i) => {
    const o = b[i];
    return o !== undefined && sameBox(r, o);
  });
}

function persist(fileIndex: number): void {
  const api = client();
  if (!api) return;
  const v = (version.get(fileIndex) ?? 0) + 1;
  version.set(fileIndex, v);
  const body: AnnotationsJson = roisToApi(roisOf(fileIndex));
  rois.saving++;
  const prev = chain.get(fileIndex) ?? Promise.resolve();
  const next = prev
    .then(() => api.putAnnotations(fileIndex, body))
    .then((canon) => {
      rois.error = null;
      if (version.get(fileIndex) === v) setList(fileIndex, roisFromApi(canon));
    })
    .catch((exc: unknown) => {
      rois.error = exc instanceof Error ? exc.message : String(exc);
      toast(`ROI not saved: ${rois.error}`);
    })
    .finally(() => {
      rois.saving--;
    });
  chain.set(fileIndex, next);
}

/** Add a box (already clamped by the geometry helpers); invalid boxes are refused. */
export function addRoi(fileIndex: number, roi: Roi, image: Size): boolean {
  if (!isValidRoi(roi, image, frameCount(fileIndex))) return false;
  const before = roisOf(fileIndex);
  const list = [...before, roi];
  record(fileIndex, before, list, `add ROI ${list.length}`);
  rois.selectedFile = fileIndex;
  rois.selected = list.length - 1;
  return true;
}

/** Change a box while dragging (`save` false) and at the end of the drag (`save` true). */
export function updateRoi(fileIndex: number, index: number, roi: Roi, image: Size, save: boolean): boolean {
  const list = roisOf(fileIndex);
  if (!list[index] || !isValidRoi(roi, image, frameCount(fileIndex))) return false;
  if (!dragBefore.has(fileIndex)) dragBefore.set(fileIndex, list);
  const next = list.map((r, i) => (i === index ? roi : r));
  if (save) record(fileIndex, dragBefore.get(fileIndex) ?? list, next, editLabel(list[index], roi, index));
  else commit(fileIndex, next, false);
  return true;
}

function editLabel(from: Roi | undefined, to: Roi, index: number): string {
  const resized = from && (from.xmax - from.xmin !== to.xmax - to.xmin || from.ymax - from.ymin !== to.ymax - to.ymin);
  return `${resized ? "resize" : "move"} ROI ${index + 1}`;
}

/**
 * The end of a drag that updated the list locally (updateRoi with `save` false): save it
 * and record it for undo when it changed anything, else forget where it began. A click
 * that never moved the box has no starting list and saves nothing: an empty PUT would
 * race the next edit's save.
 */
export function saveRois(fileIndex: number): void {
  const before = dragBefore.get(fileIndex);
  dragBefore.delete(fileIndex);
  const after = roisOf(fileIndex);
  if (!before || sameList(before, after)) return;
  const k = after.findIndex((r, i) => !before[i] || !sameBox(r, before[i]));
  const changed = after[k];
  record(fileIndex, before, after, changed ? editLabel(before[k], changed, k) : "edit ROIs");
}

/** Revert the last committed ROI edit (of any file); false when there is none. */
export function undoRoi(): boolean {
  const e = history.undo();
  syncHistory();
  if (!e) return false;
  dragBefore.delete(e.key);
  select(null, null);
  commit(e.key, e.before, true);
  toast(`Undone: ${e.label}`);
  return true;
}

/** Apply again the last undone ROI edit; false when there is none. */
export function redoRoi(): boolean {
  const e = history.redo();
  syncHistory();
  if (!e) return false;
  dragBefore.delete(e.key);
  select(null, null);
  commit(e.key, e.after, true);
  toast(`Redone: ${e.label}`);
  return true;
}

export function select(fileIndex: number | null, index: number | null): void {
  rois.selectedFile = index === null ? null : fileIndex;
  rois.selected = index;
}

export function deleteSelected(): boolean {
  const f = rois.selectedFile;
  const i = rois.selected;
  if (f === null || i === null) return false;
  const before = roisOf(f);
  if (!before[i]) return false;
  const list = before.filter((_, k) => k !== i);
  select(null, null);
  record(f, before, list, `delete ROI ${i + 1}`);
  return true;
}

/** Select a box of a file and bring a frame it is shown on to the screen. */
export function goToRoi(fileIndex: number, index: number): void {
  const r = roisOf(fileIndex)[index];
  if (!r) return;
  const item = tabs.item;
  const here = item?.fileIndex === fileIndex && visibleOnFrame(r, item.frame);
  if (!here) openFile(fileIndex, r.frames[0] ?? (item?.fileIndex === fileIndex ? item.frame : 0));
  select(fileIndex, index);
}

/** Delete box `index` of a file (the list's delete button). */
export function deleteRoi(fileIndex: number, index: number): boolean {
  select(fileIndex, index);
  return deleteSelected();
}

/** Scope the selected box to the frame on screen, or to all frames. */
export function scopeSelected(all: boolean): void {
  const f = rois.selectedFile;
  const i = rois.selected;
  const item = tabs.item;
  if (f === null || i === null || !item) return;
  const r = roisOf(f)[i];
  if (!r) return;
  const frames = all ? [] : [item.fileIndex === f ? item.frame : 0];
  if (r.frames.join() === frames.join()) return;
  const before = roisOf(f);
  const list = before.map((x, k) => (k === i ? { ...x, frames } : x));
  record(f, before, list, `ROI ${i + 1} on ${all ? "all frames" : "this frame"}`);
}

export function selectedRoi(): Roi | null {
  if (rois.selectedFile === null || rois.selected === null) return null;
  return roisOf(rois.selectedFile)[rois.selected] ?? null;
}

/** Download every file's ROIs as the EMBED CSV (fetched with the token, saved as a blob). */
export async function exportCsv(): Promise<void> {
  const api = client();
  if (!api) return;
  try {
    await Promise.all([...chain.values()]);
    const blob = await api.exportCsv();
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = "dcmview_annotations.csv";
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } catch (exc) {
    toast(`Export failed: ${exc instanceof Error ? exc.message : String(exc)}`);
  }
}
