/**
 * Counts released with differential-privacy noise (docs/privacy.md): the true count plus
 * independent zero-mean noise of variance v in every bucket.
 *
 * Effective size (the design effect of the noise, Kish 1965): a bucket of a sample of n rows
 * varies by n p (1 - p) from sampling and by v from the noise. For a chi-square on B equal bins
 * holding G noisy buckets, E[X^2] = (B - 1) + v G B / n, about (B - 1)(1 + G v / n): the
 * histogram varies like a sample of n_eff = n / (1 + G v / n) = n^2 / (n + G v) rows. Scaling its
 * counts to n_eff keeps the test's size. The noise is not spread evenly over the bins (the outer
 * bins gather the tails' buckets), and a sum of unequally weighted chi-square terms has a heavier
 * tail than a scaled chi-square of the same mean (Satterthwaite 1946): the noise gets the weight
 * {@link NOISE_WEIGHT} > 1, chosen by simulation.
 *
 * Projection to non-negative counts ({@link carryNegative}): post-processing of a released
 * histogram, which costs no privacy.
 */

/**
 * Weight of the noise in {@link effectiveCount}. 1 matches the mean of the chi-square statistic;
 * but the noise is not spread evenly over the test's bins (the outer bins gather the buckets of
 * the tails), and a sum of unequally weighted chi-square terms has a heavier tail than a scaled
 * chi-square of the same mean (Satterthwaite 1946). With 1 the simulation flagged 2.5% of the
 * windows without drift at alpha 0.01 (1,000 rows, epsilon 1); with 1.5, 0.5%, and with 2, 0.2%
 * but a third of the windows short of the minimum rows (npm run bench:privacy).
 */
export const NOISE_WEIGHT = 1.5;

/** Effective size of a noisy distribution of total `n` over G noisy buckets of variance `v` each: n^2 / (n + w G v), w = {@link NOISE_WEIGHT}. */
export function effectiveCount(n: number, buckets: number, v: number): number {
  if (!(n > 0)) return 0;
  return (n * n) / (n + NOISE_WEIGHT * buckets * v);
}

/**
 * Non-negative counts of the same total (0 when the total is not positive) from signed counts in
 * value order: a left-to-right sweep carries each deficit into the next bucket (the bucket is then
 * 0), and a deficit left at the end is taken from the last buckets, right to left.
 */
export function carryNegative(values: ArrayLike<number>): number[] {
  const out = Array.from(values);
  let carry = 0;
  for (let i = 0; i < out.length; i++) {
    const x = out[i]! + carry;
    if (x < 0) {
      out[i] = 0;
      carry = x;
    } else {
      out[i] = x;
      carry = 0;
    }
  }
  for (let i = out.length - 1; i >= 0 && carry < 0; i--) {
    const x = out[i]! + carry;
    out[i] = x > 0 ? x : 0;
    carry = x > 0 ? 0 : x;
  }
  return out;
}
