import { describe, expect, it } from "vitest";
import type { FileSummary } from "../api/types";
import { pathToFile, treeFromFiles } from "../model/catalog";
import { catalog } from "./catalog.svelte";
import { cine } from "./cine.svelte";
import { connect } from "./connection.svelte";
import { activateTab, closeTab, openFile, setPos, setStackFps, stackLength, step, syncTabs, tabs } from "./tabs.svelte";

function file(index: number, over: Partial<FileSummary> = {}): FileSummary {
  return {
    index,
    path: `/data/IM${index}.dcm`,
    patient_id: "P1",
    study_instance_uid: "1.2",
    series_instance_uid: "1.2.3",
    instance_number: String(index),
    has_pixels: true,
    frame_count: 1,
    rows: 4,
    columns: 4,
    ...over,
  };
}

/** What loadCatalog() would leave after reading these files from a server without /api/patients. */
function setCatalog(files: FileSummary[]): void {
  catalog.files = files;
  catalog.byIndex = new Map(files.map((f) => [f.index, f]));
  catalog.tree = treeFromFiles(files);
}

// One module state for the whole file: the tests run in order, as the viewer would.
describe("tabs", () => {
  it("open the first image of the catalog once, and only once", () => {
    setCatalog([file(0, { has_pixels: false, series_instance_uid: "sr" }), file(1), file(2)]);
    syncTabs();
    expect(tabs.list.map((t) => t.key)).toHaveLength(1);
    expect(tabs.item).toEqual({ fileIndex: 1, frame: 0 });
    closeTab(tabs.active ?? "");
    expect(tabs.list).toHaveLength(0);
    expect(tabs.current).toBeNull();
    syncTabs();
    expect(tabs.list).toHaveLength(0);
  });

  it("open a file's stack on its frame, focusing a tab already open, and stop cine", () => {
    setCatalog([file(1), file(2), file(3, { series_instance_uid: "mf", frame_count: 5 })]);
    catalog.expanded = new Set();
    openFile(2);
    const series = tabs.active;
    expect(tabs.item).toEqual({ fileIndex: 2, frame: 0 });
    expect(stackLength()).toBe(2);
    expect(pathToFile(catalog.tree, 2).every((k) => catalog.expanded.has(k))).toBe(true);
    openFile(3, 4);
    expect(tabs.list).toHaveLength(2);
    expect(tabs.item).toEqual({ fileIndex: 3, frame: 4 });
    cine.playing = true;
    openFile(1);
    expect(tabs.active).toBe(series);
    expect(tabs.list).toHaveLength(2);
    expect(tabs.current?.pos).toBe(0);
    expect(cine.playing).toBe(false);
  });

  it("move through the stack within its bounds", () => {
    activateTab(tabs.list[1]?.key ?? "");
    setPos(99);
    expect(tabs.current?.pos).toBe(4);
    step(-2);
    expect(tabs.current?.pos).toBe(2);
    setPos(-1);
    expect(tabs.current?.pos).toBe(0);
  });

  it("grow a series stack as the scan adds slices, staying on the same image", () => {
    const first = tabs.list[0]?.key ?? "";
    activateTab(first);
    openFile(2);
    setCatalog([file(0), file(1), file(2), file(3, { series_instance_uid: "mf", frame_count: 5 })]);
    syncTabs();
    expect(stackLength()).toBe(3);
    expect(tabs.item).toEqual({ fileIndex: 2, frame: 0 });
  });

  it("play each stack at its file's own rate (else 10 fps), keeping a rate the user set", () => {
    const us = file(4, { series_instance_uid: "us", frame_count: 20, cine_rate: 30 });
    setCatalog([file(0), file(1), file(2), file(3, { series_instance_uid: "mf", frame_count: 5 }), us]);
    openFile(4);
    expect(cine.fps).toBe(30);
    openFile(1);
    expect(cine.fps).toBe(10);
    setStackFps(4);
    openFile(4);
    expect(cine.fps).toBe(30);
    openFile(1);
    expect(cine.fps).toBe(4);
    closeTab(tabs.list.find((t) => t.stack.fileIndex === 4)?.key ?? "");
  });

  it("activate the neighbour when the active tab closes", () => {
    const [a, b] = tabs.list.map((t) => t.key);
    activateTab(a ?? "");
    closeTab(a ?? "");
    expect(tabs.active).toBe(b);
    closeTab(b ?? "");
    expect(tabs.active).toBeNull();
  });

  it("take a multi-frame file's rate from /info when the catalog has none", async () => {
    const real = globalThis.fetch;
    const asked: string[] = [];
    globalThis.fetch = ((url: string) => {
      asked.push(url);
      return Promise.resolve(new Response(JSON.stringify({ frame_count: 20, rows: 4, columns: 4, has_pixels: true, cine_rate: 25 }), { status: 200 }));
    }) as unknown as typeof fetch;
    try {
      connect("", "token");
      setCatalog([file(5, { series_instance_uid: "cine", frame_count: 20 }), file(6, { series_instance_uid: "cine2", frame_count: 20 })]);
      openFile(5);
      expect(cine.fps).toBe(10);
      await new Promise((r) => setTimeout(r, 0));
      expect(asked).toEqual(["/api/file/5/info"]);
      expect(cine.fps).toBe(25);
      // A rate the user set before /info answered is kept.
      openFile(6);
      setStackFps(12);
      await new Promise((r) => setTimeout(r, 0));
      expect(cine.fps).toBe(12);
    } finally {
      globalThis.fetch = real;
    }
  });
});
