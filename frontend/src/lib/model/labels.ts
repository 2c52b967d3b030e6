/**
 * Tab labels that tell tabs apart. Five mammograms of one study all read
 * `PatientID · MG · StudyDate` in the predecessor's labels; here a tab says what it
 * shows: laterality and view for mammography (`L CC`, `R MLO`), else the series
 * description, and only when two tabs still read alike, what differs between them
 * (patient, series description, instance number, file name), in that order.
 */
import type { FileSummary } from "../api/types";

export interface TabFacts {
  key: string;
  /** The file that labels the tab (the stack's first or opened file). */
  file: FileSummary | undefined;
  /** Whether the tab is a stack of several files (a series): then no file name is its name. */
  series: boolean;
}

export interface TabLabel {
  /** What the tab reads. */
  label: string;
  /** Its hover text: every fact, so a cut label loses nothing. */
  title: string;
}

function str(v: unknown): string {
  return v === null || v === undefined ? "" : String(v).trim();
}

function fileName(f: FileSummary): string {
  return f.display_name ?? f.path.split(/[\\/]/).pop() ?? f.path;
}

/** Laterality + view of a mammogram (`L CC`), from Image Laterality, else Laterality, and View Position. */
export function lateralityView(f: FileSummary | undefined): string {
  if (!f) return "";
  const side = str(f.image_laterality) || str(f.laterality);
  const view = str(f.view_position);
  return [side, view].filter(Boolean).join(" ");
}

/** What a tab reads before any other tab is looked at. */
export function primaryLabel(f: FileSummary | undefined): string {
  if (!f) return "";
  const lv = lateralityView(f);
  if (lv && (str(f.modality) === "MG" || (str(f.image_laterality) && str(f.view_position)))) return lv;
  return str(f.series_description) || [str(f.patient_id), str(f.modality), str(f.study_date)].filter(Boolean).join(" · ") || fileName(f);
}

/** The hover text of a tab: patient, modality, date, series, file, laterality and view. */
export function fullTitle(f: FileSummary | undefined): string {
  if (!f) return "";
  const num = str(f.instance_number);
  return [str(f.patient_id), str(f.modality), str(f.study_date), str(f.series_description), lateralityView(f), num ? `#${num}` : "", fileName(f)]
    .filter(Boolean)
    .join(" · ");
}

// What may tell two tabs apart, tried in order; each adds its text to the label.
const DISAMBIGUATORS: ReadonlyArray<(t: TabFacts) => string> = [
  (t) => str(t.file?.patient_id),
  (t) => str(t.file?.series_description),
  (t) => str(t.file?.study_date),
  (t) => (t.series || !str(t.file?.instance_number) ? "" : `#${str(t.file?.instance_number)}`),
  (t) => (t.series || !t.file ? "" : fileName(t.file)),
];

/**
 * Labels for a strip of tabs: the primary label, then, within each group of tabs that
 * read alike, the first fact that differs among them, until no two read alike or no
 * fact is left (the last resort is the catalog index).
 */
export function tabLabels(list: readonly TabFacts[]): TabLabel[] {
  const parts = list.map((t) => [primaryLabel(t.file) || `#${t.file?.index ?? "?"}`]);
  const text = (i: number): string => (parts[i] ?? []).join(" · ");
  for (const pick of DISAMBIGUATORS) {
    const groups = new Map<string, number[]>();
    list.forEach((_, i) => {
      const k = text(i);
      const g = groups.get(k);
      if (g) g.push(i);
      else groups.set(k, [i]);
    });
    let clash = false;
    for (const members of groups.values()) {
      if (members.length < 2) continue;
      clash = true;
      const values = members.map((i) => pick(list[i] as TabFacts));
      if (new Set(values).size < 2) continue; // this fact does not tell them apart
      members.forEach((i, k) => {
        const v = values[k];
        if (!v) return;
        // Say nothing twice: a fact that contains the label replaces it ("L CC" and
        // "L CC Tomo" read "L CC Tomo"); one the label already says adds nothing.
        if (v.includes(text(i))) parts[i] = [v];
        else if (!text(i).includes(v)) parts[i]?.push(v);
      });
    }
    if (!clash) break;
  }
  const seen = new Map<string, number>();
  return list.map((t, i) => {
    let label = text(i);
    const n = seen.get(label) ?? 0;
    seen.set(label, n + 1);
    if (n > 0 && t.file) label = `${label} · #${t.file.index}`;
    return { label, title: fullTitle(t.file) };
  });
}
