import { beforeEach, describe, expect, it, vi } from "vitest";
import type { AnnotationsJson } from "../api/types";

/** Every PUT the state sends, answered with the body as the server's canonical form. */
const puts: Array<[number, AnnotationsJson]> = [];

vi.mock("./connection.svelte", () => ({
  client: () => ({
    putAnnotations: (i: number, body: AnnotationsJson) => {
      puts.push([i, body]);
      return Promise.resolve(body);
    },
    annotations: () => Promise.resolve({ num_roi: 0, roi_coords: [], roi_frames: [] }),
  }),
}));

const { addRoi, deleteSelected, redoRoi, rois, roisOf, saveRois, select, undoRoi, updateRoi } = await import("./rois.svelte");

const image = { width: 100, height: 80 };
const box = { ymin: 10, xmin: 20, ymax: 30, xmax: 40, frames: [] as number[] };

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

function lastPut(file: number): number[][] | undefined {
  return [...puts].reverse().find(([i]) => i === file)?.[1].roi_coords;
}

let file = 100;

beforeEach(() => {
  // A fresh file per test: the history is shared, the lists are per file.
  file++;
  let more = true;
  while (more) more = undoRoi();
  puts.length = 0;
});

describe("ROI undo/redo", () => {
  it("undoes and redoes a new box, saving each state", async () => {
    expect(addRoi(file, box, image)).toBe(true);
    await settle();
    expect(lastPut(file)).toEqual([[10, 20, 30, 40]]);
    expect(rois.canUndo).toBe(true);
    expect(undoRoi()).toBe(true);
    await settle();
    expect(roisOf(file)).toEqual([]);
    expect(lastPut(file)).toEqual([]);
    expect(rois.canRedo).toBe(true);
    expect(redoRoi()).toBe(true);
    await settle();
    expect(roisOf(file)).toEqual([box]);
    expect(lastPut(file)).toEqual([[10, 20, 30, 40]]);
  });

  it("records a drag once, from where it began, and undoes it to there", async () => {
    addRoi(file, box, image);
    await settle();
    const n = puts.length;
    // A move drag: three local updates, one save at the end.
    for (const dx of [1, 2, 5]) updateRoi(file, 0, { ...box, xmin: box.xmin + dx, xmax: box.xmax + dx }, image, false);
    expect(puts.length).toBe(n);
    saveRois(file);
    await settle();
    expect(lastPut(file)).toEqual([[10, 25, 30, 45]]);
    undoRoi();
    await settle();
    expect(roisOf(file)).toEqual([box]);
    expect(lastPut(file)).toEqual([[10, 20, 30, 40]]);
  });

  it("a drag that changed nothing is neither saved nor recorded", async () => {
    addRoi(file, box, image);
    await settle();
    const n = puts.length;
    updateRoi(file, 0, { ...box }, image, false);
    saveRois(file);
    await settle();
    expect(puts.length).toBe(n);
    undoRoi(); // undoes the add, not an empty edit
    expect(roisOf(file)).toEqual([]);
  });

  it("a click on a box (no move at all) saves nothing", async () => {
    addRoi(file, box, image);
    await settle();
    const n = puts.length;
    saveRois(file);
    await settle();
    expect(puts.length).toBe(n);
  });

  it("undoes a delete", async () => {
    addRoi(file, box, image);
    select(file, 0);
    expect(deleteSelected()).toBe(true);
    expect(roisOf(file)).toEqual([]);
    undoRoi();
    await settle();
    expect(roisOf(file)).toEqual([box]);
    expect(lastPut(file)).toEqual([[10, 20, 30, 40]]);
    // The selection is cleared: the restored box is not silently the selected one.
    expect(rois.selected).toBeNull();
  });

  it("a new edit after an undo cannot be redone over", () => {
    addRoi(file, box, image);
    undoRoi();
    addRoi(file, { ...box, ymax: 50 }, image);
    expect(rois.canRedo).toBe(false);
    expect(redoRoi()).toBe(false);
    expect(roisOf(file)).toEqual([{ ...box, ymax: 50 }]);
  });
});
