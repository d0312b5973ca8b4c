/**
 * Sample-size-aware null distributions of the drift statistics: critical
 * values and asymptotic p-values under H0 (reference and current window drawn
 * from the same distribution), with N reference rows, M current rows and B bins.
 *
 * Derivation. With p^ and q^ the two sample proportion vectors of a common p,
 * X = sum_i (q^_i - p^_i)^2 / p_i is, asymptotically, (1/N + 1/M) chi2(B-1)
 * (q^ - p^ is asymptotically normal with covariance (1/N + 1/M)(diag p - p p^T),
 * whose p-weighted quadratic form is chi2 with B-1 dof). Every f-divergence
 * D_f = sum_i p_i f(q_i/p_i) with f(1) = 0 has the second-order expansion
 * D_f ~ f''(1)/2 * X (delta method), so
 *
 *   PSI          f(t) = (t-1) ln t,       f''(1) = 2    PSI      ~ (1/N + 1/M) chi2(B-1)   (Yurdakul 2018)
 *   KL(ref||cur) f(t) = -ln t,            f''(1) = 1    KL       ~ (1/2)(1/N + 1/M) chi2(B-1)
 *   JS divergence                         f''(1) = 1/4  JS^2     ~ (1/8)(1/N + 1/M) chi2(B-1)
 *   squared Hellinger f(t) = (sqrt t - 1)^2 / 2, f''(1) = 1/4  H^2 ~ (1/8)(1/N + 1/M) chi2(B-1)
 *   Pearson chi-square (homogeneity)                  X^2 ~ chi2(B-1)
 *   KS           sqrt(N M / (N + M)) D ~ Kolmogorov distribution (Smirnov 1939)
 *
 * The distances (JS, Hellinger) are the square roots of the divergences, so
 * their critical values are square roots too. The smoothing epsilon of PSI/KL
 * is ignored (it shrinks the statistics slightly, making the tests a little
 * conservative), and binned KS is conservative because D is taken over fewer
 * points. Wasserstein-1 has no distribution-free null and is not covered.
 *
 * Accuracy (npm run bench:statistics, normal data, reference 10,000 rows,
 * decile bins, alpha 0.01): with 1,000 or 10,000 current rows every statistic
 * exceeds its critical value in 0.5-1.05% of null windows; with 100 current
 * rows (about 10 expected per bin) the chi-square approximation is too light
 * in the tail for the log-based statistics (PSI 2.6%, KL 3.4%, JS 2.0%,
 * Hellinger 2.4%) while Pearson's chi-square (1.2%) and KS (0.6%) hold. For
 * that reason drift decisions use the chi-square test's p-value, and small
 * windows can be given bootstrap intervals (bootstrap.ts).
 * References: Yurdakul (2018), "Statistical Properties of Population Stability
 * Index", WMU dissertation, ch. 3; Csiszar (1967), Studia Sci. Math. Hungar. 2
 * (f-divergences); Read & Cressie (1988), "Goodness-of-Fit Statistics for
 * Discrete Multivariate Data", ch. 4 (asymptotics of power divergences);
 * Smirnov (1939), Bull. Moscow Univ. 2(2).
 */
import { chiSquareQuantile, chiSquareSf, kolmogorovQuantile, kolmogorovSf } from './distributions.js';
import { StatisticsInputError, checkProbability } from './validate.js';
import { DEFAULT_ALPHA } from './defaults.js';

/** The statistics with a null distribution (values of ml.drift.statistic). */
export type TestedStatistic = 'psi' | 'kl' | 'jensen_shannon' | 'hellinger' | 'chi_square' | 'ks';

export interface NullSetting {
  /** N, reference rows. */
  readonly referenceCount: number;
  /** M, current rows. */
  readonly currentCount: number;
  /** B, bins with a non-zero total (ignored for KS). */
  readonly bins: number;
}

/** Multiplier c such that the statistic (or its square, for the distances) ~ c chi2(B-1). */
function chiScale(stat: TestedStatistic, s: NullSetting): number {
  const f = 1 / s.referenceCount + 1 / s.currentCount;
  switch (stat) {
    case 'psi':
      return f;
    case 'kl':
      return f / 2;
    case 'jensen_shannon':
    case 'hellinger':
      return f / 8;
    case 'chi_square':
      return 1;
    case 'ks':
      throw new StatisticsInputError('KS has no chi-square scale');
  }
}

function checkSetting(s: NullSetting): void {
  if (!(s.referenceCount > 0 && s.currentCount > 0))
    throw new StatisticsInputError('null distribution needs positive reference and current counts');
  if (!(Number.isInteger(s.bins) && s.bins >= 1))
    throw new StatisticsInputError(`bins must be a positive integer, got ${s.bins}`);
}

const isDistance = (stat: TestedStatistic): boolean => stat === 'jensen_shannon' || stat === 'hellinger';

/**
 * Memoized quantiles: criticalValues is evaluated for every feature of every window with the same
 * few (alpha, dof) pairs, and both quantiles are deterministic functions of them. Bounded caches.
 */
const MAX_CACHED = 4096;
const chiQuantiles = new Map<string, number>();
const ksQuantiles = new Map<number, number>();

function cachedChiSquareQuantile(p: number, dof: number): number {
  const key = `${p}|${dof}`;
  let v = chiQuantiles.get(key);
  if (v === undefined) {
    v = chiSquareQuantile(p, dof);
    if (chiQuantiles.size >= MAX_CACHED) chiQuantiles.clear();
    chiQuantiles.set(key, v);
  }
  return v;
}

function cachedKolmogorovQuantile(p: number): number {
  let v = ksQuantiles.get(p);
  if (v === undefined) {
    v = kolmogorovQuantile(p);
    if (ksQuantiles.size >= MAX_CACHED) ksQuantiles.clear();
    ksQuantiles.set(p, v);
  }
  return v;
}

/** criticalValue after the checks. */
function unchecked(stat: TestedStatistic, s: NullSetting, alpha: number): number {
  if (stat === 'ks')
    return (
      cachedKolmogorovQuantile(1 - alpha) /
      Math.sqrt((s.referenceCount * s.currentCount) / (s.referenceCount + s.currentCount))
    );
  if (s.bins < 2) return 0;
  const x = chiScale(stat, s) * cachedChiSquareQuantile(1 - alpha, s.bins - 1);
  return isDistance(stat) ? Math.sqrt(x) : x;
}

/**
 * Critical value of `stat` at level `alpha` (default 0.01): the value the
 * statistic exceeds with probability alpha under H0 (module comment). With a
 * single bin every binned statistic is identically 0 and the critical value is 0.
 */
export function criticalValue(stat: TestedStatistic, s: NullSetting, alpha = DEFAULT_ALPHA): number {
  checkSetting(s);
  checkProbability(alpha, 'alpha');
  return unchecked(stat, s, alpha);
}

/** Asymptotic p-value of an observed `value` of `stat` under H0 (module comment); 1 with a single bin. */
export function asymptoticPValue(stat: TestedStatistic, value: number, s: NullSetting): number {
  checkSetting(s);
  if (!Number.isFinite(value) || value < 0)
    throw new StatisticsInputError(`${stat} value must be finite and non-negative, got ${value}`);
  if (stat === 'ks')
    return kolmogorovSf(Math.sqrt((s.referenceCount * s.currentCount) / (s.referenceCount + s.currentCount)) * value);
  if (s.bins < 2) return 1;
  const x = isDistance(stat) ? value * value : value;
  return chiSquareSf(x / chiScale(stat, s), s.bins - 1);
}

/** Critical values of every tested statistic, keyed as in reports. */
export interface CriticalValues {
  readonly psi: number;
  readonly kl: number;
  readonly jensenShannon: number;
  readonly hellinger: number;
  readonly chiSquare: number;
  readonly ks: number;
}

/** {@link criticalValue} of each statistic for one setting, at `alpha` (default 0.01). */
export function criticalValues(s: NullSetting & { readonly alpha?: number }): CriticalValues {
  const a = s.alpha ?? DEFAULT_ALPHA;
  checkSetting(s);
  checkProbability(a, 'alpha');
  return {
    psi: unchecked('psi', s, a),
    kl: unchecked('kl', s, a),
    jensenShannon: unchecked('jensen_shannon', s, a),
    hellinger: unchecked('hellinger', s, a),
    chiSquare: unchecked('chi_square', s, a),
    ks: unchecked('ks', s, a),
  };
}
