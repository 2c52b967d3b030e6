/**
 * The navigator's patient → study → series → instance tree, its filtered flat rows
 * (for the virtualized list), and the stacks the viewport scrolls through.
 *
 * Stack order is the SDK's (`Series.instances`, exposed by GET /api/series); the
 * files-based grouping here is only a stand-in until that answer arrives, ordered by
 * InstanceNumber.
 */
import type { FileSummary, SeriesResponse } from "../api/types";

/** What can be shown of a file: its frames, a document (no pixels), or nothing. */
export type FileStatus = "ok" | "document" | "unsupported" | "broken";

export interface NavInstance {
  fileIndex: number;
  frameCount: number;
  /** `InstanceNumber · file name` (what the filter matches). */
  label: string;
  /** The file name alone, and the instance number ("" without one). */
  name: string;
  number: string;
  status: FileStatus;
  /** The server's support_reason ("" when the file is shown). */
  reason: string;
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

function fileName(f: FileSummary): string {
  return f.display_name ?? f.path.split(/[\\/]/).pop() ?? f.path;
}

function instanceLabel(f: FileSummary | undefined, fallback: number): string {
  if (!f) return `#${fallback}`;
  const num = str(f.instance_number);
  return num ? `${num} · ${fileName(f)}` : fileName(f);
}

/**
 * Whether a file's frames can be drawn, from /api/files' support fields: without
 * pixels it is a document (an SR); a file the scan found cut short is broken; pixel
 * data no decoder here reads is unsupported. An older server without these fields:
 * has_pixels alone.
 */
export function fileStatus(f: FileSummary | undefined): FileStatus {
  if (!f) return "ok";
  if (!f.has_pixels || f.support_state === "metadata_only") return "document";
  if (f.support_state === "unsupported") return f.support_reason === "pixel_data.truncated" ? "broken" : "unsupported";
  return "ok";
}

function navInstance(f: FileSummary | undefined, fileIndex: number, frameCount: number): NavInstance {
  return {
    fileIndex,
    frameCount,
    label: instanceLabel(f, fileIndex),
    name: f ? fileName(f) : `#${fileIndex}`,
    number: str(f?.instance_number),
    status: fileStatus(f),
    reason: str(f?.support_reason),
  };
}

/**
 * Whether a file's pixels are colour (RGB and the like, or PALETTE COLOR, whose one
 * sample indexes a colour table): no window applies to them, so none is shown.
 */
export function isColourFile(f: FileSummary | undefined): boolean {
  if (!f) return false;
  const pi = (f.photometric_interpretation ?? "").toUpperCase();
  return (f.samples_per_pixel ?? 1) > 1 || pi === "PALETTE COLOR" || (pi !== "" && !pi.startsWith("MONOCHROME"));
}

/** A short word for a file that is not drawn as an image (the navigator's badge), "" for one that is. */
export function statusBadge(status: FileStatus): string {
  return status === "document" ? "doc" : status === "broken" ? "broken" : status === "unsupported" ? "unsupported" : "";
}

/** Build the tree from our GET /api/series answer (instances already in stack order). */
export function treeFromSeries(resp: SeriesResponse, files: ReadonlyMap<number, FileSummary>): NavTree {
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
        instances: se.instances.map((i) => navInstance(files.get(i.index), i.index, i.frame_count)),
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
          instances: sorted.map((f) => navInstance(f, f.index, f.frame_count)),
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
 * Only files whose frames can be drawn join a series' stack: a copy cut short that
 * shares the SeriesInstanceUID of a good image must not make it "frame 2/2" behind an
 * error; such a file (or a document) opened on its own is a stack of itself.
 */
export function stackForFile(tree: NavTree, fileIndex: number, frameCount: number): Stack {
  if (frameCount > 1) return fileStack(fileIndex, frameCount);
  for (const p of tree) {
    for (const s of p.studies) {
      for (const e of s.series) {
        const me = e.instances.find((i) => i.fileIndex === fileIndex);
        if (!me) continue;
        if (me.status !== "ok") return fileStack(fileIndex, frameCount);
        const singles = e.instances.filter((i) => i.frameCount === 1 && i.status === "ok");
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
  /** The whole text of the row (its hover title): nothing the row cuts is lost. */
  title: string;
  /** An instance's file name and number; a series' are "". */
  name: string;
  number: string;
  /** Whether the row's file (a series: all of its files) can be drawn, and why not. */
  status: FileStatus;
  reason: string;
  /** The frame a series row's thumbnail shows (the middle of its stack), null for none. */
  thumb: StackItem | null;
}

/** The frame that stands for a series: the middle slice, or a lone file's middle frame. */
export function seriesThumb(e: NavSeries): StackItem | null {
  const ok = e.instances.filter((i) => i.status === "ok");
  if (ok.length === 0) return null;
  if (ok.length === 1) {
    const only = ok[0] as NavInstance;
    return { fileIndex: only.fileIndex, frame: Math.floor(Math.max(0, only.frameCount - 1) / 2) };
  }
  const mid = ok[Math.floor((ok.length - 1) / 2)] as NavInstance;
  return { fileIndex: mid.fileIndex, frame: 0 };
}

function seriesStatus(e: NavSeries): { status: FileStatus; reason: string } {
  const first = e.instances[0];
  if (!first || e.instances.some((i) => i.status === "ok")) return { status: "ok", reason: "" };
  return { status: first.status, reason: first.reason };
}

function matches(text: string, needle: string): boolean {
  return text.toLowerCase().includes(needle);
}

const NO_FILE = { name: "", number: "", status: "ok", reason: "", thumb: null } as const;

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
            const frames = i.frameCount > 1 ? `${i.frameCount} frames` : "";
            iRows.push({
              kind: "instance",
              key: `${e.key}/i${i.fileIndex}`,
              depth: 3,
              label: i.label,
              detail: frames,
              count: i.frameCount,
              fileIndex: i.fileIndex,
              expandable: false,
              expanded: false,
              title: [i.name, i.number ? `instance ${i.number}` : "", frames, i.reason].filter(Boolean).join(" · "),
              name: i.name,
              number: i.number,
              status: i.status,
              reason: i.reason,
              thumb: null,
            });
          }
        }
        if (!eMatch && iRows.length === 0) continue;
        sHas = true;
        const eOpen = (filtering && !eMatch) || expanded.has(e.key);
        const eLabel = [e.modality, e.number ? `#${e.number}` : "", e.description].filter(Boolean).join(" ");
        const st = seriesStatus(e);
        sRows.push({
          kind: "series",
          key: e.key,
          depth: 2,
          label: eLabel,
          detail: `${e.instances.length}`,
          count: e.instances.length,
          fileIndex: e.instances[0]?.fileIndex ?? null,
          expandable: true,
          expanded: eOpen,
          title: `${eLabel} · ${e.instances.length} file${e.instances.length === 1 ? "" : "s"}`,
          name: "",
          number: "",
          status: st.status,
          reason: st.reason,
          thumb: seriesThumb(e),
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
        title: [s.date, s.description].filter(Boolean).join(" ") || "(no study)",
        ...NO_FILE,
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
      title: [p.id, p.name].filter(Boolean).join(" · ") || "(no patient id)",
      ...NO_FILE,
    });
    if (pOpen) rows.push(...pRows);
  }
  return rows;
}

/**
 * The series and files a filter keeps, in navigator order, with the same rule as
 * flattenTree (a matching patient, study or series keeps all of its files).
 */
export function matchedSeries(tree: NavTree, filter: string): Array<{ series: NavSeries; files: NavInstance[] }> {
  const needle = filter.trim().toLowerCase();
  const out: Array<{ series: NavSeries; files: NavInstance[] }> = [];
  for (const p of tree) {
    const pMatch = !needle || matches(`${p.id} ${p.name}`, needle);
    for (const s of p.studies) {
      const sMatch = pMatch || matches(`${s.date} ${s.description}`, needle);
      for (const e of s.series) {
        const eMatch = sMatch || matches(`${e.number} ${e.description} ${e.modality}`, needle);
        const files = eMatch ? e.instances : e.instances.filter((i) => matches(i.label, needle));
        if (eMatch || files.length > 0) out.push({ series: e, files });
      }
    }
  }
  return out;
}

/** Files the filter keeps and files in all ("12 of 88 files"). */
export function filterCounts(tree: NavTree, filter: string): { shown: number; total: number } {
  let total = 0;
  for (const p of tree) for (const s of p.studies) for (const e of s.series) total += e.instances.length;
  if (!filter.trim()) return { shown: total, total };
  let shown = 0;
  for (const m of matchedSeries(tree, filter)) shown += m.files.length;
  return { shown, total };
}

/**
 * The file to open for ↑/↓ (`by` "file") or PgUp/PgDn (`by` "series"): the next or
 * previous one among those the filter keeps, in navigator order; null at either end.
 */
export function neighbourFile(tree: NavTree, filter: string, current: number | null, delta: 1 | -1, by: "file" | "series"): number | null {
  const groups = matchedSeries(tree, filter).filter((m) => m.files.length > 0);
  if (by === "series") {
    const firsts = groups.map((m) => m.files[0]?.fileIndex ?? -1);
    let at = groups.findIndex((m) => m.files.some((i) => i.fileIndex === current));
    if (at < 0) at = delta > 0 ? -1 : groups.length;
    return firsts[at + delta] ?? null;
  }
  const order = groups.flatMap((m) => m.files.map((i) => i.fileIndex));
  let at = current === null ? -1 : order.indexOf(current);
  if (at < 0) at = delta > 0 ? -1 : order.length;
  return order[at + delta] ?? null;
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
