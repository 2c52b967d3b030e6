import { describe, expect, it } from "vitest";
import {
  SVG_PAINT_PROPS,
  deviceRect,
  dropsText,
  effectiveOpacity,
  inlineStyle,
  layersToExport,
  paintScaleBar,
  paintTextBoxes,
  scaleFont,
  strokeBoxes,
  svgRootAttributes,
  type Ctx2D,
} from "./compose";

/** A 2D context that records what is drawn, with the state each call saw. */
function recorder(): Ctx2D & { calls: Array<[string, unknown[], Record<string, unknown>]>; state(): Record<string, unknown> } {
  const stack: Array<Record<string, unknown>> = [];
  const ctx = {
    calls: [] as Array<[string, unknown[], Record<string, unknown>]>,
    globalAlpha: 1,
    fillStyle: "#000" as string,
    strokeStyle: "#000" as string,
    lineWidth: 1,
    font: "10px sans-serif",
    textBaseline: "alphabetic" as CanvasTextBaseline,
    textAlign: "start" as CanvasTextAlign,
    shadowColor: "transparent",
    shadowBlur: 0,
    state(): Record<string, unknown> {
      const { globalAlpha, fillStyle, strokeStyle, lineWidth, font, textBaseline, textAlign, shadowColor, shadowBlur } = ctx;
      return { globalAlpha, fillStyle, strokeStyle, lineWidth, font, textBaseline, textAlign, shadowColor, shadowBlur };
    },
    save() {
      stack.push(ctx.state());
    },
    restore() {
      Object.assign(ctx, stack.pop());
    },
  } as const;
  const record =
    (name: string) =>
    (...args: unknown[]): void => {
      ctx.calls.push([name, args, ctx.state()]);
    };
  return Object.assign(ctx, {
    strokeRect: record("strokeRect"),
    fillText: record("fillText"),
    beginPath: record("beginPath"),
    moveTo: record("moveTo"),
    lineTo: record("lineTo"),
    stroke: record("stroke"),
  });
}

describe("which layers go into the PNG", () => {
  it("by default the overlays under the ROI boxes and the lengths over them", () => {
    expect(layersToExport({ annotations: false, masked: false })).toEqual({ belowRois: ["overlay"], aboveRois: ["measure"] });
  });

  it("the scale bar and markers only when asked, on top", () => {
    expect(layersToExport({ annotations: true, masked: true })).toEqual({ belowRois: ["overlay"], aboveRois: ["measure", "annotation"] });
  });

  it("under --mask the overlays' free text stays out; lengths and labels keep theirs", () => {
    const masked = { annotations: true, masked: true };
    expect(dropsText("overlay", masked)).toBe(true);
    expect(dropsText("measure", masked)).toBe(false);
    expect(dropsText("annotation", masked)).toBe(false);
    expect(dropsText("overlay", { annotations: false, masked: false })).toBe(false);
  });
});

describe("geometry", () => {
  it("an element's box relative to the pane, in device pixels", () => {
    expect(deviceRect({ left: 110, top: 60, width: 300, height: 200 }, { left: 100, top: 50 }, 2)).toEqual({ x: 20, y: 20, width: 600, height: 400 });
  });

  it("an SVG of CSS size rasterised at device pixels keeps its drawing in CSS px", () => {
    expect(svgRootAttributes({ width: 640.4, height: 480 }, 1.5)).toEqual({
      xmlns: "http://www.w3.org/2000/svg",
      width: "961",
      height: "720",
      viewBox: "0 0 640.4 480",
    });
    expect(svgRootAttributes({ width: 0, height: 0 }, 1).width).toBe("1");
  });

  it("opacity multiplies up the chain; junk counts as 1, out of range is clamped", () => {
    expect(effectiveOpacity(["0.5", "1", 0.5])).toBeCloseTo(0.25);
    expect(effectiveOpacity(["", "auto"])).toBe(1);
    expect(effectiveOpacity(["2", "-1"])).toBe(0);
    expect(effectiveOpacity([])).toBe(1);
  });
});

describe("inlined paint", () => {
  it("keeps the computed values that are set, in the order asked, quotes made single", () => {
    const computed: Record<string, string> = {
      fill: "none",
      stroke: "rgb(255, 225, 77)",
      "stroke-width": "1.5px",
      "font-family": '"DejaVu Sans Mono", monospace',
      opacity: "1",
    };
    const css = inlineStyle((p) => computed[p] ?? "");
    expect(css).toBe("fill: none; stroke: rgb(255, 225, 77); stroke-width: 1.5px; opacity: 1; font-family: 'DejaVu Sans Mono', monospace");
    expect(inlineStyle((p) => computed[p] ?? "", ["stroke"])).toBe("stroke: rgb(255, 225, 77)");
  });

  it("covers what the viewer's overlay and measure styles set", () => {
    for (const p of ["fill", "fill-rule", "stroke", "stroke-width", "stroke-dasharray", "opacity", "paint-order", "font-family", "font-size", "visibility"]) {
      expect(SVG_PAINT_PROPS).toContain(p);
    }
  });

  it("a computed font at device pixels", () => {
    const font = { fontStyle: "normal", fontWeight: "600", fontSize: "15px", fontFamily: "ui-monospace, monospace" };
    expect(scaleFont(font, 2)).toBe("600 30px ui-monospace, monospace");
    expect(scaleFont({ ...font, fontWeight: "400" }, 1)).toBe("15px ui-monospace, monospace");
  });
});

describe("painting", () => {
  it("ROI boxes in device pixels at RoiLayer's width", () => {
    const ctx = recorder();
    strokeBoxes(ctx, [{ x: 10, y: 20, width: 30, height: 40 }], 2, "#3ee07a");
    expect(ctx.calls).toEqual([["strokeRect", [20, 40, 60, 80], expect.objectContaining({ strokeStyle: "#3ee07a", lineWidth: 3 })]]);
  });

  it("labels centred in their boxes with a dark halo; the state is put back", () => {
    const ctx = recorder();
    paintTextBoxes(
      ctx,
      [
        { text: "A", rect: { x: 100, y: 4, width: 10, height: 20 }, font: "15px mono", colour: "rgb(242, 242, 160)", align: "center", border: 0 },
        { text: "R", rect: { x: 200, y: 60, width: 20, height: 30 }, font: "20px mono", colour: "#fff", align: "center", border: 3 },
      ],
      2,
    );
    const texts = ctx.calls.filter(([n]) => n === "fillText");
    expect(texts.map(([, a]) => a)).toEqual([
      ["A", 105, 14],
      ["A", 105, 14],
      ["R", 210, 75],
      ["R", 210, 75],
    ]);
    expect(texts[0]?.[2]).toMatchObject({ font: "15px mono", fillStyle: "rgb(242, 242, 160)", textAlign: "center", textBaseline: "middle", shadowColor: "#000", shadowBlur: 6 });
    const borders = ctx.calls.filter(([n]) => n === "strokeRect");
    expect(borders).toEqual([["strokeRect", [200, 60, 20, 30], expect.objectContaining({ lineWidth: 3, strokeStyle: "#fff" })]]);
    expect(ctx.state()).toMatchObject({ font: "10px sans-serif", shadowBlur: 0, fillStyle: "#000" });
  });

  it("left- and right-aligned labels start and end at their box's edges", () => {
    const ctx = recorder();
    const rect = { x: 10, y: 0, width: 50, height: 10 };
    paintTextBoxes(ctx, [{ text: "x", rect, font: "f", colour: "c", align: "left", border: 0 }], 1);
    paintTextBoxes(ctx, [{ text: "y", rect, font: "f", colour: "c", align: "right", border: 0 }], 1);
    expect(ctx.calls.map(([, a]) => a[1])).toEqual([10, 10, 60, 60]);
  });

  it("the scale bar as a bracket: down the left edge, along the bottom, up the right", () => {
    const ctx = recorder();
    paintScaleBar(ctx, { x: 100, y: 50, width: 80, height: 10 }, "rgb(242, 242, 160)", 2);
    const path = ctx.calls.filter(([n]) => n === "moveTo" || n === "lineTo").map(([n, a]) => [n, ...a]);
    expect(path).toEqual([
      ["moveTo", 101, 50],
      ["lineTo", 101, 59],
      ["lineTo", 179, 59],
      ["lineTo", 179, 50],
    ]);
    const stroke = ctx.calls.find(([n]) => n === "stroke");
    expect(stroke?.[2]).toMatchObject({ strokeStyle: "rgb(242, 242, 160)", lineWidth: 2 });
  });
});
