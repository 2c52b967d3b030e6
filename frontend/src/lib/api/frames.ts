/**
 * Frame loading and the browser-side frame cache.
 *
 * Frames are fetched at most `concurrency` at a time (2: the server decodes in two
 * threads on a 2-core machine, more requests only queue there), the frame on screen
 * first, then the prefetch plan. Decoded frames are kept in an LRU bounded in bytes.
 * Files whose raw samples the viewport cannot draw fall back to server PNGs.
 */
import { ApiError, type ApiClient } from "./client";
import { canRenderRaw, type RawFrame } from "../render/raw";
import type { WindowLevel } from "../render/window";

export type Loaded =
  | { kind: "raw"; key: string; raw: RawFrame; bytes: number }
  | { kind: "png"; key: string; bitmap: ImageBitmap; width: number; height: number; window: WindowLevel | null; bytes: number }
  | { kind: "error"; key: string; code: string; message: string; bytes: number };

export type PngWindow = WindowLevel | "full" | null;

interface Task {
  key: string;
  run: () => Promise<Loaded>;
  resolve: (v: Loaded) => void;
  promise: Promise<Loaded>;
}

export function frameKey(fileIndex: number, frame: number, png?: PngWindow): string {
  if (png === undefined) return `${fileIndex}:${frame}`;
  const w = png === null ? "default" : png === "full" ? "full" : `${png.center}/${png.width}/${png.function ?? "LINEAR"}`;
  return `${fileIndex}:${frame}:png:${w}`;
}

export class FrameStore {
  private cache = new Map<string, Loaded>();
  private bytes = 0;
  private inflight = new Map<string, Promise<Loaded>>();
  private queue: Task[] = [];
  private running = 0;
  /** Files that need server PNGs (raw is 422 or not drawable here). */
  readonly pngFiles = new Set<number>();
  private pinned = new Set<string>();
  private listeners = new Set<(key: string) => void>();

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

  /** Drop queued (not yet started) prefetches. */
  clearQueue(): void {
    for (const t of this.queue) this.inflight.delete(t.key);
    this.queue = [];
  }

  private pump(): void {
    while (this.running < this.concurrency && this.queue.length > 0) {
      const t = this.queue.shift();
      if (!t) break;
      this.running++;
      t.run()
        .then((v) => {
          // A network failure is not a property of the frame: retry next time.
          if (!(v.kind === "error" && v.code === "network")) this.put(v);
          t.resolve(v);
        })
        .finally(() => {
          this.inflight.delete(t.key);
          this.running--;
          this.pump();
        });
    }
  }

  private enqueue(key: string, run: () => Promise<Loaded>, urgent: boolean): Promise<Loaded> {
    const existing = this.inflight.get(key);
    if (existing) {
      if (urgent) {
        // Move a queued prefetch to the front: the user is now looking at it.
        const i = this.queue.findIndex((t) => t.key === key);
        if (i > 0) {
          const [t] = this.queue.splice(i, 1);
          if (t) this.queue.unshift(t);
        }
      }
      return existing;
    }
    let resolve!: (v: Loaded) => void;
    const promise = new Promise<Loaded>((r) => (resolve = r));
    const task: Task = { key, run, resolve, promise };
    this.inflight.set(key, promise);
    if (urgent) this.queue.unshift(task);
    else this.queue.push(task);
    this.pump();
    return promise;
  }

  /**
   * The frame as the viewport should draw it: raw samples when drawable, else the server
   * PNG for `png` window. `viaPng` asks for the PNG of a drawable file (a window only the
   * server applies: a VOI LUT table). Resolves from cache when present.
   */
  load(fileIndex: number, frame: number, png: PngWindow, urgent: boolean, viaPng = false): Promise<Loaded> {
    if (!viaPng && !this.pngFiles.has(fileIndex)) {
      const key = frameKey(fileIndex, frame);
      const hit = this.get(key);
      if (hit) return Promise.resolve(hit);
      return this.enqueue(key, () => this.fetchRaw(fileIndex, frame, png), urgent);
    }
    const key = frameKey(fileIndex, frame, png);
    const hit = this.get(key);
    if (hit) return Promise.resolve(hit);
    return this.enqueue(key, () => this.fetchPng(fileIndex, frame, png), urgent);
  }

  private async fetchRaw(fileIndex: number, frame: number, png: PngWindow): Promise<Loaded> {
    const key = frameKey(fileIndex, frame);
    try {
      const raw = await this.api.frameRaw(fileIndex, frame);
      if (canRenderRaw(raw)) return { kind: "raw", key, raw, bytes: raw.data.byteLength };
      this.pngFiles.add(fileIndex);
    } catch (exc) {
      // 422: the server cannot give raw samples for this layout/syntax, but may render a PNG.
      if (exc instanceof ApiError && exc.status === 422) this.pngFiles.add(fileIndex);
      else return errorLoaded(key, exc);
    }
    const v = await this.fetchPng(fileIndex, frame, png);
    // Also answer the raw key's waiters with the PNG so the viewport shows something.
    return { ...v, key: v.kind === "error" ? key : v.key };
  }

  private async fetchPng(fileIndex: number, frame: number, png: PngWindow): Promise<Loaded> {
    const key = frameKey(fileIndex, frame, png);
    try {
      const p = await this.api.framePng(fileIndex, frame, png);
      const bitmap = await createImageBitmap(p.blob);
      return { kind: "png", key, bitmap, width: bitmap.width, height: bitmap.height, window: p.window, bytes: bitmap.width * bitmap.height * 4 };
    } catch (exc) {
      return errorLoaded(key, exc);
    }
  }
}

function errorLoaded(key: string, exc: unknown): Loaded {
  if (exc instanceof ApiError) return { kind: "error", key, code: exc.code, message: exc.message, bytes: 0 };
  return { kind: "error", key, code: "client_error", message: String(exc), bytes: 0 };
}
