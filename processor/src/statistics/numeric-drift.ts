import type { ExplicitHistogram } from '@otel-ml/conventions';
import { binnedDrift } from './binned.js';
import type { BinnedDrift, BinnedDriftOptions } from './binned.js';
import { groupCounts } from './binning.js';
import { criticalValues } from './critical-values.js';
import type { CriticalValues } from './critical-values.js';
import { ksTest } from './ks.js';
import type { KsResult } from './ks.js';
import { wassersteinDistance } from './wasserstein.js';
import { DEFAULT_ALPHA } from './defaults.js';

export interface NumericDrift {
  /** PSI, KL, JS, Hellinger and chi-square on the decile bins. */
  readonly binned: BinnedDrift;
  /** KS on the fine bins. */
  readonly ks: KsResult;
  /** Wasserstein-1 on the fine bins, in the feature's units. */
  readonly wasserstein: number;
  /** Critical values at alpha for these sample sizes and the decile bins. */
  readonly critical: CriticalValues;
  /** The feature's test p-value: chi-square homogeneity on the decile bins. */
  readonly pValue: number;
  /** Reference counts grouped into the decile bins (the counts the binned statistics use). */
  readonly referenceBinCounts: readonly number[];
  /** Current counts grouped into the decile bins. */
  readonly currentBinCounts: readonly number[];
}

/**
 * Every drift statistic of a numeric feature: the binned ones on the decile
 * bins (grouped exactly from the fine histograms), KS and Wasserstein on the
 * fine bins, and the critical values at `alpha` (default 0.01). Both
 * histograms must be on the same fine boundaries (re-bin first otherwise).
 */
export function numericDrift(
  reference: ExplicitHistogram,
  current: ExplicitHistogram,
  decileBoundaries: readonly number[],
  opts: BinnedDriftOptions & { readonly alpha?: number } = {},
): NumericDrift {
  const ks = ksTest(reference, current);
  const p = groupCounts(reference, decileBoundaries);
  const q = groupCounts(current, decileBoundaries);
  const binned = binnedDrift(p, q, opts);
  const nonEmpty = p.reduce((k, c, i) => k + (c + q[i]! > 0 ? 1 : 0), 0);
  return {
    binned,
    ks,
    wasserstein: wassersteinDistance(reference, current),
    critical: criticalValues({
      referenceCount: reference.count,
      currentCount: current.count,
      bins: nonEmpty,
      alpha: opts.alpha ?? DEFAULT_ALPHA,
    }),
    pValue: binned.chiSquare.pValue,
    referenceBinCounts: p,
    currentBinCounts: q,
  };
}
