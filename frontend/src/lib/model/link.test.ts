import { describe, expect, it } from "vitest";
import { LinkMeter, SLOW_BYTES_PER_S } from "./link";

describe("LinkMeter", () => {
  it("knows nothing before a sample and counts that as fast", () => {
    const m = new LinkMeter();
    expect(m.bytesPerSecond).toBeNull();
    expect(m.slow).toBe(false);
  });

  it("measures bytes over time and calls 50 Mbit/s slow, loopback fast", () => {
    const slow = new LinkMeter();
    slow.record(625_000, 100); // 6.25 MB/s: 50 Mbit/s
    expect(slow.bytesPerSecond).toBeCloseTo(6.25e6);
    expect(slow.slow).toBe(true);
    const fast = new LinkMeter();
    fast.record(1_000_000, 2);
    expect(fast.slow).toBe(false);
    expect(fast.bytesPerSecond! > SLOW_BYTES_PER_S).toBe(true);
  });

  it("ignores small bodies: they arrive with their headers", () => {
    const m = new LinkMeter(128 * 1024);
    m.record(4000, 50);
    expect(m.bytesPerSecond).toBeNull();
  });

  it("treats a body read within the clock's resolution as 1 ms", () => {
    const m = new LinkMeter();
    m.record(200_000, 0);
    expect(m.bytesPerSecond).toBe(200_000_000);
  });

  it("takes the median of the last samples, so one outlier does not flip it", () => {
    const m = new LinkMeter(1, 5);
    for (const ms of [100, 100, 100]) m.record(625_000, ms);
    m.record(625_000, 1); // a body that sat in a buffer, then arrived at once
    expect(m.slow).toBe(true);
    for (let i = 0; i < 5; i++) m.record(625_000, 1);
    expect(m.slow).toBe(false); // the link got fast: the old samples are gone
  });

  it("refuses nonsense samples", () => {
    const m = new LinkMeter(1);
    m.record(Number.NaN, 10);
    m.record(1000, -1);
    expect(m.bytesPerSecond).toBeNull();
  });
});
