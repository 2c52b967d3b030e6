/**
 * What the viewer says about text burned into a file's pixels: masking (--mask) replaces
 * the values the server sends, never the pixels, so names and IDs written into the image
 * (ultrasound, secondary capture, scanned documents) stay readable unless redacted.
 */
import type { FileSummary } from "../api/types";

export interface BurnedInNotice {
  level: "yes" | "likely";
  /** The badge's text. */
  badge: string;
  /** Its tooltip: why. */
  detail: string;
  /** Under --mask, the reminder shown when the file opens; null without masking. */
  reminder: string | null;
}

/** The notice for `file` (null when its pixels are not expected to hold text). */
export function burnedInNotice(file: FileSummary | undefined, masked: boolean): BurnedInNotice | null {
  if (!file) return null;
  const level = file.burned_in_text ?? (file.burned_in_annotation ? "yes" : null);
  if (level !== "yes" && level !== "likely") return null;
  const badge = level === "yes" ? "Burned-in text" : "Text likely in pixels";
  const detail =
    level === "yes"
      ? "Burned In Annotation is YES: the pixels hold text that may identify the patient."
      : "Files of this kind (ultrasound, secondary capture) often carry text in the pixels that may identify the patient.";
  const reminder = masked ? "Masking does not reach text in the pixels. Hide it with the Redact tool (X) before sharing the screen." : null;
  return { level, badge, detail, reminder };
}
