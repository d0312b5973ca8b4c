import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CountedIntervals } from '../../../../processor/src/model/intervals.js';
import { StreamProcessor } from '../../../../processor/src/streams/processor.js';
import { decodeCursor, encodeCursor } from '../../../../processor/src/store/codec.js';
import type { Cursor } from '../../../../processor/src/streams/delta.js';
import { MODEL_KEY, T0, exportOf, feature, histogramMetric, hp, resource, sumMetric, np } from './fixtures.js';

/** Interval i of a contiguous 10-unit series: (10i, 10i + 10]. */
const iv = (i: number): [bigint, bigint] => [BigInt(10 * i + 100), BigInt(10 * i + 110)];

/** Deterministic shuffle (mulberry32). */
function shuffled<T>(xs: readonly T[], seed: number): T[] {
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Offers the intervals to a record (keep `keep`), adding those found new; returns the verdicts. */
function offer(r: CountedIntervals, xs: readonly [bigint, bigint][], keep: number): (string | 'new')[] {
  return xs.map(([s, t]) => {
    const v = r.check(s, t);
    if (v === undefined) r.add(s, t, keep);
    return v ?? 'new';
  });
}

describe('counted intervals of a delta stream', () => {
  it('accepts non-overlapping intervals in any order, each once, and keeps them sorted', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const order = shuffled([...Array(12).keys()], seed);
      const first = iv(order[0]!);
      const r = CountedIntervals.of(...first);
      const verdicts = offer(r, order.slice(1).map(iv), 16);
      expect(verdicts.every((v) => v === 'new')).toBe(true);
      expect(r.intervals()).toEqual([...Array(12).keys()].map(iv));
      expect(r.newest()).toEqual(iv(11));
      expect(r.floor).toBe(0n);
    }
  });

  it('tells duplicates (the same interval) from overlaps (a different interval sharing time)', () => {
    const r = CountedIntervals.of(100n, 110n);
    expect(offer(r, [[120n, 130n]], 16)).toEqual(['new']);
    expect(r.check(100n, 110n)).toBe('duplicate');
    expect(r.check(120n, 130n)).toBe('duplicate');
    expect(r.check(105n, 115n)).toBe('overlap');
    expect(r.check(95n, 135n)).toBe('overlap');
    expect(r.check(101n, 109n)).toBe('overlap');
    // touching is not overlapping: (110, 120] fills the gap
    expect(r.check(110n, 120n)).toBeUndefined();
    expect(r.check(130n, 140n)).toBeUndefined();
    expect(r.check(90n, 100n)).toBeUndefined();
    // an unknown start (0) or start = time covers the instant `time`
    expect(r.check(0n, 110n)).toBe('overlap');
    expect(r.check(0n, 115n)).toBeUndefined();
    expect(r.check(115n, 115n)).toBeUndefined();
    expect(r.check(125n, 125n)).toBe('overlap');
    r.add(0n, 115n, 16);
    expect(r.check(0n, 115n)).toBe('duplicate');
    expect(r.check(110n, 120n)).toBe('overlap');
    expect(r.check(115n, 115n)).toBe('overlap');
  });

  it('keeps the newest `keep` intervals and refuses, as out_of_order, what it can no longer prove new', () => {
    const r = CountedIntervals.of(...iv(0));
    // 0..5 in order with keep 3: 0, 1, 2 forgotten, floor at the end of 2
    expect(offer(r, [1, 2, 3, 4, 5].map(iv), 3)).toEqual(['new', 'new', 'new', 'new', 'new']);
    expect(r.size).toBe(3);
    expect(r.intervals()).toEqual([3, 4, 5].map(iv));
    expect(r.floor).toBe(iv(2)[1]);
    // a retry of a forgotten interval is not counted again (it cannot be told from new data)
    expect(r.check(...iv(1))).toBe('out_of_order');
    expect(r.check(...iv(2))).toBe('out_of_order');
    // remembered ones are still duplicates
    expect(r.check(...iv(3))).toBe('duplicate');
    // a gap inside what is remembered is still filled: 6, 8 then 7 late
    const g = CountedIntervals.of(...iv(0));
    expect(offer(g, [2, 4, 3, 1].map(iv), 4)).toEqual(['new', 'new', 'new', 'new']);
    expect(g.intervals()).toEqual([1, 2, 3, 4].map(iv));
    expect(g.floor).toBe(iv(0)[1]);
    // an interval added below every remembered one is forgotten at once, raising the floor
    const h = CountedIntervals.of(...iv(5));
    offer(h, [iv(6)], 2);
    expect(offer(h, [iv(1)], 2)).toEqual(['new']);
    expect(h.intervals()).toEqual([iv(5), iv(6)]);
    expect(h.floor).toBe(iv(1)[1]);
    expect(h.check(...iv(1))).toBe('out_of_order');
    expect(h.check(...iv(2))).toBeUndefined();
  });

  it('counts every interval exactly once whatever the order and retries, within the bound', () => {
    // 40 intervals, each sent twice (a retry), shuffled; a request is at most 15 places late
    for (let seed = 1; seed <= 30; seed++) {
      const sends = shuffled([...Array(40).keys(), ...Array(40).keys()], seed);
      const r = new CountedIntervals(new BigInt64Array(0), 0, 0n);
      const counted = new Map<number, number>();
      const verdicts: Record<string, number> = {};
      for (const i of sends) {
        const v = r.check(...iv(i)) ?? 'new';
        verdicts[v] = (verdicts[v] ?? 0) + 1;
        if (v === 'new') {
          r.add(...iv(i), 16);
          counted.set(i, (counted.get(i) ?? 0) + 1);
        }
      }
      // never twice; what was not counted was refused as duplicate or out_of_order, never lost in silence
      expect([...counted.values()].every((n) => n === 1)).toBe(true);
      expect(verdicts.new! + (verdicts.duplicate ?? 0) + (verdicts.out_of_order ?? 0)).toBe(80);
      expect(verdicts.overlap).toBeUndefined();
      expect(verdicts.new).toBe(counted.size);
      expect(r.size).toBeLessThanOrEqual(16);
    }
  });

  it('survives encoding with the cursor (and reads a cursor without intervals)', () => {
    const r = CountedIntervals.of(...iv(0));
    offer(r, [1, 2, 3, 5, 4].map(iv), 3);
    const c: Cursor = {
      temporality: 'delta',
      start: r.newest()[0],
      time: r.newest()[1],
      updatedAt: 1234.5,
      counted: r,
    };
    const back = decodeCursor(
      encodeCursor(c, () => 0),
      () => [],
    );
    expect(back.counted?.intervals()).toEqual(r.intervals());
    expect(back.counted?.floor).toBe(r.floor);
    expect(back).toMatchObject({ temporality: 'delta', start: iv(5)[0], time: iv(5)[1], updatedAt: 1234.5 });
    const plain = decodeCursor(
      encodeCursor({ temporality: 'delta', start: 1n, time: 2n, updatedAt: 0 }, () => 0),
      () => [],
    );
    expect(plain.counted).toBeUndefined();
  });
});

describe('counted intervals in the state file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'otel-ml-intervals-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const MIN = 60_000;
  /** A delta request of stream `age` for minute i (histogram, i + 1 rows) and the predictions counter (1). */
  const request = (i: number) =>
    exportOf(
      resource(
        { 'service.name': 'api' },
        histogramMetric(
          'ml.feature.value',
          'delta',
          hp(feature('age'), T0 + i * MIN, T0 + (i + 1) * MIN, [0, 10, 20, 30], [i + 1, 0, 0, 0, 0]),
        ),
        sumMetric('ml.predictions', 'delta', np(feature('age'), T0 + i * MIN, T0 + (i + 1) * MIN, 1)),
      ),
    );
  const rowsOf = (p: StreamProcessor) =>
    p.openWindows().find((w) => w.modelKey === MODEL_KEY)?.features.age?.histogram?.count ?? 0;

  it.each([
    ['journal only', Number.MAX_SAFE_INTEGER],
    ['checkpointed to the tables', 1],
  ])('remembers counted intervals across a restart (%s)', (_, checkpointBytes) => {
    const path = join(dir, `state-${checkpointBytes}.db`);
    const opts = {
      path,
      clock: () => T0,
      windows: { lengthMs: 86_400_000, minRows: 1 },
      checkpointBytes,
      limits: { deltaIntervals: 4 },
    };
    let p = StreamProcessor.open(opts);
    // minutes 0, 2, 3, 5 (1 and 4 still in flight)
    for (const i of [0, 2, 3, 5]) expect(p.ingest(request(i)).rejectedDataPoints).toBe(0);
    expect(rowsOf(p)).toBe(1 + 3 + 4 + 6);
    p.close();
    p = StreamProcessor.open(opts);
    // late minute 4 counts; retried 3 is a duplicate (both points of the request)
    expect(p.ingest(request(4)).rejectedDataPoints).toBe(0);
    expect(p.ingest(request(3))).toEqual({
      rejectedDataPoints: 2,
      errorMessage: 'rejected data points (duplicate: 2)',
    });
    p.close();
    p = StreamProcessor.open(opts);
    // record of 4: 2, 3, 4, 5 remembered, floor at the end of minute 0: late minute 1 still counts
    expect(p.ingest(request(1)).rejectedDataPoints).toBe(0);
    // now 0 (the floor) and 1 are forgotten: their retries are refused, not counted twice
    expect(p.ingest(request(0))).toEqual({
      rejectedDataPoints: 2,
      errorMessage: 'rejected data points (out_of_order: 2)',
    });
    expect(p.ingest(request(1))).toEqual({
      rejectedDataPoints: 2,
      errorMessage: 'rejected data points (out_of_order: 2)',
    });
    expect(rowsOf(p)).toBe(1 + 2 + 3 + 4 + 5 + 6);
    expect(p.stats().droppedPoints).toMatchObject({ out_of_order: 4, duplicate: 0 });
    p.close();
  });
});
