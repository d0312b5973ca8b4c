/**
 * The window's verdicts beyond drift (analysis/verdicts.ts through evaluate), how long each has
 * held across windows (withHistory), and the gauges and event they become (service/emit.ts).
 */
import { ExponentialAccumulator, METRIC_ML_OUTCOME_SCORE_BUCKETS as B, bucketIndex } from '@otel-ml/conventions';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../../processor/src/analysis/evaluate.js';
import { withHistory } from '../../../../processor/src/analysis/verdicts.js';
import type { ModelReport } from '../../../../processor/src/analysis/report-types.js';
import { driftEvent, reportPoints } from '../../../../processor/src/service/emit.js';
import { seededUniform } from '../../../../processor/src/statistics/index.js';
import { hist, snapshot } from './helpers.js';

/** A window of `n` scored rows with outcomes: scores ~ Beta-ish around `center`, labels ~ Bernoulli(score * lift), `missing` share of feature x missing. */
function window(n: number, seed: number, o: { center: number; lift: number; missing: number }, end = 300_000) {
  const u = seededUniform(seed);
  const pos = new Array<number>(B.length + 1).fill(0);
  const neg = new Array<number>(B.length + 1).fill(0);
  const score = new Array<number>(B.length + 1).fill(0);
  let missing = 0;
  for (let i = 0; i < n; i++) {
    const s = Math.min(0.999, Math.max(0.001, o.center * -Math.log(Math.max(u(), 1e-12))));
    const k = bucketIndex(B, s);
    score[k]!++;
    if (u() < Math.min(1, s * o.lift)) pos[k]!++;
    else neg[k]!++;
    if (u() < o.missing) missing++;
  }
  const snap = snapshot('primary', '1', end);
  snap.rows = n;
  snap.score = hist(B, score);
  snap.outcomes.scoreByLabel = { '1': hist(B, pos), '0': hist(B, neg) };
  snap.features = { x: { histogram: hist([1, 2, 3], [n - missing, 0, 0, 0]), missing } };
  return snap;
}

const reference = window(20_000, 1, { center: 0.1, lift: 1, missing: 0 });
const evaluateAt = (cur: ReturnType<typeof window>, i: number) =>
  evaluate(reference, cur, {
    model: { name: 'm', version: '1', task: 'binary_classification' },
    referenceKind: 'baseline',
    window: { start: new Date(i * 60_000), end: new Date((i + 1) * 60_000) },
  });

describe('verdicts of a window', () => {
  it('a clean window flags nothing; every check has a verdict', () => {
    const r = evaluateAt(window(600, 2, { center: 0.1, lift: 1, missing: 0 }), 0);
    const v = r.verdicts!;
    expect(v.checks.map((c) => c.check)).toEqual([
      'feature_drift',
      'score_drift',
      'accuracy',
      'roc_auc',
      'calibration',
      'predicted_share',
      'missing',
      'invalid_value',
      'out_of_range',
    ]);
    expect(v.checks.filter((c) => c.flagged)).toEqual([]);
    expect(v.predictedShare['1']!.reference).toBeCloseTo(
      reference.score!.counts.slice(B.indexOf(0.5) + 1).reduce((a, b) => a + b, 0) / 20_000,
      12,
    );
    expect(v.checks.every((c) => c.windows === 1 && c.since === '1970-01-01T00:00:00.000Z')).toBe(true);
  });

  it('a drifted window flags the shifted share, degraded calibration and accuracy, and the missing spike', () => {
    const r = evaluateAt(window(600, 3, { center: 0.3, lift: 2.5, missing: 0.3 }), 0);
    const flagged = r.verdicts!.checks.filter((c) => c.flagged).map((c) => `${c.check}:${c.verdict}`);
    expect(flagged).toEqual(
      expect.arrayContaining(['score_drift:drift', 'calibration:degraded', 'predicted_share:shift', 'missing:spike']),
    );
    expect(r.verdicts!.calibration!.reasons[1]).toMatch(/^large effect: ECE \d\.\d{3}, \d\.\d{3} expected at 600 rows/);
    // The bins that moved most, as gauges that notifications can name.
    const moved = reportPoints(r).filter(
      (p) => p.metric === 'ml.drift.bin.shift' && p.attributes['ml.drift.signal'] === 'score',
    );
    expect(moved.map((p) => [p.attributes['ml.drift.bin'], p.value])).toEqual(
      r.prediction.score!.bins.map((b) => [b.label, b.current - b.reference]),
    );
    const top = [...moved]
      .sort((a, b) => Math.abs(b.value) - Math.abs(a.value))
      .slice(0, 3)
      .map((p) => p.attributes['ml.drift.bin']);
    expect(top).toEqual(r.prediction.score!.topMovers.map((b) => b.label));
  });

  it('says insufficient_data, never "fine", without enough outcomes', () => {
    const r = evaluateAt(window(30, 4, { center: 0.1, lift: 1, missing: 0 }), 0);
    expect(r.verdicts!.accuracy!.verdict).toBe('insufficient_data');
    expect(r.verdicts!.checks.find((c) => c.check === 'accuracy')).toMatchObject({
      verdict: 'insufficient_data',
      flagged: null,
    });
    expect(
      reportPoints(r).some((p) => p.metric === 'ml.verdict.flagged' && p.attributes['ml.verdict.check'] === 'accuracy'),
    ).toBe(false);
  });

  it('counts the values of exponential features (the default of the instrumentation) in the missing rate', () => {
    const exp = (n: number) => {
      const a = new ExponentialAccumulator(320);
      for (let i = 0; i < n; i++) a.record(1 + (i % 7));
      return a.histogram();
    };
    const withExponential = (w: ReturnType<typeof window>, missing: number) => ({
      ...w,
      features: { x: { exponential: exp(w.rows - missing), missing } },
    });
    const clean = evaluateAt(withExponential(window(600, 2, { center: 0.1, lift: 1, missing: 0 }), 0), 0);
    expect(clean.verdicts!.missing['x']).toMatchObject({ verdict: 'no_spike', current: 0 });
    const spike = evaluateAt(withExponential(window(600, 2, { center: 0.1, lift: 1, missing: 0 }), 180), 0);
    expect(spike.verdicts!.missing['x']).toMatchObject({ verdict: 'spike', current: 0.3 });
  });

  it('uses per-model limits', () => {
    const cur = window(600, 3, { center: 0.3, lift: 2.5, missing: 0.3 });
    const r = evaluate(
      reference,
      cur,
      { model: { name: 'm', task: 'binary_classification' }, referenceKind: 'baseline' },
      { limits: { maxShareRatio: 1000, maxMissingIncrease: 0.5 } },
    );
    expect(r.verdicts!.predictedShare['1']!.verdict).toBe('no_shift');
    expect(r.verdicts!.missing['x']!.verdict).toBe('no_spike');
  });
});

describe('how long a verdict has held', () => {
  it('counts consecutive windows with the same verdict and restarts on a change', () => {
    const drifted = (i: number) => evaluateAt(window(600, 10 + i, { center: 0.3, lift: 2.5, missing: 0.3 }), i);
    let prev: ModelReport | undefined;
    const reports: ModelReport[] = [];
    for (const r of [
      evaluateAt(window(600, 9, { center: 0.1, lift: 1, missing: 0 }), 0),
      drifted(1),
      drifted(2),
      drifted(3),
      evaluateAt(window(600, 20, { center: 0.1, lift: 1, missing: 0 }), 4),
    ]) {
      prev = withHistory(r, prev);
      reports.push(prev);
    }
    const missing = reports.map((r) => r.verdicts!.checks.find((c) => c.check === 'missing')!);
    expect(missing.map((c) => [c.verdict, c.windows])).toEqual([
      ['no_spike', 1],
      ['spike', 1],
      ['spike', 2],
      ['spike', 3],
      ['no_spike', 1],
    ]);
    expect(missing[3]!.since).toBe(new Date(60_000).toISOString());
    const points = reportPoints(reports[3]!).filter((p) => p.attributes['ml.verdict.check'] === 'missing');
    expect(points.map((p) => [p.metric, p.value])).toEqual([
      ['ml.verdict.flagged', 1],
      ['ml.verdict.windows', 3],
      ['ml.verdict.duration', 180],
    ]);
    expect(points[0]!.attributes).toMatchObject({ 'ml.model.name': 'm', 'ml.feature.name': 'x' });
    const share = reportPoints(reports[3]!).filter((p) => p.metric.startsWith('ml.prediction.'));
    expect(share.map((p) => [p.metric, p.attributes['ml.prediction.class']])).toEqual([
      ['ml.prediction.share', '1'],
      ['ml.prediction.reference.share', '1'],
    ]);
    expect(reportPoints(reports[3]!).find((p) => p.metric === 'ml.window.end_time')!.value).toBe(240);
    // The drift event carries the window's flagged verdicts with how long they held.
    const body = JSON.parse(driftEvent(reports[3]!).body) as { flagged: { check: string; windows: number }[] };
    expect(body.flagged).toEqual(expect.arrayContaining([expect.objectContaining({ check: 'missing', windows: 3 })]));
  });

  it('an unknown feature flags its windows and gets a clean verdict in the first window without it', () => {
    const withCoupon = (i: number) => {
      const w = window(600, 30 + i, { center: 0.1, lift: 1, missing: 0 });
      return evaluateAt({ ...w, unknownFeatures: { coupon: 12 } }, i);
    };
    let prev: ModelReport | undefined;
    const seen: string[] = [];
    for (const r of [
      withCoupon(0),
      withCoupon(1),
      evaluateAt(window(600, 40, { center: 0.1, lift: 1, missing: 0 }), 2),
      evaluateAt(window(600, 41, { center: 0.1, lift: 1, missing: 0 }), 3),
    ]) {
      prev = withHistory(r, prev);
      const c = prev.verdicts!.checks.find((x) => x.check === 'unknown_feature');
      seen.push(c ? `${c.verdict}/${c.windows}` : 'none');
    }
    expect(seen).toEqual(['spike/1', 'spike/2', 'no_spike/1', 'none']);
  });
});
