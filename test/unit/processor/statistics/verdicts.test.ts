/**
 * Per-window verdicts (statistics/delong.ts, fisher-exact.ts, calibration-test.ts, verdicts.ts)
 * against the fixtures of scripts/oracle/verdict_fixtures.py (scikit-learn, SciPy), their
 * decision rules, and their false-alarm rate on windows drawn from the reference.
 */
import { describe, expect, it } from 'vitest';
import {
  VERDICT_DEFAULTS,
  accuracyTest,
  binomialSample,
  calibrationTest,
  calibrationVerdict,
  delongAuc,
  fisherExactOneSided,
  missingTest,
  rocAucTest,
  seededUniform,
  shareTest,
  StatisticsInputError,
  type LabelSplitScores,
  type ReliabilityBin,
} from '../../../../processor/src/statistics/index.js';
import { loadFixture, relClose } from './fixtures.js';

interface VerdictFixture {
  readonly boundaries: number[];
  readonly alpha: number;
  readonly auc: { name: string; positive: number[]; negative: number[]; auc: number; variance: number }[];
  readonly fisher: { x1: number; n1: number; x2: number; n2: number; greater: number; less: number }[];
  readonly proportions: {
    reference: [number, number];
    current: [number, number];
    z: number;
    pLower: number;
    interval: [number, number];
  }[];
  readonly aucDifference: { z: number; pLower: number; interval: [number, number] };
  readonly calibration: {
    name: string;
    count: number[];
    meanPredicted: number[];
    positives: number[];
    referenceRate: number[];
    ece: number;
    expectedEce: number;
    pValue: number;
    nullSd: number;
  }[];
}

const fx = loadFixture<VerdictFixture>('verdicts.json');
const scores = (c: { positive: number[]; negative: number[] }): LabelSplitScores => ({
  boundaries: fx.boundaries,
  positive: c.positive,
  negative: c.negative,
});
const bins = (count: number[], mean: number[], rate: (k: number) => number | undefined): ReliabilityBin[] =>
  count.map((n, k) => ({
    lower: k / 10,
    upper: (k + 1) / 10,
    count: n,
    ...(n > 0 ? { meanPredicted: mean[k]!, observedRate: rate(k)! } : {}),
  }));

describe('binomialSample', () => {
  it.each([
    [380, 0.05],
    [380, 0.5],
    [120, 0.15],
    [20, 0.35],
    [1, 0.95],
    [100_000, 0.004],
  ])('Binomial(%i, %f): mean and variance within 5 standard errors over 40,000 draws', (n, p) => {
    const u = seededUniform(11);
    const draws = 40_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < draws; i++) {
      const x = binomialSample(u, n, p);
      expect(x >= 0 && x <= n && Number.isInteger(x)).toBe(true);
      s += x;
      s2 += x * x;
    }
    const mean = s / draws;
    const v = n * p * (1 - p);
    expect(Math.abs(mean - n * p)).toBeLessThan(5 * Math.sqrt(v / draws));
    const variance = s2 / draws - mean * mean;
    expect(Math.abs(variance - v)).toBeLessThan(5 * v * Math.sqrt(2 / draws) + 1e-9);
  });

  it('takes 0 and n at p = 0 and p = 1', () => {
    const u = seededUniform(1);
    expect(binomialSample(u, 10, 0)).toBe(0);
    expect(binomialSample(u, 10, 1)).toBe(10);
  });
});

describe('delongAuc', () => {
  it.each(fx.auc.map((c) => [c.name, c] as const))(
    '%s: AUC as scikit-learn, variance as the midrank DeLong algorithm',
    (_n, c) => {
      const d = delongAuc(scores(c));
      expect(relClose(d.auc, c.auc, 1e-12)).toBe(true);
      expect(relClose(d.variance, c.variance, 1e-9)).toBe(true);
    },
  );

  it('needs two rows of each label', () => {
    const positive = new Array<number>(200).fill(0);
    const negative = new Array<number>(200).fill(0);
    positive[150] = 1;
    negative[20] = 40;
    expect(() => delongAuc({ boundaries: fx.boundaries, positive, negative })).toThrow(StatisticsInputError);
  });
});

describe('fisherExactOneSided', () => {
  it.each(fx.fisher.map((c) => [`${c.x1}/${c.n1} vs ${c.x2}/${c.n2}`, c] as const))(
    '%s as scipy.stats.fisher_exact',
    (_n, c) => {
      expect(relClose(fisherExactOneSided(c.x1, c.n1, c.x2, c.n2, 'greater'), c.greater, 1e-9)).toBe(true);
      expect(relClose(fisherExactOneSided(c.x1, c.n1, c.x2, c.n2, 'less'), c.less, 1e-9)).toBe(true);
    },
  );

  it('rejects counts that are not a 2x2 table', () => {
    expect(() => fisherExactOneSided(5, 4, 1, 10, 'greater')).toThrow(/successes <= trials/);
    expect(() => fisherExactOneSided(1.5, 4, 1, 10, 'greater')).toThrow(StatisticsInputError);
  });
});

describe('accuracyTest', () => {
  it.each(
    fx.proportions.map((c) => [`${c.current[0]}/${c.current[1]} vs ${c.reference[0]}/${c.reference[1]}`, c] as const),
  )('%s: one-sided p and interval as the pooled z-test', (_n, c) => {
    const t = accuracyTest(
      { correct: c.current[0], count: c.current[1] },
      { correct: c.reference[0], count: c.reference[1] },
    );
    expect(relClose(t.pValue!, c.pLower, 1e-9)).toBe(true);
    expect(t.interval![0]).toBeCloseTo(c.interval[0], 12);
    expect(t.interval![1]).toBeCloseTo(c.interval[1], 12);
    expect(t.verdict).toBe(t.pValue! <= fx.alpha && c.interval[1] <= -0.05 ? 'degraded' : 'no_degradation');
  });

  it('is degraded only when the drop is significant and its interval lies beyond the limit', () => {
    // 0.94 -> 0.833 on 600 rows: significant, interval of the difference about [-0.143, -0.071]
    expect(accuracyTest({ correct: 500, count: 600 }, { correct: 18800, count: 20000 }).verdict).toBe('degraded');
    // 0.94 -> 0.87: significant, a drop of 0.07, but the interval reaches -0.038: not confidently beyond 0.05
    expect(accuracyTest({ correct: 522, count: 600 }, { correct: 18800, count: 20000 })).toMatchObject({
      verdict: 'no_degradation',
      significant: true,
      largeEffect: false,
    });
    // 0.883 on 60 rows: a drop of 0.057, not significant
    expect(accuracyTest({ correct: 53, count: 60 }, { correct: 18800, count: 20000 })).toMatchObject({
      verdict: 'no_degradation',
      significant: false,
      largeEffect: false,
    });
    // a significant but small drop on a huge window
    const big = accuracyTest({ correct: 92_000, count: 100_000 }, { correct: 18800, count: 20000 });
    expect(big).toMatchObject({ verdict: 'no_degradation', significant: true, largeEffect: false });
    expect(big.reasons).toHaveLength(2);
  });

  it('says insufficient_data without enough outcomes or a reference with outcomes', () => {
    expect(accuracyTest({ correct: 20, count: 30 }, { correct: 18800, count: 20000 })).toMatchObject({
      verdict: 'insufficient_data',
      reasons: ['30 outcomes < minimum 50'],
    });
    expect(accuracyTest({ correct: 500, count: 600 }, { correct: 0, count: 0 })).toMatchObject({
      verdict: 'insufficient_data',
      reasons: ['the reference has no outcomes'],
    });
  });
});

describe('rocAucTest', () => {
  it('tests the difference with the summed DeLong variances', () => {
    const [ref, cur] = [fx.auc[2]!, fx.auc[1]!];
    const t = rocAucTest(scores(cur), scores(ref));
    const d = fx.aucDifference;
    expect(t.difference).toBeCloseTo(cur.auc - ref.auc, 12);
    expect(relClose(t.pValue!, d.pLower, 1e-9)).toBe(true);
    expect(t.interval![0]).toBeCloseTo(d.interval[0], 10);
    expect(t.interval![1]).toBeCloseTo(d.interval[1], 10);
    expect(t).toMatchObject({ verdict: 'no_degradation', significant: false, largeEffect: false });
  });

  it('is degraded for a large, significant drop and insufficient without two rows of each label', () => {
    const strong = fx.auc[2]!;
    // the balanced case with its positives moved down: AUC about 0.5
    const flat = { positive: strong.negative, negative: strong.negative };
    expect(rocAucTest(scores(flat), scores(strong)).verdict).toBe('degraded');
    const t = rocAucTest(
      scores({ positive: new Array(200).fill(0).map((_, i) => (i === 150 ? 1 : 0)), negative: strong.negative }),
      scores(strong),
    );
    expect(t.verdict).toBe('insufficient_data');
    expect(t.reasons[0]).toMatch(/at least two rows of each label/);
  });
});

describe('calibrationTest', () => {
  it.each(fx.calibration.map((c) => [c.name, c] as const))(
    '%s: expected ECE and p-value under H0 as the binomial oracle',
    (_n, c) => {
      const cur = bins(c.count, c.meanPredicted, (k) => c.positives[k]! / c.count[k]!);
      const ref = bins(c.count, c.meanPredicted, (k) => c.referenceRate[k]);
      const t = calibrationTest(cur, ref, { iterations: 4000 });
      expect(t.ece).toBeCloseTo(c.ece, 12);
      // Monte Carlo: 4000 draws, so 4 standard errors of the mean
      expect(Math.abs(t.expectedEce - c.expectedEce)).toBeLessThan((4 * c.nullSd) / Math.sqrt(4000));
      const se = Math.sqrt((c.pValue * (1 - c.pValue)) / 4000) + 1 / 4000;
      expect(Math.abs(t.pValue - c.pValue)).toBeLessThan(4 * se + 1e-3);
      expect(t.excess).toBeCloseTo(t.ece - t.expectedEce, 12);
      expect(t.interval[0]).toBeLessThanOrEqual(t.interval[1]);
      expect(calibrationTest(cur, ref, { iterations: 4000 })).toEqual(t);
    },
  );

  it('flags the miscalibrated window and not the calibrated one', () => {
    const [calibrated, off] = [fx.calibration[0]!, fx.calibration[1]!];
    const v = (c: typeof calibrated) =>
      calibrationVerdict(
        bins(c.count, c.meanPredicted, (k) => c.positives[k]! / c.count[k]!),
        bins(c.count, c.meanPredicted, (k) => c.referenceRate[k]),
        0.01,
      );
    expect(v(calibrated).verdict).toBe('no_degradation');
    expect(v(off)).toMatchObject({ verdict: 'degraded', significant: true, largeEffect: true });
  });
});

describe('shareTest and missingTest', () => {
  it('flag a tenfold rise of the flagged share but not the noise of a rare class', () => {
    // reference: 0.4% flagged
    const ref = { count: 80, total: 20_000 };
    expect(shareTest({ count: 23, total: 600 }, ref)).toMatchObject({
      verdict: 'shift',
      significant: true,
      largeEffect: true,
    });
    // 9 of 600 (1.5%, 3.75x) is significant, but its interval reaches down to the reference: no shift
    expect(shareTest({ count: 9, total: 600 }, ref)).toMatchObject({
      verdict: 'no_shift',
      significant: true,
      largeEffect: false,
    });
    // 5 of 600: not significant
    expect(shareTest({ count: 5, total: 600 }, ref)).toMatchObject({ verdict: 'no_shift', significant: false });
    // none flagged: significant drop, but less than one point
    expect(shareTest({ count: 0, total: 2000 }, ref)).toMatchObject({ verdict: 'no_shift', largeEffect: false });
    const c = fx.fisher[0]!;
    expect(
      relClose(
        shareTest({ count: c.x1, total: c.n1 }, { count: c.x2, total: c.n2 }).pValue!,
        2 * Math.min(c.greater, c.less),
        1e-9,
      ),
    ).toBe(true);
  });

  it('flag a missing-value spike', () => {
    expect(missingTest({ count: 180, total: 600 }, { count: 0, total: 20_000 })).toMatchObject({
      verdict: 'spike',
      current: 0.3,
    });
    expect(missingTest({ count: 2, total: 600 }, { count: 0, total: 20_000 }).verdict).toBe('no_spike');
    expect(missingTest({ count: 2, total: 20 }, { count: 0, total: 20_000 }).verdict).toBe('insufficient_data');
  });

  it('reject bad limits with the name of the limit', () => {
    expect(() => shareTest({ count: 1, total: 600 }, { count: 1, total: 600 }, { maxShareRatio: 0.5 })).toThrow(
      /maxShareRatio/,
    );
    expect(() => accuracyTest({ correct: 1, count: 600 }, { correct: 1, count: 600 }, { alpha: 0.7 })).toThrow(/alpha/);
  });
});

describe('false alarms on windows drawn from the reference (600 rows)', () => {
  it('no verdict flags any of 400 clean windows', () => {
    const u = seededUniform(7);
    const binom = (n: number, p: number) => {
      let x = 0;
      for (let i = 0; i < n; i++) if (u() < p) x++;
      return x;
    };
    const mids = [0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95];
    const counts = [380, 120, 50, 20, 12, 8, 5, 3, 1, 1];
    const ref = bins(
      counts.map((c) => c * 30),
      mids,
      (k) => mids[k],
    );
    let flagged = 0;
    for (let w = 0; w < 400; w++) {
      const acc = accuracyTest({ correct: binom(600, 0.94), count: 600 }, { correct: 18800, count: 20000 });
      const share = shareTest({ count: binom(600, 0.004), total: 600 }, { count: 80, total: 20_000 });
      const cal = calibrationVerdict(
        bins(counts, mids, (k) => binom(counts[k]!, mids[k]!) / counts[k]!),
        ref,
        0.02,
        { iterations: 200 },
        w + 1,
      );
      for (const t of [acc, share, cal]) if (t.verdict !== 'no_degradation' && t.verdict !== 'no_shift') flagged++;
    }
    expect(flagged).toBe(0);
    expect(VERDICT_DEFAULTS.alpha).toBe(0.01);
  });
});
