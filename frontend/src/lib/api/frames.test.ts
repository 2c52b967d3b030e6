import { describe, expect, it } from "vitest";
import { ApiClient, ApiError } from "./client";
import { ABORTED, FrameStore, levelKey, type Loaded } from "./frames";
import type { RawFrame } from "../render/raw";

function raw(level: number, rows = 8, columns = 8): RawFrame {
  return {
    rows: Math.ceil(rows / 2 ** level),
    columns: Math.ceil(columns / 2 ** level),
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
    level,
    fullRows: rows,
    fullColumns: columns,
    data: new Uint16Array(Math.ceil(rows / 2 ** level) * Math.ceil(columns / 2 ** level)),
  };
}

interface Call {
  index: number;
  frame: number;
  level: number;
  thenFull: boolean;
  signal: AbortSignal | undefined;
  resolve: (r: RawFrame) => void;
  reject: (e: unknown) => void;
}

/** An ApiClient whose frameRaw answers when the test says. */
function fakeApi() {
  const calls: Call[] = [];
  const api = {
    link: { slow: false },
    frameRaw(index: number, frame: number, opts: { level?: number; thenFull?: boolean; signal?: AbortSignal } = {}) {
      return new Promise<RawFrame>((resolve, reject) => {
        const call: Call = { index, frame, level: opts.level ?? 0, thenFull: opts.thenFull ?? false, signal: opts.signal, resolve, reject };
        opts.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
        calls.push(call);
      });
    },
  } as unknown as ApiClient;
  return { api, calls };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe("FrameStore", () => {
  it("asks at most two frames at a time, the urgent one first", async () => {
    const { api, calls } = fakeApi();
    const s = new FrameStore(api, 1e9);
    for (const f of [1, 2, 3]) void s.load(0, f, null, false, false, 1);
    void s.load(0, 0, null, true, false, 1);
    expect(calls.map((c) => c.frame)).toEqual([1, 2]);
    calls[0]?.resolve(raw(1));
    await flush();
    // The frame on screen jumped the queue of prefetches.
    expect(calls.map((c) => c.frame)).toEqual([1, 2, 0]);
    expect(s.has(levelKey(0, 1, 1))).toBe(true);
  });

  it("keys each level apart and finds the finest cached", async () => {
    const { api, calls } = fakeApi();
    const s = new FrameStore(api, 1e9);
    const coarse = s.load(0, 0, null, true, false, 2);
    calls[0]?.resolve(raw(2));
    expect(((await coarse) as Extract<Loaded, { kind: "raw" }>).raw.level).toBe(2);
    expect(s.finest(0, 0)?.key).toBe("0:0:L2");
    expect(s.finest(0, 0, 1)).toBeUndefined();
    const full = s.load(0, 0, null, true, false, 0);
    expect(calls[1]?.level).toBe(0);
    calls[1]?.resolve(raw(0));
    await full;
    expect(s.finest(0, 0)?.key).toBe("0:0");
    expect(s.finest(0, 0, 1)?.key).toBe("0:0");
  });

  it("cancel drops queued loads and aborts those in flight, except the ones kept", async () => {
    const { api, calls } = fakeApi();
    const s = new FrameStore(api, 1e9);
    void s.load(0, 0, null, true, false, 1);
    const p1 = s.load(0, 1, null, false, false, 1);
    const p2 = s.load(0, 2, null, false, false, 1);
    const p3 = s.load(0, 3, null, false, false, 1);
    expect(calls.map((c) => c.frame)).toEqual([0, 1]);
    // The user went back from 0 to 3 via 0's neighbourhood: keep 0 and 3, drop the rest.
    s.cancel(new Set([levelKey(0, 0, 1), levelKey(0, 3, 1)]));
    expect(calls[0]?.signal?.aborted).toBe(false);
    expect(calls[1]?.signal?.aborted).toBe(true);
    expect(((await p1) as { code: string }).code).toBe(ABORTED);
    expect(((await p2) as { code: string }).code).toBe(ABORTED);
    await flush();
    // Frame 3 was kept in the queue and is asked as soon as a slot is free.
    expect(calls.map((c) => c.frame)).toEqual([0, 1, 3]);
    expect(s.counts.aborted).toBe(1);
    // A cancelled load is not cached: asking again asks the server again.
    expect(s.has(levelKey(0, 1, 1))).toBe(false);
    calls[2]?.resolve(raw(1));
    await p3;
    await flush();
    // Only the frame on screen is still being fetched.
    expect(s.pending).toBe(1);
  });

  it("a queued prefetch the user now looks at moves to the front", () => {
    const { api, calls } = fakeApi();
    const s = new FrameStore(api, 1e9, 1);
    for (const f of [1, 2, 3]) void s.load(0, f, null, false, false, 1);
    void s.load(0, 3, null, true, false, 1);
    calls[0]?.resolve(raw(1));
    return flush().then(() => expect(calls.map((c) => c.frame)).toEqual([1, 3]));
  });

  it("a load left behind is aborted even when it was asked as urgent", () => {
    const { api, calls } = fakeApi();
    const s = new FrameStore(api, 1e9);
    void s.load(0, 1, null, true, false, 0);
    s.cancel(new Set([levelKey(0, 2, 1)]));
    expect(calls[0]?.signal?.aborted).toBe(true);
  });

  it("evicts the least recently used frames beyond the budget, never a pinned one", async () => {
    const { api, calls } = fakeApi();
    // 8×8 16-bit = 128 bytes a frame; room for two.
    const s = new FrameStore(api, 256);
    s.pin([levelKey(0, 0, 0)]);
    for (const f of [0, 1, 2]) {
      const p = s.load(0, f, null, true);
      calls[calls.length - 1]?.resolve(raw(0));
      await p;
    }
    expect(s.has("0:0")).toBe(true);
    expect(s.has("0:1")).toBe(false);
    expect(s.has("0:2")).toBe(true);
  });

  it("a server without levels answers full resolution: kept as that, and no level asked again", async () => {
    const { api, calls } = fakeApi();
    const s = new FrameStore(api, 1e9);
    const p = s.load(0, 0, null, true, false, 2);
    calls[0]?.resolve(raw(0));
    await p;
    expect(s.serverLevels).toBe(false);
    expect(s.has("0:0")).toBe(true);
    expect(s.levelsFor(0)).toBe(false);
    void s.load(0, 1, null, true, false, 2);
    expect(calls[1]?.level).toBe(0);
  });

  it("a level the server refuses falls back to full resolution for that file", async () => {
    const { api, calls } = fakeApi();
    const s = new FrameStore(api, 1e9);
    const p = s.load(3, 0, null, true, false, 4);
    calls[0]?.reject(new ApiError(400, "invalid_query", "level out of range"));
    await flush();
    expect(calls[1]?.level).toBe(0);
    calls[1]?.resolve(raw(0));
    expect((await p).key).toBe("3:0");
    expect(s.levelsFor(3)).toBe(false);
    expect(s.levelsFor(4)).toBe(true);
  });
});

describe("FrameStore first look", () => {
  it("asks the server to decode the full frame after the first level of a file it opens", () => {
    const { api, calls } = fakeApi();
    const s = new FrameStore(api, 1e9, 10);
    void s.load(3, 0, null, false, false, 2); // a prefetch: no guess
    void s.load(0, 0, null, true, false, 2); // the first look at file 0
    void s.load(0, 1, null, true, false, 2); // stepping on: no more guesses
    void s.load(1, 0, null, true, false, 0); // full resolution asked at once: nothing to guess
    void s.load(1, 1, null, true, false, 2);
    const asked = calls.map((c) => `${c.index}:${c.frame}:${c.thenFull}`);
    expect(asked.sort()).toEqual(["0:0:true", "0:1:false", "1:0:false", "1:1:false", "3:0:false"]);
  });

  it("says whether the link is slow from the client's meter", () => {
    const { api } = fakeApi();
    const s = new FrameStore(api, 1e9);
    expect(s.slowLink).toBe(false);
    (api as unknown as { link: { slow: boolean } }).link.slow = true;
    expect(s.slowLink).toBe(true);
  });
});

describe("ApiClient.frameRaw", () => {
  it("asks a level with ?level=n and reads the level headers", async () => {
    const urls: string[] = [];
    const body = new Uint16Array(2 * 3).buffer;
    const headers = {
      "x-frame-rows": "2",
      "x-frame-columns": "3",
      "x-frame-bits-allocated": "16",
      "x-frame-level": "2",
      "x-frame-full-rows": "7",
      "x-frame-full-columns": "9",
    };
    const fetchMock = (url: string) => {
      urls.push(url);
      return Promise.resolve(new Response(body, { status: 200, headers }));
    };
    const real = globalThis.fetch;
    globalThis.fetch = fetchMock as unknown as typeof fetch;
    try {
      const api = new ApiClient("", "t");
      api.shuffle = true;
      const r = await api.frameRaw(4, 5, { level: 2 });
      expect(urls[0]).toBe("/api/file/4/frame/5/raw?level=2&shuffle=bytes");
      expect([r.level, r.rows, r.columns, r.fullRows, r.fullColumns]).toEqual([2, 2, 3, 7, 9]);
      api.shuffle = false;
      await api.frameRaw(4, 5).catch(() => undefined);
      expect(urls[1]).toBe("/api/file/4/frame/5/raw");
      await api.frameRaw(4, 5, { level: 1, thenFull: true }).catch(() => undefined);
      expect(urls[2]).toBe("/api/file/4/frame/5/raw?level=1&then=full");
      await api.frameRaw(4, 5, { thenFull: true }).catch(() => undefined);
      expect(urls[3]).toBe("/api/file/4/frame/5/raw"); // level 0: nothing to guess
    } finally {
      globalThis.fetch = real;
    }
  });
});
