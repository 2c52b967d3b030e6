import { describe, expect, it } from "vitest";
import { RefineScheduler, type Timers } from "./refine";

/** Timers run by hand: advance(ms) fires what is due. */
function fakeTimers(): Timers & { advance(ms: number): void; pending(): number } {
  let now = 0;
  let id = 0;
  const due = new Map<number, { at: number; fn: () => void }>();
  return {
    set(fn, ms) {
      due.set(++id, { at: now + ms, fn });
      return id;
    },
    clear(h) {
      due.delete(h as number);
    },
    advance(ms) {
      now += ms;
      for (const [k, t] of [...due].sort((a, b) => a[1].at - b[1].at)) {
        if (t.at <= now) {
          due.delete(k);
          t.fn();
        }
      }
    },
    pending: () => due.size,
  };
}

function setup() {
  const timers = fakeTimers();
  const refined: string[] = [];
  const r = new RefineScheduler((k) => refined.push(k), 300, timers);
  return { timers, refined, r };
}

describe("RefineScheduler", () => {
  it("refines the frame the user stopped on after the idle delay", () => {
    const { timers, refined, r } = setup();
    r.show("a");
    expect(r.wantsFull("a")).toBe(false);
    timers.advance(299);
    expect(refined).toEqual([]);
    timers.advance(1);
    expect(refined).toEqual(["a"]);
    expect(r.wantsFull("a")).toBe(true);
  });

  it("does not refine frames stepped through faster than the delay", () => {
    const { timers, refined, r } = setup();
    for (const k of ["f1", "f2", "f3", "f4"]) {
      r.show(k);
      timers.advance(100);
    }
    expect(refined).toEqual([]);
    timers.advance(200);
    expect(refined).toEqual(["f4"]);
    expect(r.wantsFull("f3")).toBe(false);
  });

  it("showing the same frame again does not restart the delay", () => {
    const { timers, refined, r } = setup();
    r.show("a");
    timers.advance(200);
    r.show("a");
    timers.advance(100);
    expect(refined).toEqual(["a"]);
  });

  it("moving away ends the refinement: coming back waits again", () => {
    const { timers, refined, r } = setup();
    r.show("a");
    timers.advance(300);
    r.show("b");
    expect(r.wantsFull("a")).toBe(false);
    r.show("a");
    expect(r.wantsFull("a")).toBe(false);
    timers.advance(300);
    expect(refined).toEqual(["a", "a"]);
  });

  it("counts the delay from the frame's first image, not from the step onto it", () => {
    const { timers, refined, r } = setup();
    r.show("a", false);
    timers.advance(1000);
    expect(refined).toEqual([]);
    r.show("a", true);
    timers.advance(299);
    expect(refined).toEqual([]);
    timers.advance(1);
    expect(refined).toEqual(["a"]);
  });

  it("refines at once on demand (zoom past 1:1, an ROI), once", () => {
    const { timers, refined, r } = setup();
    r.show("a");
    r.now();
    r.now();
    expect(refined).toEqual(["a"]);
    expect(timers.pending()).toBe(0);
  });

  it("refines nothing while cine plays, and the frame it stops on after the delay", () => {
    const { timers, refined, r } = setup();
    r.show("a");
    r.playing(true);
    expect(timers.pending()).toBe(0);
    r.show("b");
    r.show("c");
    timers.advance(1000);
    expect(refined).toEqual([]);
    r.playing(false);
    timers.advance(300);
    expect(refined).toEqual(["c"]);
  });

  it("forgets the frame when cleared", () => {
    const { timers, refined, r } = setup();
    r.show("a");
    r.clear();
    timers.advance(1000);
    r.now();
    expect(refined).toEqual([]);
  });
});
