import { benjaminiHochberg } from './multiple-testing.js';
import { StatisticsInputError } from './validate.js';

export interface DecisionOptions {
  /** Level for the (BH-adjusted) p-value (default 0.01). */
  readonly alpha?: number;
  /** Minimum PSI on decile bins for a large effect (default 0.1). */
  readonly minPsi?: number;
  /** Minimum Jensen-Shannon distance on decile bins for a large effect (default 0.1). */
  readonly minJensenShannon?: number;
  /** Minimum current rows for a verdict (default 50). */
  readonly minCount?: number;
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
}

export type DriftVerdict = 'drift' | 'no_drift' | 'insufficient_data';

export interface DriftDecision {
  readonly verdict: DriftVerdict;
  /** Adjusted p-value <= alpha. */
  readonly significant: boolean;
  /** PSI >= minPsi or JS >= minJensenShannon. */
  readonly largeEffect: boolean;
  readonly pValue: number | null;
  readonly adjustedPValue: number | null;
  /** Why: one line on significance, one on the effect size (or on the missing data). */
  readonly reasons: readonly string[];
}

const fmt = (x: number): string => (x !== 0 && Math.abs(x) < 1e-3 ? x.toExponential(2) : x.toFixed(3));

/**
 * Drift verdict for one feature in one window.
 *
 * 'insufficient_data' when the current window has fewer than `minCount` rows
 * (default 50) or there is no p-value. Otherwise 'drift' only when both hold:
 *   significant:  adjusted p-value <= alpha (default 0.01), and
 *   large effect: PSI >= minPsi (default 0.1, the customary "moderate shift"
 *                 threshold) or Jensen-Shannon distance >= minJensenShannon (default 0.1);
 * else 'no_drift'. Significance guards against noise in small windows; the
 * effect minimum keeps large windows from flagging shifts too small to matter.
 * `reasons` states both parts.
 * References: Benjamini & Hochberg (1995), J. R. Stat. Soc. B 57(1);
 * Siddiqi (2006), "Credit Risk Scorecards", ch. 8 (PSI thresholds 0.1 / 0.25).
 */
export function decideDrift(e: DriftEvidence): DriftDecision {
  const alpha = e.alpha ?? 0.01;
  const minPsi = e.minPsi ?? 0.1;
  const minJs = e.minJensenShannon ?? 0.1;
  const minCount = e.minCount ?? 50;
  if (!(e.currentCount >= 0)) throw new StatisticsInputError(`current count is negative or NaN (${e.currentCount})`);
  if (!(alpha > 0 && alpha < 1)) throw new StatisticsInputError(`alpha must be in (0, 1), got ${alpha}`);
  const adjusted = e.adjustedPValue === undefined ? e.pValue : e.adjustedPValue;
  const psiLarge = e.psi != null && e.psi >= minPsi;
  const jsLarge = e.jensenShannon != null && e.jensenShannon >= minJs;
  const largeEffect = psiLarge || jsLarge;
  if (e.currentCount < minCount || e.pValue === null || adjusted == null) {
    const why = e.currentCount < minCount ? `${e.currentCount} current rows < minimum ${minCount}` : 'no p-value for this feature';
    return { pValue: e.pValue, adjustedPValue: adjusted ?? null, largeEffect, verdict: 'insufficient_data', significant: false, reasons: [why] };
  }
  const significant = adjusted <= alpha;
  const psiPart = e.psi != null ? `PSI ${fmt(e.psi)} ${psiLarge ? '>=' : '<'} ${minPsi}` : null;
  const jsPart = e.jensenShannon != null ? `JS ${fmt(e.jensenShannon)} ${jsLarge ? '>=' : '<'} ${minJs}` : null;
  const effect = psiPart !== null && jsPart !== null ? psiPart + (largeEffect ? ' or ' : ' and ') + jsPart : (psiPart ?? jsPart ?? 'no effect size given');
  const reasons = [
    `${significant ? 'significant' : 'not significant'}: adjusted p ${fmt(adjusted)} ${significant ? '<=' : '>'} alpha ${alpha}`,
    `${largeEffect ? 'large effect' : 'small effect'}: ${effect}`,
  ];
  return { pValue: e.pValue, adjustedPValue: adjusted, largeEffect, verdict: significant && largeEffect ? 'drift' : 'no_drift', significant, reasons };
}

/** A feature's evidence for {@link decideWindow}. */
export interface FeatureEvidence {
  readonly feature: string;
  readonly pValue: number | null;
  readonly psi?: number | null;
  readonly jensenShannon?: number | null;
  readonly currentCount: number;
}

/**
 * Verdicts for all features of a model in one window: features with at least
 * `minCount` current rows and a p-value form the Benjamini-Hochberg family
 * (FDR at alpha), then each gets {@link decideDrift} with its adjusted
 * p-value; the others get 'insufficient_data'.
 */
export function decideWindow(features: readonly FeatureEvidence[], opts: DecisionOptions = {}): (DriftDecision & { readonly feature: string })[] {
  const minCount = opts.minCount ?? 50;
  const family = features.map((f, i) => ({ f, i })).filter(({ f }) => f.pValue !== null && f.currentCount >= minCount);
  const adjusted = benjaminiHochberg(family.map(({ f }) => f.pValue!));
  const byIndex = new Map(family.map(({ i }, k) => [i, adjusted[k]!] as const));
  return features.map((f, i) => ({ feature: f.feature, ...decideDrift({ ...opts, ...f, adjustedPValue: byIndex.get(i) ?? null }) }));
}
