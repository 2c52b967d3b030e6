import { describe, expect, it } from "vitest";
import type { FileSummary, TagNode } from "../api/types";
import { treeFromFiles } from "../model/catalog";
import { catalog } from "./catalog.svelte";
import { mammoImage } from "./hanging.svelte";
import { setLayout, toggleSync } from "./layout.svelte";
import { activePane, allPanes, panes } from "./panes.svelte";
import { activatePane, closeTab, openFile, setPos, tabOf, tabs } from "./tabs.svelte";

function file(index: number, series: string, frames: number): FileSummary {
  return { index, path: `/d/${index}.dcm`, study_instance_uid: "s", series_instance_uid: series, has_pixels: true, frame_count: frames, rows: 4, columns: 4 };
}

/** The file whose stack pane `i` shows. */
function shows(i: number): number | null {
  const p = allPanes[i];
  return p ? (tabOf(p)?.stack.fileIndex ?? null) : null;
}

// One module state for the file: the tests run in order, as a user would.
describe("panes", () => {
  it("open into the active pane; a new layout fills its empty panes with the tabs not shown", () => {
    const files = [file(0, "a", 60), file(1, "b", 30), file(2, "c", 1)];
    catalog.files = files;
    catalog.byIndex = new Map(files.map((f) => [f.index, f]));
    catalog.tree = treeFromFiles(files);
    openFile(0);
    openFile(1);
    openFile(2);
    expect(shows(0)).toBe(2);
    setLayout("1x2");
    expect(panes.count).toBe(2);
    expect(shows(1)).toBe(0);
    activatePane(1);
    openFile(1);
    expect(tabs.current?.key).toBe("file:1");
    expect(shows(0)).toBe(2);
  });

  it("move the other panes' stacks with the active one when synchronised", () => {
    activatePane(0);
    openFile(0);
    setPos(10);
    expect(tabs.list.find((t) => t.key === "file:1")?.pos).toBe(0);
    toggleSync(true);
    setPos(59);
    expect(tabs.list.find((t) => t.key === "file:1")?.pos).toBe(29);
    setPos(0);
    expect(tabs.list.find((t) => t.key === "file:1")?.pos).toBe(0);
    toggleSync(false);
  });

  it("empty another pane showing a closed tab, and keep the active pane when the layout shrinks", () => {
    activatePane(1);
    closeTab("file:0");
    expect(allPanes[0]?.tabKey).toBeNull();
    expect(activePane().id).toBe(1);
    setLayout("1x1");
    expect(activePane().id).toBe(0);
  });
});

describe("hanging input", () => {
  const s = (keyword: string, value: string): TagNode => ({ tag: "", vr: "CS", keyword, value: { type: "string", value } });

  it("reads laterality, view and Patient Orientation from a tag tree", () => {
    expect(mammoImage(4, 1, [s("ImageLaterality", "R"), s("ViewPosition", "MLO"), s("PatientOrientation", "P; FL")])).toEqual({
      fileIndex: 4,
      laterality: "R",
      view: "MLO",
      orientation: ["P", "FL"],
      frameCount: 1,
    });
  });

  it("takes a tomosynthesis object's Frame Laterality from its shared functional groups", () => {
    const anatomy: TagNode = { tag: "", vr: "SQ", keyword: "FrameAnatomySequence", value: { type: "sequence", items: [[s("FrameLaterality", "L")]] } };
    const shared: TagNode = { tag: "", vr: "SQ", keyword: "SharedFunctionalGroupsSequence", value: { type: "sequence", items: [[anatomy]] } };
    expect(mammoImage(5, 60, [shared, s("ViewPosition", "CC")]).laterality).toBe("L");
  });
});
