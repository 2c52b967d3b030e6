/**
 * The mammography hanging: which image of a study goes in which pane, and how it is
 * flipped and placed there (no state here).
 *
 * As radiologists read a screening study: the right breast's images on the left, the
 * left breast's on the right, back to back (mirror images, the chest walls facing each
 * other in the middle), each image pushed against the pane edge nearest the middle;
 * CC on top and MLO below in 2×2, or a single pair side by side in 1×2.
 *
 * Patient Orientation (0020,0020) says where the rows and columns run (PS3.3
 * C.7.6.1.1.1: first value along a row, left to right; second down a column). The wanted
 * orientations are those of the standard's mammography examples: a right breast
 * `P\L` (CC) or `P\FL` (MLO), a left one `A\R` / `A\FR` — the chest wall (posterior) on
 * the right of a right breast's image and on the left of a left one's; on a CC the
 * lateral side up; on an MLO the head up. An image stored otherwise is flipped to match;
 * without Patient Orientation it is hung as stored.
 */
import type { LayoutKind } from "./layout";
import { fitView, type Size, type View } from "../render/transform";

export type Laterality = "R" | "L";

/** How an image is flipped and placed in its pane. */
export interface Placement {
  flipH: boolean;
  flipV: boolean;
  /** The pane edge the image is pushed against (the chest wall side), or centred. */
  justify: "left" | "right" | "center";
}

/** What the hanging needs to know of one image of the study. */
export interface MammoImage {
  fileIndex: number;
  /** Image Laterality (or Laterality / Frame Laterality): "R", "L", or anything else (unknown). */
  laterality: string;
  /** View Position: "CC", "MLO", ... */
  view: string;
  /** Patient Orientation's two values, e.g. ["P", "L"], or null. */
  orientation: [string, string] | null;
  frameCount: number;
}

export interface Hanging {
  layout: LayoutKind;
  /** Per pane (reading order), the image hung there and its placement, or null (none of that view). */
  panes: Array<{ fileIndex: number; placement: Placement } | null>;
}

/** The rows of a hanging: cranio-caudal views on top, oblique/lateral below. */
type Row = "CC" | "MLO";

function rowOf(view: string): Row | null {
  const v = view.trim().toUpperCase();
  // Exaggerated CC (XCCL, XCCM) reads with the CC views; ML/LM/LMO with the obliques.
  if (v === "CC" || v === "XCCL" || v === "XCCM" || v === "FB") return "CC";
  if (v === "MLO" || v === "ML" || v === "LM" || v === "LMO" || v === "SIO") return "MLO";
  return null;
}

export function lateralityOf(value: string): Laterality | null {
  const v = value.trim().toUpperCase();
  return v === "R" || v === "L" ? v : null;
}

/** Parse Patient Orientation as the tag panel shows it ("P; L", "A\\FR", ["A", "R"]). */
export function parseOrientation(value: string | readonly string[] | null | undefined): [string, string] | null {
  if (!value) return null;
  const parts = (typeof value === "string" ? value.split(/[\\;,\s]+/) : [...value]).map((s) => s.trim().toUpperCase()).filter((s) => s !== "");
  const [row, col] = parts;
  return parts.length === 2 && row && col ? [row, col] : null;
}

/** The flips that bring an image of breast `side`, `view`, stored in `orientation`, to the hanging's orientation. */
export function hangingFlip(side: Laterality, view: string, orientation: [string, string] | null): { flipH: boolean; flipV: boolean } {
  if (!orientation) return { flipH: false, flipV: false };
  const [row, col] = orientation;
  // Along a row, left to right: towards the chest wall (P) for a right breast, away (A) for a left one.
  const awayH = side === "R" ? "A" : "P";
  const flipH = row.includes(awayH);
  // Down a column: towards the feet on an oblique; on a CC towards the medial side (the other breast's side).
  const upward = rowOf(view) === "CC" ? side : "H";
  const flipV = col.includes(upward);
  return { flipH, flipV };
}

/**
 * Hang a study's images: one per (laterality, row) slot — the `preferred` image (the one
 * on screen) in its slot, else a 2D image before a tomosynthesis stack, then the first
 * in `images` order (the navigator's). Null when no image has a known laterality and view.
 */
export function hangStudy(images: readonly MammoImage[], preferred: number | null = null): Hanging | null {
  const slots = new Map<string, MammoImage>();
  for (const im of images) {
    const side = lateralityOf(im.laterality);
    const row = rowOf(im.view);
    if (!side || !row) continue;
    const key = `${side}${row}`;
    const cur = slots.get(key);
    // Keep the first, unless this one is preferred, or 2D and the kept one a stack.
    if (cur?.fileIndex === preferred) continue;
    if (!cur || im.fileIndex === preferred || (cur.frameCount > 1 && im.frameCount <= 1)) slots.set(key, im);
  }
  if (slots.size === 0) return null;
  const rows: Row[] = (["CC", "MLO"] as Row[]).filter((r) => slots.has(`R${r}`) || slots.has(`L${r}`));
  const layout: LayoutKind = rows.length > 1 ? "2x2" : "1x2";
  const panes: Hanging["panes"] = [];
  for (const row of rows)
    for (const side of ["R", "L"] as Laterality[]) {
      const im = slots.get(`${side}${row}`);
      if (!im) {
        panes.push(null);
        continue;
      }
      const flip = hangingFlip(side, im.view, im.orientation);
      panes.push({ fileIndex: im.fileIndex, placement: { ...flip, justify: side === "R" ? "right" : "left" } });
    }
  return { layout, panes };
}

/**
 * The view that fits `image` in `pane` with `placement`: fitted, flipped, and pushed
 * against the placement's edge (fitView's centred view without a placement).
 */
export function placedView(image: Size, pane: Size, placement: Placement | null | undefined): View {
  const v = fitView(image, pane);
  if (!placement) return v;
  const spare = Math.max(0, pane.width - image.width * v.zoom) / 2;
  const panX = placement.justify === "right" ? spare : placement.justify === "left" ? -spare : 0;
  return { ...v, flipH: placement.flipH, flipV: placement.flipV, panX };
}
