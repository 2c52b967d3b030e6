import { describe, expect, it } from "vitest";
import {
  fitView,
  fitZoom,
  flipScreenHorizontal,
  flipScreenVertical,
  identityView,
  imageToScreen,
  pixelAt,
  rotateView,
  screenToImage,
  screenToImageAffine,
  zoomAbout,
  type Rotation,
  type View,
} from "./transform";

const image = { width: 200, height: 100 };
const viewport = { width: 800, height: 600 };

function views(): Array<[string, View]> {
  const out: Array<[string, View]> = [];
  for (const rotation of [0, 90, 180, 270] as Rotation[])
    for (const flipH of [false, true])
      for (const flipV of [false, true])
        out.push([`rot${rotation}${flipH ? "-fh" : ""}${flipV ? "-fv" : ""}`, { zoom: 2.5, panX: 13, panY: -7, rotation, flipH, flipV }]);
  return out;
}

describe("imageToScreen / screenToImage", () => {
  it.each(views())("round-trips under %s", (_id, view) => {
    for (const p of [{ x: 0, y: 0 }, { x: 199, y: 3 }, { x: 57.25, y: 88.5 }]) {
      const back = screenToImage(imageToScreen(p, view, image, viewport), view, image, viewport);
      expect(back.x).toBeCloseTo(p.x, 9);
      expect(back.y).toBeCloseTo(p.y, 9);
    }
  });

  it.each(views())("affine matches screenToImage under %s", (_id, view) => {
    const [a, b, c, d, e, f] = screenToImageAffine(view, image, viewport);
    for (const s of [{ x: 0, y: 0 }, { x: 640, y: 17 }, { x: 333.5, y: 590 }]) {
      const p = screenToImage(s, view, image, viewport);
      expect(a * s.x + c * s.y + e).toBeCloseTo(p.x, 9);
      expect(b * s.x + d * s.y + f).toBeCloseTo(p.y, 9);
    }
  });

  it("puts the image center at the viewport center plus pan", () => {
    const v = { ...identityView(), zoom: 3, panX: 10, panY: 20 };
    expect(imageToScreen({ x: 100, y: 50 }, v, image, viewport)).toEqual({ x: 410, y: 320 });
  });

  it("rotates clockwise: the top-left corner goes to the top-right at 90°", () => {
    const v = { ...identityView(), rotation: 90 as Rotation };
    const tl = imageToScreen({ x: 0, y: 0 }, v, image, viewport);
    const center = imageToScreen({ x: 100, y: 50 }, v, image, viewport);
    expect(tl.x).toBeGreaterThan(center.x);
    expect(tl.y).toBeLessThan(center.y);
  });

  it("flipH mirrors left and right", () => {
    const v = { ...identityView(), flipH: true };
    expect(imageToScreen({ x: 0, y: 0 }, v, image, viewport)).toEqual(imageToScreen({ x: 200, y: 0 }, identityView(), image, viewport));
  });
});

describe("fit and zoom", () => {
  it("fits the limiting axis", () => {
    expect(fitZoom(image, viewport, 0)).toBe(4);
    // Rotated the image is 100 wide and 200 tall: height limits, 600/200 = 3.
    expect(fitZoom(image, viewport, 90)).toBe(3);
  });

  it("fitView shows the whole image centered", () => {
    const v = fitView(image, viewport);
    const tl = imageToScreen({ x: 0, y: 0 }, v, image, viewport);
    const br = imageToScreen({ x: 200, y: 100 }, v, image, viewport);
    expect(tl).toEqual({ x: 0, y: 100 });
    expect(br).toEqual({ x: 800, y: 500 });
  });

  it("zoomAbout keeps the image point under the pointer", () => {
    for (const [, view] of views()) {
      const s = { x: 123, y: 456 };
      const before = screenToImage(s, view, image, viewport);
      const after = screenToImage(s, zoomAbout(view, 1.7, s, viewport), image, viewport);
      expect(after.x).toBeCloseTo(before.x, 9);
      expect(after.y).toBeCloseTo(before.y, 9);
    }
  });

  it("clamps zoom", () => {
    expect(zoomAbout(identityView(), 1e9, { x: 0, y: 0 }, viewport).zoom).toBe(64);
  });
});

describe("screen-space flips and rotation", () => {
  it.each([0, 90, 180, 270] as Rotation[])("flipScreenHorizontal mirrors left-right on screen at %d°", (rotation) => {
    const v: View = { ...identityView(), rotation };
    const f = flipScreenHorizontal(v);
    const p = { x: 30, y: 20 };
    const a = imageToScreen(p, v, image, viewport);
    const b = imageToScreen(p, f, image, viewport);
    expect(b.x).toBeCloseTo(viewport.width - a.x, 9);
    expect(b.y).toBeCloseTo(a.y, 9);
  });

  it.each([0, 90, 180, 270] as Rotation[])("flipScreenVertical mirrors top-bottom on screen at %d°", (rotation) => {
    const v: View = { ...identityView(), rotation };
    const f = flipScreenVertical(v);
    const p = { x: 30, y: 20 };
    const a = imageToScreen(p, v, image, viewport);
    const b = imageToScreen(p, f, image, viewport);
    expect(b.y).toBeCloseTo(viewport.height - a.y, 9);
    expect(b.x).toBeCloseTo(a.x, 9);
  });

  it("rotating four times returns the same view", () => {
    let v: View = { ...identityView(), panX: 30, panY: -5 };
    for (let i = 0; i < 4; i++) v = rotateView(v, true);
    expect(v.rotation).toBe(0);
    expect(v.panX).toBeCloseTo(30, 12);
    expect(v.panY).toBeCloseTo(-5, 12);
    expect(rotateView(rotateView(identityView(), true), false).rotation).toBe(0);
  });
});

describe("pixelAt", () => {
  it("finds the pixel under the pointer and null outside", () => {
    const v = fitView(image, viewport); // zoom 4, image spans y 100..500
    expect(pixelAt({ x: 1, y: 101 }, v, image, viewport)).toEqual({ row: 0, column: 0 });
    expect(pixelAt({ x: 799, y: 499 }, v, image, viewport)).toEqual({ row: 99, column: 199 });
    expect(pixelAt({ x: 10, y: 50 }, v, image, viewport)).toBeNull();
  });
});
