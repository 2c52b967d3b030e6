/**
 * JSON shapes of the dcmview HTTP API (docs/http-api.md, server/schemas.py).
 *
 * Only the fields the viewer reads are required; the server may add fields.
 */

export interface WindowJson {
  center: number;
  width: number;
}

export interface FileSummary {
  index: number;
  path: string;
  display_name?: string;
  label?: string;
  patient_id?: string | null;
  patient_name?: string | null;
  study_instance_uid?: string | null;
  study_date?: string | null;
  study_description?: string | null;
  series_instance_uid?: string | null;
  series_number?: string | number | null;
  series_description?: string | null;
  modality?: string | null;
  instance_number?: string | number | null;
  has_pixels: boolean;
  frame_count: number;
  rows: number | null;
  columns: number | null;
  transfer_syntax_uid?: string | null;
  default_window?: WindowJson | null;
  /**
   * The file's own playback rate in frames per second (Cine Rate, else 1000 / Frame Time,
   * else Recommended Display Frame Rate), null without one or from an older server.
   */
  cine_rate?: number | null;
  /** The kind of object ("IMAGE", "SEG", "RTSTRUCT", "RTDOSE", "PMAP", "GSPS", "SR", ..., "OTHER"). */
  kind?: string;
  /** Indexes of the files this one names by UID (a derived object's sources). */
  refers_to?: number[];
  /** Indexes of the derived objects that name this file. */
  referenced_by?: number[];
  /** What can be shown (`renderable`, `unsupported`, `metadata_only`) and why not. */
  support_state?: string;
  support_reason?: string | null;
  object_kind?: string;
  samples_per_pixel?: number;
  photometric_interpretation?: string;
  /** Image Laterality, Laterality (of the series) and View Position: "" when absent. */
  image_laterality?: string;
  laterality?: string;
  view_position?: string;
  /** Burned In Annotation YES ("yes"), or text in the pixels is likely (ultrasound, SC). */
  burned_in_annotation?: boolean;
  burned_in_text?: "yes" | "likely" | null;
  /**
   * The file has Overlay Planes (60xx) and pixel data: `/presentation-layer` draws them
   * (the predecessor's field; absent from an older server).
   */
  presentation_layer?: boolean;
}

/** A path the scan did not list, and why (FilesResponse.discovery). */
export interface SkippedPath {
  path: string;
  reason: string;
  detail?: string;
}

export interface FilesResponse {
  files: FileSummary[];
  scan_complete?: boolean;
  scanned?: number;
  skipped?: number;
  filtered?: number;
  server_start_ms?: number;
  discovery?: SkippedPath[];
  /** --mask: every identifying value and path in the answers is a pseudonym. */
  masked?: boolean;
}

export interface Health {
  status: string;
  file_count: number;
  server_start_ms: number;
  /** This project's server only (the predecessor does not say). */
  scan_complete?: boolean;
}

export interface FileInfo {
  frame_count: number;
  rows: number | null;
  columns: number | null;
  transfer_syntax_uid?: string | null;
  has_pixels: boolean;
  default_window?: WindowJson | null;
  cine_rate?: number | null;
  /** Frame 0's Pixel Spacing [row, column] in mm (absent from an older server). */
  pixel_spacing?: number[] | null;
  /** Imager Pixel Spacing [row, column] in mm, at the detector. */
  imager_pixel_spacing?: number[] | null;
  /** Image Orientation (Patient): row then column direction cosines, LPS. */
  image_orientation_patient?: number[] | null;
  /** Patient Orientation letters of the rows and the columns (["A", "R"]). */
  patient_orientation?: string[] | null;
  /** R, L, U or B (Image Laterality, Frame Laterality or Laterality). */
  laterality?: string | null;
}

export type TagValue =
  | { type: "string"; value: string }
  | { type: "number"; value: number }
  | { type: "numbers"; value: number[]; truncated?: boolean; total?: number }
  | { type: "sequence"; items: TagNode[][]; truncated?: boolean; total?: number }
  | { type: "binary"; length: number }
  | { type: "error"; message?: string; error?: string; value?: string };

export interface TagNode {
  tag: string;
  vr: string;
  keyword: string;
  value: TagValue;
}

export interface PixelReadout {
  row: number;
  column: number;
  stored: number | number[];
  modality: number | number[] | null;
  unit: string | null;
}

export interface AnnotationsJson {
  num_roi: number;
  roi_coords: number[][];
  roi_frames: number[][];
}

/** One instance of a series, in stack order (GET /api/patients). */
export interface SeriesInstanceJson {
  index: number;
  frame_count: number;
  instance_number?: number | string | null;
  path?: string;
}

export interface SeriesJson {
  series_instance_uid: string | null;
  series_number?: number | string | null;
  series_description?: string | null;
  modality?: string | null;
  instances: SeriesInstanceJson[];
}

export interface StudyJson {
  study_instance_uid: string | null;
  study_date?: string | null;
  study_description?: string | null;
  series: SeriesJson[];
}

export interface PatientJson {
  patient_id: string | null;
  patient_name?: string | null;
  studies: StudyJson[];
}

export interface PatientsResponse {
  patients: PatientJson[];
  scan_complete?: boolean;
}

export interface ErrorJson {
  code: string;
  error: string;
}

/** One entry of `/references`' `referenced_by` (the SDK's Reference.to_json). */
export interface ReferenceItem {
  sop_instance_uid: string;
  sop_class_uid: string;
  kind: string;
  via: string;
  frames: number[];
  index: number | null;
}

export interface ReferencesResponse {
  kind: string;
  refers_to: ReferenceItem[];
  referenced_by: ReferenceItem[];
  missing: string[];
}

/** `/value-legend`: the colour bar of a dose or parametric map overlay. */
export interface ValueLegend {
  label: string;
  unit: string;
  minimum: number;
  maximum: number;
  stops: { value: number; color: string }[];
}

/** One contour of `/rt-contours`: points as [row, column] pixel positions. */
export interface ImageContour {
  roi_number: number;
  roi_name: string;
  color: string | null;
  geometric_type: string;
  matched_by: string;
  points: [number, number][];
}

export interface RtContoursResponse {
  file_index: number;
  frame_index: number;
  structure_sets: { file_index: number; label: string; name: string; contours: ImageContour[] }[];
}

/** `/graphic-annotations`: points [x, y] with the image's top-left corner at (0, 0). */
export interface GraphicAnnotations {
  layers: { name: string; order: number; description: string | null; color: number[] | null }[];
  graphics: { layer: string; graphic_type: string; points: [number, number][]; filled: boolean }[];
  texts: {
    layer: string;
    text: string;
    bounding_box: [number, number][] | null;
    anchor: [number, number] | null;
    anchor_visible: boolean;
  }[];
  /** What the state sets for the frame's display (absent from servers before it; null: not this frame). */
  presentation?: GspsPresentation | null;
}

/** A shutter shape of `presentation.shutter`: the image shows inside every shape. */
export type ShutterShape =
  | { type: "rectangle"; top_left: [number, number]; bottom_right: [number, number] }
  | { type: "circle"; center: [number, number]; radius: number }
  | { type: "polygon"; points: [number, number][] };

/** `/graphic-annotations`' `presentation`: a GSPS's window, inversion, spatial transform, area, shutters. */
export interface GspsPresentation {
  /** In the image's modality values; `lut`: a table no center/width describes (keep the window). */
  window: { center: number; width: number; function: "LINEAR" | "LINEAR_EXACT" | "SIGMOID"; lut: boolean; rescaled?: boolean } | null;
  invert: boolean;
  /** Clockwise, then `flip` (horizontal) of the rotated image (PS3.3 C.10.6). */
  rotation: 0 | 90 | 180 | 270;
  flip: boolean;
  displayed_area: { top_left: [number, number]; bottom_right: [number, number]; size_mode: string };
  shutter: { shapes: ShutterShape[]; value: number; grey: number; color: [number, number, number] | null; fill: string; bitmap: boolean } | null;
}

/** `/semantic-context`, the parts the overlay panel shows. */
export interface SemanticContext {
  source_file_index: number;
  context: {
    kind: string;
    reason?: string;
    warnings?: string[];
    overlay?: { eligible: boolean; reason: string };
    segments?: { number: number; label: string; display_color: [number, number, number] }[];
    error?: { code: string; error: string };
  };
}

/** One content item of GET /api/file/:i/document. */
export interface DocumentItemJson {
  relationship: string;
  value_type: string;
  concept: string;
  value: string;
  children: DocumentItemJson[];
}

/** GET /api/file/:i/document: an SR's content tree, or what an object without pixels is. */
export interface DocumentJson {
  sop_class_uid: string;
  sop_class_name: string;
  title: string;
  completion_flag: string;
  verification_flag: string;
  items: DocumentItemJson[];
  truncated: boolean;
}
