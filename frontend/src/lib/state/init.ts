/**
 * Start the viewer: take the token from the link, connect, create the frame cache,
 * wire cine to the stack on screen, then load the catalog (following the scan while the
 * server still scans, model/poll.ts says how often) and watch the server.
 */
import { takeToken } from "../api/auth";
import { apiBase } from "../api/client";
import { Backoff, SCAN_POLL_MAX_MS, SCAN_POLL_MIN_MS, shouldReloadCatalog, type ScanProbe } from "../model/poll";
import { catalog, loadCatalog, setLoadError } from "./catalog.svelte";
import { setCineSource } from "./cine.svelte";
import { checkHealth, client, connect, watchServer } from "./connection.svelte";
import { cineSource, instrumentation, startFrames } from "./display.svelte";
import { syncTabs } from "./tabs.svelte";

/** Read the token (fragment → sessionStorage), strip it from the URL, start loading. */
export function init(): void {
  const { token, cleanUrl } = takeToken(location, sessionStorage);
  if (cleanUrl !== null) history.replaceState(history.state, "", cleanUrl);
  const api = connect(`${location.protocol}//${location.host}${apiBase(location.pathname)}`, token);
  if (!api) return;
  startFrames(api);
  setCineSource(cineSource);
  const w = window as unknown as { __dcmview?: unknown };
  w.__dcmview = { ...instrumentation(), polls };
  void start();
}

/** Requests the scan poll made (instrumentation: the e2e tests check that polling stops). */
const polls = { health: 0, catalog: 0 };

async function start(): Promise<void> {
  // Health and the catalog in parallel: the first image is a few round trips sooner.
  const health = checkHealth();
  const catalogLoad = refreshCatalog();
  try {
    if (!(await health)) return;
  } catch (exc) {
    setLoadError(exc);
  }
  await catalogLoad;
  watchServer();
}

const scanBackoff = new Backoff(SCAN_POLL_MIN_MS, SCAN_POLL_MAX_MS);
let scanTimer: ReturnType<typeof setTimeout> | null = null;
let loadedAt = 0;
let loadMs = 0;

/** Load the catalog, let the tabs follow it, and keep following the scan until it is complete. */
async function refreshCatalog(): Promise<void> {
  const t0 = performance.now();
  const before = catalog.files.length;
  polls.catalog++;
  const ok = await loadCatalog();
  loadedAt = performance.now();
  loadMs = loadedAt - t0;
  if (ok) syncTabs();
  // A failed load is retried like a scan still running (the server may be starting).
  if (!ok || !catalog.scanComplete) scheduleScanPoll(scanBackoff.next(ok && catalog.files.length !== before));
}

function scheduleScanPoll(ms: number): void {
  if (scanTimer) clearTimeout(scanTimer);
  scanTimer = setTimeout(() => void pollScan(), ms);
}

/** One probe of the scan: health (small), and the catalog only when it changed. */
async function pollScan(): Promise<void> {
  scanTimer = null;
  let probe: ScanProbe | null = null;
  try {
    polls.health++;
    const h = await client()?.health();
    if (h) probe = { fileCount: h.file_count, scanComplete: h.scan_complete };
  } catch {
    // Counted as "no signal": the catalog's own reload says what failed.
  }
  const seen = { fileCount: catalog.files.length, ageMs: performance.now() - loadedAt, loadMs };
  if (shouldReloadCatalog(probe, seen)) {
    await refreshCatalog();
    return;
  }
  scheduleScanPoll(scanBackoff.next(false));
}
