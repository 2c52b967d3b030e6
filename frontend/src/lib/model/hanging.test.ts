import { describe, expect, it } from "vitest";
import { imageToScreen } from "../render/transform";
import { hangStudy, hangingFlip, parseOrientation, placedView, type MammoImage } from "./hanging";

function img(fileIndex: number, laterality: string, view: string, orientation: string | null, frameCount = 1): MammoImage {
  return { fileIndex, laterality, view, orientation: parseOrientation(orientation), frameCount };
}

describe("Patient Orientation", () => {
  it("reads the tag panel's text, a backslash value or a list", () => {
    expect(parseOrientation("P; L")).toEqual(["P", "L"]);
    expect(parseOrientation("A\\FR")).toEqual(["A", "FR"]);
    expect(parseOrientation(["p", "fl"])).toEqual(["P", "FL"]);
    expect(parseOrientation("")).toBeNull();
    expect(parseOrientation("A")).toBeNull();
    expect(parseOrientation(null)).toBeNull();
  });
});

describe("flips", () => {
  it("leave images stored as the standard's examples as they are", () => {
    expect(hangingFlip("R", "CC", ["P", "L"])).toEqual({ flipH: false, flipV: false });
    expect(hangingFlip("L", "CC", ["A", "R"])).toEqual({ flipH: false, flipV: false });
    expect(hangingFlip("R", "MLO", ["P", "FL"])).toEqual({ flipH: false, flipV: false });
    expect(hangingFlip("L", "MLO", ["A", "FR"])).toEqual({ flipH: false, flipV: false });
  });

  it("mirror an image whose chest wall is on the outer side", () => {
    // A right breast with the nipple on the right (rows run towards anterior).
    expect(hangingFlip("R", "CC", ["A", "L"]).flipH).toBe(true);
    expect(hangingFlip("L", "MLO", ["P", "FR"]).flipH).toBe(true);
  });

  it("turn an image upside down whose head (MLO) or lateral side (CC) is at the bottom", () => {
    expect(hangingFlip("R", "MLO", ["P", "HL"]).flipV).toBe(true);
    expect(hangingFlip("L", "CC", ["A", "L"]).flipV).toBe(true);
    expect(hangingFlip("R", "CC", ["P", "R"]).flipV).toBe(true);
  });

  it("hang an image without Patient Orientation as stored", () => {
    expect(hangingFlip("R", "CC", null)).toEqual({ flipH: false, flipV: false });
  });
});

describe("hanging a study", () => {
  it("puts R on the left, L on the right, CC above MLO, chest walls to the middle", () => {
    const h = hangStudy([img(7, "L", "MLO", "A\\FR"), img(3, "R", "CC", "P\\L"), img(4, "L", "CC", "A\\R"), img(9, "R", "MLO", "A\\FL")]);
    expect(h?.layout).toBe("2x2");
    expect(h?.panes.map((p) => p?.fileIndex)).toEqual([3, 4, 9, 7]);
    expect(h?.panes.map((p) => p?.placement.justify)).toEqual(["right", "left", "right", "left"]);
    // Only the R MLO stored with its chest wall on the left is mirrored.
    expect(h?.panes.map((p) => p?.placement.flipH)).toEqual([false, false, true, false]);
  });

  it("hangs a single pair side by side", () => {
    const h = hangStudy([img(1, "L", "CC", null), img(0, "R", "CC", null)]);
    expect(h?.layout).toBe("1x2");
    expect(h?.panes.map((p) => p?.fileIndex)).toEqual([0, 1]);
  });

  it("leaves a view the study lacks empty, and prefers a 2D image to a tomosynthesis stack", () => {
    const h = hangStudy([img(20, "L", "CC", "A\\R", 12), img(5, "L", "CC", "A\\R"), img(6, "L", "CC", "A\\R"), img(8, "R", "MLO", "P\\L"), img(2, "", "CC", null)]);
    expect(h?.layout).toBe("2x2");
    expect(h?.panes.map((p) => p?.fileIndex ?? null)).toEqual([null, 5, 8, null]);
  });

  it("hangs the image on screen in its slot", () => {
    const h = hangStudy([img(20, "L", "CC", "A\\R", 12), img(5, "L", "CC", "A\\R"), img(6, "L", "CC", "A\\R")], 6);
    expect(h?.layout).toBe("1x2");
    expect(h?.panes.map((p) => p?.fileIndex ?? null)).toEqual([null, 6]);
    expect(hangStudy([img(5, "L", "CC", null), img(20, "L", "CC", null, 12)], 20)?.panes[1]?.fileIndex).toBe(20);
  });

  it("cannot hang images without laterality or view", () => {
    expect(hangStudy([img(0, "", "CC", null), img(1, "R", "AP", null)])).toBeNull();
  });
});

describe("placement", () => {
  const image = { width: 832, height: 1024 };
  const pane = { width: 600, height: 400 };

  it("pushes a right breast against the pane's right edge and a left one against its left edge", () => {
    const r = placedView(image, pane, { flipH: false, flipV: false, justify: "right" });
    const l = placedView(image, pane, { flipH: true, flipV: false, justify: "left" });
    expect(imageToScreen({ x: image.width, y: 0 }, r, image, pane).x).toBeCloseTo(pane.width);
    expect(imageToScreen({ x: 0, y: 0 }, l, image, pane).x).toBeCloseTo(image.width * l.zoom);
    // Flipped: image column 0 is on the right of the drawn image, its last column at the pane's left edge.
    expect(imageToScreen({ x: image.width, y: 0 }, l, image, pane).x).toBeCloseTo(0);
    expect(l.flipH).toBe(true);
  });

  it("is the plain fitted view without a placement", () => {
    expect(placedView(image, pane, null)).toEqual({ zoom: 400 / 1024, panX: 0, panY: 0, rotation: 0, flipH: false, flipV: false });
  });
});
