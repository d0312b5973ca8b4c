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
 * be computed. The defaults of the limits live here (VERDICT_DEFAULTS); the processor's
 * configuration overrides them globally and per model.
 */
import { calibrationTest } from './calibration-test.js';
import type { ReliabilityBin } from './calibration.js';
import { normalCritical, normalTwoSidedP, twoProportionTest } from './comparison.js';
import { delongAuc } from './delong.js';
import { fisherExactOneSided } from './fisher-exact.js';
import type { LabelSplitScores } from './scores.js';
import { StatisticsInputError } from './validate.js';

export interface VerdictLimits {
  /** Significance level of each one-sided test (default 0.01). */
  readonly alpha: number;
  /** Accuracy this much below the reference's (and significantly lower) is a degradation (default 0.05). */
  readonly maxAccuracyDrop: number;
  /** ROC AUC this much below the reference's (and significantly lower, DeLong) is a degradation (default 0.05). */
  readonly maxRocAucDrop: number;
  /** ECE this much above what a window of this size calibrated as the reference shows (and significantly so) is a degradation (default 0.05). */
  readonly maxEceIncrease: number;
  /** A predicted-class share this many times the reference's (or this many times smaller) is a large shift (default 2). */
  readonly maxShareRatio: number;
  /** ... provided it also moved by at least this much in absolute terms (default 0.01). */
  readonly minShareDifference: number;
  /** A missing-value rate this much above the reference's (and significantly so) is a spike (default 0.05). */
  readonly maxMissingIncrease: number;
  /** Fewer rows (with outcomes, for performance and calibration) than this give insufficient_data (default 50). */
  readonly minCount: number;
  /** Bootstrap resamples of the calibration test (default 1000). */
  readonly iterations: number;
}

export const VERDICT_DEFAULTS: VerdictLimits = {
  alpha: 0.01,
  maxAccuracyDrop: 0.05,
  maxRocAucDrop: 0.05,
  maxEceIncrease: 0.05,
  maxShareRatio: 2,
  minShareDifference: 0.01,
  maxMissingIncrease: 0.05,
  minCount: 50,
  iterations: 1000,
};

/** `degraded`/`spike`/`shift` flag the window; the others do not. */
export type ChangeVerdict = 'degraded' | 'no_degradation' | 'shift' | 'no_shift' | 'spike' | 'no_spike' | 'insufficient_data';

/** Verdicts that flag a window (an alert condition). */
export const FLAGGING_VERDICTS: readonly ChangeVerdict[] = ['degraded', 'shift', 'spike'];

export interface ChangeTest {
  readonly verdict: ChangeVerdict;
  /** The window's value (accuracy, ROC AUC, ECE, share, missing rate). */
  readonly current: number | null;
  readonly reference: number | null;
  /** current - reference (for calibration: the excess over the ECE expected at this window size). */
  readonly difference: number | null;
  /** Interval of `difference` at level 1 - 2 alpha (one-sided alpha bounds). */
  readonly interval: readonly [number, number] | null;
  /** p-value of the test (one-sided in the direction that flags; two-sided for shares). */
  readonly pValue: number | null;
  /** The change is significant at alpha. */
  readonly significant: boolean;
  /** The interval lies beyond the limit (in the flagging direction). */
  readonly largeEffect: boolean;
  /** The limit the change was compared with. */
  readonly limit: number;
  /** Rows the window's value is computed on. */
  readonly count: number;
  /** Why: the significance and the effect (or what was missing). */
  readonly reasons: readonly string[];
}

const fmt = (x: number): string => (x !== 0 && Math.abs(x) < 1e-3 ? x.toExponential(2) : x.toFixed(3));
const pct = (x: number): string => `${(x * 100).toFixed(x !== 0 && Math.abs(x) < 0.01 ? 2 : 1)}%`;

function limits(l: Partial<VerdictLimits>): VerdictLimits {
  const o = { ...VERDICT_DEFAULTS, ...l };
  if (!(o.alpha > 0 && o.alpha < 0.5)) throw new StatisticsInputError(`alpha must be in (0, 0.5), got ${o.alpha}`);
  for (const k of ['maxAccuracyDrop', 'maxRocAucDrop', 'maxEceIncrease', 'minShareDifference', 'maxMissingIncrease', 'minCount'] as const) {
    if (!(o[k] >= 0 && Number.isFinite(o[k]))) throw new StatisticsInputError(`${k} must be a non-negative number, got ${o[k]}`);
  }
  if (!(o.maxShareRatio >= 1)) throw new StatisticsInputError(`maxShareRatio must be at least 1, got ${o.maxShareRatio}`);
  return o;
}

function insufficient(limit: number, count: number, why: string, current: number | null = null, reference: number | null = null): ChangeTest {
  return { verdict: 'insufficient_data', current, reference, difference: null, interval: null, pValue: null, significant: false, largeEffect: false, limit, count, reasons: [why] };
}

/** `count` of `total` rows (flagged rows, rows with a value missing). */
export interface Proportion {
  readonly count: number;
  readonly total: number;
}

/** Both proportions, or the insufficient_data verdict when the reference is empty or the window too small. */
function proportions(current: Proportion, reference: Proportion, limit: number, o: VerdictLimits, rows: string): ChangeTest | { cur: number; ref: number } {
  const cur = current.total > 0 ? current.count / current.total : null;
  if (reference.total <= 0) return insufficient(limit, current.total, `the reference has no ${rows}`, cur);
  const ref = reference.count / reference.total;
  if (current.total < o.minCount) return insufficient(limit, current.total, `${current.total} ${rows} < minimum ${o.minCount}`, cur, ref);
  return { cur: cur!, ref };
}

/** "drop 0.114 (interval [-0.151, -0.077]) beyond the limit 0.05" and the like. */
function beyond(interval: readonly [number, number], limit: number, large: boolean, what: string): string {
  const sign = limit < 0 ? -1 : 1;
  const point = sign * ((interval[0] + interval[1]) / 2);
  return `${what} ${fmt(point)}, interval [${fmt(interval[0])}, ${fmt(interval[1])}] ${large ? 'beyond' : 'not beyond'} the limit ${fmt(Math.abs(limit))}`;
}

/** P(Z <= z) for a standard normal Z. */
const lowerTail = (z: number): number => (z < 0 ? normalTwoSidedP(z) / 2 : 1 - normalTwoSidedP(z) / 2);

function decided(flag: ChangeVerdict, pass: ChangeVerdict, t: Omit<ChangeTest, 'verdict' | 'reasons'>, alpha: number, effect: string): ChangeTest {
  const reasons = [`${t.significant ? 'significant' : 'not significant'}: p ${fmt(t.pValue!)} ${t.significant ? '<=' : '>'} alpha ${alpha}`, `${t.largeEffect ? 'large effect' : 'small effect'}: ${effect}`];
  return { verdict: t.significant && t.largeEffect ? flag : pass, ...t, reasons };
}

/**
 * Accuracy of the window against the reference's: one-sided pooled two-proportion z-test
 * (H1: the window's accuracy is lower; Agresti 2013, 3.1, as comparison.ts), Wald interval of
 * the difference at 1 - 2 alpha. `degraded` when p <= alpha and the interval lies below
 * -maxAccuracyDrop.
 */
export function accuracyTest(current: { readonly correct: number; readonly count: number }, reference: { readonly correct: number; readonly count: number }, l: Partial<VerdictLimits> = {}): ChangeTest {
  const o = limits(l);
  const limit = o.maxAccuracyDrop;
  const cur = current.count > 0 ? current.correct / current.count : null;
  const ref = reference.count > 0 ? reference.correct / reference.count : null;
  if (reference.count <= 0) return insufficient(limit, current.count, 'the reference has no outcomes', cur);
  if (current.count < o.minCount) return insufficient(limit, current.count, `${current.count} outcomes < minimum ${o.minCount}`, cur, ref);
  const t = twoProportionTest(reference.correct, reference.count, current.correct, current.count, 2 * o.alpha);
  const pValue = lowerTail(t.z);
  const large = t.interval[1] <= -limit;
  return decided('degraded', 'no_degradation', { current: cur, reference: ref, difference: t.difference, interval: t.interval, pValue, significant: pValue <= o.alpha, largeEffect: large, limit, count: current.count }, o.alpha, `accuracy ${fmt(cur!)} vs ${fmt(ref!)}: ${beyond(t.interval, -limit, large, 'drop')}`);
}

/**
 * ROC AUC of the window against the reference's: DeLong variances of both (independent
 * samples, so Var(diff) = Var_w + Var_r), one-sided z-test (H1: lower), normal interval of the
 * difference at 1 - 2 alpha. `degraded` when p <= alpha and the interval lies below -maxRocAucDrop.
 * References: DeLong et al. (1988); Hanley & McNeil (1983), Radiology 148(3) (difference of
 * independent AUCs).
 */
export function rocAucTest(current: LabelSplitScores, reference: LabelSplitScores, l: Partial<VerdictLimits> = {}): ChangeTest {
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
  return decided('degraded', 'no_degradation', { current: w.auc, reference: r.auc, difference, interval, pValue, significant: pValue <= o.alpha, largeEffect: large, limit, count }, o.alpha, `ROC AUC ${fmt(w.auc)} vs ${fmt(r.auc)}: ${beyond(interval, -limit, large, 'drop')}`);
}

/**
 * Calibration of the window against the reference's, from their reliability bins
 * (calibration-test.ts): `degraded` when the bootstrap p-value of "calibrated as the reference"
 * is <= alpha and the excess of the ECE over the ECE expected at this window size is above
 * maxEceIncrease across its interval (the bootstrap interval of the ECE less that expectation).
 * `current` is the window's ECE, `reference` the reference's, `difference` the excess.
 */
export function calibrationVerdict(current: readonly ReliabilityBin[], reference: readonly ReliabilityBin[], referenceEce: number | null, l: Partial<VerdictLimits> = {}, seed = 1): ChangeTest {
  const o = limits(l);
  const limit = o.maxEceIncrease;
  const count = current.reduce((a, b) => a + b.count, 0);
  if (referenceEce === null || reference.every((b) => b.count === 0)) return insufficient(limit, count, 'the reference has no scored outcomes');
  if (count < o.minCount) return insufficient(limit, count, `${count} scored outcomes < minimum ${o.minCount}`, null, referenceEce);
  const t = calibrationTest(current, reference, { alpha: o.alpha, iterations: o.iterations, seed });
  const interval = [t.interval[0] - t.expectedEce, t.interval[1] - t.expectedEce] as const;
  const large = interval[0] >= limit;
  return decided('degraded', 'no_degradation', { current: t.ece, reference: referenceEce, difference: t.excess, interval, pValue: t.pValue, significant: t.pValue <= o.alpha, largeEffect: large, limit, count }, o.alpha, `ECE ${fmt(t.ece)}, ${fmt(t.expectedEce)} expected at ${count} rows if calibrated as the reference: ${beyond(interval, limit, large, 'excess')}`);
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
  return decided('shift', 'no_shift', { current: cur, reference: ref, difference: d, interval: t.interval, pValue, significant: pValue <= o.alpha, largeEffect: up || down, limit, count: current.total }, o.alpha, `share ${pct(cur)} vs ${pct(ref)} (${ratioText}), ${moved} ${up || down ? 'beyond' : 'not beyond'} ${limit}x and ${pct(o.minShareDifference)}`);
}

/**
 * Missing-value rate of a feature against the reference's: one-sided Fisher's exact test (H1:
 * more missing), Wald interval of the difference at 1 - 2 alpha. `spike` when p <= alpha and the
 * interval lies above maxMissingIncrease.
 */
export function missingTest(current: Proportion, reference: Proportion, l: Partial<VerdictLimits> = {}): ChangeTest {
  const o = limits(l);
  const limit = o.maxMissingIncrease;
  const p = proportions(current, reference, limit, o, 'rows with this feature');
  if ('verdict' in p) return p;
  const { cur, ref } = p;
  const pValue = fisherExactOneSided(current.count, current.total, reference.count, reference.total, 'greater');
  const t = twoProportionTest(reference.count, reference.total, current.count, current.total, 2 * o.alpha);
  const large = t.interval[0] >= limit;
  return decided('spike', 'no_spike', { current: cur, reference: ref, difference: cur - ref, interval: t.interval, pValue, significant: pValue <= o.alpha, largeEffect: large, limit, count: current.total }, o.alpha, `missing ${pct(cur)} vs ${pct(ref)}: ${beyond(t.interval, limit, large, 'rise')}`);
}
