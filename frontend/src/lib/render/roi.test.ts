import { describe, expect, it } from "vitest";
import {
  MOVE_GRIP,
  hitTest,
  isValidRoi,
  moveRoi,
  resizeRoi,
  roiFromPoints,
  roiHandles,
  roiScreenRect,
  roisFromApi,
  roisToApi,
  visibleOnFrame,
  type Roi,
} from "./roi";
import { fitView, identityView, imageToScreen, type Rotation, type View } from "./transform";

const image = { width: 100, height: 80 };
const viewport = { width: 400, height: 320 };
const box: Roi = { ymin: 10, xmin: 20, ymax: 30, xmax: 50, frames: [] };

describe("validity", () => {
  it.each([
    ["inside", box, true],
    ["touching the last pixel", { ...box, xmax: 99, ymax: 79 }, true],
    ["past the right edge", { ...box, xmax: 100 }, false],
    ["negative", { ...box, xmin: -1 }, false],
    ["empty", { ...box, xmax: 20 }, false],
    ["inverted", { ...box, ymin: 40 }, false],
    ["fractional", { ...box, xmin: 20.5 }, false],
    ["frame in range", { ...box, frames: [0, 2] }, true],
    ["frame out of range", { ...box, frames: [3] }, false],
  ])("%s", (_name, roi, ok) => {
    expect(isValidRoi(roi, image, 3)).toBe(ok);
  });
});

describe("drawing", () => {
  it("normalises the drag direction and rounds", () => {
    expect(roiFromPoints({ x: 50.4, y: 30.6 }, { x: 20.2, y: 10.1 }, image, [])).toEqual({ ...box, ymax: 31 });
  });

  it("clamps a drag that leaves the image", () => {
    const r = roiFromPoints({ x: 90, y: 70 }, { x: 500, y: -40 }, image, [2]);
    expect(r).toEqual({ ymin: 0, xmin: 90, ymax: 70, xmax: 99, frames: [2] });
    expect(r && isValidRoi(r, image, 3)).toBe(true);
  });

  it("refuses a click without a drag", () => {
    expect(roiFromPoints({ x: 5, y: 5 }, { x: 5.2, y: 5.1 }, image, [])).toBeNull();
  });

  it("refuses a box entirely outside the image", () => {
    expect(roiFromPoints({ x: 150, y: 10 }, { x: 170, y: 20 }, image, [])).toBeNull();
  });
});

describe("move and resize", () => {
  it("moves by whole pixels and keeps the size", () => {
    expect(moveRoi(box, 5.4, -3.6, image)).toEqual({ ...box, xmin: 25, xmax: 55, ymin: 6, ymax: 26 });
  });

  it("stops at the image border", () => {
    const m = moveRoi(box, 1000, 1000, image);
    expect(m).toEqual({ ...box, xmin: 69, xmax: 99, ymin: 59, ymax: 79 });
    expect(moveRoi(box, -1000, -1000, image)).toEqual({ ...box, xmin: 0, xmax: 30, ymin: 0, ymax: 20 });
  });

  it("moves only the gripped edges", () => {
    expect(resizeRoi(box, { top: false, bottom: true, left: false, right: true }, { x: 60, y: 40 }, image)).toEqual({ ...box, xmax: 60, ymax: 40 });
  });

  it("flips when an edge is dragged past the other", () => {
    const r = resizeRoi(box, { top: false, bottom: false, left: true, right: false }, { x: 70, y: 0 }, image);
    expect(r).toEqual({ ...box, xmin: 50, xmax: 70 });
  });

  it("keeps the original when the result would be empty", () => {
    expect(resizeRoi(box, { top: false, bottom: false, left: true, right: false }, { x: 50, y: 0 }, image)).toBe(box);
  });

  it("clamps a resize that leaves the image", () => {
    const r = resizeRoi(box, MOVE_GRIP, { x: 999, y: 999 }, image);
    expect(isValidRoi(resizeRoi(box, { top: false, bottom: true, left: false, right: true }, { x: 999, y: 999 }, image), image, 1)).toBe(true);
    expect(r).toBe(box); // all four edges to one point: empty, refused
  });
});

describe("frame scope", () => {
  it("shows an all-frames box everywhere and a scoped one on its frames", () => {
    expect(visibleOnFrame(box, 7)).toBe(true);
    expect(visibleOnFrame({ ...box, frames: [1, 3] }, 3)).toBe(true);
    expect(visibleOnFrame({ ...box, frames: [1, 3] }, 2)).toBe(false);
  });
});

describe("hit-testing", () => {
  const views: Array<[string, View]> = ([0, 90, 180, 270] as Rotation[]).flatMap((rotation) => [
    [`rot${rotation}`, { ...fitView(image, viewport), rotation }],
    [`rot${rotation}-flipH`, { ...fitView(image, viewport), rotation, flipH: true }],
  ]);

  it.each(views)("finds the interior under %s", (_id, view) => {
    const inside = imageToScreen({ x: 35, y: 20 }, view, image, viewport);
    const outside = imageToScreen({ x: 70, y: 60 }, view, image, viewport);
    expect(hitTest([box], [0], null, inside, view, image, viewport)).toEqual({ index: 0, part: "move" });
    expect(hitTest([box], [0], null, outside, view, image, viewport)).toBeNull();
  });

  it.each(views)("finds the bottom-right handle of the selected box under %s", (_id, view) => {
    const corner = imageToScreen({ x: 50, y: 30 }, view, image, viewport);
    const hit = hitTest([box], [0], 0, { x: corner.x + 2, y: corner.y - 2 }, view, image, viewport);
    expect(hit).toEqual({ index: 0, part: { top: false, bottom: true, left: false, right: true } });
  });

  it("ignores handles of unselected boxes and hidden boxes", () => {
    const view = fitView(image, viewport);
    const corner = imageToScreen({ x: 50, y: 30 }, view, image, viewport);
    expect(hitTest([box], [0], null, { x: corner.x + 3, y: corner.y + 3 }, view, image, viewport)).toBeNull();
    const inside = imageToScreen({ x: 35, y: 20 }, view, image, viewport);
    expect(hitTest([box], [], null, inside, view, image, viewport)).toBeNull();
  });

  it("prefers the top-most (last drawn) box", () => {
    const view = fitView(image, viewport);
    const other = { ...box, xmin: 30, xmax: 60 };
    const p = imageToScreen({ x: 40, y: 20 }, view, image, viewport);
    expect(hitTest([box, other], [0, 1], null, p, view, image, viewport)?.index).toBe(1);
  });

  it("screen rect and handles follow the view", () => {
    const view = { ...identityView(), zoom: 2 };
    const r = roiScreenRect(box, view, image, viewport);
    expect(r).toEqual({ x: 200 + 2 * (20 - 50), y: 160 + 2 * (10 - 40), width: 60, height: 40 });
    expect(roiHandles(box, view, image, viewport)).toHaveLength(8);
  });
});

describe("API round trip", () => {
  it("converts to and from the annotations JSON", () => {
    const list: Roi[] = [box, { ymin: 1, xmin: 2, ymax: 3, xmax: 4, frames: [0, 5] }];
    const body = roisToApi(list);
    expect(body).toEqual({ num_roi: 2, roi_coords: [[10, 20, 30, 50], [1, 2, 3, 4]], roi_frames: [[], [0, 5]] });
    expect(roisFromApi(body)).toEqual(list);
  });

  it("treats missing roi_frames entries as all frames", () => {
    expect(roisFromApi({ num_roi: 1, roi_coords: [[1, 2, 3, 4]], roi_frames: [] })[0]?.frames).toEqual([]);
  });
});
