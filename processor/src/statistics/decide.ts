import { benjaminiHochberg } from './multiple-testing.js';
import { StatisticsInputError } from './validate.js';
import { DEFAULT_ALPHA, DEFAULT_MIN_ROWS } from './defaults.js';
import { DRIFT_STATISTICS, type DriftStatistic } from './registry.js';

export interface DecisionOptions {
  /** Level for the (BH-adjusted) p-value (default 0.01). */
  readonly alpha?: number;
  /** Minimum PSI on decile bins for a large effect (default 0.1). */
  readonly minPsi?: number;
  /** Minimum Jensen-Shannon distance on decile bins for a large effect (default 0.1). */
  readonly minJensenShannon?: number;
  /** Minimum current rows for a verdict (default 50). */
  readonly minCount?: number;
  /**
   * Minimum KS statistic for a large effect when the feature falls back to KS (its binned
   * statistics cannot be computed); default: the registry's minimum of KS (statistics/defaults.ts).
   */
  readonly minKs?: number;
}

/** One feature's evidence in one window. */
export interface DriftEvidence extends DecisionOptions {
  /** p-value of the feature's drift test (e.g. chi-square homogeneity on decile bins); null when not computed. */
  readonly pValue: number | null;
  /**
   * The p-value after Benjamini-Hochberg adjustment across the window's
   * features. When absent (undefined) the raw p-value is used, i.e. a family of one.
   */
  readonly adjustedPValue?: number | null;
  /** PSI on decile bins. */
  readonly psi?: number | null;
  /** Jensen-Shannon distance on decile bins. */
  readonly jensenShannon?: number | null;
  /** Rows in the current window. */
  readonly currentCount: number;
  /**
   * Set when the feature's binned statistics cannot be computed (the reference cannot be cut
   * into two bins): the reason. The p-value is then the KS test's on the finest common buckets,
   * and the verdict is drift or insufficient_resolution, never no_drift.
   */
  readonly insufficientResolution?: string | null;
  /** KS statistic on the finest common buckets: the effect size of the KS fallback. */
  readonly ks?: number | null;
  /** The current values' range does not overlap the reference's: always drift with enough rows. */
  readonly completeShift?: boolean;
}

export type DriftVerdict = 'drift' | 'no_drift' | 'insufficient_data' | 'insufficient_resolution';

export interface DriftDecision {
  readonly verdict: DriftVerdict;
  /** Adjusted p-value <= alpha. */
  readonly significant: boolean;
  /** PSI >= minPsi or JS >= minJensenShannon (KS >= minKs in the KS fallback; true for a complete shift). */
  readonly largeEffect: boolean;
  readonly pValue: number | null;
  readonly adjustedPValue: number | null;
  /** Why: one line on significance, one on the effect size (or on the missing data). */
  readonly reasons: readonly string[];
}

const fmt = (x: number): string => (x !== 0 && Math.abs(x) < 1e-3 ? x.toExponential(2) : x.toFixed(3));

/**
 * The effect sizes of the decision, from the registry: the statistics with an effect-size
 * minimum, on the bins (PSI, JS: either large enough is a large effect) and, in the KS fallback,
 * on the ordered cells (KS). Each one's value is the evidence's field of its name and its minimum
 * the option `min<Field>` (minPsi, minJensenShannon, minKs), else the registry's default.
 */
const DECIDING = DRIFT_STATISTICS.filter((s) => s.defaultMinimum !== null);
const BINNED_EFFECTS = DECIDING.filter((s) => s.input === 'bins');
const FALLBACK_EFFECT = DECIDING.find((s) => s.input === 'ordered')!;

interface Effect {
  readonly name: string;
  readonly value: number | null;
  readonly minimum: number;
  readonly large: boolean;
}

function effectOf(s: DriftStatistic, e: DriftEvidence): Effect {
  const fields = e as unknown as Readonly<Record<string, number | null | undefined>>;
  const value = fields[s.field] ?? null;
  const minimum = fields[`min${s.field[0]!.toUpperCase()}${s.field.slice(1)}`] ?? s.defaultMinimum!;
  return { name: s.abbreviation, value, minimum, large: value !== null && value >= minimum };
}

const effectPart = (x: Effect): string => `${x.name} ${fmt(x.value!)} ${x.large ? '>=' : '<'} ${x.minimum}`;

/**
 * Drift verdict for one feature in one window.
 *
 * 'insufficient_data' when the current window has fewer than `minCount` rows
 * (default 50), or there is no p-value and the binned statistics were computable.
 * A complete shift (`completeShift`: the ranges do not overlap) is 'drift' whenever
 * there are enough rows: `minCount` current rows and a raw p-value <= alpha (so that a
 * handful of reference rows does not count), without the Benjamini-Hochberg adjustment.
 * Otherwise 'drift' only when both hold:
 *   significant:  adjusted p-value <= alpha (default 0.01), and
 *   large effect: PSI >= minPsi (default 0.1, the customary "moderate shift"
 *                 threshold) or Jensen-Shannon distance >= minJensenShannon (default 0.1);
 * else 'no_drift'. Significance guards against noise in small windows; the
 * effect minimum keeps large windows from flagging shifts too small to matter.
 * KS fallback (`insufficientResolution` set: the reference cannot be cut into two
 * bins): the p-value is the KS test's and the large effect is KS >= minKs (default 0.1,
 * statistics/defaults.ts); both hold -> 'drift', else 'insufficient_resolution' with
 * the reason, since coarse buckets may hide what the bins would have shown.
 * `reasons` states each part.
 * References: Benjamini & Hochberg (1995), J. R. Stat. Soc. B 57(1);
 * Siddiqi (2006), "Credit Risk Scorecards", ch. 8 (PSI thresholds 0.1 / 0.25).
 */
export function decideDrift(e: DriftEvidence): DriftDecision {
  const alpha = e.alpha ?? DEFAULT_ALPHA;
  const minCount = e.minCount ?? DEFAULT_MIN_ROWS;
  if (!(e.currentCount >= 0)) throw new StatisticsInputError(`current count is negative or NaN (${e.currentCount})`);
  if (!(alpha > 0 && alpha < 1)) throw new StatisticsInputError(`alpha must be in (0, 1), got ${alpha}`);
  const adjusted = e.adjustedPValue === undefined ? e.pValue : e.adjustedPValue;
  const fallback = e.insufficientResolution != null;
  const effects = fallback ? [effectOf(FALLBACK_EFFECT, e)] : BINNED_EFFECTS.map((s) => effectOf(s, e));
  const largeEffect = effects.some((x) => x.large);
  if (e.currentCount < minCount) {
    return {
      pValue: e.pValue,
      adjustedPValue: adjusted ?? null,
      largeEffect,
      verdict: 'insufficient_data',
      significant: false,
      reasons: [`${e.currentCount} current rows < minimum ${minCount}`],
    };
  }
  // a complete shift needs no family-wide adjustment, only enough rows on both sides to be one
  if (e.completeShift === true && (e.pValue === null || e.pValue <= alpha)) {
    const significant = adjusted != null && adjusted <= alpha;
    const p = e.pValue === null ? '' : ` (p ${fmt(e.pValue)} <= alpha ${alpha} before adjustment)`;
    return {
      pValue: e.pValue,
      adjustedPValue: adjusted ?? null,
      largeEffect: true,
      verdict: 'drift',
      significant,
      reasons: [`complete shift: the current values lie entirely outside the range of the reference values${p}`],
    };
  }
  if (fallback) {
    const ks = effects[0]!;
    const why = `insufficient resolution: ${e.insufficientResolution}; decided on ${ks.name} on the finest common buckets`;
    if (e.pValue === null || adjusted == null) {
      return {
        pValue: e.pValue,
        adjustedPValue: adjusted ?? null,
        largeEffect,
        verdict: 'insufficient_resolution',
        significant: false,
        reasons: [why, `no ${ks.name} p-value`],
      };
    }
    const significant = adjusted <= alpha;
    const ksPart = ks.value !== null ? effectPart(ks) : `no ${ks.name} statistic given`;
    const reasons = [
      why,
      `${significant ? 'significant' : 'not significant'}: adjusted ${ks.name} p ${fmt(adjusted)} ${significant ? '<=' : '>'} alpha ${alpha}`,
      `${ks.large ? 'large effect' : 'small effect'}: ${ksPart}`,
    ];
    return {
      pValue: e.pValue,
      adjustedPValue: adjusted,
      largeEffect,
      verdict: significant && ks.large ? 'drift' : 'insufficient_resolution',
      significant,
      reasons,
    };
  }
  if (e.pValue === null || adjusted == null) {
    return {
      pValue: e.pValue,
      adjustedPValue: adjusted ?? null,
      largeEffect,
      verdict: 'insufficient_data',
      significant: false,
      reasons: ['no p-value for this feature'],
    };
  }
  const significant = adjusted <= alpha;
  const parts = effects.filter((x) => x.value !== null).map(effectPart);
  const effect = parts.length > 0 ? parts.join(largeEffect ? ' or ' : ' and ') : 'no effect size given';
  const reasons = [
    `${significant ? 'significant' : 'not significant'}: adjusted p ${fmt(adjusted)} ${significant ? '<=' : '>'} alpha ${alpha}`,
    `${largeEffect ? 'large effect' : 'small effect'}: ${effect}`,
  ];
  return {
    pValue: e.pValue,
    adjustedPValue: adjusted,
    largeEffect,
    verdict: significant && largeEffect ? 'drift' : 'no_drift',
    significant,
    reasons,
  };
}

/** A feature's evidence for {@link decideWindow}. */
export interface FeatureEvidence {
  readonly feature: string;
  /** The feature's test p-value: chi-square on the bins, or KS in the KS fallback. */
  readonly pValue: number | null;
  readonly psi?: number | null;
  readonly jensenShannon?: number | null;
  readonly currentCount: number;
  readonly insufficientResolution?: string | null;
  readonly ks?: number | null;
  readonly completeShift?: boolean;
}

/**
 * Verdicts for all features of a model in one window: features with at least
 * `minCount` current rows and a p-value (chi-square, or KS for the features in
 * the KS fallback) form the Benjamini-Hochberg family (FDR at alpha), then each
 * gets {@link decideDrift} with its adjusted p-value.
 */
export function decideWindow(
  features: readonly FeatureEvidence[],
  opts: DecisionOptions = {},
): (DriftDecision & { readonly feature: string })[] {
  const minCount = opts.minCount ?? DEFAULT_MIN_ROWS;
  const family = features.map((f, i) => ({ f, i })).filter(({ f }) => f.pValue !== null && f.currentCount >= minCount);
  const adjusted = benjaminiHochberg(family.map(({ f }) => f.pValue!));
  const byIndex = new Map(family.map(({ i }, k) => [i, adjusted[k]!] as const));
  return features.map((f, i) => ({
    feature: f.feature,
    ...decideDrift({ ...opts, ...f, adjustedPValue: byIndex.get(i) ?? null }),
  }));
}
