import { describe, expect, it } from "vitest";
import type { FileSummary } from "../api/types";
import { lateralityView, primaryLabel, tabLabels, type TabFacts } from "./labels";

function mg(index: number, name: string, over: Partial<FileSummary> = {}): FileSummary {
  return {
    index,
    path: `/data/mg/${name}`,
    display_name: name,
    patient_id: "CORPUS-MG0001",
    modality: "MG",
    study_date: "20240117",
    instance_number: "1",
    has_pixels: true,
    frame_count: 1,
    rows: 1024,
    columns: 832,
    ...over,
  };
}

function facts(files: FileSummary[], series = false): TabFacts[] {
  return files.map((f) => ({ key: `file:${f.index}`, file: f, series }));
}

describe("tab labels", () => {
  it("mammograms read laterality and view", () => {
    const labels = tabLabels(
      facts([
        mg(0, "L_CC.dcm", { image_laterality: "L", view_position: "CC" }),
        mg(1, "R_MLO.dcm", { image_laterality: "R", view_position: "MLO" }),
        mg(2, "R_CC.dcm", { laterality: "R", view_position: "CC" }),
      ]),
    ).map((l) => l.label);
    expect(labels).toEqual(["L CC", "R MLO", "R CC"]);
  });

  it("two L CC mammograms differ by their series description", () => {
    const labels = tabLabels(
      facts([
        mg(0, "L_CC_explicit_le.dcm", { image_laterality: "L", view_position: "CC", series_description: "L CC Explicit VR LE" }),
        mg(1, "L_CC_j2k.dcm", { image_laterality: "L", view_position: "CC", series_description: "L CC JPEG 2000 lossless" }),
        mg(2, "R_MLO.dcm", { image_laterality: "R", view_position: "MLO", series_description: "R MLO" }),
      ]),
    ).map((l) => l.label);
    expect(labels).toEqual(["L CC Explicit VR LE", "L CC JPEG 2000 lossless", "R MLO"]);
    expect(new Set(labels).size).toBe(3);
  });

  it("files alike in every attribute differ by instance number, then file name", () => {
    const same = { image_laterality: "L", view_position: "CC", series_description: "Tomo" };
    const byNumber = tabLabels(facts([mg(0, "a.dcm", same), mg(1, "b.dcm", { ...same, instance_number: "2" })])).map((l) => l.label);
    expect(byNumber).toEqual(["L CC · #1", "L CC · #2"]);
    const byName = tabLabels(facts([mg(0, "DBT_L_CC_j2k.dcm", same), mg(1, "DBT_L_CC_rle.dcm", same)])).map((l) => l.label);
    expect(byName).toEqual(["L CC · DBT_L_CC_j2k.dcm", "L CC · DBT_L_CC_rle.dcm"]);
  });

  it("series read their description; patients tell equal descriptions apart", () => {
    const ct = (i: number, patient: string): FileSummary =>
      mg(i, `IM${i}.dcm`, { modality: "CT", patient_id: patient, series_description: "AX 2.5mm" });
    const labels = tabLabels(facts([ct(0, "P1"), ct(1, "P2")], true)).map((l) => l.label);
    expect(labels).toEqual(["AX 2.5mm · P1", "AX 2.5mm · P2"]);
  });

  it("a label never repeats, even for the same facts", () => {
    const f = mg(3, "x.dcm");
    const labels = tabLabels([
      { key: "a", file: f, series: true },
      { key: "b", file: { ...f, index: 4 }, series: true },
    ]).map((l) => l.label);
    expect(new Set(labels).size).toBe(2);
  });

  it("without series description or laterality: the predecessor's label", () => {
    expect(primaryLabel(mg(0, "a.dcm", { modality: "CT" }))).toBe("CORPUS-MG0001 · CT · 20240117");
    expect(lateralityView(mg(0, "a.dcm"))).toBe("");
  });

  it("the title carries every fact", () => {
    const [l] = tabLabels(facts([mg(0, "L_CC.dcm", { image_laterality: "L", view_position: "CC", series_description: "S" })]));
    expect(l?.title).toBe("CORPUS-MG0001 · MG · 20240117 · S · L CC · #1 · L_CC.dcm");
  });
});
