/**
 * When the frame on screen is refined from its fitting level to full resolution.
 *
 * A frame is first drawn at the level that fits the viewport (cheap to decode and to
 * send); it is refined when the user stops on it for `idleMs` (stepping or playing
 * through frames never waits for a full-resolution decode), or at once when the user
 * needs the full samples: zooming past the level's 1:1, drawing ROIs. While cine plays
 * nothing is refined; when it stops, the idle timer starts on the frame it stopped on.
 *
 * Timers are injected so the schedule is tested without waiting.
 */

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** The short pause on a frame after which it is refined. */
export const REFINE_IDLE_MS = 300;

export class RefineScheduler {
  private current: string | null = null;
  private refined: string | null = null;
  private timer: unknown = null;
  private isPlaying = false;

  /**
   * @param onRefine called when the frame `key` on screen becomes due for full resolution
   */
  constructor(
    private readonly onRefine: (key: string) => void,
    readonly idleMs = REFINE_IDLE_MS,
    private readonly timers: Timers = realTimers,
  ) {}

  /** Whether the frame `key` is to be shown at full resolution now. */
  wantsFull(key: string): boolean {
    return this.refined === key;
  }

  /**
   * The tab is now on frame `key`; `drawn` once some image of it is on screen. The idle
   * delay counts from then: a first image slower than the delay is not raced by the
   * full-resolution one.
   */
  show(key: string, drawn = true): void {
    if (key !== this.current) {
      this.current = key;
      this.cancelTimer();
      // Moving to another frame ends the previous one's refinement.
      if (this.refined !== key) this.refined = null;
    }
    if (drawn && this.timer === null) this.arm();
  }

  /** Refine the frame on screen at once (a zoom past its level's 1:1, an ROI being drawn). */
  now(): void {
    if (this.current === null || this.refined === this.current) return;
    this.cancelTimer();
    this.refined = this.current;
    this.onRefine(this.current);
  }

  /** Cine started (no refinement while it plays) or stopped (refine where it stopped). */
  playing(on: boolean): void {
    if (on === this.isPlaying) return;
    this.isPlaying = on;
    this.cancelTimer();
    if (on) this.refined = null;
    else this.arm();
  }

  /** Forget the frame on screen (no tab). */
  clear(): void {
    this.cancelTimer();
    this.current = null;
    this.refined = null;
  }

  private arm(): void {
    if (this.isPlaying || this.current === null || this.refined === this.current) return;
    const key = this.current;
    this.timer = this.timers.set(() => {
      this.timer = null;
      if (this.current !== key || this.isPlaying) return;
      this.refined = key;
      this.onRefine(key);
    }, this.idleMs);
  }

  private cancelTimer(): void {
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
  }
}
