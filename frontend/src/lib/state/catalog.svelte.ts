/**
 * The catalog the server scanned: files by index, scan progress, and the navigator's
 * patient → study → series → instance tree with its filter and open nodes.
 */
import type { FileSummary, SkippedPath } from "../api/types";
import { allKeys, filterCounts, flattenTree, pathToFile, treeFromFiles, treeFromSeries, type NavRow, type NavTree } from "../model/catalog";
import { client } from "./connection.svelte";

class CatalogState {
  files = $state.raw<FileSummary[]>([]);
  byIndex = $state.raw<Map<number, FileSummary>>(new Map());
  tree = $state.raw<NavTree>([]);
  seriesFromServer = $state(false);
  expanded = $state.raw<Set<string>>(new Set());
  filter = $state("");
  scanComplete = $state(false);
  scanned = $state(0);
  skipped = $state(0);
  /** Each skipped path with its reason (an older server sends none). */
  discovery = $state.raw<SkippedPath[]>([]);
  filtered = $state(0);
  loadError = $state<string | null>(null);
  rows = $derived<NavRow[]>(flattenTree(this.tree, this.expanded, this.filter));
  instanceCount = $derived(this.files.length);
  /** Files the navigator's filter keeps, of all in the tree ("12 of 88 files"). */
  counts = $derived(filterCounts(this.tree, this.filter));
}

export const catalog = new CatalogState();

function message(exc: unknown): string {
  return exc instanceof Error ? exc.message : String(exc);
}

/** Load /api/files and /api/series into `catalog`; false when the files could not be read. */
export async function loadCatalog(): Promise<boolean> {
  const api = client();
  if (!api) return false;
  const seriesLoad = api.series().catch(() => null);
  try {
    const resp = await api.files();
    const files = [...resp.files].sort((a, b) => a.index - b.index);
    catalog.files = files;
    catalog.byIndex = new Map(files.map((f) => [f.index, f]));
    catalog.scanComplete = resp.scan_complete ?? true;
    catalog.scanned = resp.scanned ?? files.length;
    catalog.skipped = resp.skipped ?? 0;
    catalog.discovery = resp.discovery ?? [];
    catalog.filtered = resp.filtered ?? 0;
    catalog.loadError = null;
  } catch (exc) {
    catalog.loadError = message(exc);
    return false;
  }
  let tree: NavTree | null = null;
  const series = await seriesLoad;
  // An older server answers /api/series in another shape: then group the files ourselves.
  if (series && Array.isArray(series.patients)) {
    tree = treeFromSeries(series, catalog.byIndex);
    catalog.seriesFromServer = true;
  }
  catalog.tree = tree ?? treeFromFiles(catalog.files);
  if (catalog.expanded.size === 0 && catalog.files.length <= 2000) {
    catalog.expanded = new Set(allKeys(catalog.tree).filter((k) => !k.includes(":e")));
  }
  return true;
}

/** Show why the catalog (or the server) could not be read. */
export function setLoadError(exc: unknown): void {
  catalog.loadError = message(exc);
}

export function setNavFilter(v: string): void {
  catalog.filter = v;
}

export function toggleNode(key: string): void {
  const next = new Set(catalog.expanded);
  if (next.has(key)) next.delete(key);
  else next.add(key);
  catalog.expanded = next;
}

/** Open the navigator's nodes down to a file. */
export function revealFile(fileIndex: number): void {
  const path = pathToFile(catalog.tree, fileIndex);
  if (path.some((k) => !catalog.expanded.has(k))) catalog.expanded = new Set([...catalog.expanded, ...path]);
}
