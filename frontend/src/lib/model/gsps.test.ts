import { describe, expect, it } from "vitest";
import type { GspsPresentation } from "../api/types";
import { identityView, imageToScreen, screenToImage, type Point, type View } from "../render/transform";
import { appliedDisplay, gspsOrientation, gspsSummary, gspsView, gspsWindow, shutterPath } from "./gsps";

const image = { width: 60, height: 40 };
const viewport = { width: 800, height: 600 };

function presentation(extra: Partial<GspsPresentation> = {}): GspsPresentation {
  return {
    window: { center: 40, width: 400, function: "LINEAR", lut: false, rescaled: false },
    invert: false,
    rotation: 0,
    flip: false,
    displayed_area: { top_left: [0, 0], bottom_right: [60, 40], size_mode: "SCALE TO FIT" },
    shutter: null,
    ...extra,
  };
}

/** The SDK's SpatialTransform._forward: corner (x, y) of the image -> of the displayed image. */
function gspsForward(p: Point, rotation: number, flip: boolean, w: number, h: number): Point {
  let { x, y } = p;
  let width = w;
  if (rotation === 90) [x, y, width] = [h - y, x, h];
  else if (rotation === 180) [x, y] = [w - x, h - y];
  else if (rotation === 270) [x, y, width] = [y, w - x, h];
  if (flip) x = width - x;
  return { x, y };
}

describe("gspsOrientation", () => {
  for (const rotation of [0, 90, 180, 270] as const)
    for (const flip of [false, true])
      it(`puts every image corner where the GSPS does (rotate ${rotation}, flip ${flip})`, () => {
        const v: View = { ...identityView(), ...gspsOrientation({ rotation, flip }) };
        // the displayed image's top-left at zoom 1, pan 0
        const shownW = rotation % 180 ? image.height : image.width;
        const shownH = rotation % 180 ? image.width : image.height;
        const origin = { x: viewport.width / 2 - shownW / 2, y: viewport.height / 2 - shownH / 2 };
        for (const corner of [{ x: 0, y: 0 }, { x: 60, y: 0 }, { x: 0, y: 40 }, { x: 13, y: 7 }]) {
          const want = gspsForward(corner, rotation, flip, image.width, image.height);
          const got = imageToScreen(corner, v, image, viewport);
          expect(got.x - origin.x).toBeCloseTo(want.x, 9);
          expect(got.y - origin.y).toBeCloseTo(want.y, 9);
        }
      });
});

describe("gspsView", () => {
  it("fits the displayed area to the viewport and centres it, rotated", () => {
    const p = presentation({ rotation: 90, displayed_area: { top_left: [10, 5], bottom_right: [50, 25], size_mode: "SCALE TO FIT" } });
    const v = gspsView(p, image, viewport, null);
    expect(v.rotation).toBe(90);
    // rotated, the 40 x 20 area is 20 wide and 40 high: the height fills 600 px
    expect(v.zoom).toBeCloseTo(15, 9);
    const centre = imageToScreen({ x: 30, y: 15 }, v, image, viewport);
    expect(centre.x).toBeCloseTo(400, 9);
    expect(centre.y).toBeCloseTo(300, 9);
    const a = imageToScreen({ x: 10, y: 5 }, v, image, viewport);
    const b = imageToScreen({ x: 50, y: 25 }, v, image, viewport);
    expect(Math.abs(a.y - b.y)).toBeCloseTo(600, 9);
    expect(Math.abs(a.x - b.x)).toBeCloseTo(300, 9);
  });

  it("only turns and flips without a viewport size", () => {
    const base = { ...identityView(), zoom: 3, panX: 7 };
    const v = gspsView(presentation({ rotation: 180, flip: true }), image, { width: 0, height: 0 }, base);
    expect(v).toEqual({ zoom: 3, panX: 7, panY: 0, rotation: 180, flipH: true, flipV: false });
  });
});

describe("gspsWindow and appliedDisplay", () => {
  it("gives the window, keeps a table's out", () => {
    expect(gspsWindow(presentation())).toEqual({ center: 40, width: 400 });
    expect(gspsWindow(presentation({ window: { center: 1, width: 2, function: "SIGMOID", lut: false } }))).toEqual({ center: 1, width: 2, function: "SIGMOID" });
    expect(gspsWindow(presentation({ window: { center: 1, width: 2, function: "LINEAR", lut: true } }))).toBeNull();
    expect(gspsWindow(presentation({ window: null }))).toBeNull();
  });

  it("sets the window, inversion and view; keeps the window when the GSPS gives none", () => {
    const before = { preset: "lung", custom: null, view: identityView(), fitted: true };
    const on = appliedDisplay(before, presentation({ invert: true, rotation: 270 }), image, viewport);
    expect(on.preset).toBe("custom");
    expect(on.custom).toEqual({ center: 40, width: 400 });
    expect(on.invert).toBe(true);
    expect(on.fitted).toBe(false);
    expect(on.view?.rotation).toBe(270);
    const kept = appliedDisplay(before, presentation({ window: null }), image, viewport);
    expect(kept.preset).toBe("lung");
    expect(kept.custom).toBeNull();
  });
});

describe("gspsSummary", () => {
  it("says what the GSPS sets in one line", () => {
    const p = presentation({
      rotation: 90,
      displayed_area: { top_left: [32, 32], bottom_right: [224, 224], size_mode: "SCALE TO FIT" },
      shutter: {
        shapes: [
          { type: "rectangle", top_left: [39, 29], bottom_right: [216, 220] },
          { type: "circle", center: [128.5, 128.5], radius: 100 },
        ],
        value: 32768,
        grey: 128,
        color: null,
        fill: "#808080",
        bitmap: false,
      },
    });
    expect(gspsSummary(p, { width: 256, height: 256 })).toBe("W 400 / C 40 · rotate 90° · area 192×192 · 2 shutters");
    expect(gspsSummary(presentation({ window: null, invert: true, flip: true }), image)).toBe("inverted · flip");
    expect(gspsSummary(presentation({ window: null }), image)).toBe("no display settings");
  });
});

/** Even-odd fill of a path of M/L/H/V/Z polygons at a point (the arcs of circles are not parsed). */
function painted(d: string, at: Point): boolean {
  const polys: Point[][] = [];
  let cur: Point[] = [];
  const tokens = d.match(/[MLHVZ]|-?\d+(\.\d+)?/g) ?? [];
  let i = 0;
  let cmd = "";
  const num = () => Number(tokens[i++]);
  while (i < tokens.length) {
    const t = tokens[i] as string;
    if (/[MLHVZ]/.test(t)) {
      cmd = t;
      i++;
      if (cmd === "Z") {
        polys.push(cur);
        cur = [];
      }
      continue;
    }
    const last = cur[cur.length - 1] ?? { x: 0, y: 0 };
    if (cmd === "M" || cmd === "L") cur.push({ x: num(), y: num() });
    else if (cmd === "H") cur.push({ x: num(), y: last.y });
    else if (cmd === "V") cur.push({ x: last.x, y: num() });
  }
  let inside = false;
  for (const poly of polys)
    for (let k = 0, j = poly.length - 1; k < poly.length; j = k++) {
      const a = poly[k] as Point;
      const b = poly[j] as Point;
      if (a.y > at.y !== b.y > at.y && at.x < ((b.x - a.x) * (at.y - a.y)) / (b.y - a.y) + a.x) inside = !inside;
    }
  return inside;
}

describe("shutterPath", () => {
  const view: View = { zoom: 5, panX: 20, panY: -10, rotation: 90, flipH: true, flipV: false };

  it("paints outside a rectangle, not inside, through the view's transform", () => {
    const d = shutterPath({ type: "rectangle", top_left: [10, 5], bottom_right: [30, 20] }, view, image, viewport);
    const s = (x: number, y: number) => imageToScreen({ x, y }, view, image, viewport);
    expect(painted(d, s(20, 12))).toBe(false);
    expect(painted(d, s(10.5, 5.5))).toBe(false);
    expect(painted(d, s(9.5, 12))).toBe(true);
    expect(painted(d, s(31, 12))).toBe(true);
    expect(painted(d, s(20, 21))).toBe(true);
    expect(painted(d, { x: 1, y: 1 })).toBe(true); // far out in the viewport
  });

  it("paints outside a polygon", () => {
    const d = shutterPath({ type: "polygon", points: [[10, 10], [40, 10], [10, 30]] }, view, image, viewport);
    const s = (x: number, y: number) => imageToScreen({ x, y }, view, image, viewport);
    expect(painted(d, s(15, 15))).toBe(false);
    expect(painted(d, s(35, 25))).toBe(true);
  });

  it("draws a circle as two arcs of radius × zoom about its centre on screen", () => {
    const d = shutterPath({ type: "circle", center: [30, 20], radius: 8 }, view, image, viewport);
    const c = imageToScreen({ x: 30, y: 20 }, view, image, viewport);
    expect(d).toContain(`M${(c.x - 40).toFixed(2)} ${c.y.toFixed(2)} A40.00 40.00 0 1 0 ${(c.x + 40).toFixed(2)} ${c.y.toFixed(2)}`);
    // the circle's screen centre is the image point (30, 20)
    const back = screenToImage(c, view, image, viewport);
    expect(back.x).toBeCloseTo(30, 9);
    expect(back.y).toBeCloseTo(20, 9);
    expect(d.startsWith("M0 0 H800.00 V600.00 H0 Z")).toBe(true);
  });
});
