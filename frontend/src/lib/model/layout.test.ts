import { describe, expect, it } from "vitest";
import { imageToScreen, screenToImage, type View } from "../render/transform";
import { layoutGrid, nextLayout, paneCount, paneTracks, syncedPos, syncedView } from "./layout";

const base: View = { zoom: 0.5, panX: 0, panY: 0, rotation: 0, flipH: false, flipV: false };

describe("layouts", () => {
  it("have 1, 2 and 4 panes and cycle in order", () => {
    expect(["1x1", "1x2", "2x2"].map((k) => paneCount(k as "1x1"))).toEqual([1, 2, 4]);
    expect(layoutGrid("1x2")).toEqual({ rows: 1, columns: 2 });
    expect(nextLayout("1x1")).toBe("1x2");
    expect(nextLayout("2x2")).toBe("1x1");
  });
});

describe("pane tracks", () => {
  it("are whole pixels, the last taking the remainder", () => {
    expect(paneTracks(779, 2, 2)).toBe("388px 389px");
    expect(paneTracks(840, 2, 2)).toBe("419px 419px");
    expect(paneTracks(500, 1, 2)).toBe("minmax(0, 1fr)");
    expect(paneTracks(0, 2, 2)).toBe("repeat(2, minmax(0, 1fr))");
  });
});

describe("synchronised scroll", () => {
  it("moves equal stacks frame for frame", () => {
    expect(syncedPos(7, 60, 60)).toBe(7);
  });

  it("keeps stacks of other lengths at the same fraction", () => {
    expect(syncedPos(59, 60, 30)).toBe(29);
    expect(syncedPos(0, 60, 30)).toBe(0);
    expect(syncedPos(30, 61, 11)).toBe(5);
  });

  it("leaves single images alone", () => {
    expect(syncedPos(5, 10, 1)).toBe(0);
    expect(syncedPos(0, 1, 10)).toBe(0);
  });
});

describe("synchronised zoom and pan", () => {
  const size = { width: 400, height: 300 };
  const image = { width: 800, height: 600 };

  it("applies the same screen change: a zoom about a point keeps that point in the other pane too", () => {
    const other: View = { ...base, zoom: 0.25, panX: 10 };
    const s = { x: 300, y: 100 };
    // Zoom ×2 about s in the active pane.
    const after: View = { ...base, zoom: 1, panX: s.x - 200 - 2 * (s.x - 200 - base.panX), panY: s.y - 150 - 2 * (s.y - 150) };
    const o2 = syncedView(base, after, other);
    expect(o2.zoom).toBeCloseTo(0.5);
    const p = screenToImage(s, other, image, size);
    const q = imageToScreen(p, o2, image, size);
    expect(q.x).toBeCloseTo(s.x);
    expect(q.y).toBeCloseTo(s.y);
  });

  it("pans by the same screen pixels, mirrored across a back-to-back pair", () => {
    const after: View = { ...base, panX: 30, panY: -5 };
    expect(syncedView(base, after, base)).toMatchObject({ panX: 30, panY: -5, zoom: 0.5 });
    expect(syncedView(base, after, base, true)).toMatchObject({ panX: -30, panY: -5 });
  });

  it("keeps the other pane's flips and rotation", () => {
    const other: View = { ...base, flipH: true, rotation: 90 };
    expect(syncedView(base, { ...base, zoom: 1 }, other)).toMatchObject({ flipH: true, rotation: 90, zoom: 1 });
  });
});
