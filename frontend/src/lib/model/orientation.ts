/**
 * Orientation markers: the patient direction at each edge of the screen (A/P, R/L, H/F),
 * from Image Orientation (Patient) or, for images without it (mammograms, radiographs),
 * Patient Orientation; they follow the view's flips and rotations.
 *
 * Patient coordinates are DICOM's LPS: +x toward the patient's left, +y posterior,
 * +z head. An oblique direction gets up to three letters, the strongest first ("LP").
 */
import { screenToImageAffine, type View } from "../render/transform";

export type Vec3 = [number, number, number];

/** The patient direction of the image's two axes: toward increasing column, increasing row. */
export interface ImageAxes {
  /** Toward the right of the unflipped, unrotated image (along a row). */
  row: string;
  /** Toward the bottom of the unflipped, unrotated image (down a column). */
  column: string;
}

export interface Markers {
  top: string;
  right: string;
  bottom: string;
  left: string;
}

/** The /info fields the axes come from. */
export interface OrientationFields {
  image_orientation_patient?: number[] | null;
  patient_orientation?: string[] | null;
}

const OPPOSITE: Record<string, string> = { A: "P", P: "A", R: "L", L: "R", H: "F", F: "H" };

/**
 * A component takes part in the label when it is at least this large (the direction
 * leans more than ~15° toward that axis); smaller tilts are not worth a letter.
 */
export const OBLIQUE_THRESHOLD = 0.26;

/** Letters of a direction (need not be unit length), strongest component first. */
export function directionLetters(v: Vec3, threshold = OBLIQUE_THRESHOLD): string {
  const n = Math.hypot(v[0], v[1], v[2]);
  if (!(n > 0)) return "";
  const parts: Array<[number, string]> = [
    [v[0] / n, v[0] > 0 ? "L" : "R"],
    [v[1] / n, v[1] > 0 ? "P" : "A"],
    [v[2] / n, v[2] > 0 ? "H" : "F"],
  ];
  return parts
    .filter(([c]) => Math.abs(c) >= threshold)
    .sort((a, b) => Math.abs(b[0]) - Math.abs(a[0]))
    .map(([, l]) => l)
    .join("");
}

/** The opposite direction's letters: "LP" → "RA". */
export function opposite(letters: string): string {
  return [...letters].map((c) => OPPOSITE[c] ?? c).join("");
}

/** The image axes from Image Orientation (Patient), else Patient Orientation, else null. */
export function imageAxes(f: OrientationFields | null | undefined): ImageAxes | null {
  const iop = f?.image_orientation_patient;
  if (iop && iop.length === 6 && iop.every(Number.isFinite)) {
    const [a = 0, b = 0, c = 0, d = 0, e = 0, g = 0] = iop;
    const row = directionLetters([a, b, c]);
    const column = directionLetters([d, e, g]);
    if (row && column) return { row, column };
  }
  const po = f?.patient_orientation;
  if (po && po.length === 2) {
    const [row = "", column = ""] = po.map((s) => s.trim().toUpperCase());
    const ok = (s: string): boolean => s.length > 0 && [...s].every((c) => c in OPPOSITE);
    if (ok(row) && ok(column)) return { row, column };
  }
  return null;
}

/** The letters toward an image-space direction (dx, dy) that is along one image axis. */
function toward(axes: ImageAxes, dx: number, dy: number): string {
  if (Math.abs(dx) >= Math.abs(dy)) return dx >= 0 ? axes.row : opposite(axes.row);
  return dy >= 0 ? axes.column : opposite(axes.column);
}

/** What each screen edge faces, for a view (flips and rotations by 90° included). */
export function screenMarkers(axes: ImageAxes, view: View): Markers {
  // Only the directions matter: any image and viewport size give the same signs.
  const one = { width: 1, height: 1 };
  const [a = 1, b = 0, c = 0, d = 1] = screenToImageAffine({ ...view, panX: 0, panY: 0, zoom: 1 }, one, one);
  const right = toward(axes, a, b);
  const bottom = toward(axes, c, d);
  return { top: opposite(bottom), right, bottom, left: opposite(right) };
}

/** Laterality as shown: R or L (B "both" and U "unpaired" as words). */
export function lateralityLabel(v: string | null | undefined): string {
  switch ((v ?? "").trim().toUpperCase()) {
    case "R":
      return "R";
    case "L":
      return "L";
    case "B":
      return "both";
    case "U":
      return "unpaired";
    default:
      return "";
  }
}
