import { describe, expect, it } from "vitest";
import type { FileSummary } from "../api/types";
import { burnedInNotice } from "./burnedin";

const file = (extra: Partial<FileSummary>): FileSummary => ({ index: 0, path: "/masked/file-0001.dcm", has_pixels: true, frame_count: 1, rows: 8, columns: 8, ...extra });

describe("burnedInNotice", () => {
  it("says nothing for a file without text in its pixels", () => {
    expect(burnedInNotice(file({ burned_in_text: null }), true)).toBeNull();
    expect(burnedInNotice(undefined, true)).toBeNull();
  });

  it("warns for YES and for likely files", () => {
    expect(burnedInNotice(file({ burned_in_text: "yes" }), false)?.badge).toBe("Burned-in text");
    const likely = burnedInNotice(file({ burned_in_text: "likely" }), false);
    expect(likely?.level).toBe("likely");
    expect(likely?.reminder).toBeNull();
  });

  it("reminds that masking does not reach the pixels under --mask", () => {
    expect(burnedInNotice(file({ burned_in_text: "yes" }), true)?.reminder).toMatch(/not reach text in the pixels/);
  });

  it("reads the predecessor's boolean when the server has no burned_in_text", () => {
    expect(burnedInNotice(file({ burned_in_annotation: true }), false)?.level).toBe("yes");
  });
});
