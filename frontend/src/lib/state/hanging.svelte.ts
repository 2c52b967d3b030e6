/**
 * Hang the mammography study on screen (model/hanging.ts says where each view goes):
 * read laterality, view and Patient Orientation of the study's images from their tag
 * trees (GET /api/file/:i/tags, once per file), then show the layout with each view in
 * its pane, flipped and placed.
 */
import type { TagNode } from "../api/types";
import { hangStudy, parseOrientation, type MammoImage } from "../model/hanging";
import { catalog } from "./catalog.svelte";
import { client } from "./connection.svelte";
import { allPanes, panes } from "./panes.svelte";
import { activatePane, openFile, tabs } from "./tabs.svelte";
import { toast } from "./ui.svelte";

/** At most this many images of a study are looked at (a screening study has 4 to 8). */
const MAX_IMAGES = 32;

const known = new Map<number, MammoImage>();

function text(nodes: readonly TagNode[], keyword: string): string {
  const v = nodes.find((n) => n.keyword === keyword)?.value;
  if (!v) return "";
  if (v.type === "string") return v.value;
  if (v.type === "number") return String(v.value);
  return "";
}

function firstItem(nodes: readonly TagNode[], keyword: string): TagNode[] {
  const v = nodes.find((n) => n.keyword === keyword)?.value;
  return v?.type === "sequence" ? (v.items[0] ?? []) : [];
}

/** What the hanging needs of one image, from its tag tree. */
export function mammoImage(fileIndex: number, frameCount: number, nodes: readonly TagNode[]): MammoImage {
  // Image Laterality for mammograms; a tomosynthesis object has Frame Laterality in its
  // shared functional groups; Laterality (of the series) is the last resort.
  const frameLat = text(firstItem(firstItem(nodes, "SharedFunctionalGroupsSequence"), "FrameAnatomySequence"), "FrameLaterality");
  const laterality = text(nodes, "ImageLaterality") || frameLat || text(nodes, "Laterality");
  return { fileIndex, laterality, view: text(nodes, "ViewPosition"), orientation: parseOrientation(text(nodes, "PatientOrientation")), frameCount };
}

/** The images of the study holding `fileIndex`, in navigator order. */
function studyImages(fileIndex: number): number[] {
  for (const p of catalog.tree)
    for (const s of p.studies) {
      const all = s.series.flatMap((e) => e.instances.map((i) => i.fileIndex));
      if (!all.includes(fileIndex)) continue;
      return all.filter((i) => {
        const f = catalog.byIndex.get(i);
        return f?.has_pixels && (!f.modality || f.modality === "MG");
      });
    }
  return [];
}

async function describe(indexes: number[]): Promise<MammoImage[]> {
  const api = client();
  if (!api) return [];
  const todo = indexes.filter((i) => !known.has(i));
  // Two at a time, as the frame loads are.
  const next = async (): Promise<void> => {
    for (let i = todo.shift(); i !== undefined; i = todo.shift()) {
      try {
        known.set(i, mammoImage(i, catalog.byIndex.get(i)?.frame_count ?? 1, await api.tags(i)));
      } catch {
        // A file whose tags cannot be read is not hung.
      }
    }
  };
  await Promise.all([next(), next()]);
  return indexes.flatMap((i) => known.get(i) ?? []);
}

/**
 * Hang the study of the active pane's image: R/L CC/MLO in 2×2 (or a pair in 1×2).
 * Returns whether it found something to hang.
 */
export async function hangMammograms(): Promise<boolean> {
  const item = tabs.item;
  if (!item) {
    toast("Open an image of a mammography study first.");
    return false;
  }
  const images = await describe(studyImages(item.fileIndex).slice(0, MAX_IMAGES));
  const h = hangStudy(images, item.fileIndex);
  if (!h) {
    toast("No R/L CC or MLO images in this study.");
    return false;
  }
  panes.layout = h.layout;
  let first: number | null = null;
  h.panes.forEach((entry, i) => {
    const pane = allPanes[i];
    if (!pane) return;
    if (!entry) {
      pane.tabKey = null;
      return;
    }
    activatePane(i);
    openFile(entry.fileIndex, 0, true);
    const tab = tabs.current;
    if (tab) {
      tab.placement = entry.placement;
      // Fitted again, as placed, in this pane (view null: fitted on the next draw).
      tab.view = null;
      tab.fitted = true;
    }
    first ??= i;
  });
  activatePane(first ?? 0);
  return true;
}
