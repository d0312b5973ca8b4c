import { describe, expect, it } from 'vitest';
import { projectionDirections } from '@otel-ml/conventions';
import {
  ModelAggregator,
  type AggregationSnapshot,
  type FeatureSpec,
  type HistogramPoint,
} from '@otel-ml/instrumentation';

const FEATURES: FeatureSpec[] = [
  { name: 'a', type: 'numeric' },
  { name: 'b', type: 'numeric' },
  { name: 'c', type: 'categorical' },
];

function points(snap: AggregationSnapshot): HistogramPoint[] {
  const m = snap.metrics['ml.feature.projection'];
  return m?.kind === 'histogram' ? m.points : [];
}

describe('ModelAggregator projections (ml.feature.projection)', () => {
  it('records k histograms of u_i . z with the given standardization, array and object rows alike', () => {
    const agg = new ModelAggregator({
      model: { name: 'm', task: 'regression' },
      features: FEATURES,
      projections: { count: 3, seed: 5, center: { a: 10, b: -1 }, scale: { a: 2, b: 4 } },
    });
    agg.observe({ features: [12, 3, 'x'], prediction: 1 });
    agg.observe({ features: { a: 12, b: 3, c: 'y' }, prediction: 1 });
    const pts = points(agg.snapshot());
    expect(pts).toHaveLength(3);
    const u = projectionDirections(5, 3, 2);
    const z = [(12 - 10) / 2, (3 + 1) / 4];
    for (const p of pts) {
      const i = p.attributes['ml.feature.projection.index'] as number;
      expect(p.attributes['ml.feature.projection.basis']).toBe(agg.projectionBasis!.id);
      expect(p.attributes['ml.model.name']).toBe('m');
      expect(p.histogram.count).toBe(2);
      expect(p.histogram.sum / 2).toBeCloseTo(u[i * 2]! * z[0]! + u[i * 2 + 1]! * z[1]!, 12);
    }
  });

  it('skips rows with a missing or non-numeric projected feature', () => {
    const agg = new ModelAggregator({
      model: { name: 'm', task: 'regression' },
      features: FEATURES,
      projections: { count: 2, center: { a: 0, b: 0 }, scale: { a: 1, b: 1 } },
    });
    agg.observe({ features: { a: 1, c: 'x' }, prediction: 1 });
    agg.observe({ features: [1, 'oops'], prediction: 1 });
    agg.observe({ features: [1, null], prediction: 1 });
    expect(points(agg.snapshot())).toHaveLength(0);
    agg.observe({ features: [1, 2], prediction: 1 });
    expect(points(agg.snapshot()).map((p) => p.histogram.count)).toEqual([1, 1]);
  });

  it('learns the standardization from the first learnRows complete rows, then projects', () => {
    const agg = new ModelAggregator({
      model: { name: 'm', task: 'regression' },
      features: FEATURES,
      projections: { count: 2, learnRows: 4 },
    });
    const rows = [
      [1, 10],
      [3, 10],
      [5, 20],
      [7, 20],
    ];
    for (const r of rows) agg.observe({ features: r, prediction: 0 });
    expect(points(agg.snapshot())).toHaveLength(0);
    const b = agg.projectionBasis!;
    expect(b.features).toEqual(['a', 'b']);
    expect(b.center).toEqual([4, 15]);
    expect(b.scale[0]).toBeCloseTo(Math.sqrt(20 / 3), 12);
    expect(b.scale[1]).toBeCloseTo(Math.sqrt(100 / 3), 12);
    agg.observe({ features: [4, 15], prediction: 0 });
    const pts = points(agg.snapshot());
    expect(pts.map((p) => p.histogram.sum)).toEqual([0, 0]);
  });

  it('a bad projections option is reported and disables the projections only', () => {
    const issues: string[] = [];
    const agg = new ModelAggregator({
      model: { name: 'm', task: 'regression' },
      features: FEATURES,
      projections: { count: 0 },
      onIssue: (_k, d) => issues.push(d),
    });
    agg.observe({ features: [1, 2, 'x'], prediction: 1 });
    expect(issues.some((d) => d.startsWith('projections disabled'))).toBe(true);
    expect(points(agg.snapshot())).toHaveLength(0);
    expect(
      agg.snapshot().metrics['ml.feature.value_exponential'] ?? agg.snapshot().metrics['ml.feature.value'],
    ).toBeDefined();
    const one = new ModelAggregator({
      model: { name: 'm', task: 'regression' },
      features: FEATURES,
      projections: { features: ['a'] },
      onIssue: (_k, d) => issues.push(d),
    });
    expect(one.projectionBasis).toBeUndefined();
    expect(issues.some((d) => d.includes('at least two numeric features'))).toBe(true);
  });
});

describe('projections of an embedding vector', () => {
  it('records only the projections of `embedding`, with its own basis; a vector of the wrong length is counted', () => {
    const issues: string[] = [];
    const agg = new ModelAggregator({
      model: { name: 'm', task: 'regression' },
      features: FEATURES,
      projections: { count: 4, seed: 9, embedding: { dimension: 3 }, center: [0, 0, 0], scale: [1, 1, 2] },
      onIssue: (_k, d) => issues.push(d),
    });
    agg.observe({ features: [1, 2, 'x'], embedding: Float32Array.from([1, 0, 2]), prediction: 0 });
    agg.observe({ features: [1, 2, 'x'], embedding: [1, 0], prediction: 0 });
    const pts = points(agg.snapshot());
    expect(pts).toHaveLength(4);
    expect(agg.projectionBasis!.features).toEqual(['0', '1', '2']);
    const u = projectionDirections(9, 4, 3);
    for (const p of pts) {
      const i = p.attributes['ml.feature.projection.index'] as number;
      expect(p.histogram.count).toBe(1);
      expect(p.histogram.sum).toBeCloseTo(u[i * 3]! * 1 + u[i * 3 + 2]! * 1, 12);
    }
    expect(issues.some((d) => d.includes('embedding of length 2, expected 3'))).toBe(true);
    // the features' own histograms are still recorded; the embedding is not
    expect(JSON.stringify(agg.snapshot())).not.toContain('embedding');
  });
});
