/**
 * Tumbling windows per model, closing on processor wall time.
 *
 * - A model's window opens when its first point arrives, aligned to the window length:
 *   start = ⌊now / length⌋·length, end = start + length. Points are assigned by ARRIVAL time,
 *   not by their timestamps: a cumulative delta may span several windows, and arrival order is
 *   what the durable cursor protects.
 * - Windows close in `StreamProcessor.closeDueWindows(now)`; points that arrive after `end` but
 *   before that call still count in the window, so call it at least every few seconds (or at
 *   `nextWindowEnd()`).
 * - At `end`, a window with at least `minRows` rows closes and yields its snapshot. A window with
 *   fewer rows is extended by one length (merged into the next window) rather than evaluated on
 *   noise, at most `maxExtensions` times; then it closes with `belowMinRows: true`.
 */
import type { OpenWindow } from './accumulator.js';
import type { WindowSnapshot } from './snapshot.js';
import { snapshotOf } from './snapshot.js';
import { DEFAULT_MIN_ROWS } from '../statistics/defaults.js';

export interface WindowOptions {
  /** Window length in ms, 1 minute .. 1 day. Default 5 minutes. */
  readonly lengthMs: number;
  /** Minimum rows for a window to be evaluated. Default 50. */
  readonly minRows: number;
  /** Maximum number of extensions of a window short of `minRows`. Default 11 (12 lengths in all). */
  readonly maxExtensions: number;
}

export const DEFAULT_WINDOW_OPTIONS: WindowOptions = {
  lengthMs: 5 * 60_000,
  minRows: DEFAULT_MIN_ROWS,
  maxExtensions: 11,
};

export const MIN_WINDOW_MS = 60_000;
export const MAX_WINDOW_MS = 86_400_000;

export function windowOptions(o: Partial<WindowOptions> = {}): WindowOptions {
  const out = { ...DEFAULT_WINDOW_OPTIONS, ...o };
  if (!Number.isInteger(out.lengthMs) || out.lengthMs < MIN_WINDOW_MS || out.lengthMs > MAX_WINDOW_MS) {
    throw new RangeError(
      `window length must be an integer number of ms in [${MIN_WINDOW_MS}, ${MAX_WINDOW_MS}], got ${out.lengthMs}`,
    );
  }
  if (!Number.isInteger(out.minRows) || out.minRows < 0)
    throw new RangeError(`minRows must be a non-negative integer, got ${out.minRows}`);
  if (!Number.isInteger(out.maxExtensions) || out.maxExtensions < 0)
    throw new RangeError(`maxExtensions must be a non-negative integer, got ${out.maxExtensions}`);
  return out;
}

/** Start of the aligned window containing `now`. */
export function alignedStart(now: number, lengthMs: number): number {
  return Math.floor(now / lengthMs) * lengthMs;
}

/**
 * Moves `w` forward to `now`: extends it while it is due and short of rows (mutates `end` and
 * `extensions`), and returns its snapshot when it closes, undefined while it stays open.
 */
export function advanceWindow(w: OpenWindow, now: number, o: WindowOptions): WindowSnapshot | undefined {
  if (now < w.end) return undefined;
  let snap = snapshotOf(w);
  // Bounded: each iteration either returns or raises `extensions` towards maxExtensions.
  while (now >= w.end) {
    if (snap.rows >= o.minRows) return snap;
    if (w.extensions >= o.maxExtensions) return { ...snap, belowMinRows: true };
    w.end += o.lengthMs;
    w.extensions += 1;
    snap = { ...snap, end: w.end, extensions: w.extensions };
  }
  return undefined;
}
