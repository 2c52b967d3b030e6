import { describe, expect, it } from "vitest";
import type { TagNode } from "../api/types";
import { formatTagValue, tagRows } from "./tags";

// Shapes as the server answers (prev-shapes/tags_*.json), trimmed.
const nodes: TagNode[] = [
  { tag: "(0008,0060)", vr: "CS", keyword: "Modality", value: { type: "string", value: "CT" } },
  { tag: "(0010,0020)", vr: "LO", keyword: "PatientID", value: { type: "string", value: "CORPUS-CT0001" } },
  { tag: "(0020,0032)", vr: "DS", keyword: "ImagePositionPatient", value: { type: "numbers", value: [-191.25, -191.25, -180] } },
  {
    tag: "(0040,A730)",
    vr: "SQ",
    keyword: "ContentSequence",
    value: {
      type: "sequence",
      items: [
        [{ tag: "(0040,A160)", vr: "UT", keyword: "TextValue", value: { type: "string", value: "deep finding" } }],
        [{ tag: "(0040,A010)", vr: "CS", keyword: "RelationshipType", value: { type: "string", value: "CONTAINS" } }],
      ],
    },
  },
  { tag: "(7FE0,0010)", vr: "OW", keyword: "PixelData", value: { type: "binary", length: 131072 } },
];

describe("formatTagValue", () => {
  it.each([
    [{ type: "string" as const, value: "CT" }, "CT"],
    [{ type: "number" as const, value: 2.5 }, "2.5"],
    [{ type: "numbers" as const, value: [1, 2] }, "1\\2"],
    [{ type: "numbers" as const, value: [1, 2], truncated: true, total: 900 }, "1\\2\\… (900 values)"],
    [{ type: "binary" as const, length: 8192 }, "8192 bytes"],
    [{ type: "sequence" as const, items: [], truncated: true, total: 1 }, "1 item (truncated)"],
  ])("%j", (v, text) => {
    expect(formatTagValue(v)).toBe(text);
  });
});

describe("tagRows", () => {
  it("lists top-level elements with sequences collapsed", () => {
    const rows = tagRows(nodes, new Set(), "");
    expect(rows.map((r) => r.node.keyword)).toEqual(["Modality", "PatientID", "ImagePositionPatient", "ContentSequence", "PixelData"]);
    expect(rows[3]?.expandable).toBe(true);
    expect(rows[3]?.expanded).toBe(false);
  });

  it("expands a sequence into item headers and their elements", () => {
    const rows = tagRows(nodes, new Set(["3"]), "");
    const seq = rows.slice(4, 8).map((r) => (r.item !== null ? `item${r.item}` : r.node.keyword));
    expect(seq).toEqual(["item0", "TextValue", "item1", "RelationshipType"]);
    expect(rows[5]?.depth).toBe(2);
  });

  it.each([
    ["keyword", "patientid", ["PatientID"]],
    ["tag with punctuation", "(0010,0020)", ["PatientID"]],
    ["tag digits", "00100020", ["PatientID"]],
    ["value", "corpus-ct", ["PatientID"]],
  ])("filters by %s", (_n, filter, want) => {
    expect(tagRows(nodes, new Set(), filter).map((r) => r.node.keyword)).toEqual(want);
  });

  it("opens the sequences on the way to a nested match", () => {
    const rows = tagRows(nodes, new Set(), "deep finding");
    expect(rows.map((r) => (r.item !== null ? `item${r.item}` : r.node.keyword))).toEqual(["ContentSequence", "item0", "TextValue"]);
    expect(rows[0]?.expanded).toBe(true);
  });

  it("finds nothing for a string that is nowhere", () => {
    expect(tagRows(nodes, new Set(), "zzz-not-there")).toEqual([]);
  });
});
