/**
 * What each file on screen is measured and oriented with: its /info answer (spacing,
 * orientation, laterality), fetched once per file when it first comes on screen.
 */
import type { FileInfo } from "../api/types";
import { client } from "./connection.svelte";

class CalibrationState {
  byFile = $state.raw<Map<number, FileInfo | null>>(new Map());
}

export const calibrations = new CalibrationState();

const loading = new Set<number>();

function setInfo(fileIndex: number, info: FileInfo | null): void {
  const next = new Map(calibrations.byFile);
  next.set(fileIndex, info);
  calibrations.byFile = next;
}

/** Fetch a file's /info once; a failure leaves it null (lengths in px, no markers). */
export function ensureCalibration(fileIndex: number): void {
  const api = client();
  if (!api || calibrations.byFile.has(fileIndex) || loading.has(fileIndex)) return;
  loading.add(fileIndex);
  api
    .info(fileIndex)
    .then((info) => setInfo(fileIndex, info))
    .catch(() => setInfo(fileIndex, null))
    .finally(() => loading.delete(fileIndex));
}

/** The file's /info, or null while it loads or when it failed. */
export function calibrationOf(fileIndex: number): FileInfo | null {
  return calibrations.byFile.get(fileIndex) ?? null;
}
