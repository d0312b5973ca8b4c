import { binnedDrift } from './binned.js';
import type { BinnedDrift, BinnedDriftOptions } from './binned.js';
import { StatisticsInputError } from './validate.js';

export interface CategoricalDrift extends BinnedDrift {
  /** The bins: reference categories in their given order, then unseen ones sorted. */
  readonly categories: readonly string[];
  readonly referenceCounts: readonly number[];
  readonly currentCounts: readonly number[];
  /** Current categories absent from the reference (or with a zero reference count). */
  readonly unseen: {
    readonly categories: readonly string[];
    /** Current rows in unseen categories. */
    readonly count: number;
    /** count / current total. */
    readonly share: number;
  };
}

/**
 * Binned drift statistics of a categorical feature over the union of the
 * reference and current categories (one bin per category; see
 * {@link binnedDrift}). Categories seen only in the current window are bins
 * with a zero reference count: PSI and KL handle them by the empty-bin rule
 * (smoothing.ts), the chi-square test keeps them (their column total is
 * non-zero), and they are counted and listed in `unseen`.
 */
export function categoricalDrift(
  reference: Readonly<Record<string, number>>,
  current: Readonly<Record<string, number>>,
  opts: BinnedDriftOptions = {},
): CategoricalDrift {
  const refKeys = Object.keys(reference);
  const unseenKeys = Object.keys(current)
    .filter((k) => !Object.hasOwn(reference, k))
    .sort();
  const categories = [...refKeys, ...unseenKeys];
  if (categories.length === 0) throw new StatisticsInputError('no categories');
  const p = categories.map((k) => reference[k] ?? 0);
  const q = categories.map((k) => current[k] ?? 0);
  const stats = binnedDrift(p, q, opts);
  const unseen = Object.keys(current)
    .filter((k) => (reference[k] ?? 0) === 0 && (current[k] ?? 0) > 0)
    .sort();
  const unseenCount = unseen.reduce((s, k) => s + current[k]!, 0);
  return {
    ...stats,
    categories,
    referenceCounts: p,
    currentCounts: q,
    unseen: { categories: unseen, count: unseenCount, share: unseenCount / stats.currentCount },
  };
}
