import { describe, expect, it } from 'vitest';
import {
  assertValidExplicitHistogram,
  bucketIndex,
  exponentialAtScale,
  exponentialIndex,
  mergeExponential,
  METRIC_ML_FEATURE_PROJECTION_BUCKETS,
  type BaselineFile,
  type ExponentialHistogram,
} from '@otel-ml/conventions';
import {
  ModelAggregator,
  SCORE_BOUNDARIES,
  type AggregationSnapshot,
  type ExponentialHistogramPoint,
  type HistogramPoint,
  type SumPoint,
} from '@otel-ml/instrumentation';
import { BucketLocator } from '../../../../instrumentation/src/aggregation/cells.js';

function hist(
  snap: AggregationSnapshot,
  metric: string,
  attrs: Record<string, string> = {},
): HistogramPoint | undefined {
  const m = snap.metrics[metric];
  if (m === undefined || m.kind !== 'histogram') return undefined;
  return m.points.find((p) => Object.entries(attrs).every(([k, v]) => p.attributes[k] === v));
}

function exp(
  snap: AggregationSnapshot,
  metric: string,
  attrs: Record<string, string> = {},
): ExponentialHistogramPoint | undefined {
  const m = snap.metrics[metric + '#exponential'] ?? snap.metrics[metric];
  if (m === undefined || m.kind !== 'exponential_histogram') return undefined;
  return m.points.find((p) => Object.entries(attrs).every(([k, v]) => p.attributes[k] === v));
}

function sums(snap: AggregationSnapshot, metric: string): SumPoint[] {
  const m = snap.metrics[metric];
  return m === undefined || m.kind !== 'sum' ? [] : m.points;
}

function sumOf(snap: AggregationSnapshot, metric: string, attrs: Record<string, string> = {}): number {
  return sums(snap, metric)
    .filter((p) => Object.entries(attrs).every(([k, v]) => p.attributes[k] === v))
    .reduce((a, p) => a + p.value, 0);
}

function binary(extra: Partial<ConstructorParameters<typeof ModelAggregator>[0]> = {}): ModelAggregator {
  return new ModelAggregator({
    model: { name: 'fraud', version: '3', task: 'binary_classification' },
    features: [
      { name: 'amount', type: 'numeric', boundaries: [0, 10, 100, 1000] },
      { name: 'country', type: 'categorical' },
    ],
    ...extra,
  });
}

describe('BucketLocator', () => {
  it('agrees with bucketIndex on uniform, quantile-like and log-like boundaries, including values on boundaries', () => {
    let seed = 7;
    const rand = (): number => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    const sets: number[][] = [
      [...SCORE_BOUNDARIES],
      [...METRIC_ML_FEATURE_PROJECTION_BUCKETS],
      // evenly spaced, with steps that binary floating point does not hold exactly
      Array.from({ length: 41 }, (_, i) => -2 + i * 0.1),
      Array.from({ length: 30 }, (_, i) => i / 3),
      [0, 10, 100, 1000],
      [-1e6, -1000, -1, -0.001, 0, 0.001, 1, 1000, 1e6],
      Array.from({ length: 63 }, (_, i) => Math.pow(i / 62, 3) * 50 - 3),
      [5],
    ];
    for (const b of sets) {
      const loc = new BucketLocator(b);
      const probes = [...b, ...b.map((x) => x + 1e-12), ...b.map((x) => x - 1e-12), -Infinity, Infinity];
      for (let i = 0; i < 2000; i++) probes.push((rand() - 0.5) * 3 * (b[b.length - 1]! - b[0]! + 1) + b[0]!);
      for (const v of probes) expect(loc.index(v)).toBe(bucketIndex(b, v));
    }
  });
});

describe('ModelAggregator: features', () => {
  it('builds explicit histograms with OpenTelemetry bucket semantics, sum, min and max', () => {
    const agg = binary();
    for (const amount of [0, 5, 10, 10.5, 999, 1000, 1e6, -3]) agg.observe({ features: { amount, country: 'FR' } });
    const h = hist(agg.snapshot(), 'ml.feature.value', { 'ml.feature.name': 'amount' })!.histogram;
    assertValidExplicitHistogram(h);
    expect(h.boundaries).toEqual([0, 10, 100, 1000]);
    expect(h.counts).toEqual([2, 2, 1, 2, 1]);
    expect(h.count).toBe(8);
    expect(h.sum).toBeCloseTo(0 + 5 + 10 + 10.5 + 999 + 1000 + 1e6 - 3, 9);
    expect(h.min).toBe(-3);
    expect(h.max).toBe(1e6);
  });

  it('counts null, undefined, NaN, empty string and absent features as missing', () => {
    const agg = binary();
    agg.observe({ features: { amount: null, country: '' } });
    agg.observe({ features: { amount: NaN, country: undefined } });
    agg.observe({ features: { amount: undefined } });
    agg.observe({ features: {} });
    agg.observe({ features: { amount: 1, country: NaN } });
    const snap = agg.snapshot();
    expect(sumOf(snap, 'ml.feature.missing', { 'ml.feature.name': 'amount' })).toBe(4);
    expect(sumOf(snap, 'ml.feature.missing', { 'ml.feature.name': 'country' })).toBe(5);
    expect(hist(snap, 'ml.feature.value')!.histogram.count).toBe(1);
    expect(snap.stats.invalid_value).toBe(0);
  });

  it('accepts numeric strings and booleans for numeric features, counts other types as invalid and missing', () => {
    const agg = binary();
    agg.observe({ features: { amount: '12.5', country: 'FR' } });
    agg.observe({ features: { amount: true, country: 'FR' } });
    agg.observe({ features: { amount: 'abc', country: 'FR' } });
    agg.observe({ features: { amount: { x: 1 }, country: 'FR' } });
    agg.observe({ features: { amount: Infinity, country: 'FR' } });
    const snap = agg.snapshot();
    const h = hist(snap, 'ml.feature.value')!.histogram;
    expect(h.count).toBe(2);
    expect(h.sum).toBe(13.5);
    expect(sumOf(snap, 'ml.feature.missing', { 'ml.feature.name': 'amount' })).toBe(3);
    expect(snap.stats.invalid_value).toBe(3);
  });

  it('takes array rows in declared order; extra values are counted as unknown features', () => {
    const agg = binary();
    agg.observe({ features: [5, 'DE'] });
    agg.observe({ features: Float64Array.of(50) });
    agg.observe({ features: [1, 'DE', 'extra'] });
    const snap = agg.snapshot();
    expect(hist(snap, 'ml.feature.value')!.histogram.counts).toEqual([0, 2, 1, 0, 0]);
    expect(sumOf(snap, 'ml.feature.category.count', { 'ml.feature.category': 'DE' })).toBe(2);
    expect(sumOf(snap, 'ml.feature.missing', { 'ml.feature.name': 'country' })).toBe(1);
    expect(snap.stats.unknown_feature).toBe(1);
  });

  it('counts unknown feature names (bounded) without recording their values', () => {
    const agg = binary({ limits: { maxUnknownFeatures: 2 } });
    agg.observe({ features: { amount: 1, country: 'FR', coupon: 'XK-42-secret' } });
    agg.observe({
      features: {
        amount: 2,
        country: 'FR',
        coupon: 'XK-43-secret',
        promo: 1,
        referrer: 'a',
        [`k${'x'.repeat(80)}`]: 1,
      },
    });
    const snap = agg.snapshot();
    expect(snap.stats.unknown_feature).toBe(5);
    expect(sumOf(snap, 'ml.feature.unknown', { 'ml.feature.name': 'coupon' })).toBe(2);
    expect(sumOf(snap, 'ml.feature.unknown', { 'ml.feature.name': 'promo' })).toBe(1);
    // beyond 2 names, and names over 64 characters, count as __other__
    expect(sumOf(snap, 'ml.feature.unknown', { 'ml.feature.name': '__other__' })).toBe(2);
    expect(JSON.stringify(snap)).not.toContain('secret');
    expect(hist(snap, 'ml.feature.value', { 'ml.feature.name': 'coupon' })).toBeUndefined();
  });

  it('names the frequent unseen categories, bounded, never for a sensitive feature', () => {
    const agg = new ModelAggregator({
      model: { name: 'fraud', version: '3', task: 'binary_classification' },
      features: [
        { name: 'country', type: 'categorical', categories: ['DE', 'FR'] },
        { name: 'email_domain', type: 'categorical', categories: ['example.com'], sensitive: true },
      ],
      limits: { maxUnseenValues: 2 },
    });
    const row = (country: string, email_domain = 'example.com') => agg.observe({ features: { country, email_domain } });
    for (let i = 0; i < 30; i++) row('NL', 'private.org');
    for (let i = 0; i < 10; i++) row('BE');
    for (let i = 0; i < 200; i++) row(`id-${i}`); // one-off values: never admitted
    row('AT');
    row('AT'); // AT admitted: the least recently counted (NL) gives up its series
    row('BE');
    row('x'.repeat(100));
    row('x'.repeat(100));
    const snap = agg.snapshot();
    const unseen = sums(snap, 'ml.feature.category.unseen');
    expect(unseen.map((p) => [p.attributes['ml.feature.category'], p.value]).sort()).toEqual([
      ['BE', 11],
      ['x'.repeat(64), 2],
    ]);
    expect(unseen.every((p) => p.attributes['ml.feature.name'] === 'country')).toBe(true);
    // every unseen value still counts as __other__
    expect(
      sumOf(snap, 'ml.feature.category.count', { 'ml.feature.name': 'country', 'ml.feature.category': '__other__' }),
    ).toBe(30 + 10 + 200 + 2 + 1 + 2);
    expect(JSON.stringify(snap)).not.toContain('private.org');
  });

  it('counts values of the wrong type per feature (also as missing)', () => {
    const agg = binary();
    agg.observe({ features: { amount: 'n/a', country: { code: 'FR' } } });
    agg.observe({ features: { amount: Infinity, country: 'DE' } });
    agg.observe({ features: { amount: Number.NaN, country: 'DE' } }); // NaN is missing, not of the wrong type
    const snap = agg.snapshot();
    expect(sumOf(snap, 'ml.feature.invalid', { 'ml.feature.name': 'amount' })).toBe(2);
    expect(sumOf(snap, 'ml.feature.invalid', { 'ml.feature.name': 'country' })).toBe(1);
    expect(sumOf(snap, 'ml.feature.missing', { 'ml.feature.name': 'amount' })).toBe(3);
  });

  it('keeps the first K categories seen and folds the rest into __other__', () => {
    const agg = binary({ limits: { maxCategories: 2 } });
    for (const c of ['FR', 'DE', 'US', 'FR', 'GB', 'DE']) agg.observe({ features: { amount: 1, country: c } });
    agg.observe({ features: { amount: 1, country: 'x'.repeat(1000) } });
    const snap = agg.snapshot();
    const byCat = Object.fromEntries(
      sums(snap, 'ml.feature.category.count').map((p) => [p.attributes['ml.feature.category'], p.value]),
    );
    expect(byCat).toEqual({ FR: 2, DE: 2, __other__: 3 });
    expect(snap.stats.string_too_long).toBe(1);
  });

  it('uses the baseline categories but not its numeric boundaries: numeric features are exponential', () => {
    const baseline: BaselineFile = {
      schemaVersion: 1,
      model: { name: 'fraud', version: '7', task: 'binary_classification' },
      createdAt: '2026-01-01T00:00:00Z',
      source: { rows: 10, sha256: '00' },
      features: {
        amount: {
          type: 'numeric',
          boundaries: [1, 2, 3],
          decileBoundaries: [2],
          histogram: { boundaries: [1, 2, 3], counts: [1, 1, 1, 1], count: 4, sum: 8 },
          missing: 0,
        },
        country: { type: 'categorical', categories: ['FR', 'DE'], counts: { FR: 5, DE: 4, __other__: 1 }, missing: 0 },
      },
    };
    const agg = new ModelAggregator({ model: { name: 'fraud', task: 'binary_classification' }, baseline });
    expect(agg.features.map((f) => f.name)).toEqual(['amount', 'country']);
    expect(agg.features[0]!.boundaries).toBeUndefined();
    expect(agg.model.version).toBe('7');
    agg.observe({ features: { amount: 2.5, country: 'US' } });
    agg.observe({ features: { amount: 2.5, country: 'DE' } });
    const snap = agg.snapshot();
    expect(hist(snap, 'ml.feature.value')).toBeUndefined();
    const e = exp(snap, 'ml.feature.value')!.histogram;
    expect(e.scale).toBe(20);
    expect(e.positive).toEqual({ offset: exponentialIndex(2.5, 20), bucketCounts: [2] });
    expect([e.count, e.sum, e.min, e.max]).toEqual([2, 5, 2.5, 2.5]);
    const cats = sums(snap, 'ml.feature.category.count').map((p) => p.attributes['ml.feature.category']);
    expect(cats.sort()).toEqual(['DE', '__other__']);
  });

  it('uses explicit boundaries only from the spec; invalid ones are reported and give an exponential histogram', () => {
    const issues: string[] = [];
    const agg = new ModelAggregator({
      model: { name: 'm', task: 'regression' },
      features: [
        { name: 'x', type: 'numeric', boundaries: [3, 1] },
        { name: 'y', type: 'numeric', boundaries: [0, 1] },
      ],
      onIssue: (k, d) => issues.push(`${k}: ${d}`),
    });
    expect(issues.some((i) => i.startsWith('invalid_input: feature x'))).toBe(true);
    agg.observe({ features: { x: 0.5, y: 0.5 } });
    const snap = agg.snapshot();
    expect(exp(snap, 'ml.feature.value', { 'ml.feature.name': 'x' })).toBeDefined();
    expect(hist(snap, 'ml.feature.value', { 'ml.feature.name': 'y' })!.histogram.counts).toEqual([0, 1, 0]);
    // the exponential points of a metric that also has explicit ones sit under <name>#exponential
    expect(snap.metrics['ml.feature.value#exponential']?.kind).toBe('exponential_histogram');
  });

  it('lowers the scale as values arrive, within exponentialMaxBuckets, with negative values and zeros', () => {
    const agg = new ModelAggregator({
      model: { name: 'm', task: 'regression' },
      features: [{ name: 'x', type: 'numeric' }],
      exponentialMaxBuckets: 20,
    });
    const values = [-8, -0.5, 0, 0, 1, 2, 4, 1000];
    for (const x of values) agg.observe({ features: { x } });
    const e = exp(agg.snapshot(), 'ml.feature.value')!.histogram;
    expect(e.positive.bucketCounts.length).toBeLessThanOrEqual(20);
    // at scale 1, 1 and 1000 are in buckets -1 and 19 (21 buckets): scale 0 is the highest that fits
    expect(e.scale).toBe(0);
    expect(e.zeroCount).toBe(2);
    expect(e.negative.bucketCounts.reduce((a, b) => a + b, 0)).toBe(2);
    expect(e.positive.offset).toBe(exponentialIndex(1, 0));
    expect([e.min, e.max, e.count]).toEqual([-8, 1000, 8]);
    const bad = new ModelAggregator({
      model: { name: 'm', task: 'regression' },
      features: [{ name: 'x', type: 'numeric' }],
      exponentialMaxBuckets: 1.5,
      onIssue: () => undefined,
    });
    expect(bad.stats.invalid_input).toBe(1);
  });
});

describe('ModelAggregator: outputs', () => {
  it('records binary scores on the 0.005 score boundaries and predicted classes from the threshold', () => {
    const agg = binary({ threshold: 0.7 });
    for (const score of [0, 0.005, 0.0051, 0.5, 0.7, 0.995, 1]) agg.observe({ score });
    agg.observe({ score: 1.5 });
    agg.observe({ score: 0.2, prediction: true });
    const snap = agg.snapshot();
    const h = hist(snap, 'ml.prediction.score')!.histogram;
    expect(h.boundaries).toHaveLength(199);
    expect(h.counts).toHaveLength(200);
    expect(h.counts[0]).toBe(2);
    expect(h.counts[1]).toBe(1);
    expect(h.counts[199]).toBe(1);
    expect(h.count).toBe(8);
    expect(snap.stats.invalid_score).toBe(1);
    expect(sumOf(snap, 'ml.predictions', { 'ml.prediction.class': '1' })).toBe(4);
    expect(sumOf(snap, 'ml.predictions', { 'ml.prediction.class': '0' })).toBe(4);
    expect(sumOf(snap, 'ml.predictions')).toBe(9);
  });

  it('names binary classes after two declared classes (negative, positive)', () => {
    const agg = binary({ classes: ['legit', 'fraud'] });
    agg.observe({ score: 0.9 });
    agg.observe({ prediction: false });
    agg.observe({ prediction: 'fraud' });
    agg.recordOutcome({ score: 0.9, label: 1 });
    agg.recordOutcome({ score: 0.1, label: 'fraud' });
    const snap = agg.snapshot();
    expect(sums(snap, 'ml.predictions').map((p) => [p.attributes['ml.prediction.class'], p.value])).toEqual([
      ['fraud', 2],
      ['legit', 1],
    ]);
    expect(sumOf(snap, 'ml.outcomes', { 'ml.prediction.class': 'fraud', 'ml.outcome.label': 'fraud' })).toBe(1);
    expect(sumOf(snap, 'ml.outcomes', { 'ml.prediction.class': 'legit', 'ml.outcome.label': 'fraud' })).toBe(1);
    expect(hist(snap, 'ml.outcome.score', { 'ml.outcome.label': 'fraud' })!.histogram.count).toBe(2);
  });

  it('records one score histogram per class for multiclass models and argmax classes, bounded', () => {
    const agg = new ModelAggregator({
      model: { name: 'm', task: 'multiclass_classification' },
      classes: ['cat', 'dog', 'bird'],
    });
    agg.observe({ scores: [0.7, 0.2, 0.1] });
    agg.observe({ scores: { cat: 0.1, dog: 0.8, bird: 0.1 } });
    agg.observe({ scores: [0.1, 0.1, 0.8], prediction: 'dog' });
    const snap = agg.snapshot();
    expect(hist(snap, 'ml.prediction.score', { 'ml.prediction.class': 'dog' })!.histogram.count).toBe(3);
    expect(hist(snap, 'ml.prediction.score', { 'ml.prediction.class': 'bird' })!.histogram.sum).toBeCloseTo(1.0);
    expect(sumOf(snap, 'ml.predictions', { 'ml.prediction.class': 'cat' })).toBe(1);
    expect(sumOf(snap, 'ml.predictions', { 'ml.prediction.class': 'dog' })).toBe(2);

    const bounded = new ModelAggregator({
      model: { name: 'm', task: 'multiclass_classification' },
      limits: { maxClasses: 2 },
    });
    for (const p of ['a', 'b', 'c', 'd']) bounded.observe({ prediction: p });
    expect(
      sums(bounded.snapshot(), 'ml.predictions').map((p) => [p.attributes['ml.prediction.class'], p.value]),
    ).toEqual([
      ['a', 1],
      ['b', 1],
      ['__other__', 2],
    ]);
  });

  it('records regression outputs in ml.prediction.value without a class attribute', () => {
    const agg = new ModelAggregator({ model: { name: 'price', task: 'regression' }, valueBoundaries: [0, 100, 200] });
    agg.observe({ prediction: 150 });
    agg.observe({ prediction: '50' });
    agg.observe({ prediction: 'n/a' });
    const snap = agg.snapshot();
    expect(hist(snap, 'ml.prediction.value')!.histogram.counts).toEqual([0, 1, 1, 0]);
    expect(sums(snap, 'ml.predictions')).toHaveLength(1);
    expect(sums(snap, 'ml.predictions')[0]!.attributes['ml.prediction.class']).toBeUndefined();
    expect(snap.stats.invalid_value).toBe(1);
  });

  it('records absolute attributions per feature', () => {
    const agg = binary();
    agg.observe({ attributions: { amount: -0.3, country: 0.1, nope: 1 } });
    const snap = agg.snapshot();
    expect(hist(snap, 'ml.feature.attribution', { 'ml.feature.name': 'amount' })!.histogram.sum).toBeCloseTo(0.3);
    expect(snap.stats.unknown_feature).toBe(1);
  });
});

describe('ModelAggregator: outcomes', () => {
  it('records binary outcome scores by label and prediction x label counts', () => {
    const agg = binary();
    agg.recordOutcome({ score: 0.9, label: 1 });
    agg.recordOutcome({ score: 0.8, label: 'false' });
    agg.recordOutcome({ score: 0.1, label: false, delaySeconds: 30 });
    agg.recordOutcome({ score: 0.1, label: { bad: true } as unknown as string });
    const snap = agg.snapshot();
    expect(hist(snap, 'ml.outcome.score', { 'ml.outcome.label': '1' })!.histogram.count).toBe(1);
    expect(hist(snap, 'ml.outcome.score', { 'ml.outcome.label': '0' })!.histogram.count).toBe(2);
    expect(sumOf(snap, 'ml.outcomes', { 'ml.prediction.class': '1', 'ml.outcome.label': '0' })).toBe(1);
    expect(sumOf(snap, 'ml.outcomes', { 'ml.prediction.class': '0', 'ml.outcome.label': '0' })).toBe(1);
    expect(sumOf(snap, 'ml.outcomes', { 'ml.prediction.class': '1', 'ml.outcome.label': '1' })).toBe(1);
    expect(hist(snap, 'ml.outcome.delay')!.histogram.sum).toBe(30);
    expect(snap.stats.invalid_label).toBe(1);
  });

  it('records multiclass outcome scores per class and label', () => {
    const agg = new ModelAggregator({ model: { name: 'm', task: 'multiclass_classification' }, classes: ['a', 'b'] });
    agg.recordOutcome({ scores: [0.3, 0.7], label: 'a' });
    const snap = agg.snapshot();
    expect(
      hist(snap, 'ml.outcome.score', { 'ml.prediction.class': 'b', 'ml.outcome.label': 'a' })!.histogram.sum,
    ).toBeCloseTo(0.7);
    expect(sumOf(snap, 'ml.outcomes', { 'ml.prediction.class': 'b', 'ml.outcome.label': 'a' })).toBe(1);
  });

  it('makes MAE and RMSE exact from the regression error histograms', () => {
    const agg = new ModelAggregator({ model: { name: 'price', task: 'regression' } });
    const pairs: [number, number][] = [
      [10, 12],
      [5, 4.5],
      [100, 90],
      [-3, -3],
    ];
    for (const [pred, truth] of pairs) agg.recordOutcome({ prediction: pred, label: truth });
    const snap = agg.snapshot();
    const errs = pairs.map(([p, t]) => p - t);
    const mae = errs.reduce((a, e) => a + Math.abs(e), 0) / errs.length;
    const rmse = Math.sqrt(errs.reduce((a, e) => a + e * e, 0) / errs.length);
    const abs = hist(snap, 'ml.outcome.error.absolute')!.histogram;
    const sq = hist(snap, 'ml.outcome.error.squared')!.histogram;
    expect(abs.sum / abs.count).toBe(mae);
    expect(Math.sqrt(sq.sum / sq.count)).toBe(rmse);
    const signed = hist(snap, 'ml.outcome.error')!.histogram;
    expect(signed.sum).toBeCloseTo(
      errs.reduce((a, e) => a + e, 0),
      12,
    );
    expect(signed.min).toBe(-2);
    expect(sumOf(snap, 'ml.outcomes')).toBe(4);
  });

  it('counts unmatched outcomes by reason and shadow comparisons under role shadow', () => {
    const agg = binary();
    agg.recordUnmatched('expired');
    agg.recordUnmatched('expired');
    agg.recordUnmatched('duplicate');
    agg.recordShadowComparison('agree', 3);
    const snap = agg.snapshot();
    expect(sumOf(snap, 'ml.outcome.unmatched', { 'ml.outcome.unmatched.reason': 'expired' })).toBe(2);
    expect(sumOf(snap, 'ml.shadow.agreement', { 'ml.shadow.result': 'agree', 'ml.deployment.role': 'shadow' })).toBe(3);
  });
});

describe('ModelAggregator: slices, roles, limits, snapshots', () => {
  it('splits series by allow-listed slice keys with bounded values', () => {
    const agg = binary({ slices: ['region'], limits: { maxSliceValues: 2 } });
    agg.observe({ score: 0.1, slices: { region: 'eu' } });
    agg.observe({ score: 0.1, slices: { region: 'us' } });
    agg.observe({ score: 0.1, slices: { region: 'apac' } });
    agg.observe({ score: 0.1, slices: { tenant: 'acme' } });
    agg.observe({ score: 0.1 });
    const snap = agg.snapshot();
    const regions = sums(snap, 'ml.predictions').map((p) => [p.attributes['ml.slice.region'], p.value]);
    expect(regions).toEqual(
      expect.arrayContaining([
        ['eu', 1],
        ['us', 1],
        ['__other__', 1],
        [undefined, 2],
      ]),
    );
    expect(snap.stats.unknown_slice_key).toBe(1);
    expect(JSON.stringify(snap)).not.toContain('acme');
  });

  it('bounds the number of attribute sets', () => {
    const agg = binary({ slices: ['a', 'b'], limits: { maxSeries: 3, maxSliceValues: 100 } });
    for (let i = 0; i < 10; i++) agg.observe({ score: 0.5, slices: { a: `x${i}`, b: `y${i}` } });
    const snap = agg.snapshot();
    const points = sums(snap, 'ml.predictions');
    expect(points.length).toBeLessThanOrEqual(4);
    expect(points.reduce((a, p) => a + p.value, 0)).toBe(10);
    expect(snap.stats.series_overflow).toBeGreaterThan(0);
  });

  it('records durations, failed predictions with error.type, and business values', () => {
    const agg = binary({ limits: { maxErrorTypes: 1 } });
    agg.recordInference(0.002);
    agg.recordInference(0.5, { errorType: 'TypeError', rows: 4 });
    agg.recordInference(0.5, { errorType: 'RangeError', rows: 1 });
    agg.recordBusinessValue('revenue', 12.5);
    agg.recordBusinessValue('revenue', NaN);
    const snap = agg.snapshot();
    expect(hist(snap, 'ml.inference.duration', { 'ml.operation.name': 'predict' })!.histogram.count).toBe(1);
    expect(sumOf(snap, 'ml.predictions', { 'error.type': 'TypeError' })).toBe(4);
    expect(sumOf(snap, 'ml.predictions', { 'error.type': '__other__' })).toBe(1);
    expect(hist(snap, 'ml.business.value', { 'ml.business.metric': 'revenue' })!.histogram.sum).toBe(12.5);
    expect(snap.stats.invalid_value).toBe(1);
  });

  it('gives cumulative and delta snapshots with start times', () => {
    let now = 1_000;
    const agg = binary({ clock: () => now });
    agg.observe({ features: { amount: 5, country: 'FR' }, score: 0.2 });
    now = 2_000;
    const d1 = agg.snapshot({ temporality: 'delta' });
    expect(d1.temporality).toBe('delta');
    expect(hist(d1, 'ml.feature.value')!.histogram.count).toBe(1);
    expect(hist(d1, 'ml.feature.value')!.startTimeMs).toBe(1_000);
    now = 3_000;
    agg.observe({ features: { amount: 50, country: 'FR' }, score: 0.2 });
    agg.observe({ features: { amount: 50, country: 'FR' }, score: 0.9 });
    now = 4_000;
    const d2 = agg.snapshot({ temporality: 'delta' });
    const h2 = hist(d2, 'ml.feature.value')!.histogram;
    expect(h2.counts).toEqual([0, 0, 2, 0, 0]);
    expect(h2.sum).toBe(100);
    expect(h2.min).toBeUndefined();
    expect(hist(d2, 'ml.feature.value')!.startTimeMs).toBe(2_000);
    expect(sumOf(d2, 'ml.predictions', { 'ml.prediction.class': '1' })).toBe(1);
    expect(sums(d2, 'ml.feature.missing')).toHaveLength(0);
    const c = agg.snapshot();
    expect(hist(c, 'ml.feature.value')!.histogram.count).toBe(3);
    expect(hist(c, 'ml.feature.value')!.startTimeMs).toBe(1_000);
    expect(c.timeMs).toBe(4_000);
    // Independent cursors do not disturb each other.
    const cursor = agg.createDeltaCursor();
    expect(hist(cursor.read(), 'ml.feature.value')!.histogram.count).toBe(3);
    expect(agg.snapshot({ temporality: 'delta' }).metrics['ml.feature.value']).toBeUndefined();
  });

  it('delta snapshots of an exponential series stay exact when the scale is lowered between reads', () => {
    let now = 1_000;
    const agg = new ModelAggregator({
      model: { name: 'm', task: 'regression' },
      features: [{ name: 'x', type: 'numeric' }],
      exponentialMaxBuckets: 40,
      clock: () => now,
    });
    const cursor = agg.createDeltaCursor();
    let seed = 3;
    const rand = (): number => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const batches = [
      Array.from({ length: 200 }, () => 1 + rand()),
      Array.from({ length: 200 }, () => (rand() - 0.3) * 5000),
      [0, 0, -1e-9],
    ];
    const deltas: ExponentialHistogram[] = [];
    const scales: number[] = [];
    for (const batch of batches) {
      for (const x of batch) agg.observe({ features: { x } });
      now += 1_000;
      const p = exp(cursor.read(), 'ml.feature.value')!;
      expect(p.histogram.min).toBeUndefined();
      deltas.push(p.histogram);
      scales.push(p.histogram.scale);
    }
    expect(scales[1]).toBeLessThan(scales[0]!); // the second batch widened the range
    // the deltas add up to the cumulative histogram, bucket by bucket, at its scale
    const total = exp(agg.snapshot(), 'ml.feature.value')!.histogram;
    const merged = deltas.reduce((a, d) => mergeExponential(a, d, 1_000_000));
    expect(merged.scale).toBe(total.scale);
    expect(merged.positive).toEqual(total.positive);
    expect(merged.negative).toEqual(total.negative);
    expect([merged.zeroCount, merged.count]).toEqual([total.zeroCount, total.count]);
    // each delta is exactly the values of its own interval at that scale
    const alone = new ModelAggregator({
      model: { name: 'm', task: 'regression' },
      features: [{ name: 'x', type: 'numeric' }],
      exponentialMaxBuckets: 100_000,
    });
    for (const x of batches[1]!) alone.observe({ features: { x } });
    const own = exp(alone.snapshot(), 'ml.feature.value')!.histogram;
    expect(exponentialAtScale(own, deltas[1]!.scale).positive).toEqual(deltas[1]!.positive);
    expect(exponentialAtScale(own, deltas[1]!.scale).negative).toEqual(deltas[1]!.negative);
    expect(deltas[2]!.zeroCount).toBe(2);
    now += 1_000;
    expect(cursor.read().metrics['ml.feature.value']).toBeUndefined();
  });

  it('never throws on garbage input', () => {
    const agg = binary({ slices: ['r'] });
    const bad: unknown[] = [
      null,
      undefined,
      42,
      'row',
      { features: 'x' },
      { features: { amount: Symbol('s') } },
      { scores: 'x' },
      { slices: null },
      { slices: { r: { toString: null } } },
    ];
    for (const b of bad) expect(() => agg.observe(b as never)).not.toThrow();
    for (const b of bad) expect(() => agg.recordOutcome(b as never)).not.toThrow();
    expect(() => agg.recordBusinessValue(null as never, 'x' as never)).not.toThrow();
    expect(() => agg.recordInference(NaN)).not.toThrow();
    expect(agg.stats.invalid_input).toBeGreaterThan(0);
  });

  it('aggregates a million rows with bounded state (its speed: npm run bench:instrumentation)', () => {
    const agg = binary({ limits: { maxCategories: 8 } });
    for (let i = 0; i < 1_000_000; i++) agg.observe({ features: [i % 1500, `c${i % 50}`], score: (i % 1000) / 1000 });
    const snap = agg.snapshot();
    expect(hist(snap, 'ml.feature.value')!.histogram.count).toBe(1_000_000);
    expect(sums(snap, 'ml.feature.category.count')).toHaveLength(9);
    expect(agg.allCells().length).toBeLessThan(30);
  });
});
