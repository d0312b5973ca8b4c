import { METRIC_ML_OUTCOME_SCORE_BUCKETS, bucketIndex } from '@otel-ml/conventions';
import { describe, expect, it } from 'vitest';
import {
  binaryMetrics,
  binaryMetricsAtThreshold,
  binaryMetricsFromConfusion,
  calibration,
  confusionAtThreshold,
  histogramFromValues,
  labelSplitScores,
  multiclassMetrics,
  regressionErrors,
  rocAuc,
  type LabelSplitScores,
} from '../../../../processor/src/statistics/index.js';
import { loadFixture, relClose, type ClassificationFixture } from './fixtures.js';

const fx = loadFixture<ClassificationFixture>('classification.json');
const B = METRIC_ML_OUTCOME_SCORE_BUCKETS;

/** Bins scores by label; with `exact`, also the per-bucket score sums and the sum of squares. */
function split(scores: readonly number[], labels: readonly number[], exact: boolean): LabelSplitScores {
  const positive = new Array<number>(B.length + 1).fill(0);
  const negative = new Array<number>(B.length + 1).fill(0);
  const sums = new Array<number>(B.length + 1).fill(0);
  let sq = 0;
  let posSum = 0;
  scores.forEach((s, i) => {
    const k = bucketIndex(B, s);
    if (labels[i] === 1) {
      positive[k]! += 1;
      posSum += s;
    } else negative[k]! += 1;
    sums[k]! += s;
    sq += s * s;
  });
  const base = { boundaries: B, positive, negative };
  return exact ? { ...base, scoreSums: sums, scoreSquareSum: sq, positiveScoreSum: posSum } : base;
}

describe('binary classification from label-split score histograms', () => {
  for (const s of fx.scenarios) {
    describe(s.name, () => {
      const approx = split(s.scores, fx.labels, false);
      const exact = split(s.scores, fx.labels, true);

      it('ECE/MCE within 0.01 and Brier within 0.005 from bucket midpoints', () => {
        const c = calibration(approx);
        expect(Math.abs(c.ece - s.calibration.ece), `ece ${c.ece} vs ${s.calibration.ece}`).toBeLessThanOrEqual(0.01);
        expect(Math.abs(c.mce - s.calibration.mce)).toBeLessThanOrEqual(0.01);
        expect(
          Math.abs(c.brier - s.calibration.brier),
          `brier ${c.brier} vs ${s.calibration.brier}`,
        ).toBeLessThanOrEqual(0.005);
        expect(Math.abs(c.brier - s.calibration.brier)).toBeLessThanOrEqual(c.brierErrorBound);
        expect(c.exactMeans).toBe(false);
        expect(c.curve).toHaveLength(10);
        c.curve.forEach((bin, j) => {
          const e = s.calibration.curve[j]!;
          expect(bin.count).toBe(e.count);
          expect(bin.lower).toBeCloseTo(j / 10, 12);
          expect(bin.upper).toBeCloseTo((j + 1) / 10, 12);
          if (e.count > 0) {
            expect(bin.observedRate).toBeCloseTo(e.observedRate!, 12);
            expect(Math.abs(bin.meanPredicted! - e.meanPredicted!)).toBeLessThanOrEqual(0.0025);
          }
        });
      });

      it('ECE, MCE and Brier are exact with per-bucket sums', () => {
        const c = calibration(exact);
        expect(c.exactMeans).toBe(true);
        expect(c.brierErrorBound).toBe(0);
        expect(relClose(c.ece, s.calibration.ece, 1e-9)).toBe(true);
        expect(relClose(c.mce, s.calibration.mce, 1e-9)).toBe(true);
        expect(relClose(c.brier, s.calibration.brier, 1e-9)).toBe(true);
      });

      it('ROC AUC within 0.005 of sklearn', () => {
        const auc = rocAuc(approx);
        expect(Math.abs(auc - s.rocAuc), `auc ${auc} vs ${s.rocAuc}`).toBeLessThanOrEqual(0.005);
      });

      it('threshold metrics exactly as sklearn (positive when score > threshold)', () => {
        for (const t of s.thresholds) {
          const m = binaryMetricsAtThreshold(approx, t.threshold);
          expect({ tp: m.tp, fp: m.fp, tn: m.tn, fn: m.fn }).toEqual({ tp: t.tp, fp: t.fp, tn: t.tn, fn: t.fn });
          expect(m.accuracy).toBeCloseTo(t.accuracy, 12);
          expect(m.precision).toBeCloseTo(t.precision, 12);
          expect(m.recall).toBeCloseTo(t.recall, 12);
          expect(m.f1).toBeCloseTo(t.f1, 12);
          // the same counts as a predicted x label confusion table
          const confusion = { '1': { '1': t.tp, '0': t.fp }, '0': { '1': t.fn, '0': t.tn } };
          expect(binaryMetricsFromConfusion(confusion)).toEqual(m);
        }
        expect(confusionAtThreshold(approx)).toEqual(confusionAtThreshold(approx, 0.5));
      });
    });
  }

  it('builds label-split scores from score histograms keyed by label', () => {
    const s = fx.scenarios[0]!;
    const pos = histogramFromValues(
      s.scores.filter((_, i) => fx.labels[i] === 1),
      B,
    );
    const neg = histogramFromValues(
      s.scores.filter((_, i) => fx.labels[i] === 0),
      B,
    );
    const ls = labelSplitScores({ '1': pos, '0': neg });
    expect(ls.positive).toEqual(pos.counts);
    expect(ls.negative).toEqual(neg.counts);
    expect(ls.positiveScoreSum).toBe(pos.sum);
    expect(rocAuc(ls)).toBe(rocAuc(split(s.scores, fx.labels, false)));
    expect(() => labelSplitScores({ '1': pos, '0': histogramFromValues([0.3], [0.5]) })).toThrow(
      /mismatched boundaries/,
    );
  });

  it('rejects a threshold that is not a score boundary and degenerate inputs', () => {
    const ls = split([0.1, 0.9], [0, 1], false);
    expect(() => confusionAtThreshold(ls, 0.5001)).toThrow(/not a score boundary/);
    expect(() => rocAuc(split([0.1, 0.9], [1, 1], false))).toThrow(/both labels/);
    expect(() => calibration(split([], [], false))).toThrow(/no scored rows/);
    expect(() => calibration(ls, { bins: 7 })).toThrow(/not a score boundary/);
    expect(rocAuc(ls)).toBe(1);
    // same bucket: a tie counts one half
    expect(rocAuc(split([0.5011, 0.5012], [0, 1], false))).toBe(0.5);
  });

  it('reports zero for undefined ratios like sklearn zero_division=0', () => {
    const m = binaryMetrics({ tp: 0, fp: 0, tn: 5, fn: 3 });
    expect(m).toMatchObject({ precision: 0, recall: 0, f1: 0, accuracy: 5 / 8 });
    expect(() => binaryMetrics({ tp: 0, fp: 0, tn: 0, fn: 0 })).toThrow(/no rows/);
    expect(() => binaryMetrics({ tp: NaN, fp: 0, tn: 1, fn: 0 })).toThrow(/not finite/);
  });
});

describe('multiclass metrics from a confusion table against sklearn', () => {
  for (const m of fx.multiclass) {
    it(m.name, () => {
      const r = multiclassMetrics(m.confusion);
      expect(r.accuracy).toBeCloseTo(m.accuracy, 12);
      expect(r.macroF1).toBeCloseTo(m.macroF1, 12);
    });
  }
});

describe('regression errors against sklearn', () => {
  it('MAE and RMSE within 0.5% from (count, sum|e|, sum e^2)', () => {
    const { yTrue, yPred, mae, rmse } = fx.regression;
    let abs = 0;
    let sq = 0;
    yPred.forEach((p, i) => {
      const e = p - yTrue[i]!;
      abs += Math.abs(e);
      sq += e * e;
    });
    const r = regressionErrors({ count: yPred.length, absErrorSum: abs, squaredErrorSum: sq });
    expect(relClose(r.mae, mae, 0.005)).toBe(true);
    expect(relClose(r.rmse, rmse, 0.005)).toBe(true);
    expect(() => regressionErrors({ count: 0, absErrorSum: 0, squaredErrorSum: 0 })).toThrow(/positive/);
    expect(() => regressionErrors({ count: 3, absErrorSum: Infinity, squaredErrorSum: 0 })).toThrow(/not finite/);
  });
});
