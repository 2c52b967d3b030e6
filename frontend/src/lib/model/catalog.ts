/**
 * The navigator's patient → study → series → instance tree, its filtered flat rows
 * (for the virtualized list), and the stacks the viewport scrolls through.
 *
 * Stack order is the SDK's (`Series.instances`, exposed by GET /api/patients); the
 * files-based grouping here is only a stand-in until that answer arrives, ordered by
 * InstanceNumber.
 */
import type { FileSummary, PatientsResponse } from "../api/types";

export interface NavInstance {
  fileIndex: number;
  frameCount: number;
  label: string;
}

export interface NavSeries {
  key: string;
  number: string;
  description: string;
  modality: string;
  instances: NavInstance[];
}

export interface NavStudy {
  key: string;
  date: string;
  description: string;
  series: NavSeries[];
}

export interface NavPatient {
  key: string;
  id: string;
  name: string;
  studies: NavStudy[];
}

export type NavTree = NavPatient[];

/** One displayed frame of a stack: frame `frame` of catalog file `fileIndex`. */
export interface StackItem {
  fileIndex: number;
  frame: number;
}

export interface Stack {
  key: string;
  /** Catalog index whose metadata labels the tab. */
  fileIndex: number;
  items: StackItem[];
}

function str(v: unknown): string {
  return v === null || v === undefined ? "" : String(v);
}

function instanceLabel(f: FileSummary | undefined, fallback: number): string {
  if (!f) return `#${fallback}`;
  const name = f.display_name ?? f.path.split(/[\\/]/).pop() ?? f.path;
  const num = str(f.instance_number);
  return num ? `${num} · ${name}` : name;
}

/** Build the tree from our GET /api/patients answer (instances already in stack order). */
export function treeFromPatients(resp: PatientsResponse, files: ReadonlyMap<number, FileSummary>): NavTree {
  return resp.patients.map((p, pi) => ({
    key: `p${pi}:${str(p.patient_id)}`,
    id: str(p.patient_id),
    name: str(p.patient_name),
    studies: p.studies.map((s, si) => ({
      key: `p${pi}:s${si}:${str(s.study_instance_uid)}`,
      date: str(s.study_date),
      description: str(s.study_description),
      series: s.series.map((se, sei) => ({
        key: `p${pi}:s${si}:e${sei}:${str(se.series_instance_uid)}`,
        number: str(se.series_number),
        description: str(se.series_description),
        modality: str(se.modality),
        instances: se.instances.map((i) => ({
          fileIndex: i.index,
          frameCount: i.frame_count,
          label: instanceLabel(files.get(i.index), i.index),
        })),
      })),
    })),
  }));
}

function instanceNumber(f: FileSummary): number {
  const n = Number(f.instance_number);
  return Number.isFinite(n) && str(f.instance_number) !== "" ? n : Number.POSITIVE_INFINITY;
}

/**
 * Group /api/files into a tree while the series answer is unavailable (first paint
 * during a scan, or an older server), ordering instances by InstanceNumber, then path.
 */
export function treeFromFiles(files: readonly FileSummary[]): NavTree {
  const patients = new Map<string, Map<string, Map<string, FileSummary[]>>>();
  for (const f of files) {
    const pk = str(f.patient_id);
    const sk = str(f.study_instance_uid);
    const ek = str(f.series_instance_uid) || `file:${f.index}`;
    let studies = patients.get(pk);
    if (!studies) patients.set(pk, (studies = new Map()));
    let series = studies.get(sk);
    if (!series) studies.set(sk, (series = new Map()));
    let list = series.get(ek);
    if (!list) series.set(ek, (list = []));
    list.push(f);
  }
  const tree: NavTree = [];
  let pi = 0;
  for (const [pid, studies] of patients) {
    const first = studies.values().next().value?.values().next().value?.[0];
    const patient: NavPatient = { key: `p${pi}:${pid}`, id: pid, name: str(first?.patient_name), studies: [] };
    let si = 0;
    for (const [suid, series] of studies) {
      const sf = series.values().next().value?.[0];
      const study: NavStudy = {
        key: `p${pi}:s${si}:${suid}`,
        date: str(sf?.study_date),
        description: str(sf?.study_description),
        series: [],
      };
      let ei = 0;
      for (const [euid, list] of series) {
        const sorted = [...list].sort((a, b) => instanceNumber(a) - instanceNumber(b) || a.path.localeCompare(b.path));
        const ef = sorted[0];
        study.series.push({
          key: `p${pi}:s${si}:e${ei}:${euid}`,
          number: str(ef?.series_number),
          description: str(ef?.series_description),
          modality: str(ef?.modality),
          instances: sorted.map((f) => ({ fileIndex: f.index, frameCount: f.frame_count, label: instanceLabel(f, f.index) })),
        });
        ei++;
      }
      patient.studies.push(study);
      si++;
    }
    tree.push(patient);
    pi++;
  }
  return tree;
}

/**
 * The stack a file belongs to: a multi-frame file is its own stack; single-frame files
 * of one series form one stack in series order (so a CT series scrolls like a volume).
 */
export function stackForFile(tree: NavTree, fileIndex: number, frameCount: number): Stack {
  if (frameCount > 1) return fileStack(fileIndex, frameCount);
  for (const p of tree) {
    for (const s of p.studies) {
      for (const e of s.series) {
        if (!e.instances.some((i) => i.fileIndex === fileIndex)) continue;
        const singles = e.instances.filter((i) => i.frameCount === 1);
        return {
          key: `series:${e.key}`,
          fileIndex,
          items: singles.map((i) => ({ fileIndex: i.fileIndex, frame: 0 })),
        };
      }
    }
  }
  return fileStack(fileIndex, frameCount);
}

export function fileStack(fileIndex: number, frameCount: number): Stack {
  return {
    key: `file:${fileIndex}`,
    fileIndex,
    items: Array.from({ length: Math.max(1, frameCount) }, (_, f) => ({ fileIndex, frame: f })),
  };
}

/** Position of a file's frame in a stack (0 when absent). */
export function stackPosition(stack: Stack, fileIndex: number, frame = 0): number {
  const i = stack.items.findIndex((it) => it.fileIndex === fileIndex && it.frame === frame);
  return i < 0 ? 0 : i;
}

export type RowKind = "patient" | "study" | "series" | "instance";

export interface NavRow {
  kind: RowKind;
  key: string;
  depth: number;
  label: string;
  detail: string;
  count: number;
  fileIndex: number | null;
  expandable: boolean;
  expanded: boolean;
}

function matches(text: string, needle: string): boolean {
  return text.toLowerCase().includes(needle);
}

/**
 * Flatten the tree into visible rows. With a filter, a node is shown when it or a
 * descendant matches (ancestors of a match are expanded; a matching node shows its
 * whole subtree).
 */
export function flattenTree(tree: NavTree, expanded: ReadonlySet<string>, filter: string): NavRow[] {
  const needle = filter.trim().toLowerCase();
  const rows: NavRow[] = [];
  const filtering = needle.length > 0;
  for (const p of tree) {
    const pText = `${p.id} ${p.name}`;
    const pMatch = !filtering || matches(pText, needle);
    const pRows: NavRow[] = [];
    let pHas = pMatch;
    const pOpen = filtering || expanded.has(p.key);
    for (const s of p.studies) {
      const sMatch = pMatch || matches(`${s.date} ${s.description}`, needle);
      const sRows: NavRow[] = [];
      let sHas = sMatch;
      const sOpen = filtering || expanded.has(s.key);
      for (const e of s.series) {
        const eMatch = sMatch || matches(`${e.number} ${e.description} ${e.modality}`, needle);
        const iRows: NavRow[] = [];
        for (const i of e.instances) {
          if (eMatch || matches(i.label, needle)) {
            iRows.push({
              kind: "instance",
              key: `${e.key}/i${i.fileIndex}`,
              depth: 3,
              label: i.label,
              detail: i.frameCount > 1 ? `${i.frameCount} frames` : "",
              count: i.frameCount,
              fileIndex: i.fileIndex,
              expandable: false,
              expanded: false,
            });
          }
        }
        if (!eMatch && iRows.length === 0) continue;
        sHas = true;
        const eOpen = (filtering && !eMatch) || expanded.has(e.key);
        sRows.push({
          kind: "series",
          key: e.key,
          depth: 2,
          label: [e.modality, e.number ? `#${e.number}` : "", e.description].filter(Boolean).join(" "),
          detail: `${e.instances.length}`,
          count: e.instances.length,
          fileIndex: e.instances[0]?.fileIndex ?? null,
          expandable: true,
          expanded: eOpen,
        });
        if (eOpen) sRows.push(...iRows);
      }
      if (!sHas) continue;
      pHas = true;
      pRows.push({
        kind: "study",
        key: s.key,
        depth: 1,
        label: [s.date, s.description].filter(Boolean).join(" ") || "(no study)",
        detail: `${s.series.length}`,
        count: s.series.length,
        fileIndex: null,
        expandable: true,
        expanded: sOpen,
      });
      if (sOpen) pRows.push(...sRows);
    }
    if (!pHas) continue;
    rows.push({
      kind: "patient",
      key: p.key,
      depth: 0,
      label: [p.id, p.name].filter(Boolean).join(" · ") || "(no patient id)",
      detail: `${p.studies.length}`,
      count: p.studies.length,
      fileIndex: null,
      expandable: true,
      expanded: pOpen,
    });
    if (pOpen) rows.push(...pRows);
  }
  return rows;
}

/** Tab label: PatientID · Modality · StudyDate (the predecessor's), from what is present. */
export function tabLabel(f: FileSummary | undefined): string {
  if (!f) return "";
  const parts = [str(f.patient_id), str(f.modality), str(f.study_date)].filter(Boolean);
  return parts.length > 0 ? parts.join(" · ") : (f.display_name ?? `#${f.index}`);
}

/** Keys of every patient/study/series node (expand all). */
export function allKeys(tree: NavTree): string[] {
  const keys: string[] = [];
  for (const p of tree) {
    keys.push(p.key);
    for (const s of p.studies) {
      keys.push(s.key);
      for (const e of s.series) keys.push(e.key);
    }
  }
  return keys;
}

/** Keys of the patient/study/series nodes that lead to a file (to reveal it). */
export function pathToFile(tree: NavTree, fileIndex: number): string[] {
  for (const p of tree)
    for (const s of p.studies)
      for (const e of s.series) if (e.instances.some((i) => i.fileIndex === fileIndex)) return [p.key, s.key, e.key];
  return [];
}
