import { afterEach, describe, expect, it } from 'vitest';
import { AggregationTemporality } from '@opentelemetry/sdk-metrics';
import { liveCheck } from '@otel-ml/conventions/live-check';
import {
  createModelMonitor,
  EXPONENTIAL_METER_NAME,
  METRIC_DEFINITIONS,
  MlMetricProducer,
  mlFeatureValueView,
  type ModelMonitor,
  type ModelMonitorOptions,
} from '@otel-ml/instrumentation';
import { createRig, settle, type Point, type Rig } from '../helpers.js';

const rigs: Rig[] = [];
const monitors: ModelMonitor[] = [];
afterEach(async () => {
  for (const m of monitors.splice(0)) await m.shutdown();
  for (const r of rigs.splice(0)) await r.shutdown();
});

let now = 0;
const options = (rig: Rig, exportMode: 'producer' | 'instruments'): ModelMonitorOptions => ({
  clock: () => now,
  model: { name: 'churn', version: '5', task: 'binary_classification' },
  features: [
    { name: 'tenure', type: 'numeric', boundaries: [1, 6, 12, 24, 48] },
    { name: 'spend', type: 'numeric', boundaries: [0, 50, 100, 500] },
    { name: 'age', type: 'numeric' },
    { name: 'plan', type: 'categorical' },
  ],
  slices: ['region'],
  exportMode,
  meterProvider: rig.meterProvider,
  tracerProvider: rig.tracerProvider,
  limits: { maxCategories: 3 },
});

/** Deterministic rows touching every metric the monitor can emit. */
async function drive(monitor: ModelMonitor): Promise<void> {
  now = 1_700_000_000_000;
  let seed = 11;
  const rand = (): number => {
    seed = (seed * 48271) % 2147483647;
    return seed / 2147483647;
  };
  const plans = ['basic', 'pro', 'team', 'enterprise', ''];
  const ids: string[] = [];
  for (let i = 0; i < 300; i++) {
    const id = monitor.observe({
      // row 5: a value of the wrong type and an undeclared feature; plans beyond maxCategories are unseen categories
      features: {
        tenure: Math.floor(rand() * 60),
        spend: rand() * 700,
        age: i % 7 === 0 ? null : 18 + rand() * 60,
        plan: plans[i % plans.length],
        ...(i === 5 ? { tenure: 'n/a', coupon: 'X1' } : {}),
      },
      score: Math.round(rand() * 1000) / 1000,
      slices: { region: i % 3 === 0 ? 'eu' : 'us' },
      attributions: { tenure: rand() - 0.5 },
    });
    ids.push(id);
  }
  for (let i = 0; i < 120; i++) {
    now += 7_000;
    monitor.recordOutcome(ids[i]!, i % 4 === 0 ? 1 : 0);
  }
  monitor.recordOutcome('unknown', 1);
  monitor.recordOutcome(ids[0]!, 1);
  monitor.recordBusinessOutcome('revenue', 120, { predictionId: ids[200] });
  const predict = monitor.wrap((x: number[]) => x.map((v) => v / 10), {
    inputs: (x) => x.map((tenure) => ({ tenure })),
    outputs: (s) => s.map((score) => ({ score })),
  });
  predict([1, 5, 9]);
  const failing = monitor.wrap((): number[] => {
    throw new RangeError('x');
  });
  expect(() => failing()).toThrow(RangeError);
  monitor.shadow((x: number[]) => x.map((v) => v / 9));
  predict([2, 4]);
  await settle();
}

function key(p: Point): string {
  return `${p.name} ${JSON.stringify(Object.entries(p.attributes).sort(([a], [b]) => a.localeCompare(b)))}`;
}

/** Occupied buckets of one sign (the SDK may keep empty buckets at the ends). */
function trimmed(b: { offset: number; bucketCounts: number[] }): { offset: number; bucketCounts: number[] } {
  const first = b.bucketCounts.findIndex((c) => c > 0);
  if (first < 0) return { offset: 0, bucketCounts: [] };
  let last = b.bucketCounts.length - 1;
  while (b.bucketCounts[last] === 0) last--;
  return { offset: b.offset + first, bucketCounts: b.bucketCounts.slice(first, last + 1) };
}

function comparable(points: readonly Point[]): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const p of points) {
    if (!p.name.startsWith('ml.')) continue;
    // Durations are measured separately on each path.
    const timing = p.name === 'ml.inference.duration';
    const e = p.exponential;
    if (e !== undefined) {
      out.set(key(p), {
        unit: p.unit,
        scale: e.scale,
        zeroCount: e.zeroCount,
        positive: trimmed(e.positive),
        negative: trimmed(e.negative),
        count: e.count,
        sum: e.sum,
        min: e.min,
        max: e.max,
      });
      continue;
    }
    out.set(
      key(p),
      p.histogram
        ? {
            unit: p.unit,
            boundaries: p.histogram.buckets.boundaries,
            ...(timing
              ? { count: p.histogram.count }
              : {
                  counts: p.histogram.buckets.counts,
                  count: p.histogram.count,
                  sum: p.histogram.sum,
                  min: p.histogram.min,
                  max: p.histogram.max,
                }),
          }
        : { unit: p.unit, value: p.value },
    );
  }
  return out;
}

describe('export paths', () => {
  it('the MetricProducer and the plain-instrument fallback emit the same histograms and sums for the same rows', async () => {
    const producerRig = createRig();
    const producerMonitor = createModelMonitor(options(producerRig, 'producer'));
    producerRig.attach(producerMonitor.metricProducer);
    // SDK instruments cannot choose their aggregation: the View makes the exponential features exponential there too.
    const instrumentRig = createRig({ views: [mlFeatureValueView({ meterName: EXPONENTIAL_METER_NAME })] });
    const instrumentMonitor = createModelMonitor(options(instrumentRig, 'instruments'));
    rigs.push(producerRig, instrumentRig);
    monitors.push(producerMonitor, instrumentMonitor);
    await drive(producerMonitor);
    await drive(instrumentMonitor);

    const fromProducer = producerRig.points(await producerRig.flush());
    const fromInstruments = instrumentRig.points(await instrumentRig.flush());
    const a = comparable(fromProducer);
    const b = comparable(fromInstruments);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [k, v] of a) expect(b.get(k), k).toEqual(v);

    // regression outputs, and the projections of joint drift (opt-in: `projections`), are not recorded here
    const notRecorded = new Set([
      'ml.prediction.value',
      'ml.outcome.error',
      'ml.outcome.error.absolute',
      'ml.outcome.error.squared',
      'ml.feature.projection',
    ]);
    const names = new Set(fromProducer.map((p) => p.name));
    for (const def of METRIC_DEFINITIONS) expect(names.has(def.name), def.name).toBe(!notRecorded.has(def.name));
    const kinds = new Map(fromProducer.map((p) => [p.name, p.histogram || p.exponential ? 'histogram' : 'sum']));
    for (const def of METRIC_DEFINITIONS) if (!notRecorded.has(def.name)) expect(kinds.get(def.name)).toBe(def.kind);
    // features with boundaries are explicit, the one without is exponential, on both paths
    for (const points of [fromProducer, fromInstruments]) {
      const fv = points.filter((p) => p.name === 'ml.feature.value');
      expect(new Set(fv.filter((p) => p.exponential).map((p) => p.attributes['ml.feature.name']))).toEqual(
        new Set(['age']),
      );
      expect(new Set(fv.filter((p) => p.histogram).map((p) => p.attributes['ml.feature.name']))).toEqual(
        new Set(['tenure', 'spend']),
      );
    }

    for (const rig of [producerRig, instrumentRig]) {
      const report = liveCheck({ metrics: [await rig.flush()], spans: rig.spans() });
      expect(report.violations).toEqual([]);
      expect(Object.keys(report.metricsSeen).length).toBe(METRIC_DEFINITIONS.length - notRecorded.size);
    }
  });

  it('both paths agree for regression models (value and error histograms)', async () => {
    const run = async (exportMode: 'producer' | 'instruments'): Promise<Map<string, unknown>> => {
      const rig = createRig();
      rigs.push(rig);
      const m = createModelMonitor({
        model: { name: 'price', task: 'regression' },
        exportMode,
        meterProvider: rig.meterProvider,
        valueBoundaries: [0, 10, 100],
      });
      monitors.push(m);
      if (exportMode === 'producer') rig.attach(m.metricProducer);
      for (let i = 0; i < 50; i++) {
        const id = m.observe({ prediction: i * 3 });
        // Errors are kept non-negative here: SDK histograms refuse negative values (see below).
        m.recordOutcome(id, i * 2);
      }
      const rm = await rig.flush();
      const report = liveCheck({ metrics: [rm] });
      expect(report.violations).toEqual([]);
      for (const name of [
        'ml.prediction.value',
        'ml.outcome.error',
        'ml.outcome.error.absolute',
        'ml.outcome.error.squared',
      ])
        expect(report.metricsSeen[name], name).toBeGreaterThan(0);
      return comparable(rig.points(rm).filter((p) => p.name !== 'ml.outcome.delay'));
    };
    const a = await run('producer');
    const b = await run('instruments');
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [k, v] of a) expect(b.get(k), k).toEqual(v);
  });

  it('exports exponential histograms as explicit ones with the same buckets for readers that need them (Prometheus text)', async () => {
    const rig = createRig();
    rigs.push(rig);
    const m = createModelMonitor({
      model: { name: 'p', task: 'regression' },
      features: [{ name: 'x', type: 'numeric' }],
      exponentialMaxBuckets: 20,
    });
    monitors.push(m);
    rig.attach(new MlMetricProducer(() => [{ aggregator: m.aggregator! }], { exponentialAsExplicit: true }));
    const values = [-3, 0, 0.5, 1, 2, 7.5, 100];
    for (const x of values) m.observe({ features: { x } });
    const [p] = rig.points(await rig.flush(), 'ml.feature.value');
    const e = m.snapshot()!.metrics['ml.feature.value']!;
    if (e.kind !== 'exponential_histogram') throw new Error('expected an exponential snapshot');
    const h = e.points[0]!.histogram;
    expect(p!.exponential).toBeUndefined();
    expect(p!.histogram!.count).toBe(values.length);
    expect([p!.histogram!.min, p!.histogram!.max]).toEqual([-3, 100]);
    // one explicit bucket per non-empty exponential bucket (and the zero bucket), each value in its own here
    const nonEmpty =
      [...h.positive.bucketCounts, ...h.negative.bucketCounts].filter((c) => c > 0).length + (h.zeroCount > 0 ? 1 : 0);
    expect(p!.histogram!.buckets.counts.filter((c) => c > 0)).toHaveLength(nonEmpty);
    expect(p!.histogram!.buckets.counts.reduce((a, b) => a + b, 0)).toBe(values.length);
    for (const v of values) {
      const i = p!.histogram!.buckets.boundaries.findIndex((b) => v <= b);
      expect(
        p!.histogram!.buckets.counts[i < 0 ? p!.histogram!.buckets.counts.length - 1 : i],
        `value ${v}`,
      ).toBeGreaterThanOrEqual(1);
    }
  });

  it('the instrument fallback cannot export negative histogram values and says so', async () => {
    const rig = createRig();
    rigs.push(rig);
    const m = createModelMonitor({
      model: { name: 'neg', task: 'regression' },
      features: [{ name: 'x', type: 'numeric', boundaries: [-1, 0, 1] }],
      exportMode: 'instruments',
      meterProvider: rig.meterProvider,
    });
    monitors.push(m);
    m.observe({ features: { x: -0.5 }, prediction: 1 });
    m.observe({ features: { x: 0.5 }, prediction: 1 });
    const fv = rig.points(await rig.flush(), 'ml.feature.value')[0]!;
    expect(fv.histogram!.buckets.counts).toEqual([0, 0, 1, 0]);
    expect(m.snapshot()!.stats.negative_not_exportable).toBe(1);
    // The in-memory aggregation (and so the producer path) keeps it.
    const snap = m.snapshot()!.metrics['ml.feature.value']!;
    expect(snap.kind === 'histogram' && snap.points[0]!.histogram.counts).toEqual([0, 1, 1, 0]);
  });

  it('delta temporality: producer deltas add up to the cumulative totals', async () => {
    const deltaRig = createRig({ temporality: AggregationTemporality.DELTA });
    const m = createModelMonitor({ ...options(deltaRig, 'producer') });
    deltaRig.attach(m.metricProducer);
    rigs.push(deltaRig);
    monitors.push(m);
    let sum = 0;
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 10 * (round + 1); i++) m.observe({ features: { tenure: i }, score: 0.5 });
      const pts = deltaRig
        .points(await deltaRig.flush(), 'ml.feature.value')
        .filter((p) => p.attributes['ml.feature.name'] === 'tenure');
      expect(pts.every((p) => p.temporality === AggregationTemporality.DELTA)).toBe(true);
      sum += pts.reduce((a, p) => a + p.value, 0);
    }
    expect(sum).toBe(60);
    const snap = m.snapshot()!.metrics['ml.feature.value']!;
    expect(
      snap.kind === 'histogram' &&
        snap.points.find((p) => p.attributes['ml.feature.name'] === 'tenure')!.histogram.count,
    ).toBe(60);
  });
});
