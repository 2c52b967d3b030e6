/**
 * Cine playback: play/pause, rate, mode and the measured rate. The loop runs on
 * animation frames and steps only onto a frame its source has ready, so playback
 * waits for the server instead of skipping. init() wires the source: the stack on
 * screen (display.svelte.ts).
 */
import { advance, clampFps, type PlayMode } from "../model/cine";

/** The stack cine plays through. */
export interface CineSource {
  /** Position and length of the stack on screen; null when nothing can play. */
  playhead(): { pos: number; length: number } | null;
  /** Show position `pos` when its frame is ready (true); else ask for it and hold (false). */
  show(pos: number): boolean;
  /** Playback starts: plan the prefetch along the playhead. */
  started(): void;
}

class CineState {
  playing = $state(false);
  fps = $state(10);
  mode = $state<PlayMode>("loop");
  dir = $state<1 | -1>(1);
  /** Frames actually shown per second over the last second of playback. */
  measured = $state(0);
}

export const cine = new CineState();

let source: CineSource | null = null;
let rafId = 0;
let lastTick = 0;
let shownTimes: number[] = [];

export function setCineSource(s: CineSource | null): void {
  source = s;
}

export function togglePlay(): void {
  if (cine.playing) stopCine();
  else playCine();
}

export function playCine(): void {
  if (!source || (source.playhead()?.length ?? 0) <= 1) return;
  cine.playing = true;
  lastTick = performance.now();
  shownTimes = [];
  source.started();
  rafId = requestAnimationFrame(tick);
}

export function stopCine(): void {
  cine.playing = false;
  cine.measured = 0;
  if (rafId) cancelAnimationFrame(rafId);
  rafId = 0;
}

export function setFps(v: number): void {
  cine.fps = clampFps(v);
}

export function setMode(m: PlayMode): void {
  cine.mode = m;
  if (m !== "sweep") cine.dir = 1;
}

/**
 * One animation frame of playback: advance when the frame period has elapsed and the next
 * frame is ready; otherwise hold.
 */
function tick(now: number): void {
  if (!cine.playing) return;
  const head = source?.playhead() ?? null;
  if (!source || !head) {
    stopCine();
    return;
  }
  const period = 1000 / cine.fps;
  if (now - lastTick >= period - 1) {
    const next = advance({ pos: head.pos, dir: cine.dir }, head.length, cine.mode);
    if (!next) {
      stopCine();
      return;
    }
    if (source.show(next.pos)) {
      cine.dir = next.dir;
      // Catch up on the schedule without bursting after a stall.
      lastTick = now - lastTick > 2 * period ? now : lastTick + period;
      shownTimes.push(now);
      while (shownTimes.length > 0 && (shownTimes[0] ?? now) < now - 1000) shownTimes.shift();
      cine.measured = shownTimes.length;
    }
  }
  rafId = requestAnimationFrame(tick);
}
