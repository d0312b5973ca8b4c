import { describe, expect, it } from 'vitest';
import type { Cursor, HistogramDelta, Step } from '../../../../processor/src/streams/delta.js';
import { deltaOrder, exponentialStep, histogramStep, sumStep } from '../../../../processor/src/streams/delta.js';
import type { ExponentialHistogramPoint } from '../../../../processor/src/otlp/model.js';
import { BOUNDS, hp, np, ns, T0 } from './fixtures.js';

const H = ns(T0); // horizon at T0
const attrs = {};

/** Runs points through one stream and returns the steps, deltas copied as they come (see `Step`). */
function run<P, D>(step: (c: Cursor | undefined, p: P) => Step<D>, points: P[]): Step<D>[] {
  let c: Cursor | undefined;
  return points.map((p) => {
    const s = step(c, p);
    if (s.cursor) c = s.cursor;
    return structuredClone(s);
  });
}

const sums = (ps: Parameters<typeof sumStep>[1][], temporality: 'delta' | 'cumulative' = 'cumulative') =>
  run((c, p: Parameters<typeof sumStep>[1]) => sumStep(c, p, temporality, H, 0), ps);
const hists = (ps: Parameters<typeof histogramStep>[1][], temporality: 'delta' | 'cumulative' = 'cumulative') =>
  run((c, p: Parameters<typeof histogramStep>[1]) => histogramStep(c, p, temporality, H, 0), ps);
const deltaOf = (s: Step<unknown>) => (s.ok ? s.delta : s.reason);
const countsOf = (s: Step<HistogramDelta>) => (s.ok ? (s.delta ? Array.from(s.delta.counts) : 'none') : s.reason);

describe('cumulative counters', () => {
  it('turns cumulative values into deltas and counts the first point of a series started after the horizon in full', () => {
    const s = sums([np(attrs, T0 + 1, T0 + 10, 5), np(attrs, T0 + 1, T0 + 20, 8), np(attrs, T0 + 1, T0 + 30, 8)]);
    expect(s.map(deltaOf)).toEqual([5, 3, 0]);
  });

  it('only sets the cursor for a series that started before the horizon or has no start time', () => {
    expect(sums([np(attrs, T0 - 1000, T0 + 10, 5), np(attrs, T0 - 1000, T0 + 20, 7)]).map(deltaOf)).toEqual([
      undefined,
      2,
    ]);
    expect(sums([np(attrs, 0, T0 + 10, 5), np(attrs, 0, T0 + 20, 7)]).map(deltaOf)).toEqual([undefined, 2]);
  });

  it('detects resets by a newer start time or a decreasing value', () => {
    const s = sums([
      np(attrs, T0 + 1, T0 + 10, 50),
      np(attrs, T0 + 15, T0 + 20, 4),
      np(attrs, T0 + 15, T0 + 30, 6),
      np(attrs, T0 + 15, T0 + 40, 2),
    ]);
    expect(s.map(deltaOf)).toEqual([50, 4, 2, 2]);
  });

  it('drops duplicates, out-of-order points and points of an older series, keeping the cursor', () => {
    const s = sums([
      np(attrs, T0 + 1, T0 + 20, 5),
      np(attrs, T0 + 1, T0 + 20, 5), // retried
      np(attrs, T0 + 1, T0 + 10, 3), // older
      np(attrs, T0, T0 + 30, 9), // older series
      np(attrs, T0 + 1, T0 + 30, 9),
    ]);
    expect(s.map(deltaOf)).toEqual([5, 'duplicate', 'out_of_order', 'out_of_order', 4]);
  });

  it('refuses negative and non-finite values', () => {
    expect(sums([np(attrs, T0 + 1, T0 + 2, -1)]).map(deltaOf)).toEqual(['invalid_point']);
    expect(sums([np(attrs, T0 + 1, T0 + 2, Number.NaN)]).map(deltaOf)).toEqual(['invalid_point']);
  });
});

describe('delta senders', () => {
  it('passes deltas through and checks order and overlap', () => {
    const s = sums(
      [
        np(attrs, T0, T0 + 10, 5),
        np(attrs, T0 + 10, T0 + 20, 3),
        np(attrs, T0 + 10, T0 + 20, 3), // retried
        np(attrs, T0, T0 + 15, 1), // overlaps both
        np(attrs, T0 + 15, T0 + 30, 2), // overlaps (15 < 20)
        np(attrs, 0, T0 + 40, 7), // unknown start
        np(attrs, T0 - 10, T0, 4), // earlier, next to the first: new data in any order
        np(attrs, 0, T0 + 15, 1), // unknown start, inside a counted interval
      ],
      'delta',
    );
    expect(s.map(deltaOf)).toEqual([5, 3, 'duplicate', 'overlap', 'overlap', 7, 4, 'overlap']);
  });

  it('deltaOrder accepts any valid interval for a new stream and refuses a start after the time', () => {
    expect(deltaOrder(undefined, 1n, 5n)).toBeUndefined();
    expect(deltaOrder(undefined, 5n, 1n)).toBe('invalid_point');
  });

  it('reads a delta cursor without counted intervals (state files before version 5) as its last interval, nothing before its end new', () => {
    const c: Cursor = { temporality: 'delta', start: ns(T0 + 10), time: ns(T0 + 20), updatedAt: 0 };
    expect(deltaOrder(c, ns(T0 + 10), ns(T0 + 20))).toBe('duplicate');
    expect(deltaOrder(c, ns(T0), ns(T0 + 10))).toBe('out_of_order');
    expect(deltaOrder(c, ns(T0 + 15), ns(T0 + 30))).toBe('out_of_order');
    expect(deltaOrder(c, ns(T0 + 20), ns(T0 + 30))).toBeUndefined();
    const s = sumStep(c, np(attrs, T0 + 20, T0 + 30, 1), 'delta', H, 0);
    expect(s.ok && s.cursor.counted?.intervals()).toEqual([
      [ns(T0 + 10), ns(T0 + 20)],
      [ns(T0 + 20), ns(T0 + 30)],
    ]);
  });
});

describe('cumulative histograms', () => {
  it('subtracts bucket by bucket, and resets on a lower count or a lower bucket', () => {
    const s = hists([
      hp(attrs, T0 + 1, T0 + 10, BOUNDS, [1, 2, 3, 0, 0]),
      hp(attrs, T0 + 1, T0 + 20, BOUNDS, [1, 4, 3, 1, 0]),
      hp(attrs, T0 + 1, T0 + 30, BOUNDS, [0, 5, 3, 1, 1]), // bucket 0 decreased though count increased
      hp(attrs, T0 + 1, T0 + 40, BOUNDS, [0, 1, 0, 0, 0]), // count decreased
    ]);
    expect(s.map(countsOf)).toEqual([
      [1, 2, 3, 0, 0],
      [0, 2, 0, 1, 0],
      [0, 5, 3, 1, 1],
      [0, 1, 0, 0, 0],
    ]);
  });

  it('computes the delta sum and keeps max only when the cumulative max moved', () => {
    const s = hists([
      hp(attrs, T0 + 1, T0 + 10, BOUNDS, [1, 1, 0, 0, 0], { sum: 12, min: -1, max: 9 }),
      hp(attrs, T0 + 1, T0 + 20, BOUNDS, [1, 2, 1, 0, 0], { sum: 40, min: -1, max: 18 }),
    ]);
    const d = s[1]!.ok ? s[1]!.delta! : undefined;
    expect(d).toMatchObject({ count: 2, sum: 28, max: 18 });
    expect(d!.min).toBeUndefined();
  });

  it('restarts the cursor when the boundaries change without a new start', () => {
    const s = hists([
      hp(attrs, T0 + 1, T0 + 10, BOUNDS, [1, 0, 0, 0, 0]),
      hp(attrs, T0 + 1, T0 + 20, [1, 2], [1, 1, 1]),
      hp(attrs, T0 + 1, T0 + 30, [1, 2], [1, 2, 1]),
    ]);
    expect(s.map(countsOf)).toEqual([[1, 0, 0, 0, 0], 'boundaries_changed', [0, 1, 0]]);
  });

  it('refuses malformed points', () => {
    expect(hists([hp(attrs, T0 + 1, T0 + 10, BOUNDS, [1, 2])]).map(countsOf)).toEqual(['invalid_point']);
    expect(hists([hp(attrs, T0 + 1, T0 + 10, [2, 1], [1, 2, 3])]).map(countsOf)).toEqual(['invalid_point']);
    expect(hists([{ ...hp(attrs, T0 + 1, T0 + 10, BOUNDS, [1, 2, 0, 0, 0]), count: 7 }]).map(countsOf)).toEqual([
      'invalid_point',
    ]);
  });

  it('treats a histogram without buckets as one bucket holding the count', () => {
    const p = { ...hp(attrs, T0 + 1, T0 + 10, [], []), count: 4, sum: 10 };
    expect(hists([p]).map(countsOf)).toEqual([[4]]);
  });
});

describe('exponential histograms', () => {
  const ep = (time: number, scale: number, offset: number, counts: number[], zero = 0): ExponentialHistogramPoint => ({
    attributes: {},
    startTimeUnixNano: ns(T0 + 1),
    timeUnixNano: ns(T0 + time),
    flags: 0,
    count: counts.reduce((a, b) => a + b, zero),
    sum: 1,
    scale,
    zeroCount: zero,
    zeroThreshold: 0,
    positive: { offset, bucketCounts: counts },
    negative: { offset: 0, bucketCounts: [] },
  });

  it('subtracts across a scale decrease of the sender', () => {
    const s = run(
      (c, p: ExponentialHistogramPoint) => exponentialStep(c, p, 'cumulative', H, 0),
      [ep(10, 1, 2, [1, 1]), ep(20, 0, 1, [3, 1])],
    );
    // first: scale 1 indices 2,3 -> at scale 0 indices 1,1 -> [2] at offset 1; second [3,1] -> delta [1,1]
    const d = s[1]!.ok ? s[1]!.delta! : undefined;
    expect(d?.positive).toEqual({ offset: 1, bucketCounts: [1, 1] });
    expect(d?.count).toBe(2);
  });

  it('resets when a bucket decreased and refuses a scale increase', () => {
    const s = run(
      (c, p: ExponentialHistogramPoint) => exponentialStep(c, p, 'cumulative', H, 0),
      [ep(10, 0, 0, [2, 2]), ep(20, 0, 0, [1, 4]), ep(30, 1, 0, [1, 4, 1])],
    );
    expect(s[1]!.ok && s[1]!.delta?.positive.bucketCounts).toEqual([1, 4]);
    expect(s[2]!.ok ? 'ok' : s[2]!.reason).toBe('boundaries_changed');
  });
});

describe('handoff gap (instances behind a load balancer, docs/scale-out.md)', () => {
  const GAP = ns(150_000);
  const sumGap = (c: Cursor | undefined, p: Parameters<typeof sumStep>[1]) =>
    sumStep(c, p, 'cumulative', H, 0, undefined, GAP);
  const histGap = (c: Cursor | undefined, p: Parameters<typeof histogramStep>[1]) =>
    histogramStep(c, p, 'cumulative', H, 0, undefined, false, undefined, GAP);
  const partialOf = (s: Step<unknown>) => (s.ok ? (s.partial ?? null) : s.reason);

  it('counts a series in full only when it started at most the gap before its first point; an older one joins (cursor only)', () => {
    const young = run(sumGap, [np(attrs, T0 + 1, T0 + 60_000, 5), np(attrs, T0 + 1, T0 + 120_000, 8)]);
    expect(young.map(deltaOf)).toEqual([5, 3]);
    expect(young.map(partialOf)).toEqual([null, null]);
    // the same series first seen here 10 minutes after it started: another instance had it
    const moved = run(sumGap, [np(attrs, T0 + 1, T0 + 600_000, 50), np(attrs, T0 + 1, T0 + 660_000, 58)]);
    expect(moved.map(deltaOf)).toEqual([undefined, 8]);
    expect(moved.map(partialOf)).toEqual(['joined', null]);
    // without a gap (a single processor), the start after the horizon counts it in full
    expect(sums([np(attrs, T0 + 1, T0 + 600_000, 50)]).map(deltaOf)).toEqual([50]);
  });

  it('re-bases a stream seen again more than the gap after its previous point (resumed), not counting what came between', () => {
    const b = [0, 10, 20, 30];
    const s = run(histGap, [
      hp(attrs, T0 + 1, T0 + 60_000, b, [1, 1, 0, 0, 0]),
      hp(attrs, T0 + 1, T0 + 120_000, b, [2, 1, 1, 0, 0]),
      // 9 minutes at another instance
      hp(attrs, T0 + 1, T0 + 660_000, b, [9, 8, 7, 6, 5]),
      hp(attrs, T0 + 1, T0 + 720_000, b, [10, 8, 7, 6, 6]),
    ]);
    expect(s.map(countsOf)).toEqual([[1, 1, 0, 0, 0], [1, 0, 1, 0, 0], 'none', [1, 0, 0, 0, 1]]);
    expect(s.map(partialOf)).toEqual([null, null, 'resumed', null]);
  });
});
