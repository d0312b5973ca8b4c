import type { ExplicitHistogram } from '@otel-ml/conventions';

/*
 * Quantiles of an explicit-bucket histogram, where the raw values are gone.
 *
 * Deciles: the fine boundaries b_i at which the cumulative count C_i = counts[0] + ... + counts[i]
 * first reaches k/g of the total (k = 1..g-1), deduplicated, so that the fine buckets group exactly
 * into g bins of about equal mass (quantile binning; Evidently and NannyML bin reference data the
 * same way, on raw values).
 *
 * Quantile q: the rank r = q N falls in the first bucket i with C_i >= r; the value is interpolated
 * linearly inside it, lower + (upper - lower) (r - C_{i-1}) / counts[i], as Prometheus'
 * histogram_quantile does (https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile).
 */

/**
 * Decile boundaries of a reference histogram when no baseline gave them: the fine boundaries at
 * which the cumulative share first reaches 10%, 20%, ..., 90% (deduplicated), so fine buckets
 * group exactly.
 */
export function decilesFromHistogram(h: ExplicitHistogram, groups = 10): number[] {
  const out: number[] = [];
  if (h.count <= 0) return out;
  let cum = 0;
  let k = 1;
  for (let i = 0; i < h.boundaries.length && k < groups; i++) {
    cum += h.counts[i]!;
    while (k < groups && cum >= (k / groups) * h.count) {
      if (out[out.length - 1] !== h.boundaries[i]) out.push(h.boundaries[i]!);
      k++;
    }
  }
  // A boundary at or above the last non-empty fine bucket leaves an empty top bin: drop it.
  while (out.length > 0 && h.counts.slice(h.boundaries.indexOf(out[out.length - 1]!) + 1).every((c) => c === 0))
    out.pop();
  return out;
}

/** Linear-interpolated quantile of a histogram (as Prometheus' histogram_quantile). */
export function histogramQuantile(h: ExplicitHistogram, q: number): number | null {
  if (h.count <= 0) return null;
  const rank = q * h.count;
  let cum = 0;
  for (let i = 0; i < h.counts.length; i++) {
    const c = h.counts[i]!;
    if (cum + c >= rank && c > 0) {
      const lower = i === 0 ? Math.min(0, h.boundaries[0] ?? 0) : h.boundaries[i - 1]!;
      const upper = i < h.boundaries.length ? h.boundaries[i]! : (h.max ?? h.boundaries[h.boundaries.length - 1]!);
      return lower + (upper - lower) * ((rank - cum) / c);
    }
    cum += c;
  }
  return h.boundaries[h.boundaries.length - 1] ?? null;
}
