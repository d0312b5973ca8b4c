/**
 * Trace samples: the reservoirs (evenly sampled per fine bin, bounded), the span sampler's reading
 * of prediction spans, and the samples put on a report's moved bins.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SAMPLE_OPTIONS,
  SCORE_STREAM,
  SampleReservoirs,
  featureStream,
  numericBin,
  sampleOptions,
  type TraceSample,
} from '../../../../processor/src/windows/samples.js';
import { TraceSampler, referenceEdges } from '../../../../processor/src/streams/spans.js';
import type { WindowSnapshot } from '../../../../processor/src/windows/snapshot.js';
import { withTraceSamples } from '../../../../processor/src/analysis/trace-samples.js';
import type { BinShare, DistributionReport, ModelReport } from '../../../../processor/src/analysis/report-types.js';
import type { Attributes, SpanRecord, TracesExport } from '../../../../processor/src/otlp/model.js';

const sample = (i: number, value: number, text = String(value)): TraceSample => ({
  traceId: i.toString(16).padStart(32, '0'),
  spanId: i.toString(16).padStart(16, '0'),
  value,
  text,
  timeMs: i * 1000,
});
/** Offers a sample to a model's window reservoir. */
const offer = (res: SampleReservoirs, model: string, stream: string, bin: number | string, s: TraceSample, now = 0) =>
  res.offer(res.window(model, now), stream, bin, res.priority(), s.traceId, s.spanId, s.value, s.timeMs);

describe('bins', () => {
  it('numeric values go to the bin (e[j-1], e[j]] of the edges, as the drift statistic counts raw rows', () => {
    const edges = [0.1, 0.5, 0.9];
    expect([0.05, 0.1, 0.3, 0.5, 0.95].map((v) => numericBin(v, edges))).toEqual([0, 0, 1, 1, 3]);
    expect(numericBin(7, undefined)).toBe(0);
  });

  it('edges are those of the drift statistic on the reference: its deciles, or the given decile edges', () => {
    const h = {
      boundaries: [1, 2, 3, 4, 5, 6, 7, 8, 9],
      counts: [10, 10, 10, 10, 10, 10, 10, 10, 10, 10],
      count: 100,
      sum: 500,
      min: 0.5,
      max: 9.5,
    };
    expect(referenceEdges(h, undefined)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(referenceEdges(h, [2.5, 5, 7.5])).toEqual([2.5, 5, 7.5]);
    expect(referenceEdges(undefined, undefined)).toBeNull();
  });
});

describe('reservoirs', () => {
  it('keep samplesPerBin per bin, each span of a bin equally likely (bottom-k of uniform keys)', () => {
    const kept = new Array<number>(10).fill(0);
    const rounds = 4000;
    for (let r = 0; r < rounds; r++) {
      const res = new SampleReservoirs({ samplesPerBin: 2 }, r + 1);
      for (let i = 0; i < 10; i++) offer(res, 'm', SCORE_STREAM, 0, sample(i, 0.5));
      const w = res.take('m')!;
      expect(w.all(SCORE_STREAM)).toHaveLength(2);
      for (const s of w.all(SCORE_STREAM)) kept[s.timeMs / 1000]!++;
    }
    // each of the 10 spans is kept with probability 2/10: 800 of 4000 expected, sd about 25
    for (const k of kept) expect(Math.abs(k - 800)).toBeLessThan(150);
  });

  it('a span is passed over only once every bin its stream can have is full, and only when its key is above all kept', () => {
    const res = new SampleReservoirs({ samplesPerBin: 2 });
    const w = res.window('m', 0)!;
    w.edges.set(SCORE_STREAM, [0.5]);
    for (let i = 0; i < 100; i++) w.offer(SCORE_STREAM, 0, i / 100, sample(i, 0.1).traceId, 'b'.repeat(16), 0.1, 0);
    // the bin (0.5, inf) has nothing yet: nothing may be passed over
    expect(w.skips(SCORE_STREAM, 0.999)).toBe(false);
    w.offer(SCORE_STREAM, 1, 0.5, sample(200, 0.9).traceId, 'b'.repeat(16), 0.9, 0);
    expect(w.skips(SCORE_STREAM, 0.999)).toBe(false);
    w.offer(SCORE_STREAM, 1, 0.7, sample(201, 0.9).traceId, 'b'.repeat(16), 0.9, 0);
    // full: bin 0 keeps keys 0 and 0.01, bin 1 keys 0.5 and 0.7; above 0.7 enters none
    expect(w.skips(SCORE_STREAM, 0.8)).toBe(true);
    expect(w.skips(SCORE_STREAM, 0.6)).toBe(false);
    expect(
      w
        .inBin(SCORE_STREAM, { lower: null, upper: 0.5 }, 3)
        .map((x) => x.traceId)
        .sort(),
    ).toEqual([sample(0, 0).traceId, sample(1, 0).traceId]);
    // a category does not fill a numeric stream's bins
    expect(w.skips('feature:x', 0.99)).toBe(false);
  });

  it('a rare bin keeps its samples beside a busy one', () => {
    const res = new SampleReservoirs({ samplesPerBin: 1 });
    for (let i = 0; i < 10_000; i++) offer(res, 'm', SCORE_STREAM, 0, sample(i, 0.5));
    offer(res, 'm', SCORE_STREAM, 7, sample(99_999, 0.99));
    const w = res.take('m')!;
    expect(w.inBin(SCORE_STREAM, { lower: 0.9, upper: 1 }, 3).map((s) => s.timeMs)).toEqual([99_999_000]);
    expect(w.inBin(SCORE_STREAM, { lower: 0, upper: 0.9 }, 3)).toHaveLength(1);
  });

  it('are bounded: bins per stream, streams per model, models; refusals are counted', () => {
    const res = new SampleReservoirs({ samplesPerBin: 1, maxBinsPerStream: 2, maxStreamsPerModel: 2, maxModels: 1 });
    for (let b = 0; b < 5; b++) offer(res, 'm', SCORE_STREAM, b, sample(b, b));
    offer(res, 'm', featureStream('a'), 0, sample(10, 1));
    offer(res, 'm', featureStream('b'), 0, sample(11, 1));
    offer(res, 'other', SCORE_STREAM, 0, sample(12, 1));
    expect(res.counts()).toEqual({ offered: 8, refused: 5, models: 1, kept: 3 });
    expect(res.take('m')!.refused).toBe(4);
    expect(res.take('m')).toBeUndefined();
  });

  it('take hands over a window and starts the next empty; prune forgets old reservoirs', () => {
    const res = new SampleReservoirs();
    offer(res, 'a', SCORE_STREAM, 0, sample(1, 0.1), 100);
    offer(res, 'b', SCORE_STREAM, 0, sample(2, 0.1), 200);
    res.prune(150);
    expect(res.current('a')).toBeUndefined();
    expect(res.take('b')!.size).toBe(1);
    expect(res.counts().models).toBe(0);
  });

  it('options default in one place and refuse bounds below 1', () => {
    expect(sampleOptions({})).toEqual(DEFAULT_SAMPLE_OPTIONS);
    expect(() => sampleOptions({ samplesPerBin: 0 })).toThrow(/samplesPerBin/);
  });
});

function span(i: number, attributes: Attributes, events: SpanRecord['events'] = []): SpanRecord {
  return {
    traceId: i.toString(16).padStart(32, 'a'),
    spanId: i.toString(16).padStart(16, 'b'),
    name: 'predict m',
    startTimeUnixNano: 1n,
    endTimeUnixNano: 2_000_000n * BigInt(i + 1),
    attributes,
    events,
  };
}

describe('the span sampler', () => {
  const streams = {
    modelKeyOf: (a: Attributes, r: Attributes) =>
      typeof a['ml.model.name'] === 'string'
        ? `${a['ml.model.name']}|${String(r['deployment.environment.name'] ?? '')}`
        : undefined,
    reference: () =>
      ({
        score: { boundaries: [0.5], counts: [50, 50], count: 100, sum: 50, min: 0, max: 1 },
        features: { country: { categories: { DE: 5, FR: 5 }, missing: 0 } },
      }) as unknown as WindowSnapshot,
  };
  const exp = (spans: SpanRecord[]): TracesExport => ({
    resourceSpans: [{ resource: { attributes: { 'deployment.environment.name': 'prod' } }, spans }],
    rejectedSpans: 0,
  });

  it('samples the score of predict spans and the features of their ml.features events; skips other spans', () => {
    const res = new SampleReservoirs();
    const sampler = new TraceSampler(streams, res, () => 0);
    sampler.consume(
      exp([
        span(
          1,
          {
            'ml.operation.name': 'predict',
            'ml.model.name': 'm',
            'ml.prediction.score': 0.8,
            'ml.prediction.id': 'p1',
          },
          [
            {
              name: 'ml.features',
              attributes: {
                'ml.prediction.id': 'p1',
                'ml.feature.input.amount': '12.5',
                'ml.feature.input.country': 'DE',
              },
            },
            { name: 'exception', attributes: {} },
          ],
        ),
        span(2, { 'ml.operation.name': 'load', 'ml.model.name': 'm' }),
        span(3, { 'ml.operation.name': 'predict' }),
        span(4, { 'http.method': 'GET' }),
      ]),
    );
    expect(sampler.counts()).toEqual({ spans: 4, predictionSpans: 1 });
    const w = res.take('m|prod')!;
    const [score] = w.all(SCORE_STREAM);
    expect(score).toMatchObject({ value: 0.8, timeMs: 0, traceId: span(1, {}).traceId, spanId: span(1, {}).spanId });
    expect(w.inBin(SCORE_STREAM, { lower: 0.5, upper: null }, 3)).toHaveLength(1);
    expect(w.all(featureStream('amount'))[0]).toMatchObject({ value: 12.5, text: '12.5' });
    expect(w.inBin(featureStream('country'), { lower: null, upper: null, category: 'DE' }, 3)).toHaveLength(1);
    expect(w.inBin(featureStream('country'), { lower: null, upper: null, category: 'FR' }, 3)).toHaveLength(0);
  });
});

describe('samples on a report', () => {
  const bin = (
    label: string,
    lower: number | null,
    upper: number | null,
    reference: number,
    current: number,
  ): BinShare => ({ label, lower, upper, reference, current });
  const dist = (type: 'numeric' | 'categorical', topMovers: BinShare[]) =>
    ({ type, topMovers, bins: topMovers }) as unknown as DistributionReport;
  const report = {
    drifted: ['country'],
    features: {
      country: dist('categorical', [bin('DE', null, null, 0.1, 0.5)]),
      amount: dist('numeric', [bin('(10, 20]', 10, 20, 0.1, 0.3)]),
    },
    prediction: {
      score: dist('numeric', [bin('(0.5, 1]', 0.5, 1, 0.2, 0.6), bin('(0, 0.5]', 0, 0.5, 0.8, 0.4)]),
      classes: null,
      value: null,
    },
  } as unknown as ModelReport;

  it('names the samples of each moved bin, and an empty list where the window has none', () => {
    const res = new SampleReservoirs();
    offer(res, 'm', SCORE_STREAM, 1, sample(1, 0.8));
    offer(res, 'm', featureStream('country'), 'DE', sample(2, NaN, 'DE'));
    const r = withTraceSamples(report, res.take('m'));
    expect(r.prediction.score!.topMovers.map((b) => b.traces!.map((t) => t.traceId))).toEqual([
      [sample(1, 0).traceId],
      [],
    ]);
    expect(r.features.country!.topMovers[0]!.traces!.map((t) => t.value)).toEqual(['DE']);
    expect(r.features.amount!.topMovers[0]!.traces).toEqual([]);
    expect(withTraceSamples(report, undefined)).toBe(report);
  });
});
