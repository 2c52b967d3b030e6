/**
 * Frame loading and the browser-side frame cache.
 *
 * Frames are fetched at most `concurrency` at a time (2: the server decodes in two
 * threads on a 2-core machine, more requests only queue there), the frame on screen
 * first, then the prefetch plan. A frame may be held at several resolution levels (key
 * "i:f" for full resolution, "i:f:Ln" for level n); the caller picks which it wants.
 * Decoded frames are kept in an LRU bounded in bytes. Prefetches the user moved away
 * from are dropped from the queue and, when already sent, aborted. Files whose raw
 * samples the viewport cannot draw fall back to server PNGs (at full resolution).
 */
import { ApiError, type ApiClient } from "./client";
import { MAX_ASKED_LEVEL } from "../model/levels";
import { canRenderRaw, type RawFrame } from "../render/raw";
import type { WindowLevel } from "../render/window";

export type Loaded =
  | { kind: "raw"; key: string; raw: RawFrame; bytes: number }
  | { kind: "png"; key: string; bitmap: ImageBitmap; width: number; height: number; window: WindowLevel | null; bytes: number; inverted?: boolean }
  | { kind: "error"; key: string; code: string; message: string; bytes: number };

export type PngWindow = WindowLevel | "full" | null;

interface Task {
  key: string;
  run: (signal: AbortSignal) => Promise<Loaded>;
  resolve: (v: Loaded) => void;
  promise: Promise<Loaded>;
  controller: AbortController;
  /** Asked for the frame on screen (queued first), not as a prefetch. */
  urgent: boolean;
}

/** The error code of a load the store cancelled (never cached). */
export const ABORTED = "aborted";

export function frameKey(fileIndex: number, frame: number, png?: PngWindow): string {
  if (png === undefined) return `${fileIndex}:${frame}`;
  const w = png === null ? "default" : png === "full" ? "full" : `${png.center}/${png.width}/${png.function ?? "LINEAR"}`;
  return `${fileIndex}:${frame}:png:${w}`;
}

/** The cache key of a frame's raw samples at resolution `level` (0: the plain frame key). */
export function levelKey(fileIndex: number, frame: number, level: number): string {
  return level > 0 ? `${fileIndex}:${frame}:L${level}` : frameKey(fileIndex, frame);
}

export class FrameStore {
  private cache = new Map<string, Loaded>();
  private bytes = 0;
  private inflight = new Map<string, Promise<Loaded>>();
  private queue: Task[] = [];
  private active = new Map<string, Task>();
  /** Files that need server PNGs (raw is 422 or not drawable here). */
  readonly pngFiles = new Set<number>();
  /** Files whose reduced levels failed: they are asked at full resolution only. */
  readonly fullOnlyFiles = new Set<number>();
  /**
   * Whether the server sends reduced levels: null until a level was asked, false when it
   * answered one with full resolution (a server that predates levels).
   */
  serverLevels: boolean | null = null;
  private pinned = new Set<string>();
  private listeners = new Set<(key: string) => void>();
  /** Files asked for the frame on screen at least once. */
  private opened = new Set<number>();
  /** Loads sent to the server, and those aborted (instrumentation). */
  readonly counts = { sent: 0, aborted: 0 };
  /** Per file: how often its frames were forgotten; a load of an older generation is not kept. */
  private generations = new Map<number, number>();

  constructor(
    private api: ApiClient,
    public budgetBytes: number,
    private concurrency = 2,
  ) {}

  setClient(api: ApiClient): void {
    this.api = api;
  }

  /** Subscribe to "frame `key` is now cached". */
  onLoaded(fn: (key: string) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  get(key: string): Loaded | undefined {
    const v = this.cache.get(key);
    if (v) {
      // Re-insert: Map iteration order is insertion order, so this makes it most recent.
      this.cache.delete(key);
      this.cache.set(key, v);
    }
    return v;
  }

  has(key: string): boolean {
    return this.cache.has(key);
  }

  /** Whether the link to the server is measured slow (an SSH forward, not loopback). */
  get slowLink(): boolean {
    return this.api.link.slow;
  }

  /** Whether a file's frames can be asked at a reduced level. */
  levelsFor(fileIndex: number): boolean {
    return this.serverLevels !== false && !this.fullOnlyFiles.has(fileIndex) && !this.pngFiles.has(fileIndex);
  }

  /**
   * The finest cached raw samples of a frame at level `coarsest` or finer (full
   * resolution first), or undefined.
   */
  finest(fileIndex: number, frame: number, coarsest = MAX_ASKED_LEVEL): Loaded | undefined {
    for (let n = 0; n <= coarsest; n++) {
      const v = this.cache.get(levelKey(fileIndex, frame, n));
      if (v && v.kind !== "error") return this.get(v.key);
      // A frame that failed at full resolution has nothing better to offer at a level.
      if (n === 0 && v) return this.get(v.key);
    }
    return undefined;
  }

  /** Loads queued or in flight. */
  get pending(): number {
    return this.inflight.size;
  }

  isLoading(key: string): boolean {
    return this.inflight.has(key);
  }

  get usedBytes(): number {
    return this.bytes;
  }

  /** Keys that must not be evicted (the frame on screen). */
  pin(keys: string[]): void {
    this.pinned = new Set(keys);
  }

  private put(v: Loaded): void {
    const old = this.cache.get(v.key);
    if (old) this.bytes -= old.bytes;
    this.cache.set(v.key, v);
    this.bytes += v.bytes;
    for (const [k, e] of this.cache) {
      if (this.bytes <= this.budgetBytes) break;
      if (this.pinned.has(k) || k === v.key) continue;
      this.cache.delete(k);
      this.bytes -= e.bytes;
      if (e.kind === "png") e.bitmap.close();
    }
    for (const fn of this.listeners) fn(v.key);
  }

  /**
   * Forget every frame of a file: its pixels changed on the server (redaction boxes).
   * Cached levels and PNGs are dropped, queued and running loads cancelled, and a load
   * that was already under way is not kept when it lands.
   */
  forgetFile(fileIndex: number): void {
    this.generations.set(fileIndex, this.generationOf(fileIndex) + 1);
    const prefix = `${fileIndex}:`;
    for (const [k, e] of [...this.cache]) {
      if (!k.startsWith(prefix)) continue;
      this.cache.delete(k);
      this.bytes -= e.bytes;
      if (e.kind === "png") e.bitmap.close();
    }
    const keep = new Set([...this.inflight.keys()].filter((k) => !k.startsWith(prefix)));
    this.cancel(keep);
  }

  private generationOf(fileIndex: number): number {
    return this.generations.get(fileIndex) ?? 0;
  }

  /** Drop queued (not yet started) prefetches. */
  clearQueue(): void {
    this.cancel(new Set(), false);
  }

  /**
   * The user moved away: drop every queued load and abort every load in flight whose key
   * is not in `keep` (the frame on screen and the plan ahead; a frame left behind, even
   * one asked as urgent, is no longer worth its bytes). With `inFlight` false only the
   * queue is dropped.
   */
  cancel(keep: ReadonlySet<string>, inFlight = true): void {
    const kept: Task[] = [];
    for (const t of this.queue) {
      if (keep.has(t.key)) kept.push(t);
      else {
        this.inflight.delete(t.key);
        t.resolve(abortedLoaded(t.key));
      }
    }
    this.queue = kept;
    if (!inFlight) return;
    for (const t of this.active.values()) {
      if (keep.has(t.key) || t.controller.signal.aborted) continue;
      t.controller.abort();
      this.counts.aborted++;
    }
  }

  private pump(): void {
    while (this.active.size < this.concurrency && this.queue.length > 0) {
      const t = this.queue.shift();
      if (!t) break;
      this.active.set(t.key, t);
      this.counts.sent++;
      const file = Number.parseInt(t.key, 10);
      const generation = this.generationOf(file);
      t.run(t.controller.signal)
        .catch((exc: unknown) => errorLoaded(t.key, exc))
        .then((v) => {
          // A network failure or a cancel is not a property of the frame: ask again next time.
          // Nor is a frame of a file forgotten meanwhile (its pixels changed).
          const stale = this.generationOf(file) !== generation;
          if (!stale && !(v.kind === "error" && (v.code === "network" || v.code === ABORTED))) this.put(v);
          t.resolve(v);
        })
        .finally(() => {
          this.inflight.delete(t.key);
          this.active.delete(t.key);
          this.pump();
        });
    }
  }

  private enqueue(key: string, run: (signal: AbortSignal) => Promise<Loaded>, urgent: boolean): Promise<Loaded> {
    const existing = this.inflight.get(key);
    if (existing) {
      if (urgent) {
        // Move a queued prefetch to the front: the user is now looking at it.
        const i = this.queue.findIndex((t) => t.key === key);
        const t = i >= 0 ? this.queue[i] : this.active.get(key);
        if (t) t.urgent = true;
        if (i > 0 && t) {
          this.queue.splice(i, 1);
          this.queue.unshift(t);
        }
      }
      return existing;
    }
    let resolve!: (v: Loaded) => void;
    const promise = new Promise<Loaded>((r) => (resolve = r));
    const task: Task = { key, run, resolve, promise, controller: new AbortController(), urgent };
    this.inflight.set(key, promise);
    if (urgent) this.queue.unshift(task);
    else this.queue.push(task);
    this.pump();
    return promise;
  }

  /**
   * The frame as the viewport should draw it: raw samples at `level` when drawable, else
   * the server PNG for `png` window (full resolution). `viaPng` asks for the PNG of a
   * drawable file (a window only the server applies: a VOI LUT table). Resolves from
   * cache when present.
   */
  load(fileIndex: number, frame: number, png: PngWindow, urgent: boolean, viaPng = false, level = 0): Promise<Loaded> {
    if (!viaPng && !this.pngFiles.has(fileIndex)) {
      const n = this.levelsFor(fileIndex) ? level : 0;
      const key = levelKey(fileIndex, frame, n);
      const hit = this.get(key);
      if (hit) return Promise.resolve(hit);
      // The first look at a file: its full resolution is wanted right after this level.
      const thenFull = urgent && n > 0 && !this.opened.has(fileIndex);
      if (urgent) this.opened.add(fileIndex);
      return this.enqueue(key, (signal) => this.fetchRaw(fileIndex, frame, png, n, signal, thenFull), urgent);
    }
    const key = frameKey(fileIndex, frame, png);
    const hit = this.get(key);
    if (hit) return Promise.resolve(hit);
    return this.enqueue(key, (signal) => this.fetchPng(fileIndex, frame, png, signal), urgent);
  }

  private async fetchRaw(
    fileIndex: number,
    frame: number,
    png: PngWindow,
    level: number,
    signal: AbortSignal,
    thenFull = false,
  ): Promise<Loaded> {
    const key = levelKey(fileIndex, frame, level);
    try {
      const raw = await this.api.frameRaw(fileIndex, frame, { level, thenFull, signal });
      if (level > 0) {
        // A server without levels answers full resolution (no X-Frame-Level): keep it as that.
        if (raw.level === 0) this.serverLevels = false;
        else this.serverLevels = true;
      }
      if (canRenderRaw(raw)) return { kind: "raw", key: levelKey(fileIndex, frame, raw.level), raw, bytes: raw.data.byteLength };
      this.pngFiles.add(fileIndex);
    } catch (exc) {
      if (isAbort(exc)) return abortedLoaded(key);
      if (level > 0 && exc instanceof ApiError && exc.status !== 0 && exc.status !== 422) {
        // The level was refused (an older server's 400, a level it cannot make): ask this
        // file at full resolution from now on.
        this.fullOnlyFiles.add(fileIndex);
        return this.fetchRaw(fileIndex, frame, png, 0, signal);
      }
      // 422: the server cannot give raw samples for this layout/syntax, but may render a PNG.
      if (exc instanceof ApiError && exc.status === 422) this.pngFiles.add(fileIndex);
      else return errorLoaded(key, exc);
    }
    const v = await this.fetchPng(fileIndex, frame, png, signal);
    // Also answer the raw key's waiters with the PNG so the viewport shows something.
    return { ...v, key: v.kind === "error" ? key : v.key };
  }

  private async fetchPng(fileIndex: number, frame: number, png: PngWindow, signal?: AbortSignal): Promise<Loaded> {
    const key = frameKey(fileIndex, frame, png);
    try {
      const p = await this.api.framePng(fileIndex, frame, png, signal);
      const bitmap = await createImageBitmap(p.blob);
      const out: Loaded = { kind: "png", key, bitmap, width: bitmap.width, height: bitmap.height, window: p.window, bytes: bitmap.width * bitmap.height * 4 };
      return p.inverted === undefined ? out : { ...out, inverted: p.inverted };
    } catch (exc) {
      if (isAbort(exc)) return abortedLoaded(key);
      return errorLoaded(key, exc);
    }
  }
}

function isAbort(exc: unknown): boolean {
  return exc instanceof DOMException && exc.name === "AbortError";
}

function abortedLoaded(key: string): Loaded {
  return { kind: "error", key, code: ABORTED, message: "cancelled", bytes: 0 };
}

function errorLoaded(key: string, exc: unknown): Loaded {
  if (isAbort(exc)) return abortedLoaded(key);
  if (exc instanceof ApiError) return { kind: "error", key, code: exc.code, message: exc.message, bytes: 0 };
  return { kind: "error", key, code: "client_error", message: String(exc), bytes: 0 };
}
