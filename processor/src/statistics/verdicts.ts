/**
 * Per-window verdicts beyond drift: is the window's performance, calibration, predicted-class
 * share or missing-value rate worse than the reference's by more than a limit, with confidence?
 * A verdict flags the window only when the change is significant at alpha AND its (1 - 2 alpha)
 * interval lies entirely beyond the limit: the data show, at level alpha, that the change is
 * larger than what the limit tolerates. Compared with "significant and a point estimate beyond
 * the limit" (the drift decision, decide.ts), this keeps a clean window's noise from flagging it:
 * at 600 rows a clean window's AUC or accuracy must be off by the limit plus about 2.3 standard
 * errors, a chance of about 1e-4 per window, where the point-estimate rule flags about 1% of
 * clean windows. Every verdict says why in `reasons`, and says `insufficient_data` when it cannot
 * be computed. The limits, their defaults and the shared rule are in change-test.ts.
 */
import { calibrationTest } from './calibration-test.js';
import type { ReliabilityBin } from './calibration.js';
import {
  beyond,
  decided,
  fmt,
  insufficient,
  lowerTail,
  pct,
  proportions,
  resolveLimits as limits,
  riseTest,
  type ChangeTest,
  type Proportion,
  type VerdictLimits,
} from './change-test.js';
import { normalCritical, twoProportionTest } from './comparison.js';
import { delongAuc } from './delong.js';
import { fisherExactOneSided } from './fisher-exact.js';
import type { LabelSplitScores } from './scores.js';
import { StatisticsInputError } from './validate.js';

export { FLAGGING_VERDICTS, VERDICT_DEFAULTS } from './change-test.js';
export type { ChangeTest, ChangeVerdict, Proportion, VerdictLimits } from './change-test.js';

/**
 * Accuracy of the window against the reference's: one-sided pooled two-proportion z-test
 * (H1: the window's accuracy is lower; Agresti 2013, 3.1, as comparison.ts), Wald interval of
 * the difference at 1 - 2 alpha. `degraded` when p <= alpha and the interval lies below
 * -maxAccuracyDrop.
 */
export function accuracyTest(
  current: { readonly correct: number; readonly count: number },
  reference: { readonly correct: number; readonly count: number },
  l: Partial<VerdictLimits> = {},
): ChangeTest {
  const o = limits(l);
  const limit = o.maxAccuracyDrop;
  const cur = current.count > 0 ? current.correct / current.count : null;
  const ref = reference.count > 0 ? reference.correct / reference.count : null;
  if (reference.count <= 0) return insufficient(limit, current.count, 'the reference has no outcomes', cur);
  if (current.count < o.minCount)
    return insufficient(limit, current.count, `${current.count} outcomes < minimum ${o.minCount}`, cur, ref);
  const t = twoProportionTest(reference.correct, reference.count, current.correct, current.count, 2 * o.alpha);
  const pValue = lowerTail(t.z);
  const large = t.interval[1] <= -limit;
  return decided(
    'degraded',
    'no_degradation',
    {
      current: cur,
      reference: ref,
      difference: t.difference,
      interval: t.interval,
      pValue,
      significant: pValue <= o.alpha,
      largeEffect: large,
      limit,
      count: current.count,
    },
    o.alpha,
    `accuracy ${fmt(cur!)} vs ${fmt(ref!)}: ${beyond(t.interval, -limit, large, 'drop')}`,
  );
}

/**
 * ROC AUC of the window against the reference's: DeLong variances of both (independent
 * samples, so Var(diff) = Var_w + Var_r), one-sided z-test (H1: lower), normal interval of the
 * difference at 1 - 2 alpha. `degraded` when p <= alpha and the interval lies below -maxRocAucDrop.
 * References: DeLong et al. (1988); Hanley & McNeil (1983), Radiology 148(3) (difference of
 * independent AUCs).
 */
export function rocAucTest(
  current: LabelSplitScores,
  reference: LabelSplitScores,
  l: Partial<VerdictLimits> = {},
): ChangeTest {
  const o = limits(l);
  const limit = o.maxRocAucDrop;
  const count = current.positive.reduce((a, b) => a + b, 0) + current.negative.reduce((a, b) => a + b, 0);
  if (count < o.minCount) return insufficient(limit, count, `${count} scored outcomes < minimum ${o.minCount}`);
  let r: ReturnType<typeof delongAuc>;
  let w: ReturnType<typeof delongAuc>;
  try {
    r = delongAuc(reference);
  } catch (err) {
    if (err instanceof StatisticsInputError) return insufficient(limit, count, `reference: ${err.message}`);
    throw err;
  }
  try {
    w = delongAuc(current);
  } catch (err) {
    if (err instanceof StatisticsInputError) return insufficient(limit, count, err.message, null, r.auc);
    throw err;
  }
  const difference = w.auc - r.auc;
  const se = Math.sqrt(w.variance + r.variance);
  const z = se > 0 ? difference / se : 0;
  const pValue = se > 0 ? lowerTail(z) : difference < 0 ? 0 : 1;
  const half = normalCritical(2 * o.alpha) * se;
  const interval = [difference - half, difference + half] as const;
  const large = interval[1] <= -limit;
  return decided(
    'degraded',
    'no_degradation',
    {
      current: w.auc,
      reference: r.auc,
      difference,
      interval,
      pValue,
      significant: pValue <= o.alpha,
      largeEffect: large,
      limit,
      count,
    },
    o.alpha,
    `ROC AUC ${fmt(w.auc)} vs ${fmt(r.auc)}: ${beyond(interval, -limit, large, 'drop')}`,
  );
}

/**
 * Calibration of the window against the reference's, from their reliability bins
 * (calibration-test.ts): `degraded` when the bootstrap p-value of "calibrated as the reference"
 * is <= alpha and the excess of the ECE over the ECE expected at this window size is above
 * maxEceIncrease across its interval (the bootstrap interval of the ECE less that expectation).
 * `current` is the window's ECE, `reference` the reference's, `difference` the excess.
 */
export function calibrationVerdict(
  current: readonly ReliabilityBin[],
  reference: readonly ReliabilityBin[],
  referenceEce: number | null,
  l: Partial<VerdictLimits> = {},
  seed = 1,
): ChangeTest {
  const o = limits(l);
  const limit = o.maxEceIncrease;
  const count = current.reduce((a, b) => a + b.count, 0);
  if (referenceEce === null || reference.every((b) => b.count === 0))
    return insufficient(limit, count, 'the reference has no scored outcomes');
  if (count < o.minCount)
    return insufficient(limit, count, `${count} scored outcomes < minimum ${o.minCount}`, null, referenceEce);
  const t = calibrationTest(current, reference, { alpha: o.alpha, iterations: o.iterations, seed });
  const interval = [t.interval[0] - t.expectedEce, t.interval[1] - t.expectedEce] as const;
  const large = interval[0] >= limit;
  return decided(
    'degraded',
    'no_degradation',
    {
      current: t.ece,
      reference: referenceEce,
      difference: t.excess,
      interval,
      pValue: t.pValue,
      significant: t.pValue <= o.alpha,
      largeEffect: large,
      limit,
      count,
    },
    o.alpha,
    `ECE ${fmt(t.ece)}, ${fmt(t.expectedEce)} expected at ${count} rows if calibrated as the reference: ${beyond(interval, limit, large, 'excess')}`,
  );
}

/**
 * Share of the window's rows predicted as a class (e.g. flagged as fraud) against the
 * reference's share: Fisher's exact test, two-sided as twice the smaller one-sided p-value
 * (fisher-exact.ts), Wald interval of the difference at 1 - 2 alpha. `shift` when p <= alpha and
 * the whole interval is a move by a factor of at least maxShareRatio (either way) and by at least
 * minShareDifference.
 */
export function shareTest(current: Proportion, reference: Proportion, l: Partial<VerdictLimits> = {}): ChangeTest {
  const o = limits(l);
  const limit = o.maxShareRatio;
  const p = proportions(current, reference, limit, o, 'predictions');
  if ('verdict' in p) return p;
  const { cur, ref } = p;
  const pUp = fisherExactOneSided(current.count, current.total, reference.count, reference.total, 'greater');
  const pDown = fisherExactOneSided(current.count, current.total, reference.count, reference.total, 'less');
  const pValue = Math.min(1, 2 * Math.min(pUp, pDown));
  const t = twoProportionTest(reference.count, reference.total, current.count, current.total, 2 * o.alpha);
  const d = cur - ref;
  const [lo, hi] = t.interval;
  // up: the lowest share in the interval is still limit x the reference's and minShareDifference above it; down likewise
  const up = lo >= o.minShareDifference && ref + lo >= limit * ref;
  const down = hi <= -o.minShareDifference && ref + hi <= ref / limit;
  const ratio = ref > 0 ? cur / ref : cur > 0 ? Infinity : 1;
  const ratioText = Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : 'from none';
  const moved = `interval of the difference [${fmt(lo)}, ${fmt(hi)}]`;
  return decided(
    'shift',
    'no_shift',
    {
      current: cur,
      reference: ref,
      difference: d,
      interval: t.interval,
      pValue,
      significant: pValue <= o.alpha,
      largeEffect: up || down,
      limit,
      count: current.total,
    },
    o.alpha,
    `share ${pct(cur)} vs ${pct(ref)} (${ratioText}), ${moved} ${up || down ? 'beyond' : 'not beyond'} ${limit}x and ${pct(o.minShareDifference)}`,
  );
}

/**
 * Missing-value rate of a feature against the reference's: one-sided Fisher's exact test (H1:
 * more missing), Wald interval of the difference at 1 - 2 alpha. `spike` when p <= alpha and the
 * interval lies above maxMissingIncrease (change-test.ts, riseTest).
 */
export function missingTest(current: Proportion, reference: Proportion, l: Partial<VerdictLimits> = {}): ChangeTest {
  const o = limits(l);
  return riseTest(current, reference, o.maxMissingIncrease, o, 'missing', 'rows with this feature');
}
