import { describe, expect, it } from "vitest";
import { Backoff, CATALOG_MAX_AGE_MS, healthDue, shouldReloadCatalog } from "./poll";

describe("Backoff", () => {
  it("grows while nothing changes, up to the maximum, and resets on a change", () => {
    const b = new Backoff(1000, 5000);
    expect(b.delay).toBe(1000);
    expect([b.next(false), b.next(false), b.next(false), b.next(false), b.next(false)]).toEqual([1500, 2250, 3375, 5000, 5000]);
    expect(b.next(true)).toBe(1000);
  });
});

describe("shouldReloadCatalog", () => {
  const seen = { fileCount: 10, ageMs: 1500, loadMs: 50 };

  it("reloads when the scan found files or completed", () => {
    expect(shouldReloadCatalog({ fileCount: 12, scanComplete: false }, seen)).toBe(true);
    expect(shouldReloadCatalog({ fileCount: 10, scanComplete: true }, seen)).toBe(true);
  });

  it("does not reload an unchanged catalog, but refreshes the progress now and then", () => {
    expect(shouldReloadCatalog({ fileCount: 10, scanComplete: false }, seen)).toBe(false);
    expect(shouldReloadCatalog({ fileCount: 10, scanComplete: false }, { ...seen, ageMs: CATALOG_MAX_AGE_MS })).toBe(true);
  });

  it("waits several times the catalog's own load time (a big catalog over a slow link)", () => {
    const slow = { fileCount: 10, ageMs: 1500, loadMs: 800 };
    expect(shouldReloadCatalog({ fileCount: 11, scanComplete: false }, slow)).toBe(false);
    expect(shouldReloadCatalog({ fileCount: 11, scanComplete: false }, { ...slow, ageMs: 3300 })).toBe(true);
  });

  it("without a scan signal in health (or no answer) reloads on the backoff", () => {
    expect(shouldReloadCatalog({ fileCount: 10, scanComplete: undefined }, seen)).toBe(true);
    expect(shouldReloadCatalog(null, seen)).toBe(true);
    expect(shouldReloadCatalog(null, { ...seen, ageMs: 500 })).toBe(false);
  });
});

describe("healthDue", () => {
  it("asks only when nothing answered for the whole interval", () => {
    expect(healthDue(0)).toBe(3000);
    expect(healthDue(2000)).toBe(1000);
    expect(healthDue(5000)).toBe(0);
  });
});
