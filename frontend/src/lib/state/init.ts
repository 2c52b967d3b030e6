/**
 * Start the viewer: take the token from the link, connect, create the frame cache,
 * wire cine to the stack on screen, then load the catalog (polling while the server
 * still scans) and watch the server.
 */
import { takeToken } from "../api/auth";
import { catalog, loadCatalog, setLoadError } from "./catalog.svelte";
import { setCineSource } from "./cine.svelte";
import { checkHealth, connect, watchServer } from "./connection.svelte";
import { cineSource, instrumentation, startFrames } from "./display.svelte";
import { syncTabs } from "./tabs.svelte";

/** Read the token (fragment → sessionStorage), strip it from the URL, start loading. */
export function init(): void {
  const { token, cleanUrl } = takeToken(location, sessionStorage);
  if (cleanUrl !== null) history.replaceState(history.state, "", cleanUrl);
  const api = connect(`${location.protocol}//${location.host}`, token);
  if (!api) return;
  startFrames(api);
  setCineSource(cineSource);
  const w = window as unknown as { __dcmview?: unknown };
  w.__dcmview = instrumentation();
  void start();
}

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

let scanTimer: ReturnType<typeof setTimeout> | null = null;

/** Load the catalog, let the tabs follow it, and poll again while the scan runs. */
async function refreshCatalog(): Promise<void> {
  if (!(await loadCatalog())) return;
  syncTabs();
  if (!catalog.scanComplete) {
    if (scanTimer) clearTimeout(scanTimer);
    scanTimer = setTimeout(() => void refreshCatalog(), 1000);
  }
}
