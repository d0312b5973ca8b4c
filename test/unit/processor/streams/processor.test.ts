import { describe, expect, it } from 'vitest';
import { StreamProcessor } from '../../../../processor/src/streams/processor.js';
import type { StreamProcessorOptions } from '../../../../processor/src/streams/processor.js';
import { FLAG_NO_RECORDED_VALUE } from '../../../../processor/src/otlp/model.js';
import type { ExponentialHistogramPoint, Metric } from '../../../../processor/src/otlp/model.js';
import {
  BOUNDS,
  MODEL,
  MODEL_KEY,
  T0,
  expHistogramMetric,
  exportOf,
  feature,
  histogramMetric,
  hp,
  np,
  ns,
  resource,
  sumMetric,
} from './fixtures.js';

function processor(opts: Partial<StreamProcessorOptions> = {}) {
  const clock = { now: T0 };
  const p = StreamProcessor.open({ clock: () => clock.now, windows: { lengthMs: 60_000, minRows: 1 }, ...opts });
  return { p, clock };
}

const instance = (id: string, ...metrics: Metric[]) =>
  resource({ 'service.name': 'api', 'service.instance.id': id }, ...metrics);
const ageHist = (start: number, time: number, counts: number[]) =>
  histogramMetric('ml.feature.value', 'cumulative', hp(feature('age'), start, time, BOUNDS, counts));
const open = (p: StreamProcessor) => p.openWindows().find((w) => w.modelKey === MODEL_KEY)!;

describe('StreamProcessor ingest', () => {
  it('merges three sender instances of one model into one distribution, counting cumulative deltas once', () => {
    const { p } = processor();
    const s = T0 + 500;
    p.ingest(
      exportOf(
        instance('a', ageHist(s, T0 + 600, [1, 0, 0, 0, 0])),
        instance('b', ageHist(s, T0 + 600, [0, 2, 0, 0, 0])),
        instance('c', ageHist(s, T0 + 600, [0, 0, 3, 0, 0])),
      ),
    );
    p.ingest(
      exportOf(
        instance('a', ageHist(s, T0 + 700, [2, 0, 0, 0, 0])),
        instance('b', ageHist(s, T0 + 700, [0, 2, 0, 0, 1])),
        instance('c', ageHist(s, T0 + 700, [0, 0, 3, 0, 0])),
      ),
    );
    // a retried request changes nothing
    p.ingest(exportOf(instance('a', ageHist(s, T0 + 700, [2, 0, 0, 0, 0]))));
    const w = open(p);
    expect(p.openWindows()).toHaveLength(1);
    expect(w.features.age!.histogram!.counts).toEqual([2, 2, 3, 0, 1]);
    expect(w.features.age!.histogram!.count).toBe(8);
    expect(p.stats()).toMatchObject({ liveStreams: 3, receivedPoints: 7, acceptedPoints: 6 });
    expect(p.stats().droppedPoints.duplicate).toBe(1);
    p.close();
  });

  it('adds the points of a stream to the window open now, and keeps no closed window reachable from its route', () => {
    const { p, clock } = processor();
    const s = T0 + 1;
    p.ingest(exportOf(instance('a', ageHist(s, T0 + 100, [1, 0, 0, 0, 0]))));
    p.ingest(exportOf(instance('a', ageHist(s, T0 + 200, [2, 0, 0, 0, 0]))));
    const internals = p as unknown as { routesWithSlot: { window?: unknown }[] };
    expect(internals.routesWithSlot).toHaveLength(1);
    const first = internals.routesWithSlot[0]!.window;
    clock.now = T0 + 60_000;
    const [closed] = p.closeDueWindows();
    expect(closed!.features.age!.histogram!.counts).toEqual([2, 0, 0, 0, 0]);
    expect(internals.routesWithSlot).toHaveLength(0);
    // the same stream's next point goes to the new window, not the closed one it went to before
    p.ingest(exportOf(instance('a', ageHist(s, T0 + 60_100, [5, 1, 0, 0, 0]))));
    expect(open(p).features.age!.histogram!.counts).toEqual([3, 1, 0, 0, 0]);
    expect(internals.routesWithSlot[0]!.window).not.toBe(first);
    p.close();
  });

  it('identifies a stream by its attribute set, whatever their order and value types', () => {
    const { p } = processor();
    const s = T0 + 1;
    const reversed = Object.fromEntries(Object.entries(feature('age')).reverse());
    const withInt = { ...feature('age'), 'ml.slice.cohort': 3n };
    const send = (attrs: Record<string, unknown>, time: number, counts: number[]) =>
      p.ingest(
        exportOf(
          instance('a', histogramMetric('ml.feature.value', 'cumulative', hp(attrs as never, s, time, BOUNDS, counts))),
        ),
      );
    send(feature('age'), T0 + 10, [1, 0, 0, 0, 0]);
    // the same stream with its attributes in another order: a duplicate, then its next point
    send(reversed, T0 + 10, [1, 0, 0, 0, 0]);
    send(reversed, T0 + 20, [2, 0, 0, 0, 0]);
    send(feature('age'), T0 + 30, [3, 0, 0, 0, 0]);
    // an integer attribute makes another stream (not cached by the route cache, same rules)
    send(withInt, T0 + 10, [0, 5, 0, 0, 0]);
    send(withInt, T0 + 10, [0, 5, 0, 0, 0]);
    send({ ...withInt, 'ml.slice.cohort': '3' }, T0 + 10, [0, 0, 1, 0, 0]);
    expect(p.stats()).toMatchObject({ liveStreams: 3, acceptedPoints: 5 });
    expect(p.stats().droppedPoints.duplicate).toBe(2);
    expect(open(p).features.age!.histogram!.counts).toEqual([3, 5, 1, 0, 0]);
    p.close();
  });

  it('builds the rolling reference from the newest windows that reached the minimum rows', () => {
    const { p, clock } = processor({
      windows: { lengthMs: 60_000, minRows: 10, maxExtensions: 0 },
      references: { rollingWindows: 2, rollingRefreshMs: 1 },
    });
    const rows = (n: number) =>
      exportOf(resource({}, sumMetric('ml.predictions', 'delta', np(MODEL, clock.now - 1, clock.now, n))));
    for (const n of [20, 3, 30, 40]) {
      p.ingest(rows(n));
      clock.now += 60_000;
      p.closeDueWindows();
    }
    // at the last close the windows before it were 20, 3 (below the minimum) and 30 rows
    expect(p.results.history(MODEL_KEY).map((w) => [w.rows, w.belowMinRows])).toEqual([
      [20, false],
      [3, true],
      [30, false],
      [40, false],
    ]);
    expect(p.references(MODEL_KEY).rolling!.rows).toBe(50);
    p.close();
  });

  it('maps every ML signal into the window snapshot', () => {
    const { p } = processor();
    const s = T0 + 1;
    const t = T0 + 2;
    const m = (attrs: Record<string, string>) => ({ ...MODEL, ...attrs });
    p.ingest(
      exportOf(
        resource(
          { 'deployment.environment.name': '' },
          sumMetric(
            'ml.predictions',
            'delta',
            np(m({ 'ml.prediction.class': '1' }), s, t, 40),
            np(m({ 'ml.prediction.class': '0' }), s, t, 60),
            np(m({ 'error.type': 'timeout' }), s, t, 2),
          ),
          sumMetric('ml.feature.missing', 'delta', np(feature('age'), s, t, 5)),
          sumMetric(
            'ml.feature.category.count',
            'delta',
            np(feature('country', { 'ml.feature.category': 'DE' }), s, t, 70),
            np(feature('country', { 'ml.feature.category': '__other__' }), s, t, 30),
          ),
          histogramMetric('ml.prediction.score', 'delta', hp(m({}), s, t, [0.5], [60, 40])),
          histogramMetric('ml.outcome.score', 'delta', hp(m({ 'ml.outcome.label': '1' }), s, t, [0.5], [3, 7])),
          sumMetric(
            'ml.outcomes',
            'delta',
            np(m({ 'ml.prediction.class': '1', 'ml.outcome.label': '0' }), s, t, 4),
            np(m({}), s, t, 6),
          ),
          histogramMetric(
            'ml.outcome.score',
            'delta',
            hp(m({ 'ml.outcome.label': 'b', 'ml.prediction.class': 'a' }), s, t, [0.5], [1, 2]),
          ),
          histogramMetric('ml.outcome.error.absolute', 'delta', { ...hp(m({}), s, t, [], []), count: 10, sum: 2.5 }),
          histogramMetric(
            'ml.inference.duration',
            'delta',
            hp(m({ 'ml.operation.name': 'predict' }), s, t, [0.1], [9, 1]),
          ),
          sumMetric('ml.shadow.agreement', 'delta', np(m({ 'ml.shadow.result': 'agree' }), s, t, 9)),
          histogramMetric('ml.business.value', 'delta', hp(m({ 'ml.business.metric': 'revenue' }), s, t, [10], [1, 1])),
          histogramMetric('ml.feature.attribution', 'delta', hp(feature('age'), s, t, [0.1], [1, 1])),
          histogramMetric('ml.prediction.value', 'delta', hp(m({}), s, t, [5], [3, 4])),
          histogramMetric('ml.outcome.error', 'delta', hp(m({}), s, t, [0], [2, 2])),
          histogramMetric('ml.outcome.error.squared', 'delta', { ...hp(m({}), s, t, [], []), count: 10, sum: 1.5 }),
          histogramMetric('ml.outcome.delay', 'delta', hp(m({}), s, t, [60], [5, 1])),
          sumMetric('ml.outcome.unmatched', 'delta', np(m({ 'ml.outcome.unmatched.reason': 'expired' }), s, t, 3)),
        ),
      ),
    );
    const w = open(p);
    expect(w.rows).toBe(100);
    expect(w.task).toBe('binary_classification');
    expect(w.predictions).toEqual({ rows: 100, byClass: { '1': 40, '0': 60 }, errors: { timeout: 2 } });
    expect(w.features.age!.missing).toBe(5);
    expect(w.features.age!.attribution!.count).toBe(2);
    expect(w.features.country!.categories).toEqual({ DE: 70, __other__: 30 });
    expect(w.score!.counts).toEqual([60, 40]);
    expect(w.outcomes.scoreByLabel['1']!.counts).toEqual([3, 7]);
    expect(w.outcomes.confusion).toEqual({ '1': { '0': 4 } });
    expect(w.outcomes.matched).toBe(10);
    expect(w.outcomes.scoreByClassAndLabel).toEqual({ a: { b: expect.objectContaining({ counts: [1, 2] }) } });
    expect(Object.keys(w.outcomes.scoreByLabel)).toEqual(['1']);
    expect(w.outcomes.absoluteError).toMatchObject({ count: 10, sum: 2.5 });
    expect(w.inferenceDuration.predict!.count).toBe(10);
    expect(w.shadow).toEqual({ agree: 9 });
    expect(w.business.revenue!.count).toBe(2);
    expect(w.value!.counts).toEqual([3, 4]);
    expect(w.outcomes.error!.counts).toEqual([2, 2]);
    expect(w.outcomes.squaredError).toMatchObject({ count: 10, sum: 1.5 });
    expect(w.outcomes.delay!.count).toBe(6);
    expect(w.outcomes.unmatched).toEqual({ expired: 3 });
    p.close();
  });

  it('counts ignored and refused points by reason and reports only refusals to the sender', () => {
    const { p } = processor();
    const r = p.ingest(
      exportOf(
        resource(
          {},
          sumMetric('http.requests', 'cumulative', np({}, T0, T0 + 1, 3)),
          {
            name: 'ml.feature.value',
            description: '',
            unit: '1',
            data: { type: 'gauge', points: [np(feature('age'), T0, T0 + 1, 3)] },
          },
          histogramMetric(
            'ml.feature.value',
            'cumulative',
            hp({ 'ml.feature.name': 'age' }, T0 + 1, T0 + 2, BOUNDS, [1, 0, 0, 0, 0]),
          ),
          histogramMetric('ml.feature.value', 'cumulative', {
            ...hp(feature('age'), T0 + 1, T0 + 2, BOUNDS, [1, 0, 0, 0, 0]),
            flags: FLAG_NO_RECORDED_VALUE,
          }),
        ),
      ),
    );
    expect(r.rejectedDataPoints).toBe(2);
    expect(r.errorMessage).toContain('unsupported_type: 1');
    expect(r.errorMessage).toContain('missing_attribute: 1');
    const d = p.stats().droppedPoints;
    expect([d.not_ml, d.unsupported_type, d.missing_attribute, d.no_recorded_value]).toEqual([1, 1, 1, 1]);
    expect(p.stats().liveStreams).toBe(0);
    p.close();
  });

  it('honours NoRecordedValue without resetting the stream', () => {
    const { p } = processor();
    const a = feature('age');
    p.ingest(
      exportOf(
        resource(
          {},
          histogramMetric('ml.feature.value', 'cumulative', hp(a, T0 + 1, T0 + 10, BOUNDS, [1, 1, 0, 0, 0])),
        ),
      ),
    );
    p.ingest(
      exportOf(
        resource(
          {},
          histogramMetric('ml.feature.value', 'cumulative', {
            ...hp(a, T0 + 1, T0 + 20, [], []),
            count: 0,
            flags: FLAG_NO_RECORDED_VALUE,
          }),
        ),
      ),
    );
    p.ingest(
      exportOf(
        resource(
          {},
          histogramMetric('ml.feature.value', 'cumulative', hp(a, T0 + 1, T0 + 30, BOUNDS, [1, 3, 0, 0, 0])),
        ),
      ),
    );
    expect(open(p).features.age!.histogram!.counts).toEqual([1, 3, 0, 0, 0]);
    expect(p.stats().droppedPoints.no_recorded_value).toBe(1);
    p.close();
  });

  it('refuses new streams beyond maxStreams but keeps serving known ones', () => {
    const { p } = processor({ limits: { maxStreams: 2 } });
    const pts = (t: number) => ['a', 'b', 'c'].map((f) => hp(feature(f), T0 + 1, T0 + t, BOUNDS, [t, 0, 0, 0, 0]));
    const r1 = p.ingest(exportOf(resource({}, histogramMetric('ml.feature.value', 'cumulative', ...pts(1)))));
    const r2 = p.ingest(exportOf(resource({}, histogramMetric('ml.feature.value', 'cumulative', ...pts(2)))));
    expect([r1.rejectedDataPoints, r2.rejectedDataPoints]).toEqual([1, 1]);
    expect(r1.errorMessage).toContain('stream_limit');
    expect(p.stats().liveStreams).toBe(2);
    expect(p.stats().droppedPoints.stream_limit).toBe(2);
    expect(Object.keys(open(p).features).sort()).toEqual(['a', 'b']);
    expect(open(p).features.a!.histogram!.count).toBe(2);
    p.close();
  });

  it('expires stale streams and never counts a returning series twice', () => {
    const { p, clock } = processor({ limits: { staleAfterMs: 120_000 } });
    const a = (start: number, time: number, n: number) =>
      exportOf(
        resource(
          {},
          histogramMetric('ml.feature.value', 'cumulative', hp(feature('age'), start, time, BOUNDS, [n, 0, 0, 0, 0])),
        ),
      );
    p.ingest(a(T0 + 1, T0 + 10, 5));
    clock.now += 200_000;
    p.closeDueWindows();
    expect(p.stats()).toMatchObject({ liveStreams: 0, expiredStreams: 1, horizonUnixNano: ns(T0 + 10) });
    // The same series comes back: its start is before the horizon, so it only sets the cursor.
    p.ingest(a(T0 + 1, T0 + 300_000, 9));
    p.ingest(a(T0 + 1, T0 + 310_000, 10));
    // A restarted sender (start after the horizon) counts from its start.
    p.ingest(a(T0 + 305_000, T0 + 320_000, 4));
    const counts = [...p.results.history(MODEL_KEY), ...p.openWindows()].reduce(
      (n, w) => n + (w.features.age?.histogram?.count ?? 0),
      0,
    );
    expect(counts).toBe(5 + 1 + 4);
    p.close();
  });

  it('re-bins other boundaries onto the reference layout, refuses what cannot be re-binned', () => {
    const { p } = processor();
    p.ingest(
      exportOf(
        resource(
          {},
          histogramMetric(
            'ml.feature.value',
            'delta',
            hp(feature('age'), T0, T0 + 1, BOUNDS, [1, 0, 0, 0, 0], { min: -1, max: 0 }),
          ),
        ),
      ),
    );
    // finer boundaries whose edges include the reference edges move exactly
    const fine = [0, 5, 10, 15, 20, 25, 30];
    const r = p.ingest(
      exportOf(
        resource(
          {},
          histogramMetric(
            'ml.feature.value',
            'delta',
            hp(feature('age'), T0 + 1, T0 + 2, fine, [0, 1, 1, 1, 1, 0, 0, 0], { min: 1, max: 19 }),
          ),
        ),
      ),
    );
    expect(r.rejectedDataPoints).toBe(0);
    expect(open(p).features.age!.histogram!.counts).toEqual([1, 2, 2, 0, 0]);
    // exponential points of a score are re-binned onto its layout: the registry's score buckets while none other is known
    const score = (offset: number, extra: Partial<ExponentialHistogramPoint> = {}): ExponentialHistogramPoint => ({
      attributes: MODEL,
      startTimeUnixNano: ns(T0 + 2),
      timeUnixNano: ns(T0 + 3),
      flags: 0,
      count: 1,
      sum: 0.3,
      scale: 3,
      zeroCount: 0,
      zeroThreshold: 0,
      positive: { offset, bucketCounts: [1] },
      negative: { offset: 0, bucketCounts: [] },
      ...extra,
    });
    expect(
      p.ingest(
        exportOf(resource({}, expHistogramMetric('ml.prediction.score', 'delta', score(-14, { min: 0.3, max: 0.3 })))),
      ).rejectedDataPoints,
    ).toBe(0);
    expect(open(p).score!.boundaries).toHaveLength(199);
    expect(open(p).score!.counts.findIndex((c) => c > 0)).toBe(59); // (0.295, 0.3], at its min/max 0.3
    // one that straddles many score buckets without min/max cannot be re-binned: refused, and a
    // refused point opens no window for a model never seen
    const coarse = score(-1, { scale: 0, attributes: { 'ml.model.name': 'fraud' } });
    expect(
      p.ingest(exportOf(resource({}, expHistogramMetric('ml.prediction.score', 'delta', coarse)))).rejectedDataPoints,
    ).toBe(1);
    expect(p.stats().droppedPoints.incompatible_boundaries).toBe(1);
    expect(p.openWindows().map((w) => w.model.name)).toEqual(['churn']);
    p.close();
  });

  it('keeps the exponential points of a numeric feature beside its explicit ones, merged at their common scale', () => {
    const { p } = processor();
    p.ingest(
      exportOf(
        resource(
          {},
          histogramMetric('ml.feature.value', 'delta', hp(feature('age'), T0, T0 + 1, BOUNDS, [1, 0, 0, 0, 0])),
        ),
      ),
    );
    const e = (
      scale: number,
      offset: number,
      counts: number[],
      time: number,
      attrs = feature('age'),
    ): ExponentialHistogramPoint => ({
      attributes: attrs,
      startTimeUnixNano: ns(time - 1),
      timeUnixNano: ns(time),
      flags: 0,
      count: counts.reduce((a, b) => a + b, 0),
      sum: 1,
      scale,
      zeroCount: 0,
      zeroThreshold: 0,
      positive: { offset, bucketCounts: counts },
      negative: { offset: 0, bucketCounts: [] },
      min: 1,
      max: 30,
    });
    // two senders at scales 3 and 2: merged at scale 2 (indices 8, 9, 10 at scale 3 are 4, 4, 5 at scale 2)
    const r = p.ingest(
      exportOf(
        resource(
          { 'service.instance.id': 'a' },
          expHistogramMetric('ml.feature.value', 'delta', e(3, 8, [1, 2, 3], T0 + 2)),
        ),
        resource({ 'service.instance.id': 'b' }, expHistogramMetric('ml.feature.value', 'delta', e(2, 5, [4], T0 + 2))),
      ),
    );
    expect(r.rejectedDataPoints).toBe(0);
    const w = open(p);
    expect(w.features.age!.histogram!.counts).toEqual([1, 0, 0, 0, 0]);
    expect(w.features.age!.exponential).toMatchObject({
      scale: 2,
      positive: { offset: 4, bucketCounts: [3, 7] },
      count: 10,
      min: 1,
      max: 30,
    });
    expect(w.rows).toBe(11);
    // a feature never seen before needs no layout: no baseline, no refusal
    expect(
      p.ingest(
        exportOf(
          resource({}, expHistogramMetric('ml.feature.value', 'delta', e(0, 1, [2], T0 + 3, feature('income')))),
        ),
      ).rejectedDataPoints,
    ).toBe(0);
    expect(open(p).features.income!.exponential!.count).toBe(2);
    expect(p.stats().droppedPoints.incompatible_boundaries).toBe(0);
    p.close();
  });
});
