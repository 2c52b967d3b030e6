import { describe, expect, it } from "vitest";
import type { ApiClient } from "./client";
import { FrameStore, levelKey } from "./frames";
import type { RawFrame } from "../render/raw";

// FrameStore.forgetFile: a file's pixels changed on the server (redaction boxes).

function raw(): RawFrame {
  return {
    rows: 4,
    columns: 4,
    bitsAllocated: 16,
    signed: false,
    samplesPerPixel: 1,
    photometric: "MONOCHROME2",
    slope: 1,
    intercept: 0,
    inverted: false,
    float: false,
    defaultWindow: null,
    autoWindow: null,
    fullWindow: null,
    voiLut: false,
    modalityLut: false,
    padding: null,
    unit: "",
    level: 0,
    fullRows: 4,
    fullColumns: 4,
    data: new Uint16Array(16),
  };
}

function fakeApi() {
  const pending: Array<{ index: number; resolve: (r: RawFrame) => void }> = [];
  const api = {
    frameRaw(index: number) {
      return new Promise<RawFrame>((resolve) => pending.push({ index, resolve }));
    },
  } as unknown as ApiClient;
  return { api, pending };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe("FrameStore.forgetFile", () => {
  it("drops the file's cached frames and keeps the others", async () => {
    const { api, pending } = fakeApi();
    const s = new FrameStore(api, 1e9);
    void s.load(3, 0, null, true);
    void s.load(4, 0, null, true);
    for (const p of pending.splice(0)) p.resolve(raw());
    await flush();
    expect(s.has(levelKey(3, 0, 0))).toBe(true);
    s.forgetFile(3);
    expect(s.has(levelKey(3, 0, 0))).toBe(false);
    expect(s.has(levelKey(4, 0, 0))).toBe(true);
  });

  it("does not keep a frame that was loading when the file was forgotten", async () => {
    const { api, pending } = fakeApi();
    const s = new FrameStore(api, 1e9);
    void s.load(3, 1, null, true);
    const before = pending.splice(0);
    s.forgetFile(3);
    for (const p of before) p.resolve(raw());
    await flush();
    expect(s.has(levelKey(3, 1, 0))).toBe(false);
    // Asked again, it loads anew and is kept.
    void s.load(3, 1, null, true);
    for (const p of pending.splice(0)) p.resolve(raw());
    await flush();
    expect(s.has(levelKey(3, 1, 0))).toBe(true);
  });
});
