import { describe, expect, it } from "vitest";
import type { FileSummary } from "../api/types";
import { identityView, imageToScreen, rotateView, type View } from "../render/transform";
import {
  colorsParam,
  contourPath,
  derivedFor,
  formatLegendValue,
  graphicPath,
  imageToScreenMatrix,
  isBitmap,
  legendGradient,
  overlayEntries,
  overlayKind,
  overlayMessage,
  pixelCentre,
  planesEntry,
  rgbHex,
  shownByDefault,
} from "./overlays";

const image = { width: 200, height: 100 };
const viewport = { width: 800, height: 600 };

function file(index: number, kind: string, extra: Partial<FileSummary> = {}): FileSummary {
  return { index, path: `f${index}`, has_pixels: true, frame_count: 1, rows: 100, columns: 200, kind, ...extra };
}

describe("derivedFor", () => {
  const files = [
    file(0, "IMAGE", { referenced_by: [5, 3, 4, 6, 7] }),
    file(3, "RTSTRUCT", { series_description: "ORGANS" }),
    file(4, "SEG", { display_name: "seg.dcm" }),
    file(5, "RTDOSE"),
    file(6, "SR"),
    file(8, "PMAP"),
  ];
  const byIndex = new Map(files.map((f) => [f.index, f]));

  it("lists the objects that draw something, by kind then index, with labels", () => {
    expect(derivedFor(files[0], byIndex)).toEqual([
      { index: 4, kind: "seg", label: "seg.dcm" },
      { index: 3, kind: "rtstruct", label: "ORGANS" },
      { index: 5, kind: "dose", label: "file 5" },
    ]);
  });

  it("adds the objects found by Frame of Reference once", () => {
    expect(derivedFor(files[0], byIndex, [8, 4]).map((e) => e.index)).toEqual([4, 3, 5, 8]);
  });

  it("is empty for no file or a file nothing refers to", () => {
    expect(derivedFor(undefined, byIndex)).toEqual([]);
    expect(derivedFor(files[1], byIndex)).toEqual([]);
  });

  it("maps kinds", () => {
    expect(["SEG", "RTSTRUCT", "RTDOSE", "PMAP", "GSPS", "SR", undefined].map(overlayKind)).toEqual(["seg", "rtstruct", "dose", "pmap", "gsps", null, null]);
  });
});

describe("overlay planes (60xx)", () => {
  const files = [file(0, "IMAGE", { referenced_by: [4], presentation_layer: true }), file(1, "IMAGE"), file(2, "IMAGE", { presentation_layer: false }), file(4, "SEG", { display_name: "seg.dcm" })];
  const byIndex = new Map(files.map((f) => [f.index, f]));

  it("are an entry of the image itself when /api/files says presentation_layer", () => {
    expect(planesEntry(files[0])).toEqual({ index: 0, kind: "planes", label: "" });
    expect(planesEntry(files[1])).toBeNull(); // an older server: no field
    expect(planesEntry(files[2])).toBeNull();
    expect(planesEntry(undefined)).toBeNull();
  });

  it("come first, before the derived objects, and alone when nothing refers to the image", () => {
    expect(overlayEntries(files[0], byIndex).map((e) => [e.index, e.kind])).toEqual([
      [0, "planes"],
      [4, "seg"],
    ]);
    const alone = file(7, "IMAGE", { presentation_layer: true });
    expect(overlayEntries(alone, byIndex)).toEqual([{ index: 7, kind: "planes", label: "" }]);
    expect(overlayEntries(files[1], byIndex)).toEqual([]);
  });

  it("are a bitmap, shown by default; derived objects wait to be switched on", () => {
    expect(isBitmap("planes")).toBe(true);
    expect(shownByDefault("planes")).toBe(true);
    expect((["seg", "rtstruct", "dose", "pmap", "gsps"] as const).map(shownByDefault)).toEqual([false, false, false, false, false]);
  });

  it("say why they are not shown in their own words", () => {
    expect(overlayMessage({ kind: "planes" }, "overlay_data_invalid", "group 6000: no bitmap")).toBe("Overlay planes (60xx) not shown: group 6000: no bitmap");
  });
});

describe("imageToScreenMatrix", () => {
  const views: View[] = [
    { ...identityView(), zoom: 2.5, panX: 13, panY: -7 },
    { ...identityView(), zoom: 1.5, flipH: true },
    rotateView({ ...identityView(), zoom: 3, flipV: true, panX: 40 }, true),
    rotateView(rotateView({ ...identityView(), zoom: 0.7 }, false), false),
  ];
  it.each(views.map((v, k) => [k, v] as const))("agrees with imageToScreen (view %i)", (_, view) => {
    const [a, b, c, d, e, f] = imageToScreenMatrix(view, image, viewport);
    for (const p of [
      { x: 0, y: 0 },
      { x: 200, y: 100 },
      { x: 37.5, y: 81.25 },
    ]) {
      const s = imageToScreen(p, view, image, viewport);
      expect(a * p.x + c * p.y + e).toBeCloseTo(s.x, 9);
      expect(b * p.x + d * p.y + f).toBeCloseTo(s.y, 9);
    }
  });
});

describe("paths", () => {
  const view = { ...identityView(), zoom: 2 };

  it("places contour points at pixel centres and closes CLOSED_PLANAR", () => {
    const d = contourPath(
      [
        [0, 0],
        [0, 10],
        [10, 10],
      ],
      "CLOSED_PLANAR",
      view,
      image,
      viewport,
    );
    const s = imageToScreen(pixelCentre(0, 0), view, image, viewport);
    expect(d.startsWith(`M${s.x.toFixed(2)} ${s.y.toFixed(2)}`)).toBe(true);
    expect(d.endsWith("Z")).toBe(true);
    expect(contourPath([[1, 2]], "OPEN_PLANAR", view, image, viewport).endsWith("Z")).toBe(false);
  });

  it("draws GSPS points from the image corner, a closed polyline closed once", () => {
    const box: [number, number][] = [
      [10, 20],
      [30, 20],
      [30, 40],
      [10, 20],
    ];
    const d = graphicPath("polyline", box, view, image, viewport);
    const s = imageToScreen({ x: 10, y: 20 }, view, image, viewport);
    expect(d.startsWith(`M${s.x.toFixed(2)} ${s.y.toFixed(2)}`)).toBe(true);
    expect(d.match(/L/g)?.length).toBe(2);
    expect(d.endsWith("Z")).toBe(true);
  });

  it("draws an ellipse through the ends of its axes", () => {
    const d = graphicPath(
      "ellipse",
      [
        [10, 50],
        [30, 50],
        [20, 45],
        [20, 55],
      ],
      identityView(),
      image,
      viewport,
    );
    const first = imageToScreen({ x: 30, y: 50 }, identityView(), image, viewport);
    expect(d.startsWith(`M${first.x.toFixed(2)} ${first.y.toFixed(2)}`)).toBe(true);
    expect(d.match(/L/g)?.length).toBe(47);
  });
});

describe("legend and messages", () => {
  it("places stops by value", () => {
    const g = legendGradient({
      label: "Dose",
      unit: "Gy",
      minimum: 6,
      maximum: 60,
      stops: [
        { value: 6, color: "#0000ff" },
        { value: 33, color: "#00ff00" },
        { value: 60, color: "#ff0000" },
      ],
    });
    expect(g).toBe("linear-gradient(to right, #0000ff 0.0%, #00ff00 50.0%, #ff0000 100.0%)");
  });

  it("formats values with their unit", () => {
    expect(formatLegendValue(60.00000000001, "Gy")).toBe("60 Gy");
    expect(formatLegendValue(0.123456, "")).toBe("0.123");
  });

  it("says what is not shown and why", () => {
    expect(overlayMessage({ kind: "seg" }, "derived_geometry_mismatch", "128x128 vs 256x256")).toBe(
      "SEG not shown: it does not fit this image (128x128 vs 256x256)",
    );
    expect(overlayMessage({ kind: "dose" }, "internal", "boom")).toBe("RT Dose not shown: boom");
  });
});

describe("segment colours", () => {
  it("writes a colour input's value", () => {
    expect(rgbHex([255, 0, 128])).toBe("#ff0080");
    expect(rgbHex([0, 9, 300])).toBe("#0009ff");
  });

  it("asks for the chosen colours in segment order, lower case, skipping what is not a colour", () => {
    expect(colorsParam(undefined)).toBe("");
    expect(colorsParam({})).toBe("");
    expect(colorsParam({ 10: "#00FF00", 2: "#ff0000", 3: "red" })).toBe("2:ff0000,10:00ff00");
  });
});
