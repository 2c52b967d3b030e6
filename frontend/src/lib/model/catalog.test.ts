import { describe, expect, it } from "vitest";
import type { FileSummary, SeriesResponse } from "../api/types";
import { allKeys, fileStack, fileStatus, isColourFile, filterCounts, flattenTree, neighbourFile, stackForFile, stackPosition, statusBadge, tabLabel, treeFromFiles, treeFromSeries } from "./catalog";

function file(index: number, over: Partial<FileSummary> = {}): FileSummary {
  return {
    index,
    path: `/data/ct/IM${String(index).padStart(4, "0")}.dcm`,
    patient_id: "P1",
    patient_name: "DOE^J",
    study_instance_uid: "1.2.3",
    study_date: "20240115",
    series_instance_uid: "1.2.3.4",
    series_number: "2",
    series_description: "AX",
    modality: "CT",
    instance_number: String(index + 1),
    has_pixels: true,
    frame_count: 1,
    rows: 256,
    columns: 256,
    ...over,
  };
}

// Three slices of a CT series whose stack order (by position) differs from the index
// order, plus a multi-frame tomosynthesis file in another series.
const files = [file(0), file(1), file(2), file(3, { series_instance_uid: "9.9", modality: "MG", frame_count: 12, instance_number: "1" })];
const series: SeriesResponse = {
  patients: [
    {
      patient_id: "P1",
      patient_name: "DOE^J",
      studies: [
        {
          study_instance_uid: "1.2.3",
          study_date: "20240115",
          study_description: "CT CHEST",
          series: [
            { series_instance_uid: "1.2.3.4", series_number: 2, series_description: "AX", modality: "CT", instances: [2, 0, 1].map((i) => ({ index: i, frame_count: 1 })) },
            { series_instance_uid: "9.9", series_number: 5, series_description: "TOMO", modality: "MG", instances: [{ index: 3, frame_count: 12 }] },
          ],
        },
      ],
    },
  ],
};
const byIndex = new Map(files.map((f) => [f.index, f]));

describe("stacks", () => {
  it("a series of single-frame files is one stack in the server's order", () => {
    const tree = treeFromSeries(series, byIndex);
    const s = stackForFile(tree, 0, 1);
    expect(s.items).toEqual([
      { fileIndex: 2, frame: 0 },
      { fileIndex: 0, frame: 0 },
      { fileIndex: 1, frame: 0 },
    ]);
    expect(stackPosition(s, 1)).toBe(2);
    // Opening any slice of the series gives the same stack (one tab).
    expect(stackForFile(tree, 2, 1).key).toBe(s.key);
  });

  it("a multi-frame file is its own stack", () => {
    const tree = treeFromSeries(series, byIndex);
    const s = stackForFile(tree, 3, 12);
    expect(s.key).toBe("file:3");
    expect(s.items).toHaveLength(12);
    expect(s.items[11]).toEqual({ fileIndex: 3, frame: 11 });
    expect(stackPosition(s, 3, 7)).toBe(7);
  });

  it("a file outside the tree still opens", () => {
    expect(stackForFile([], 42, 1)).toEqual(fileStack(42, 1));
  });
});

describe("treeFromFiles (stand-in while /api/series is unavailable)", () => {
  it("groups by patient, study and series, ordering by InstanceNumber", () => {
    const shuffled = [files[2], files[0], files[3], files[1]].filter((f): f is FileSummary => f !== undefined);
    const tree = treeFromFiles(shuffled.map((f) => ({ ...f, instance_number: String(10 - f.index) })));
    expect(tree).toHaveLength(1);
    expect(tree[0]?.studies[0]?.series).toHaveLength(2);
    expect(tree[0]?.studies[0]?.series[0]?.instances.map((i) => i.fileIndex)).toEqual([2, 1, 0]);
  });
});

describe("flattenTree", () => {
  const tree = treeFromSeries(series, byIndex);

  it("shows only expanded levels", () => {
    expect(flattenTree(tree, new Set(), "").map((r) => r.kind)).toEqual(["patient"]);
    const p = tree[0]?.key ?? "";
    const s = tree[0]?.studies[0]?.key ?? "";
    expect(flattenTree(tree, new Set([p, s]), "").map((r) => r.kind)).toEqual(["patient", "study", "series", "series"]);
  });

  it("carries counts", () => {
    const rows = flattenTree(tree, new Set([tree[0]?.key ?? "", tree[0]?.studies[0]?.key ?? ""]), "");
    expect(rows.map((r) => r.count)).toEqual([1, 2, 3, 1]);
  });

  it("filters to a matching series and its ancestors", () => {
    const rows = flattenTree(tree, new Set(), "tomo");
    expect(rows.map((r) => r.kind)).toEqual(["patient", "study", "series"]);
    expect(rows[2]?.label).toContain("TOMO");
  });

  it("filters to a matching instance and opens its series", () => {
    const rows = flattenTree(tree, new Set(), "IM0001");
    expect(rows.map((r) => r.kind)).toEqual(["patient", "study", "series", "instance"]);
    expect(rows[3]?.fileIndex).toBe(1);
  });

  it("is fast enough to virtualize 10,000 instances", () => {
    const many: SeriesResponse = {
      patients: [{ patient_id: "P", studies: [{ study_instance_uid: "S", series: [{ series_instance_uid: "E", instances: Array.from({ length: 10_000 }, (_, i) => ({ index: i, frame_count: 1 })) }] }] }],
    };
    const t = treeFromSeries(many, new Map());
    const rows = flattenTree(t, new Set([t[0]?.key ?? "", t[0]?.studies[0]?.key ?? "", t[0]?.studies[0]?.series[0]?.key ?? ""]), "");
    expect(rows).toHaveLength(10_003);
  });
});

describe("tabLabel", () => {
  it("is PatientID · Modality · StudyDate", () => {
    expect(tabLabel(files[0])).toBe("P1 · CT · 20240115");
  });

  it("skips missing parts", () => {
    expect(tabLabel(file(0, { patient_id: null, study_date: "" }))).toBe("CT");
  });
});

describe("files that cannot be drawn", () => {
  // A good mammogram and a copy of it cut short inside Pixel Data, one series.
  const good = file(0, { series_instance_uid: "7.7", modality: "MG" });
  const cut = file(1, { series_instance_uid: "7.7", modality: "MG", support_state: "unsupported", support_reason: "pixel_data.truncated" });
  const sr = file(2, { series_instance_uid: "8.8", modality: "SR", has_pixels: false, frame_count: 0, support_state: "metadata_only" });
  const tree = treeFromFiles([cut, good, sr]);

  it("never join a series' stack", () => {
    const s = stackForFile(tree, 0, 1);
    expect(s.items).toEqual([{ fileIndex: 0, frame: 0 }]);
    // Opened on its own, the broken file is a stack of itself.
    expect(stackForFile(tree, 1, 1).key).toBe("file:1");
  });

  it("carry a status for the navigator's badge", () => {
    expect(fileStatus(cut)).toBe("broken");
    expect(fileStatus(sr)).toBe("document");
    expect(fileStatus(good)).toBe("ok");
    expect(fileStatus(file(3, { support_state: "unsupported", support_reason: "transfer_syntax.not_supported" }))).toBe("unsupported");
    expect(statusBadge("broken")).toBe("broken");
    const rows = flattenTree(tree, new Set(allKeys(tree)), "");
    const srRow = rows.find((r) => r.kind === "series" && r.label.startsWith("SR"));
    expect(srRow?.status).toBe("document");
    expect(srRow?.thumb).toBeNull();
    const mgRow = rows.find((r) => r.kind === "series" && r.label.startsWith("MG"));
    expect(mgRow?.thumb).toEqual({ fileIndex: 0, frame: 0 });
  });
});

describe("filter counts and keyboard order", () => {
  const many = [file(0), file(1), file(2), file(3, { series_instance_uid: "9.9", series_description: "COR", instance_number: "1" })];
  const tree = treeFromFiles(many);

  it("counts the files a filter keeps", () => {
    expect(filterCounts(tree, "")).toEqual({ shown: 4, total: 4 });
    expect(filterCounts(tree, "cor")).toEqual({ shown: 1, total: 4 });
    expect(filterCounts(tree, "IM0001")).toEqual({ shown: 1, total: 4 });
  });

  it("↑/↓ walk the files, PgUp/PgDn the series, within the filter", () => {
    expect(neighbourFile(tree, "", 0, 1, "file")).toBe(1);
    expect(neighbourFile(tree, "", 2, 1, "file")).toBe(3);
    expect(neighbourFile(tree, "", 3, 1, "file")).toBeNull();
    expect(neighbourFile(tree, "", 0, -1, "file")).toBeNull();
    expect(neighbourFile(tree, "", null, 1, "file")).toBe(0);
    expect(neighbourFile(tree, "", 1, 1, "series")).toBe(3);
    expect(neighbourFile(tree, "", 3, -1, "series")).toBe(0);
    expect(neighbourFile(tree, "cor", null, 1, "file")).toBe(3);
  });
});

describe("colour files", () => {
  it("palette colour and RGB have no window to show; grey files do", () => {
    expect(isColourFile(file(0, { photometric_interpretation: "PALETTE COLOR", samples_per_pixel: 1 }))).toBe(true);
    expect(isColourFile(file(0, { photometric_interpretation: "RGB", samples_per_pixel: 3 }))).toBe(true);
    expect(isColourFile(file(0, { photometric_interpretation: "MONOCHROME1", samples_per_pixel: 1 }))).toBe(false);
    expect(isColourFile(file(0))).toBe(false);
  });
});
