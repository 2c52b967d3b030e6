import { describe, expect, it } from "vitest";
import { footprint, invertsBitmap, type Source } from "./gl";
import { fitView, rotateView, screenToImageAffine, zoomAbout } from "./transform";

describe("footprint (texels under one device pixel: above 1 means the area filter)", () => {
  const image = { width: 2560, height: 3328 };
  const viewport = { width: 800, height: 800 };
  it("is 1/zoom at full resolution", () => {
    const v = fitView(image, viewport);
    const [fx, fy] = footprint(screenToImageAffine(v, image, viewport), [1, 1], 1);
    expect(fx).toBeCloseTo(1 / v.zoom, 9);
    expect(fy).toBeCloseTo(1 / v.zoom, 9);
    expect(fx).toBeGreaterThan(1);
  });
  it("is exactly 1 at 1:1 and below 1 when zoomed in", () => {
    const v = { ...fitView(image, viewport), zoom: 1 };
    expect(footprint(screenToImageAffine(v, image, viewport), [1, 1], 1)).toEqual([1, 1]);
    const z = zoomAbout(v, 3, { x: 10, y: 10 }, viewport);
    expect(footprint(screenToImageAffine(z, image, viewport), [1, 1], 1)[0]).toBeCloseTo(1 / 3, 9);
  });
  it("counts device pixels and texels of a reduced level", () => {
    const v = { ...fitView(image, viewport), zoom: 0.5 };
    const a = screenToImageAffine(v, image, viewport);
    expect(footprint(a, [1, 1], 2)).toEqual([1, 1]); // a 2× screen shows 0.5 zoom at 1:1
    expect(footprint(a, [0.25, 0.25], 1)).toEqual([0.5, 0.5]); // level 2 is magnified
  });
  it("does not depend on rotation", () => {
    const v = { ...fitView(image, viewport), zoom: 0.25 };
    const r = rotateView(v, true);
    const rotated = footprint(screenToImageAffine(r, image, viewport), [1, 0.5], 1);
    expect(rotated[0]).toBeCloseTo(4, 9);
    expect(rotated[1]).toBeCloseTo(2, 9);
  });
});

describe("invertsBitmap (a server PNG under a GSPS's inversion)", () => {
  const png = (inverted?: boolean): Source => ({ kind: "bitmap", key: "k", bitmap: {} as ImageBitmap, width: 1, height: 1, ...(inverted === undefined ? {} : { inverted }) });
  it("inverts again only when the view asks for what the server did not do", () => {
    expect(invertsBitmap(png(false), { invert: true })).toBe(true);
    expect(invertsBitmap(png(true), { invert: false })).toBe(true);
    expect(invertsBitmap(png(true), { invert: true })).toBe(false);
    expect(invertsBitmap(png(false), { invert: false })).toBe(false);
  });
  it("leaves it as the server drew it without a GSPS, for colour and for an older server", () => {
    expect(invertsBitmap(png(true), {})).toBe(false);
    expect(invertsBitmap(png(undefined), { invert: true })).toBe(false);
  });
});
