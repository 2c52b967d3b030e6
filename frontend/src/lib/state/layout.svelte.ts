/**
 * Layout actions: choosing 1×1, 1×2 or 2×2, the synchronisation toggle, and putting a
 * file in a pane (a navigator row dragged onto it). The panes themselves are
 * panes.svelte.ts; the hanging of a mammography study is hanging.svelte.ts.
 */
import { nextLayout, type LayoutKind } from "../model/layout";
import { allPanes, panes } from "./panes.svelte";
import { activatePane, openFile, tabs } from "./tabs.svelte";

/** The drag data type of a navigator row: the catalog index of its file. */
const FILE_DRAG = "application/x-dcmview-file";

/**
 * Show `kind`. Panes that come into view empty take the open tabs no pane shows, in tab
 * order; the active pane stays active when it is still shown.
 */
export function setLayout(kind: LayoutKind): void {
  panes.layout = kind;
  const shown = allPanes.slice(0, panes.count);
  const free = tabs.list.filter((t) => !shown.some((p) => p.tabKey === t.key));
  for (const p of shown) if (p.tabKey === null) p.tabKey = free.shift()?.key ?? null;
  if (panes.active >= panes.count) activatePane(0);
}

export function cycleLayout(): void {
  setLayout(nextLayout(panes.layout));
}

export function toggleSync(on?: boolean): void {
  panes.sync = on ?? !panes.sync;
}

/** Open a file in pane `id` (and make it the active pane). */
export function openInPane(fileIndex: number, id: number): void {
  activatePane(id);
  openFile(fileIndex);
}

/** A navigator row starts being dragged: carry its file. */
export function startFileDrag(e: DragEvent, fileIndex: number): void {
  if (!e.dataTransfer) return;
  e.dataTransfer.setData(FILE_DRAG, String(fileIndex));
  e.dataTransfer.effectAllowed = "copy";
}

export function hasFileDrag(e: DragEvent): boolean {
  return e.dataTransfer?.types.includes(FILE_DRAG) ?? false;
}

/** A navigator row was dropped on pane `id`: open its file there. Returns whether it was one. */
export function dropFile(e: DragEvent, id: number): boolean {
  const raw = e.dataTransfer?.getData(FILE_DRAG);
  const fileIndex = raw ? Number(raw) : NaN;
  if (!Number.isInteger(fileIndex)) return false;
  openInPane(fileIndex, id);
  return true;
}
