/**
 * Tag panel state: the tag tree of the file on screen, loaded lazily (only while the
 * panel is open, once per file), its filter, open sequences and column widths.
 */
import type { TagNode } from "../api/types";
import { tagRows, type TagRow } from "../model/tags";
import { client } from "./connection.svelte";

class TagState {
  fileIndex = $state<number | null>(null);
  nodes = $state.raw<TagNode[]>([]);
  loading = $state(false);
  error = $state<string | null>(null);
  filter = $state("");
  expanded = $state.raw<Set<string>>(new Set());
  /** Widths in px of the tag, VR and keyword columns (the value column takes the rest). */
  widths = $state<[number, number, number]>([108, 30, 124]);
  rows = $derived<TagRow[]>(tagRows(this.nodes, this.expanded, this.filter));
}

export const tags = new TagState();
const cache = new Map<number, TagNode[]>();
let seq = 0;

export function loadTags(fileIndex: number | null): void {
  if (fileIndex === tags.fileIndex) return;
  tags.fileIndex = fileIndex;
  tags.expanded = new Set();
  tags.error = null;
  if (fileIndex === null) {
    tags.nodes = [];
    return;
  }
  const hit = cache.get(fileIndex);
  if (hit) {
    tags.nodes = hit;
    return;
  }
  const api = client();
  if (!api) return;
  const mine = ++seq;
  tags.loading = true;
  api
    .tags(fileIndex)
    .then((nodes) => {
      cache.set(fileIndex, nodes);
      if (mine === seq) tags.nodes = nodes;
    })
    .catch((exc: unknown) => {
      if (mine === seq) {
        tags.nodes = [];
        tags.error = exc instanceof Error ? exc.message : String(exc);
      }
    })
    .finally(() => {
      if (mine === seq) tags.loading = false;
    });
}

export function setTagFilter(v: string): void {
  tags.filter = v;
}

export function toggleSequence(path: string): void {
  const next = new Set(tags.expanded);
  if (next.has(path)) next.delete(path);
  else next.add(path);
  tags.expanded = next;
}

export function setColumnWidth(col: 0 | 1 | 2, px: number): void {
  tags.widths[col] = Math.max(28, Math.min(600, Math.round(px)));
}
