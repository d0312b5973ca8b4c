/**
 * The shape and the decision rule shared by every per-window verdict (verdicts.ts,
 * business-verdict.ts, data-quality-verdict.ts): a `ChangeTest` flags the window only when the
 * change is significant at alpha AND its (1 - 2 alpha) interval lies entirely beyond a limit;
 * `insufficient_data` (or `insufficient_resolution`) with the reason when it cannot be computed.
 * The limits and their defaults live here (VERDICT_DEFAULTS); the processor's configuration
 * overrides them globally and per model.
 */
import { normalTwoSidedP, twoProportionTest } from './comparison.js';
import { fisherExactOneSided } from './fisher-exact.js';
import { StatisticsInputError } from './validate.js';
import { DEFAULT_ALPHA, DEFAULT_MIN_ROWS } from './defaults.js';

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
  /** A share of values of the wrong type this much above the reference's is a spike (default 0.01). */
  readonly maxInvalidIncrease: number;
  /** A share of values outside the reference's observed range this much above what a sample of the reference shows is a spike (default 0.02). */
  readonly maxOutOfRangeIncrease: number;
  /** A share of rows in categories the reference does not know this much above the reference's is a spike (default 0.02). */
  readonly maxNewCategoryIncrease: number;
  /** A business value per prediction this much (relative) below the reference's is a degradation (default 0.1). */
  readonly maxBusinessValueDrop: number;
  /** Fewer rows (with outcomes, for performance and calibration) than this give insufficient_data (default 50). */
  readonly minCount: number;
  /** Bootstrap resamples of the calibration test (default 1000). */
  readonly iterations: number;
}

export const VERDICT_DEFAULTS: VerdictLimits = {
  alpha: DEFAULT_ALPHA,
  maxAccuracyDrop: 0.05,
  maxRocAucDrop: 0.05,
  maxEceIncrease: 0.05,
  maxShareRatio: 2,
  minShareDifference: 0.01,
  maxMissingIncrease: 0.05,
  maxInvalidIncrease: 0.01,
  maxOutOfRangeIncrease: 0.02,
  maxNewCategoryIncrease: 0.02,
  maxBusinessValueDrop: 0.1,
  minCount: DEFAULT_MIN_ROWS,
  iterations: 1000,
};

/** `degraded`/`spike`/`shift` flag the window; the others do not. */
export type ChangeVerdict =
  | 'degraded'
  | 'no_degradation'
  | 'shift'
  | 'no_shift'
  | 'spike'
  | 'no_spike'
  | 'insufficient_data'
  | 'insufficient_resolution';

/** Verdicts that flag a window (an alert condition). */
export const FLAGGING_VERDICTS: readonly ChangeVerdict[] = ['degraded', 'shift', 'spike'];

export interface ChangeTest {
  readonly verdict: ChangeVerdict;
  /** The window's value (accuracy, ROC AUC, ECE, share, rate, mean). */
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

/** `count` of `total` rows (flagged rows, rows with a value missing). */
export interface Proportion {
  readonly count: number;
  readonly total: number;
}

export const fmt = (x: number): string => (x !== 0 && Math.abs(x) < 1e-3 ? x.toExponential(2) : x.toFixed(3));
export const pct = (x: number): string => `${(x * 100).toFixed(x !== 0 && Math.abs(x) < 0.01 ? 2 : 1)}%`;

const NON_NEGATIVE = [
  'maxAccuracyDrop',
  'maxRocAucDrop',
  'maxEceIncrease',
  'minShareDifference',
  'maxMissingIncrease',
  'maxInvalidIncrease',
  'maxOutOfRangeIncrease',
  'maxNewCategoryIncrease',
  'maxBusinessValueDrop',
  'minCount',
] as const;

/** Limits this module resolved and checked (frozen): resolving one of them again returns it. */
const resolved = new WeakSet<object>();

/** The limits over their defaults, checked. */
export function resolveLimits(l: Partial<VerdictLimits>): VerdictLimits {
  if (resolved.has(l)) return l as VerdictLimits;
  const o = { ...VERDICT_DEFAULTS, ...l };
  if (!(o.alpha > 0 && o.alpha < 0.5)) throw new StatisticsInputError(`alpha must be in (0, 0.5), got ${o.alpha}`);
  for (const k of NON_NEGATIVE) {
    if (!(o[k] >= 0 && Number.isFinite(o[k])))
      throw new StatisticsInputError(`${k} must be a non-negative number, got ${o[k]}`);
  }
  if (!(o.maxShareRatio >= 1))
    throw new StatisticsInputError(`maxShareRatio must be at least 1, got ${o.maxShareRatio}`);
  resolved.add(Object.freeze(o));
  return o;
}

export function insufficient(
  limit: number,
  count: number,
  why: string,
  current: number | null = null,
  reference: number | null = null,
  verdict: 'insufficient_data' | 'insufficient_resolution' = 'insufficient_data',
): ChangeTest {
  return {
    verdict,
    current,
    reference,
    difference: null,
    interval: null,
    pValue: null,
    significant: false,
    largeEffect: false,
    limit,
    count,
    reasons: [why],
  };
}

/** Both proportions, or the insufficient_data verdict when the reference is empty or the window too small. */
export function proportions(
  current: Proportion,
  reference: Proportion,
  limit: number,
  o: VerdictLimits,
  rows: string,
): ChangeTest | { cur: number; ref: number } {
  const cur = current.total > 0 ? current.count / current.total : null;
  if (reference.total <= 0) return insufficient(limit, current.total, `the reference has no ${rows}`, cur);
  const ref = reference.count / reference.total;
  if (current.total < o.minCount)
    return insufficient(limit, current.total, `${current.total} ${rows} < minimum ${o.minCount}`, cur, ref);
  return { cur: cur!, ref };
}

/** "drop 0.114 (interval [-0.151, -0.077]) beyond the limit 0.05" and the like. */
export function beyond(interval: readonly [number, number], limit: number, large: boolean, what: string): string {
  const sign = limit < 0 ? -1 : 1;
  const point = sign * ((interval[0] + interval[1]) / 2);
  return `${what} ${fmt(point)}, interval [${fmt(interval[0])}, ${fmt(interval[1])}] ${large ? 'beyond' : 'not beyond'} the limit ${fmt(Math.abs(limit))}`;
}

/** P(Z <= z) for a standard normal Z. */
export const lowerTail = (z: number): number => (z < 0 ? normalTwoSidedP(z) / 2 : 1 - normalTwoSidedP(z) / 2);

export function decided(
  flag: ChangeVerdict,
  pass: ChangeVerdict,
  t: Omit<ChangeTest, 'verdict' | 'reasons'>,
  alpha: number,
  effect: string,
): ChangeTest {
  const reasons = [
    `${t.significant ? 'significant' : 'not significant'}: p ${fmt(t.pValue!)} ${t.significant ? '<=' : '>'} alpha ${alpha}`,
    `${t.largeEffect ? 'large effect' : 'small effect'}: ${effect}`,
  ];
  return { verdict: t.significant && t.largeEffect ? flag : pass, ...t, reasons };
}

/**
 * A rate of the window (rows with a value missing, of the wrong type, in an unseen category...)
 * against the reference's: one-sided Fisher's exact test (H1: higher), Wald interval of the
 * difference at 1 - 2 alpha. `spike` when p <= alpha and the interval lies above `limit`.
 * `what` names the rate in the reasons ("missing"), `rows` what is counted ("rows with this feature").
 */
export function riseTest(
  current: Proportion,
  reference: Proportion,
  limit: number,
  o: VerdictLimits,
  what: string,
  rows: string,
): ChangeTest {
  const p = proportions(current, reference, limit, o, rows);
  if ('verdict' in p) return p;
  const { cur, ref } = p;
  const pValue = fisherExactOneSided(current.count, current.total, reference.count, reference.total, 'greater');
  const t = twoProportionTest(reference.count, reference.total, current.count, current.total, 2 * o.alpha);
  const large = t.interval[0] >= limit;
  return decided(
    'spike',
    'no_spike',
    {
      current: cur,
      reference: ref,
      difference: cur - ref,
      interval: t.interval,
      pValue,
      significant: pValue <= o.alpha,
      largeEffect: large,
      limit,
      count: current.total,
    },
    o.alpha,
    `${what} ${pct(cur)} vs ${pct(ref)}: ${beyond(t.interval, limit, large, 'rise')}`,
  );
}
