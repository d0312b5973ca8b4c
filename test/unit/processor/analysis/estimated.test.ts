import { describe, expect, it } from 'vitest';
import { evaluate, estimatedPerformance } from '../../../../processor/src/analysis/evaluate.js';
import { reportPoints } from '../../../../processor/src/service/emit.js';
import { hist, snapshot } from './helpers.js';

const B = [0.25, 0.5, 0.75];

function reference() {
  const r = snapshot();
  r.rows = 30;
  r.predictions.rows = 30;
  r.score = hist(B, [10, 0, 10, 10]);
  r.outcomes.scoreByLabel = { '1': hist(B, [1, 0, 6, 9]), '0': hist(B, [9, 0, 4, 1]) };
  return r;
}

describe('estimated performance in the report', () => {
  it('applies the reference calibration map to the window scores (exact on a constructed histogram)', () => {
    const cur = snapshot();
    cur.rows = 60;
    cur.predictions.rows = 60;
    // Covariate shift: more rows in the top bucket. Expected positives 2 + 0 + 6 + 36 = 44 of 60.
    cur.score = hist(B, [20, 0, 10, 30]);
    const e = estimatedPerformance(reference(), cur)!;
    // tp = 6 + 27 = 33, fp = 4 + 3 = 7, fn = 2, tn = 18 -> accuracy 51/60.
    expect(e.accuracy).toBeCloseTo(51 / 60, 12);
    expect(e.precision).toBeCloseTo(33 / 40, 12);
    expect(e.recall).toBeCloseTo(33 / 35, 12);
    // AUC of positive [2,0,6,27], negative [18,0,4,3]: (2*9 + 6*(18+2) + 27*(22+1.5)) / (35*25)
    expect(e.rocAuc!).toBeCloseTo((2 * 9 + 6 * 20 + 27 * 23.5) / (35 * 25), 12);
    expect(e.referenceOutcomes).toBe(30);
    expect(e.realized).toBeNull();
    // sqrt(20*.09 + 10*.24 + 30*.09) / 60
    const se = Math.sqrt(20 * 0.09 + 10 * 0.24 + 30 * 0.09) / 60;
    expect(e.accuracyInterval[0]).toBeCloseTo(51 / 60 - 1.959963984540054 * se, 12);
  });
  it('reports realized values beside the estimate and emits both', () => {
    // Tenths (the calibration report's bins must be score boundaries); same groups as above.
    const T = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
    const at = (a: number, b: number, c: number) => [0, 0, a, 0, 0, 0, b, 0, 0, c];
    const ref = reference();
    ref.score = hist(T, at(10, 10, 10));
    ref.outcomes.scoreByLabel = { '1': hist(T, at(1, 6, 9)), '0': hist(T, at(9, 4, 1)) };
    const cur = snapshot();
    cur.rows = 30;
    cur.predictions.rows = 30;
    cur.score = hist(T, at(10, 10, 10));
    cur.outcomes.scoreByLabel = { '1': hist(T, at(1, 6, 9)), '0': hist(T, at(9, 4, 1)) };
    const r = evaluate(ref, cur, { model: { name: 'm' }, referenceKind: 'baseline' }, { minRows: 10 });
    expect(r.estimated!.accuracy).toBeCloseTo(0.8, 12);
    expect(r.estimated!.realized!.accuracy).toBeCloseTo(0.8, 12);
    expect(r.performance!.accuracy).toBeCloseTo(0.8, 12);
    const points = reportPoints(r);
    const est = points.find((p) => p.metric === 'ml.performance.estimated.accuracy')!;
    expect(est.value).toBeCloseTo(0.8, 12);
    expect(points.find((p) => p.metric === 'ml.performance.accuracy')!.value).toBeCloseTo(0.8, 12);
    expect(
      points
        .filter((p) => p.metric.startsWith('ml.performance.estimated.'))
        .map((p) => p.metric)
        .sort(),
    ).toEqual([
      'ml.performance.estimated.accuracy',
      'ml.performance.estimated.f1',
      'ml.performance.estimated.precision',
      'ml.performance.estimated.recall',
      'ml.performance.estimated.roc_auc',
    ]);
  });
  it('is null without reference outcomes, without scores, and for regression', () => {
    const ref = reference();
    ref.outcomes.scoreByLabel = {};
    const cur = snapshot();
    cur.score = hist(B, [1, 1, 1, 1]);
    expect(estimatedPerformance(ref, cur)).toBeNull();
    expect(estimatedPerformance(reference(), snapshot())).toBeNull();
    const r = evaluate(reference(), cur, { model: { name: 'm', task: 'regression' }, referenceKind: 'baseline' });
    expect(r.estimated).toBeNull();
  });
});
