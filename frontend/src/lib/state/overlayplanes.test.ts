import { describe, expect, it, vi } from "vitest";

/** Every /presentation-layer request the state sends: [image, frame]. */
const asked: Array<[number, number]> = [];

vi.mock("./connection.svelte", () => ({
  client: () => ({
    presentationLayer: (index: number, frame: number) => {
      asked.push([index, frame]);
      return Promise.resolve(new Blob([`planes ${index}:${frame}`]));
    },
  }),
}));
// Node has no createImageBitmap: a stand-in that keeps what it was made of.
vi.stubGlobal("createImageBitmap", (blob: Blob) => Promise.resolve({ blob, close: () => undefined }));

const { ensureLayers, forgetPlanes, isShown, layerKey, overlays, toggleOverlay } = await import("./overlays.svelte");

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

describe("overlay planes (60xx) state", () => {
  it("are shown until switched off, per image; derived objects are off until switched on", () => {
    const planes = { index: 40, kind: "planes" as const };
    expect(isShown(planes)).toBe(true);
    expect(isShown({ index: 41, kind: "seg" })).toBe(false);
    toggleOverlay(40, undefined, "planes");
    expect(isShown(planes)).toBe(false);
    expect(isShown({ index: 42, kind: "planes" })).toBe(true);
    toggleOverlay(40, undefined, "planes");
    expect(isShown(planes)).toBe(true);
    toggleOverlay(40, false);
    expect(isShown(planes)).toBe(false);
  });

  it("load the image's own /presentation-layer per frame, once, as a bitmap", async () => {
    const planes = { index: 50, kind: "planes" as const, label: "" };
    ensureLayers(50, 2, [planes]);
    ensureLayers(50, 2, [planes]);
    ensureLayers(50, 3, [planes]);
    await settle();
    expect(asked.filter(([i]) => i === 50)).toEqual([
      [50, 2],
      [50, 3],
    ]);
    expect(overlays.layers[layerKey(planes, 50, 2)]?.status).toBe("ready");
    expect(overlays.layers[layerKey(planes, 50, 2)]?.bitmap).toBeDefined();
    // Switched off: nothing more is asked.
    toggleOverlay(50, false);
    ensureLayers(50, 4, [planes]);
    await settle();
    expect(asked.some(([i, f]) => i === 50 && f === 4)).toBe(false);
  });

  it("are loaded again after a redaction change of their image, and only of it", async () => {
    const planes = (i: number) => ({ index: i, kind: "planes" as const, label: "" });
    const seg = { index: 61, kind: "seg" as const, label: "" };
    overlays.layers = { ...overlays.layers, [layerKey(seg, 60, 0)]: { status: "empty" } };
    ensureLayers(60, 0, [planes(60)]);
    ensureLayers(6, 0, [planes(6)]);
    await settle();
    const before = asked.length;
    forgetPlanes([60]);
    expect(overlays.layers[layerKey(planes(60), 60, 0)]).toBeUndefined();
    expect(overlays.layers[layerKey(planes(6), 6, 0)]?.status).toBe("ready");
    expect(overlays.layers[layerKey(seg, 60, 0)]?.status).toBe("empty"); // a SEG hides nothing
    ensureLayers(60, 0, [planes(60)]);
    ensureLayers(6, 0, [planes(6)]);
    await settle();
    expect(asked.slice(before)).toEqual([[60, 0]]);
  });
});
