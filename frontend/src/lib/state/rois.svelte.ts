/**
 * ROI list per file and every write to it. Each committed edit is saved with
 * PUT /api/file/:i/annotations; the server's canonical answer replaces the local copy
 * unless a newer edit happened meanwhile. Saves of one file are sent in order.
 */
import type { AnnotationsJson } from "../api/types";
import { isValidRoi, roisFromApi, roisToApi, type Roi } from "../render/roi";
import type { Size } from "../render/transform";
import { catalog } from "./catalog.svelte";
import { client } from "./connection.svelte";
import { tabs } from "./tabs.svelte";
import { toast } from "./ui.svelte";

class RoiState {
  byFile = $state.raw<Map<number, Roi[]>>(new Map());
  selected = $state<number | null>(null);
  /** File whose list `selected` indexes. */
  selectedFile = $state<number | null>(null);
  saving = $state(0);
  error = $state<string | null>(null);
}

export const rois = new RoiState();

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
  const list = [...roisOf(fileIndex), roi];
  commit(fileIndex, list, true);
  rois.selectedFile = fileIndex;
  rois.selected = list.length - 1;
  return true;
}

/** Change a box while dragging (`save` false) and at the end of the drag (`save` true). */
export function updateRoi(fileIndex: number, index: number, roi: Roi, image: Size, save: boolean): boolean {
  const list = roisOf(fileIndex);
  if (!list[index] || !isValidRoi(roi, image, frameCount(fileIndex))) return false;
  const next = list.map((r, i) => (i === index ? roi : r));
  commit(fileIndex, next, save);
  return true;
}

/** Save the current list as is (end of a drag that already updated it locally). */
export function saveRois(fileIndex: number): void {
  persist(fileIndex);
}

export function select(fileIndex: number | null, index: number | null): void {
  rois.selectedFile = index === null ? null : fileIndex;
  rois.selected = index;
}

export function deleteSelected(): boolean {
  const f = rois.selectedFile;
  const i = rois.selected;
  if (f === null || i === null) return false;
  const list = roisOf(f).filter((_, k) => k !== i);
  select(null, null);
  commit(f, list, true);
  return true;
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
  const list = roisOf(f).map((x, k) => (k === i ? { ...x, frames } : x));
  commit(f, list, true);
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
