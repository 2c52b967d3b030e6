/**
 * Cine playback order and prefetch planning (pure).
 */

export type PlayMode = "loop" | "sweep" | "once";

export interface Playhead {
  pos: number;
  /** +1 forward, −1 backward (sweep reverses at the ends). */
  dir: 1 | -1;
}

/** The frame after `p` in an n-frame stack; null when "once" reaches the end. */
export function advance(p: Playhead, n: number, mode: PlayMode): Playhead | null {
  if (n <= 1) return mode === "once" ? null : { pos: 0, dir: 1 };
  const next = p.pos + p.dir;
  if (next >= 0 && next < n) return { pos: next, dir: p.dir };
  switch (mode) {
    case "loop":
      return { pos: p.dir > 0 ? 0 : n - 1, dir: p.dir };
    case "sweep": {
      const dir = p.dir > 0 ? -1 : 1;
      return { pos: p.pos + dir, dir };
    }
    case "once":
      return null;
  }
}

/**
 * Positions to fetch ahead of the playhead, in the order they will be shown, at most
 * `count` and never repeating; the current position comes first. When not playing the
 * neighbours on both sides are interleaved (the user may step either way).
 */
export function prefetchPlan(p: Playhead, n: number, mode: PlayMode, count: number, playing: boolean): number[] {
  const out: number[] = [];
  const seen = new Set<number>();
  const push = (i: number): void => {
    if (i >= 0 && i < n && !seen.has(i) && out.length < count) {
      seen.add(i);
      out.push(i);
    }
  };
  push(p.pos);
  if (playing) {
    let cur: Playhead | null = p;
    for (let k = 0; k < 2 * n && out.length < count && cur; k++) {
      cur = advance(cur, n, mode);
      if (cur) push(cur.pos);
    }
  } else {
    for (let d = 1; d < n && out.length < count; d++) {
      push(p.pos + d * p.dir);
      push(p.pos - d * p.dir);
    }
  }
  return out;
}

/** Cine's rate when the file does not give one. */
export const DEFAULT_FPS = 10;

/**
 * The rate a stack plays at when opened: the file's own (`cine_rate` of /api/files:
 * Cine Rate, else 1000 / Frame Time, else Recommended Display Frame Rate), else 10 fps.
 */
export function defaultFps(cineRate: number | null | undefined): number {
  return typeof cineRate === "number" && Number.isFinite(cineRate) && cineRate > 0 ? clampFps(cineRate) : DEFAULT_FPS;
}

/** Clamp a frames-per-second request to the supported 1–60. */
export function clampFps(fps: number): number {
  if (!Number.isFinite(fps)) return DEFAULT_FPS;
  return Math.min(60, Math.max(1, Math.round(fps)));
}

/** How many frames of `bytesPerFrame` fit in `budgetBytes` (at least 1). */
export function framesInBudget(bytesPerFrame: number, budgetBytes: number): number {
  if (bytesPerFrame <= 0) return 1;
  return Math.max(1, Math.floor(budgetBytes / bytesPerFrame));
}
