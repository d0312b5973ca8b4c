import { assertValidExplicitHistogram } from '@otel-ml/conventions';
import type { ExplicitHistogram } from '@otel-ml/conventions';
import { StatisticsInputError } from './validate.js';

/**
 * Throws a {@link StatisticsInputError} with the reason unless both histograms
 * are valid, non-empty and share exactly the same boundaries (re-bin first
 * with `rebinExplicit`/`rebinExponential` when they do not).
 */
export function checkSameBoundaries(ref: ExplicitHistogram, cur: ExplicitHistogram): void {
  assertValidExplicitHistogram(ref, 'reference histogram');
  assertValidExplicitHistogram(cur, 'current histogram');
  const a = ref.boundaries;
  const b = cur.boundaries;
  if (a.length !== b.length) {
    throw new StatisticsInputError(
      `mismatched boundaries: reference has ${a.length} boundaries, current has ${b.length}; re-bin the current histogram first`,
    );
  }
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i])
      throw new StatisticsInputError(
        `mismatched boundaries: boundary ${i} is ${a[i]} in the reference and ${b[i]} in the current histogram`,
      );
  }
  if (!(ref.count > 0)) throw new StatisticsInputError('reference histogram is empty');
  if (!(cur.count > 0)) throw new StatisticsInputError('current histogram is empty');
}
