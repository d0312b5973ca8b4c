import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../../processor/src/analysis/evaluate.js';
import type { ModelReport } from '../../../../processor/src/analysis/report-types.js';
import { retrainDecision, retrainStarted, windowDrifted } from '../../../../processor/src/analysis/retrain.js';
import { driftEvent, reportPoints, retrainEvent } from '../../../../processor/src/service/emit.js';
import { hist, snapshot } from './helpers.js';

const T = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

/** A report with 40 outcomes at accuracy 0.8 and a CBPE estimate of 0.8 (same histograms both sides). */
function base(): ModelReport {
  const s = snapshot();
  s.rows = 40;
  s.predictions.rows = 40;
  s.score = hist(T, [0, 0, 20, 0, 0, 0, 0, 0, 0, 20]);
  s.outcomes.scoreByLabel = {
    '1': hist(T, [0, 0, 4, 0, 0, 0, 0, 0, 0, 16]),
    '0': hist(T, [0, 0, 16, 0, 0, 0, 0, 0, 0, 4]),
  };
  return evaluate(s, s, { model: { name: 'm' }, referenceKind: 'baseline' }, { minRows: 10 });
}

const drifted = (r: ModelReport): ModelReport => ({ ...r, drifted: ['x'] });

describe('retrainDecision', () => {
  it('drift in K consecutive windows', () => {
    const r = base();
    expect(r.performance!.accuracy).toBeCloseTo(0.8, 12);
    expect(windowDrifted(r)).toBe(false);
    const now = { now: 0 };
    expect(retrainDecision(drifted(r), [drifted(r), drifted(r)], now, { driftWindows: 3 })).toMatchObject({
      recommended: true,
      reasons: ['drift'],
      driftWindows: 3,
    });
    expect(retrainDecision(drifted(r), [drifted(r), r, drifted(r)], now, { driftWindows: 3 })).toMatchObject({
      recommended: false,
      driftWindows: 2,
    });
    const few = { ...drifted(r), status: 'insufficient_data' as const };
    expect(retrainDecision(drifted(r), [drifted(r), few], now, { driftWindows: 2 }).driftWindows).toBe(1);
    expect(retrainDecision(drifted(r), [drifted(r), drifted(r)], now, { driftWindows: 0 }).recommended).toBe(false);
  });
  it('accuracy below the limit: realized with enough outcomes, else estimated', () => {
    const r = base();
    const d = retrainDecision(r, [], { now: 0 }, { minAccuracy: 0.85 });
    expect(d).toMatchObject({ recommended: true, reasons: ['performance'], accuracySource: 'realized' });
    expect(d.accuracy).toBeCloseTo(0.8, 12);
    expect(d.details[0]).toBe('realized accuracy 0.800 below 0.85');
    const estimatedOnly = retrainDecision(r, [], { now: 0 }, { minAccuracy: 0.85, minOutcomes: 100 });
    expect(estimatedOnly.accuracySource).toBe('estimated');
    expect(estimatedOnly.accuracy).toBeCloseTo(0.8, 12);
    expect(retrainDecision(r, [], { now: 0 }, { minAccuracy: 0.75 }).recommended).toBe(false);
  });
  it('baseline older than the limit', () => {
    const now = Date.parse('2026-03-02T00:00:00Z');
    const d = retrainDecision(
      base(),
      [],
      { now, baselineCreatedAt: '2026-01-01T00:00:00Z' },
      { maxBaselineAgeMs: 30 * 86_400_000 },
    );
    expect(d.reasons).toEqual(['baseline_age']);
    expect(d.baselineAgeMs).toBe(60 * 86_400_000);
    expect(d.details[0]).toBe('baseline is 60.0 days old (limit 30.0)');
    expect(
      retrainDecision(
        base(),
        [],
        { now, baselineCreatedAt: '2026-02-20T00:00:00Z' },
        { maxBaselineAgeMs: 30 * 86_400_000 },
      ).recommended,
    ).toBe(false);
  });
  it('notifies when a recommendation starts or its reasons change; emits one point per reason and the event', () => {
    const on = retrainDecision(base(), [], { now: 0 }, { minAccuracy: 0.9 });
    const off = retrainDecision(base(), [], { now: 0 }, {});
    expect(retrainStarted(null, on)).toBe(true);
    expect(retrainStarted(off, on)).toBe(true);
    expect(retrainStarted(on, on)).toBe(false);
    expect(retrainStarted(on, off)).toBe(false);
    expect(retrainStarted(on, { ...on, reasons: ['performance', 'baseline_age'] })).toBe(true);
    const r = { ...base(), retrain: on };
    const points = reportPoints(r).filter((p) => p.metric === 'ml.retrain.recommended');
    expect(points.map((p) => [p.attributes['ml.retrain.reason'], p.value])).toEqual([
      ['drift', 0],
      ['performance', 1],
      ['baseline_age', 0],
    ]);
    const e = retrainEvent(r)!;
    expect(e.attributes['ml.retrain.reasons']).toEqual(['performance']);
    expect(JSON.parse(e.body)).toMatchObject({ reasons: ['performance'], accuracySource: 'realized' });
    expect(retrainEvent({ ...base(), retrain: off })).toBeUndefined();
  });
});

describe('attribution signals', () => {
  const A = [0.1, 0.2, 0.5, 1];
  it('mean absolute attribution, shift, drift, ranking in the drift event', () => {
    const ref = snapshot();
    const cur = snapshot();
    ref.rows = 100;
    cur.rows = 100;
    ref.features = {
      a: { missing: 0, attribution: hist(A, [0, 50, 50, 0, 0], 25) },
      b: { missing: 0, attribution: hist(A, [0, 0, 100, 0, 0], 50) },
      c: { missing: 0, attribution: hist(A, [100, 0, 0, 0, 0], 5) },
    };
    cur.features = {
      a: { missing: 0, attribution: hist(A, [0, 0, 0, 100, 0], 60) },
      b: { missing: 0, attribution: hist(A, [0, 0, 100, 0, 0], 50) },
      c: { missing: 0, attribution: hist(A, [100, 0, 0, 0, 0], 4) },
    };
    const r = evaluate(ref, cur, { model: { name: 'm' }, referenceKind: 'baseline' });
    const at = r.attribution!;
    expect(at.features['a']!.meanAbsolute).toBeCloseTo(0.6, 12);
    expect(at.features['a']!.referenceMeanAbsolute).toBeCloseTo(0.25, 12);
    expect(at.features['a']!.shift).toBeCloseTo(0.35, 12);
    expect(at.features['a']!.relativeShift).toBeCloseTo(1.4, 12);
    expect(at.features['a']!.distribution!.drift.verdict).toBe('drift');
    expect(at.features['b']!.shift).toBe(0);
    expect(at.ranking).toEqual(['a', 'c', 'b']);
    const points = reportPoints(r);
    expect(
      points.find((p) => p.metric === 'ml.attribution.mean_absolute' && p.attributes['ml.feature.name'] === 'a')!.value,
    ).toBeCloseTo(0.6, 12);
    expect(
      points.some(
        (p) => p.metric === 'ml.drift.detected' && p.attributes['ml.drift.signal'] === 'attribution' && p.value === 1,
      ),
    ).toBe(true);
    const e = driftEvent({ ...r, drifted: ['a'], features: { a: at.features['a']!.distribution! } });
    expect(e.attributes['ml.attribution.features']).toEqual(['a', 'c', 'b']);
    expect(JSON.parse(e.body).attributionShift[0]).toMatchObject({ feature: 'a', drift: 'drift' });
  });
  it('no attribution section without attributions', () => {
    expect(
      evaluate(snapshot(), snapshot(), { model: { name: 'm' }, referenceKind: 'baseline' }).attribution,
    ).toBeNull();
  });
});
