/**
 * How fast the link to the server is, measured on the frames themselves.
 *
 * Over an SSH forward (tens of Mbit/s) a full-resolution 16-bit frame is several
 * megabytes and takes seconds to arrive, while the same frame windowed to 8 bits and
 * PNG-compressed is a third of that. The viewer refines frames with raw samples on a
 * fast link (W/L in the browser, exact readout) and with a PNG at the window in effect
 * on a slow one (state/display.svelte.ts decides).
 *
 * Each frame body of at least `minBytes` on the wire gives a sample: its bytes over the
 * time from its headers to its last byte (the server computed the body before the
 * headers left, so that time is the wire's). The estimate is the median of the last
 * few samples: one body delayed behind another must not flip the decision.
 */

/** Below this (bytes per second: 20 MB/s, 160 Mbit/s) the link counts as slow. */
export const SLOW_BYTES_PER_S = 20e6;

export class LinkMeter {
  private samples: number[] = [];

  constructor(
    readonly minBytes = 128 * 1024,
    readonly keep = 5,
  ) {}

  /** Record a body of `bytes` (on the wire) that took `ms` from headers to end. */
  record(bytes: number, ms: number): void {
    if (!(bytes >= this.minBytes) || !(ms >= 0)) return;
    // A body read within a millisecond came faster than the clock can tell: call it 1 ms.
    this.samples.push(bytes / (Math.max(ms, 1) / 1000));
    if (this.samples.length > this.keep) this.samples.shift();
  }

  /** The estimated bytes per second, or null before the first sample. */
  get bytesPerSecond(): number | null {
    if (this.samples.length === 0) return null;
    const sorted = [...this.samples].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? null;
  }

  /** Whether the link is known to be slow (unknown counts as fast: loopback is the common case). */
  get slow(): boolean {
    const rate = this.bytesPerSecond;
    return rate !== null && rate < SLOW_BYTES_PER_S;
  }
}
