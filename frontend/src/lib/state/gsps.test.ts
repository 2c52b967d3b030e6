import { describe, expect, it } from "vitest";
import type { FileSummary, GraphicAnnotations, GspsPresentation } from "../api/types";
import { treeFromFiles } from "../model/catalog";
import { catalog } from "./catalog.svelte";
import { gsps, setApply, syncPresentation, wantedPresentation } from "./gsps.svelte";
import { overlays } from "./overlays.svelte";
import { activePane } from "./panes.svelte";
import { openFile, setPos, tabs } from "./tabs.svelte";

const GSPS = 9;

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
    rows: 40,
    columns: 60,
    kind: "IMAGE",
    ...over,
  };
}

const presentation: GspsPresentation = {
  window: { center: 40, width: 400, function: "LINEAR", lut: false, rescaled: false },
  invert: true,
  rotation: 90,
  flip: false,
  displayed_area: { top_left: [0, 0], bottom_right: [60, 40], size_mode: "SCALE TO FIT" },
  shutter: null,
};

function answer(p: GspsPresentation | null): GraphicAnnotations {
  return { layers: [], graphics: [], texts: [], presentation: p };
}

// One module state for the whole file: the tests run in order, as the viewer would.
describe("a GSPS's display on a pane", () => {
  const pane = activePane();

  it("waits for the answer, then applies window, inversion and view", () => {
    const files = [file(1, { referenced_by: [GSPS] }), file(2), file(GSPS, { kind: "GSPS", has_pixels: false, series_instance_uid: "pr" })];
    catalog.files = files;
    catalog.byIndex = new Map(files.map((f) => [f.index, f]));
    catalog.tree = treeFromFiles(files);
    pane.size = { width: 800, height: 600 };
    openFile(1);
    const tab = tabs.current;
    if (!tab) throw new Error("no tab");
    tab.preset = "lung";
    tab.view = { zoom: 2, panX: 0, panY: 0, rotation: 0, flipH: false, flipV: false };
    overlays.enabled[GSPS] = true;
    expect(wantedPresentation(1, 0)).toBe("pending"); // not loaded yet
    syncPresentation(pane);
    expect(tab.preset).toBe("lung");
    overlays.layers = { ...overlays.layers, [`${GSPS}:1:0`]: { status: "ready", annotations: answer(presentation) } };
    syncPresentation(pane);
    expect(tab.preset).toBe("custom");
    expect(tab.custom).toEqual({ center: 40, width: 400 });
    expect(tab.invert).toBe(true);
    expect(tab.view?.rotation).toBe(90);
    expect(tab.view?.zoom).toBeCloseTo(10, 9); // turned, the 60 columns fill the 600 px height
    expect(gsps.applied[tab.key]).toBe(GSPS);
  });

  it("leaves a window the user chose while applied, and puts back the one before when unticked", () => {
    const tab = tabs.current;
    if (!tab) throw new Error("no tab");
    tab.preset = "bone";
    syncPresentation(pane); // the same GSPS, same settings: nothing to do
    expect(tab.preset).toBe("bone");
    setApply(GSPS, false);
    syncPresentation(pane);
    expect(tab.preset).toBe("lung");
    expect(tab.invert).toBeUndefined();
    expect(tab.view).toEqual({ zoom: 2, panX: 0, panY: 0, rotation: 0, flipH: false, flipV: false });
    expect(gsps.applied[tab.key]).toBeUndefined();
    setApply(GSPS, true);
    syncPresentation(pane);
    expect(tab.preset).toBe("custom");
  });

  it("puts the pane back on an image the GSPS does not name, and applies it again on return", () => {
    const tab = tabs.current;
    if (!tab) throw new Error("no tab");
    setPos(1); // file 2
    syncPresentation(pane);
    expect(tab.preset).toBe("lung");
    expect(tab.view?.rotation).toBe(0);
    setPos(0);
    syncPresentation(pane);
    expect(tab.view?.rotation).toBe(90);
    overlays.enabled[GSPS] = false; // switched off
    syncPresentation(pane);
    expect(tab.preset).toBe("lung");
    expect(tab.view?.rotation).toBe(0);
  });

  it("applies nothing when the state sets nothing for the frame", () => {
    overlays.enabled[GSPS] = true;
    overlays.layers = { ...overlays.layers, [`${GSPS}:1:0`]: { status: "ready", annotations: answer(null) } };
    expect(wantedPresentation(1, 0)).toBeNull();
    syncPresentation(pane);
    expect(tabs.current?.preset).toBe("lung");
  });
});
