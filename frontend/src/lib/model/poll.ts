/**
 * How often the viewer asks the server anything it did not need for the screen (pure).
 *
 * Over an SSH forward every request costs a round trip and the catalog of a big folder
 * is megabytes, so: the scan is followed through /api/health (a few bytes that carry
 * `file_count` and `scan_complete`), the catalog is reloaded only when that changed (or,
 * while files keep being checked, now and then for the progress line), never faster
 * than a few times its own load time, and not at all once the scan is complete. The
 * health watch that notices a stopped or restarted server asks only when nothing else
 * answered lately, and backs off while the server does not answer.
 */

/** A delay that grows ×`factor` from `min` to `max` while nothing changes, and resets when something does. */
export class Backoff {
  private current: number;

  constructor(
    readonly min: number,
    readonly max: number,
    readonly factor = 1.5,
  ) {
    this.current = min;
  }

  get delay(): number {
    return this.current;
  }

  /** The next delay: back to `min` after a change, else grown. */
  next(changed: boolean): number {
    this.current = changed ? this.min : Math.min(this.max, Math.round(this.current * this.factor));
    return this.current;
  }
}

export const SCAN_POLL_MIN_MS = 1000;
export const SCAN_POLL_MAX_MS = 5000;
/** The progress line ("N checked") is refreshed at least this often while the scan runs. */
export const CATALOG_MAX_AGE_MS = 5000;
/** A catalog reload waits at least this many times its last load time (big catalogs, slow links). */
export const CATALOG_LOAD_FACTOR = 4;

export interface ScanProbe {
  /** /api/health's file_count and scan_complete; scanComplete undefined from a server without it. */
  fileCount: number;
  scanComplete: boolean | undefined;
}

export interface CatalogSeen {
  /** Files in the catalog loaded last. */
  fileCount: number;
  /** Milliseconds since it was loaded, and how long that load took. */
  ageMs: number;
  loadMs: number;
}

/** Whether to reload /api/files and /api/patients after a health probe while the scan runs. */
export function shouldReloadCatalog(probe: ScanProbe | null, seen: CatalogSeen): boolean {
  const minAge = CATALOG_LOAD_FACTOR * seen.loadMs;
  if (probe === null || probe.scanComplete === undefined) {
    // No cheap signal (health failed, or a server whose health says nothing of the scan).
    return seen.ageMs >= Math.max(SCAN_POLL_MIN_MS, minAge);
  }
  if (seen.ageMs < minAge) return false;
  return probe.scanComplete || probe.fileCount !== seen.fileCount || seen.ageMs >= CATALOG_MAX_AGE_MS;
}

export const HEALTH_MS = 3000;
export const HEALTH_MAX_MS = 30_000;

/**
 * Milliseconds until the health watch should ask, given how long ago the server last
 * answered anything: nothing while answers keep coming (they prove it is up and the
 * same instance, X-Server-Instance), else `every` after the last one.
 */
export function healthDue(sinceAnswerMs: number, every = HEALTH_MS): number {
  return Math.max(0, every - sinceAnswerMs);
}
