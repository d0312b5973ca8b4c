import { describe, expect, it } from 'vitest';
import { compareDeployments, primaryFor } from '../../../../processor/src/analysis/compare.js';
import { evaluate } from '../../../../processor/src/analysis/evaluate.js';
import { reportPoints } from '../../../../processor/src/service/emit.js';
import { twoProportionTest } from '../../../../processor/src/statistics/index.js';
import { hist, snapshot } from './helpers.js';

const B = [0.5];
const L = [0.01, 0.02, 0.05, 0.1];

/** A window of n rows whose outcomes give accuracy `acc` (symmetric errors) and the same latency. */
function side(role: string, version: string, acc: number, n = 1000) {
  const s = snapshot(role, version);
  s.rows = n;
  s.predictions.rows = n;
  const half = n / 2;
  const wrong = Math.round(half * (1 - acc));
  s.score = hist(B, [half, half]);
  s.outcomes.scoreByLabel = { '1': hist(B, [wrong, half - wrong]), '0': hist(B, [half - wrong, wrong]) };
  s.inferenceDuration['predict'] = hist(L, [n * 0.9, n * 0.1, 0, 0, 0], n * 0.9 * 0.005 + n * 0.1 * 0.015);
  return s;
}

describe('compareDeployments', () => {
  it('canary significantly less accurate: candidate_worse, with the exact differences', () => {
    const c = compareDeployments(side('primary', '1', 0.9), side('canary', '2', 0.8));
    expect(c.verdict).toBe('candidate_worse');
    expect(c.performance!.accuracy!.primary).toBeCloseTo(0.9, 12);
    expect(c.performance!.accuracy!.candidate).toBeCloseTo(0.8, 12);
    expect(c.performance!.accuracy!.difference).toBeCloseTo(-0.1, 12);
    expect(c.performance!.accuracy!.pValue).toBeCloseTo(twoProportionTest(900, 1000, 800, 1000).pValue, 12);
    // AUC from the label-split buckets: 0.9 and 0.8 (one score boundary, ties count one half).
    expect(c.performance!.rocAuc!.primary).toBeCloseTo(0.9, 12);
    expect(c.performance!.rocAuc!.candidate).toBeCloseTo(0.8, 12);
    expect(c.latency!.difference).toBeCloseTo(0, 12);
    expect(c.latency!.pValue).toBe(1);
    expect(c.errors).toBeNull();
    expect(c.reasons[0]).toMatch(/^accuracy worse by 0\.100/);
    expect(c.candidate).toEqual({ version: '2', role: 'canary', count: 1000 });
  });
  it('candidate_better, no_difference and insufficient_data', () => {
    expect(compareDeployments(side('primary', '1', 0.8), side('canary', '2', 0.9)).verdict).toBe('candidate_better');
    const same = compareDeployments(side('primary', '1', 0.85), side('canary', '2', 0.85));
    expect(same.verdict).toBe('no_difference');
    expect(same.performance!.accuracy!.difference).toBe(0);
    expect(same.score!.jensenShannon).toBe(0);
    const few = compareDeployments(side('primary', '1', 0.9), side('canary', '2', 0.5, 20));
    expect(few.verdict).toBe('insufficient_data');
    expect(few.performance).toBeNull();
  });
  it('slower canary without outcomes is worse on latency; errors and agreement are reported', () => {
    const p = side('primary', '1', 0.9);
    const c = side('shadow', '2', 0.9);
    p.outcomes.scoreByLabel = {};
    c.outcomes.scoreByLabel = {};
    c.inferenceDuration['predict'] = hist(L, [0, 100, 900, 0, 0], 100 * 0.015 + 900 * 0.03);
    c.predictions.errors = { timeout: 5 };
    c.shadow = { agree: 90, disagree: 10, error: 2 };
    const r = compareDeployments(p, c);
    expect(r.performance).toBeNull();
    expect(r.latency!.primaryMean).toBeCloseTo(0.006, 12);
    expect(r.latency!.candidateMean).toBeCloseTo(0.0285, 12);
    expect(r.latency!.pValue).toBeLessThan(1e-6);
    expect(r.errors!.candidateRate).toBeCloseTo(5 / 1005, 12);
    expect(r.agreement).toEqual({ rate: 0.9, count: 100, errors: 2 });
    expect(r.verdict).toBe('candidate_worse');
    expect(r.reasons.some((x) => x.startsWith('mean latency worse by 375.0%'))).toBe(true);
  });
  it('primaryFor pairs a candidate with the primary window of the same model and end', () => {
    const p = side('primary', '1', 0.9);
    const c = side('canary', '2', 0.9);
    const other = snapshot('primary', '1', 600_000);
    expect(primaryFor(c, [other, p, c])).toBe(p);
    expect(primaryFor(p, [p, c])).toBeUndefined();
    expect(primaryFor(c, [other, c])).toBeUndefined();
  });
  it('emits one verdict point per verdict, 1 on the current one', () => {
    const p = side('primary', '1', 0.9);
    const c = side('canary', '2', 0.8);
    const base = evaluate(p, c, { model: { name: 'm', version: '2', role: 'canary' }, referenceKind: 'baseline' });
    const points = reportPoints({ ...base, comparison: compareDeployments(p, c) });
    const verdicts = points.filter((x) => x.metric === 'ml.canary.verdict');
    expect(verdicts.map((x) => [x.attributes['ml.canary.verdict'], x.value])).toEqual([
      ['no_difference', 0],
      ['candidate_better', 0],
      ['candidate_worse', 1],
      ['insufficient_data', 0],
    ]);
    expect(verdicts[0]!.attributes['ml.canary.primary.version']).toBe('1');
    expect(verdicts[0]!.attributes['ml.deployment.role']).toBe('canary');
    expect(points.find((x) => x.metric === 'ml.canary.accuracy.difference')!.value).toBeCloseTo(-0.1, 12);
  });
});
