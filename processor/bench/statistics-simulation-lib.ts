/**
 * Monte-Carlo simulation of the drift decision rule: false-positive rate
 * under no drift and power under mean shifts, on normal features binned
 * exactly as the processor does (reference percentile boundaries, decile bins,
 * chi-square p-value, Benjamini-Hochberg across the window's features, effect
 * size minimum). Used by `npm run bench:statistics` (full size) and by the
 * unit tests (reduced size). Deterministic for a given seed.
 */
import {
  binnedDrift,
  criticalValues,
  decideWindow,
  groupHistogram,
  histogramFromValues,
  ksTest,
  referenceBoundaries,
  seededUniform,
  type DecisionOptions,
} from '../src/statistics/index.js';

/** Standard normal variates by the Box-Muller transform (Box & Muller 1958). */
export function gaussianSource(seed: number): () => number {
  const u = seededUniform(seed);
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    let a = u();
    while (a === 0) a = u();
    const r = Math.sqrt(-2 * Math.log(a));
    const t = 2 * Math.PI * u();
    spare = r * Math.sin(t);
    return r * Math.cos(t);
  };
}

export interface Scenario {
  readonly name: string;
  readonly features: number;
  readonly windows: number;
  readonly referenceRows: number;
  readonly currentRows: number;
  /** Mean shift (in SDs) of feature 0 in the current windows; 0 = no drift anywhere. */
  readonly shift: number;
}

export interface ScenarioResult {
  readonly scenario: Scenario;
  /** Share of unshifted feature-windows flagged as drift. */
  readonly nullFlagged: number;
  /** Share of unshifted feature-windows BH-significant. */
  readonly nullSignificant: number;
  /** Share of windows in which feature 0 (the shifted one) was flagged / significant (raw p < alpha) / BH-significant. */
  readonly shiftedFlagged: number;
  readonly shiftedRawSignificant: number;
  readonly shiftedSignificant: number;
  /** Mean PSI and JS of feature 0. */
  readonly shiftedMeanPsi: number;
  readonly shiftedMeanJs: number;
  /** Share of unshifted feature-windows exceeding each statistic's asymptotic critical value at alpha. */
  readonly nullExceedance: Readonly<Record<'psi' | 'kl' | 'jensenShannon' | 'hellinger' | 'chiSquare' | 'ks', number>>;
  readonly insufficient: number;
}

/** Runs one scenario: fixed references per feature, `windows` independent current windows. */
export function runScenario(s: Scenario, seed: number, opts: DecisionOptions = {}): ScenarioResult {
  const alpha = opts.alpha ?? 0.01;
  const gauss = gaussianSource(seed);
  const refs = Array.from({ length: s.features }, () => {
    const values = Float64Array.from({ length: s.referenceRows }, gauss);
    const rb = referenceBoundaries(values);
    const fine = histogramFromValues(values, rb.boundaries);
    const deciles = groupHistogram(fine, rb.decileBoundaries).counts;
    return { rb, fine, deciles };
  });
  let nullFlagged = 0;
  let nullSig = 0;
  let nullN = 0;
  let shiftedFlagged = 0;
  let shiftedRaw = 0;
  let shiftedSig = 0;
  let psiSum = 0;
  let jsSum = 0;
  let insufficient = 0;
  const exceed = { psi: 0, kl: 0, jensenShannon: 0, hellinger: 0, chiSquare: 0, ks: 0 };
  const cur = new Float64Array(s.currentRows);
  for (let w = 0; w < s.windows; w++) {
    const evidence = refs.map((ref, f) => {
      const shift = f === 0 ? s.shift : 0;
      for (let i = 0; i < s.currentRows; i++) cur[i] = gauss() + shift;
      const fine = histogramFromValues(cur, ref.rb.boundaries);
      const dec = groupHistogram(fine, ref.rb.decileBoundaries).counts;
      const b = binnedDrift(ref.deciles, dec);
      if (shift === 0) {
        const crit = criticalValues({
          referenceCount: s.referenceRows,
          currentCount: s.currentRows,
          bins: dec.length,
          alpha,
        });
        const ks = ksTest(ref.fine, fine);
        if (b.psi > crit.psi) exceed.psi++;
        if (b.kl > crit.kl) exceed.kl++;
        if (b.jensenShannon > crit.jensenShannon) exceed.jensenShannon++;
        if (b.hellinger > crit.hellinger) exceed.hellinger++;
        if (b.chiSquare.statistic > crit.chiSquare) exceed.chiSquare++;
        if (ks.statistic > crit.ks) exceed.ks++;
      }
      return {
        feature: `f${f}`,
        pValue: b.chiSquare.pValue,
        psi: b.psi,
        jensenShannon: b.jensenShannon,
        currentCount: s.currentRows,
      };
    });
    const decisions = decideWindow(evidence, opts);
    decisions.forEach((d, f) => {
      if (d.verdict === 'insufficient_data') insufficient++;
      if (f === 0 && s.shift !== 0) {
        if (d.verdict === 'drift') shiftedFlagged++;
        if (d.significant) shiftedSig++;
        if (evidence[0]!.pValue <= alpha) shiftedRaw++;
        psiSum += evidence[0]!.psi;
        jsSum += evidence[0]!.jensenShannon;
      } else {
        nullN++;
        if (d.verdict === 'drift') nullFlagged++;
        if (d.significant) nullSig++;
      }
    });
  }
  const W = s.windows;
  return {
    scenario: s,
    nullFlagged: nullFlagged / nullN,
    nullSignificant: nullSig / nullN,
    shiftedFlagged: shiftedFlagged / W,
    shiftedRawSignificant: shiftedRaw / W,
    shiftedSignificant: shiftedSig / W,
    shiftedMeanPsi: psiSum / W,
    shiftedMeanJs: jsSum / W,
    nullExceedance: {
      psi: exceed.psi / nullN,
      kl: exceed.kl / nullN,
      jensenShannon: exceed.jensenShannon / nullN,
      hellinger: exceed.hellinger / nullN,
      chiSquare: exceed.chiSquare / nullN,
      ks: exceed.ks / nullN,
    },
    insufficient,
  };
}
