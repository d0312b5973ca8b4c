import { describe, expect, it } from 'vitest';
import { runExponentialScenario } from '../../../../processor/bench/statistics-simulation-exponential.js';
import { runScenario } from '../../../../processor/bench/statistics-simulation-lib.js';
import {
  StatisticsInputError,
  asymptoticPValue,
  benjaminiHochberg,
  bootstrapInterval,
  chiSquareQuantile,
  chiSquareTest,
  criticalValue,
  criticalValues,
  decideDrift,
  decideWindow,
  kolmogorovQuantile,
  psi,
  sampleMultinomial,
  seededUniform,
} from '../../../../processor/src/statistics/index.js';

describe('critical values and asymptotic p-values', () => {
  const s = { referenceCount: 10_000, currentCount: 1_000, bins: 10 };
  const f = 1 / 10_000 + 1 / 1_000;
  const q = chiSquareQuantile(0.99, 9);

  it('follow the chi-square scalings of the f-divergences (Yurdakul 2018 for PSI)', () => {
    expect(criticalValue('psi', s)).toBeCloseTo(f * q, 12);
    expect(criticalValue('kl', s)).toBeCloseTo((f / 2) * q, 12);
    expect(criticalValue('jensen_shannon', s)).toBeCloseTo(Math.sqrt((f / 8) * q), 12);
    expect(criticalValue('hellinger', s)).toBeCloseTo(Math.sqrt((f / 8) * q), 12);
    expect(criticalValue('chi_square', s)).toBeCloseTo(q, 12);
    expect(criticalValue('ks', s)).toBeCloseTo(kolmogorovQuantile(0.99) / Math.sqrt((10_000 * 1_000) / 11_000), 12);
    expect(criticalValues({ ...s, alpha: 0.01 })).toEqual({
      psi: criticalValue('psi', s),
      kl: criticalValue('kl', s),
      jensenShannon: criticalValue('jensen_shannon', s),
      hellinger: criticalValue('hellinger', s),
      chiSquare: criticalValue('chi_square', s),
      ks: criticalValue('ks', s),
    });
  });

  it('p-value at the critical value is alpha, and critical values shrink with sample size', () => {
    for (const stat of ['psi', 'kl', 'jensen_shannon', 'hellinger', 'chi_square', 'ks'] as const) {
      expect(asymptoticPValue(stat, criticalValue(stat, s, 0.05), s)).toBeCloseTo(0.05, 8);
      if (stat !== 'chi_square')
        expect(criticalValue(stat, { ...s, currentCount: 100 })).toBeGreaterThan(criticalValue(stat, s));
    }
    expect(criticalValue('psi', { ...s, bins: 1 })).toBe(0);
    expect(asymptoticPValue('psi', 0, { ...s, bins: 1 })).toBe(1);
    expect(() => criticalValue('psi', { ...s, currentCount: 0 })).toThrow(StatisticsInputError);
    expect(() => asymptoticPValue('psi', NaN, s)).toThrow(/finite/);
  });
});

describe('Benjamini-Hochberg', () => {
  it('matches hand-computed adjusted p-values (statsmodels fdr_bh)', () => {
    // statsmodels.stats.multitest.multipletests([0.01, 0.04, 0.03, 0.005, 0.5], method='fdr_bh')[1]
    const adj = benjaminiHochberg([0.01, 0.04, 0.03, 0.005, 0.5]);
    const expected = [0.025, 0.05, 0.05, 0.025, 0.5];
    adj.forEach((a, i) => expect(a).toBeCloseTo(expected[i]!, 12));
    expect(benjaminiHochberg([])).toEqual([]);
    expect(() => benjaminiHochberg([0.2, NaN])).toThrow(/not in \[0, 1\]/);
  });
});

describe('decideDrift', () => {
  it('flags only when significant AND the effect is large, with both reasons', () => {
    const d = decideDrift({ pValue: 1e-6, psi: 0.25, jensenShannon: 0.15, currentCount: 1000 });
    expect(d).toMatchObject({ verdict: 'drift', significant: true, largeEffect: true, adjustedPValue: 1e-6 });
    expect(d.reasons).toEqual([
      'significant: adjusted p 1.00e-6 <= alpha 0.01',
      'large effect: PSI 0.250 >= 0.1 or JS 0.150 >= 0.1',
    ]);
    expect(decideDrift({ pValue: 1e-6, psi: 0.25, currentCount: 1000, minPsi: 0.3 }).reasons[1]).toBe(
      'small effect: PSI 0.250 < 0.3',
    );
    expect(decideDrift({ pValue: 1e-6, currentCount: 1000 }).reasons[1]).toBe('small effect: no effect size given');
    const small = decideDrift({ pValue: 1e-30, psi: 0.03, jensenShannon: 0.06, currentCount: 10_000 });
    expect(small).toMatchObject({ verdict: 'no_drift', significant: true, largeEffect: false });
    expect(small.reasons[1]).toMatch(/small effect: PSI 0.030 < 0.1 and JS 0.060 < 0.1/);
    const noisy = decideDrift({ pValue: 0.2, psi: 0.4, currentCount: 60 });
    expect(noisy).toMatchObject({ verdict: 'no_drift', significant: false, largeEffect: true });
    expect(decideDrift({ pValue: 1e-6, jensenShannon: 0.12, currentCount: 100 }).verdict).toBe('drift');
  });

  it('uses the adjusted p-value when given and needs a minimum current sample', () => {
    expect(decideDrift({ pValue: 0.001, adjustedPValue: 0.02, psi: 1, currentCount: 500 }).verdict).toBe('no_drift');
    const few = decideDrift({ pValue: 1e-9, psi: 2, currentCount: 49 });
    expect(few).toMatchObject({ verdict: 'insufficient_data', significant: false });
    expect(few.reasons[0]).toMatch(/49 current rows < minimum 50/);
    expect(decideDrift({ pValue: null, currentCount: 500 }).verdict).toBe('insufficient_data');
    expect(decideDrift({ pValue: 0.02, psi: 0.3, currentCount: 500, alpha: 0.05 }).verdict).toBe('drift');
  });

  it('decideWindow adjusts across the sufficient features only', () => {
    const out = decideWindow([
      { feature: 'a', pValue: 0.004, psi: 0.3, currentCount: 500 },
      { feature: 'b', pValue: 0.3, psi: 0.01, currentCount: 500 },
      { feature: 'c', pValue: 1e-12, psi: 0.5, currentCount: 10 },
    ]);
    expect(out.map((d) => d.verdict)).toEqual(['drift', 'no_drift', 'insufficient_data']);
    expect(out[0]!.adjustedPValue).toBeCloseTo(0.008, 12); // family of 2
    expect(out[2]!.adjustedPValue).toBeNull();
  });

  it('falls back to KS when the bins cannot be cut: drift or insufficient_resolution, never no_drift', () => {
    const why = 'all 900 reference values lie in one bucket (20, 50]';
    const big = decideDrift({ pValue: 1e-9, ks: 0.3, currentCount: 500, insufficientResolution: why });
    expect(big).toMatchObject({ verdict: 'drift', significant: true, largeEffect: true });
    expect(big.reasons[0]).toBe(`insufficient resolution: ${why}; decided on KS on the finest common buckets`);
    expect(big.reasons.slice(1)).toEqual([
      'significant: adjusted KS p 1.00e-9 <= alpha 0.01',
      'large effect: KS 0.300 >= 0.1',
    ]);
    expect(decideDrift({ pValue: null, currentCount: 500, insufficientResolution: why }).reasons[1]).toBe(
      'no KS p-value',
    );
    expect(decideDrift({ pValue: 1e-9, currentCount: 500, insufficientResolution: why }).reasons[2]).toBe(
      'small effect: no KS statistic given',
    );
    // significant but below the effect floor, or not significant: the verdict names the resolution
    expect(decideDrift({ pValue: 1e-9, ks: 0.05, currentCount: 50_000, insufficientResolution: why }).verdict).toBe(
      'insufficient_resolution',
    );
    expect(decideDrift({ pValue: 0.3, ks: 0.4, currentCount: 60, insufficientResolution: why }).verdict).toBe(
      'insufficient_resolution',
    );
    expect(
      decideDrift({ pValue: null, currentCount: 500, insufficientResolution: 'no common resolution' }).verdict,
    ).toBe('insufficient_resolution');
    expect(
      decideDrift({ pValue: 1e-9, ks: 0.05, currentCount: 500, insufficientResolution: why, minKs: 0.04 }).verdict,
    ).toBe('drift');
    // PSI and JS do not count in the fallback, and too few rows stay insufficient_data
    expect(
      decideDrift({
        pValue: 1e-9,
        ks: 0.01,
        psi: 5,
        jensenShannon: 0.9,
        currentCount: 500,
        insufficientResolution: why,
      }).largeEffect,
    ).toBe(false);
    expect(decideDrift({ pValue: 1e-9, ks: 1, currentCount: 10, insufficientResolution: why }).verdict).toBe(
      'insufficient_data',
    );
  });

  it('always flags a complete shift with enough rows, whatever the other evidence', () => {
    const d = decideDrift({
      pValue: 1e-40,
      adjustedPValue: 0.5,
      psi: 0,
      jensenShannon: 0,
      currentCount: 50,
      completeShift: true,
    });
    expect(d).toMatchObject({ verdict: 'drift', largeEffect: true, significant: false });
    expect(d.reasons[0]).toMatch(/complete shift/);
    expect(
      decideDrift({ pValue: null, currentCount: 50, completeShift: true, insufficientResolution: 'constant' }).verdict,
    ).toBe('drift');
    // a handful of reference rows (KS p > alpha) is not enough, nor are too few current rows
    expect(
      decideDrift({ pValue: 0.2, ks: 1, currentCount: 500, completeShift: true, insufficientResolution: 'constant' })
        .verdict,
    ).toBe('insufficient_resolution');
    expect(decideDrift({ pValue: 1e-9, currentCount: 49, completeShift: true }).verdict).toBe('insufficient_data');
  });

  it('decideWindow puts the KS p-values of fallback features into the same Benjamini-Hochberg family', () => {
    const out = decideWindow([
      { feature: 'binned', pValue: 0.004, psi: 0.3, currentCount: 500 },
      { feature: 'coarse', pValue: 0.006, ks: 0.2, currentCount: 500, insufficientResolution: 'one bucket' },
      { feature: 'quiet', pValue: 0.9, psi: 0.01, currentCount: 500 },
    ]);
    expect(out[1]!.adjustedPValue).toBeCloseTo(0.009, 12); // 3 * 0.006 / 2
    expect(out.map((d) => d.verdict)).toEqual(['drift', 'drift', 'no_drift']);
  });
});

describe('sampleMultinomial', () => {
  it('keeps the total, leaves zero-weight bins empty and matches the proportions on average', () => {
    const u = seededUniform(5);
    const sums = [0, 0, 0, 0];
    for (let r = 0; r < 200; r++) {
      const x = sampleMultinomial(u, 1000, [1, 0, 3, 6]);
      expect(x.reduce((a, b) => a + b, 0)).toBe(1000);
      expect(x[1]).toBe(0);
      x.forEach((c, i) => (sums[i]! += c));
    }
    expect(sums[0]! / 200_000).toBeCloseTo(0.1, 2);
    expect(sums[2]! / 200_000).toBeCloseTo(0.3, 2);
    expect(sums[3]! / 200_000).toBeCloseTo(0.6, 2);
    expect(Array.from(sampleMultinomial(u, 7, [0, 0, 2]))).toEqual([0, 0, 7]);
  });
});

describe('bootstrap intervals', () => {
  const p = [120, 95, 110, 90, 105, 100, 98, 102, 80, 100];
  const q = [20, 5, 8, 4, 6, 5, 4, 6, 2, 0];

  it('is reproducible for a seed, brackets the estimate and is bounded', () => {
    const a = bootstrapInterval(p, q, 'psi', { seed: 7, iterations: 400 });
    const b = bootstrapInterval(p, q, 'psi', { seed: 7, iterations: 400 });
    expect(a).toEqual(b);
    expect(a[0]).toBeLessThan(psi(p, q));
    expect(a[1]).toBeGreaterThan(psi(p, q));
    expect(bootstrapInterval(p, q, 'psi', { seed: 8, iterations: 400 })).not.toEqual(a);
    const custom = bootstrapInterval(p, q, (x, y) => chiSquareTest(x, y).statistic, { seed: 7, iterations: 400 });
    expect(custom).toEqual(bootstrapInterval(p, q, 'chi_square', { seed: 7, iterations: 400 }));
    expect(() => bootstrapInterval(p, q, 'psi', { iterations: 10_001 })).toThrow(/iterations/);
  });

  it('narrows as the current window grows', () => {
    // reference and windows drawn from the same uniform distribution over 5 bins

    const u = seededUniform(3);
    const ref = sampleMultinomial(u, 5000, [1, 1, 1, 1, 1]);
    const w60 = bootstrapInterval(ref, sampleMultinomial(u, 60, [1, 1, 1, 1, 1]), 'psi', { seed: 1, iterations: 300 });
    const w600 = bootstrapInterval(ref, sampleMultinomial(u, 600, [1, 1, 1, 1, 1]), 'psi', {
      seed: 1,
      iterations: 300,
    });
    expect(w600[1] - w600[0]).toBeLessThan(w60[1] - w60[0]);
  });
});

describe('decision rule simulation (reduced; full size: npm run bench:statistics)', () => {
  const base = { features: 5, referenceRows: 5_000 };
  it('keeps false flags at or below 1% without drift', () => {
    for (const rows of [100, 1_000]) {
      const r = runScenario({ ...base, name: 'null', windows: 40, currentRows: rows, shift: 0 }, 11 + rows);
      expect(r.nullFlagged, `rows ${rows}`).toBeLessThanOrEqual(0.01);
    }
  });
  it('flags a 0.5 SD shift at 1,000 rows and a 1 SD shift at 100 rows', () => {
    const half = runScenario({ ...base, name: 'half', windows: 40, currentRows: 1_000, shift: 0.5 }, 21);
    expect(half.shiftedFlagged).toBeGreaterThanOrEqual(0.95);
    const one = runScenario({ ...base, name: 'one', windows: 40, currentRows: 100, shift: 1 }, 22);
    expect(one.shiftedFlagged).toBeGreaterThanOrEqual(0.9);
  });
  it('finds a 0.2 SD shift significant at 10,000 rows without flagging it', () => {
    const r = runScenario({ ...base, name: 'small', windows: 10, currentRows: 10_000, shift: 0.2 }, 23);
    expect(r.shiftedSignificant).toBeGreaterThanOrEqual(0.95);
    expect(r.shiftedFlagged).toBe(0);
  });
});

describe('decision on exponential histograms without a baseline (reduced; full size: npm run bench:statistics)', () => {
  it('keeps false flags at or below 1% without drift, the KS-fallback features included', () => {
    for (const rows of [100, 1_000]) {
      const r = runExponentialScenario(
        { name: 'null', windows: 30, referenceRows: rows, currentRows: rows },
        31 + rows,
      );
      expect(r.nullFlagged, `rows ${rows}`).toBeLessThanOrEqual(0.01);
      expect(r.nullFallback, 'constant and coarse explicit features decide on KS').toBeGreaterThanOrEqual(60);
      expect(r.nullFallbackFlagged).toBe(0);
    }
  });
  it('flags a complete shift and a 1 SD mean shift in the first 1,000-row window', () => {
    for (const changed of ['lognormal', 'poisson', 'zero-inflated', 'constant', 'coarse-explicit'] as const) {
      const complete = runExponentialScenario(
        { name: 'complete', windows: 10, referenceRows: 1_000, currentRows: 1_000, changed, change: 'complete' },
        41,
      );
      expect(complete.changedFlagged, `${changed}, complete shift`).toBe(1);
    }
    for (const changed of ['normal', 'beta', 'poisson', 'zero-inflated'] as const) {
      const shift = runExponentialScenario(
        { name: '1 SD', windows: 10, referenceRows: 1_000, currentRows: 1_000, changed, change: 'shift-1sd' },
        42,
      );
      expect(shift.changedFlagged, `${changed}, 1 SD shift`).toBe(1);
    }
    // a 1 SD shift inside one coarse explicit bucket cannot be seen: insufficient_resolution, never no_drift
    const coarse = runExponentialScenario(
      {
        name: 'coarse',
        windows: 10,
        referenceRows: 1_000,
        currentRows: 1_000,
        changed: 'coarse-explicit',
        change: 'shift-1sd',
      },
      43,
    );
    expect(coarse.changedVerdicts).toEqual({ insufficient_resolution: 10 });
  });
});
