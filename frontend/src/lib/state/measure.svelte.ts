/**
 * Length measurements, kept in memory per tab (never saved to the server or exported):
 * each line is in full-resolution image coordinates on one frame of one file.
 */
import type { Point } from "../render/transform";

export interface Line {
  file: number;
  frame: number;
  a: Point;
  b: Point;
}

class MeasureState {
  /** Tab key → its lines, oldest first. */
  byTab = $state.raw<Map<string, Line[]>>(new Map());
}

export const measures = new MeasureState();

function setLines(tabKey: string, lines: Line[]): void {
  const next = new Map(measures.byTab);
  next.set(tabKey, lines);
  measures.byTab = next;
}

export function linesOf(tabKey: string): Line[] {
  return measures.byTab.get(tabKey) ?? [];
}

/** The lines of a tab drawn on one frame of one file, with their indices in the tab's list. */
export function linesOn(tabKey: string, file: number, frame: number): Array<{ index: number; line: Line }> {
  return linesOf(tabKey)
    .map((line, index) => ({ index, line }))
    .filter(({ line }) => line.file === file && line.frame === frame);
}

export function addLine(tabKey: string, line: Line): void {
  setLines(tabKey, [...linesOf(tabKey), line]);
}

/** Move one end of a line (`end` 0 = a, 1 = b). */
export function moveLineEnd(tabKey: string, index: number, end: 0 | 1, p: Point): void {
  const list = linesOf(tabKey);
  const l = list[index];
  if (!l) return;
  setLines(tabKey, list.map((x, i) => (i === index ? (end === 0 ? { ...x, a: p } : { ...x, b: p }) : x)));
}

/** Remove the lines of one frame of one file. */
export function clearLines(tabKey: string, file: number, frame: number): void {
  setLines(tabKey, linesOf(tabKey).filter((l) => l.file !== file || l.frame !== frame));
}
