/**
 * Windows of senders with differential privacy on (docs/privacy.md). Their counts are the true
 * counts plus zero-mean noise, summed over the window: unbiased, but a bucket or counter may be
 * negative. The window keeps them as they are (so that merged windows, e.g. a rolling reference,
 * stay unbiased); the statistics get {@link nonNegativeSnapshot}: every bucket and counter below
 * zero set to zero, histogram counts recomputed. This is post-processing (it costs no privacy).
 * `rows` is left as it is, the unbiased window count.
 */
import type { ExplicitHistogram, ExponentialBuckets, ExponentialHistogram } from '@otel-ml/conventions';
import type { FeatureWindow, WindowSnapshot } from './snapshot.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function negativeIn(values: Iterable<number>): boolean {
  for (const v of values) if (v < 0) return true;
  return false;
}

function histogramHasNegative(h: ExplicitHistogram | undefined): boolean {
  return h !== undefined && negativeIn(h.counts);
}

function exponentialHasNegative(h: ExponentialHistogram | undefined): boolean {
  return h !== undefined && (h.zeroCount < 0 || negativeIn(h.positive.bucketCounts) || negativeIn(h.negative.bucketCounts));
}

function recordHasNegative(r: Readonly<Record<string, number>> | undefined): boolean {
  return r !== undefined && negativeIn(Object.values(r));
}

/** True when any count of `s` (or of its slices) is negative: only noisy windows have such counts. */
export function hasNegativeCounts(s: WindowSnapshot): boolean {
  for (const f of Object.values(s.features)) {
    if (f.missing < 0 || (f.invalid ?? 0) < 0 || histogramHasNegative(f.histogram) || exponentialHasNegative(f.exponential) || histogramHasNegative(f.attribution)) return true;
    if (recordHasNegative(f.categories) || recordHasNegative(f.unseen)) return true;
  }
  const hists = [s.score, s.value, s.outcomes.error, s.outcomes.absoluteError, s.outcomes.squaredError, s.outcomes.delay, ...Object.values(s.scoreByClass), ...Object.values(s.outcomes.scoreByLabel), ...Object.values(s.inferenceDuration), ...Object.values(s.business)];
  for (const byLabel of Object.values(s.outcomes.scoreByClassAndLabel)) hists.push(...Object.values(byLabel));
  if (hists.some(histogramHasNegative)) return true;
  if (s.predictions.rows < 0 || s.outcomes.matched < 0 || recordHasNegative(s.predictions.byClass) || recordHasNegative(s.predictions.errors)) return true;
  if (recordHasNegative(s.outcomes.unmatched) || recordHasNegative(s.shadow) || recordHasNegative(s.unknownFeatures)) return true;
  if (Object.values(s.outcomes.confusion).some(recordHasNegative)) return true;
  return Object.values(s.slices).some((byValue) => Object.values(byValue).some(hasNegativeCounts));
}

const clamp = (v: number): number => (v > 0 ? v : 0);

function clampHistogram(h: ExplicitHistogram): ExplicitHistogram;
function clampHistogram(h: ExplicitHistogram | undefined): ExplicitHistogram | undefined;
function clampHistogram(h: ExplicitHistogram | undefined): ExplicitHistogram | undefined {
  if (h === undefined || !histogramHasNegative(h)) return h;
  const counts = h.counts.map(clamp);
  return { ...h, counts, count: counts.reduce((a, c) => a + c, 0) };
}

function clampBuckets(b: ExponentialBuckets): ExponentialBuckets {
  return { offset: b.offset, bucketCounts: Array.from(b.bucketCounts, clamp) };
}

function clampExponential(h: ExponentialHistogram | undefined): ExponentialHistogram | undefined {
  if (h === undefined || !exponentialHasNegative(h)) return h;
  const positive = clampBuckets(h.positive);
  const negative = clampBuckets(h.negative);
  const zeroCount = clamp(h.zeroCount);
  let count = zeroCount;
  for (const c of positive.bucketCounts) count += c;
  for (const c of negative.bucketCounts) count += c;
  return { ...h, zeroCount, positive, negative, count };
}

function clampRecord(r: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, clamp(v)]));
}

function mapValues<T, U>(r: Readonly<Record<string, T>>, f: (t: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, f(v)]));
}

function clampFeature(f: FeatureWindow): FeatureWindow {
  const out: Mutable<FeatureWindow> = { ...f, missing: clamp(f.missing) };
  if (f.invalid !== undefined) out.invalid = clamp(f.invalid);
  if (f.histogram !== undefined) out.histogram = clampHistogram(f.histogram);
  if (f.exponential !== undefined) out.exponential = clampExponential(f.exponential);
  if (f.attribution !== undefined) out.attribution = clampHistogram(f.attribution);
  if (f.categories !== undefined) out.categories = clampRecord(f.categories);
  if (f.unseen !== undefined) out.unseen = clampRecord(f.unseen);
  return out;
}

/**
 * `s` with every negative count set to zero (see the module comment); `s` itself when it has
 * none (a window without noise is returned unchanged).
 */
export function nonNegativeSnapshot(s: WindowSnapshot): WindowSnapshot {
  if (!hasNegativeCounts(s)) return s;
  const o = s.outcomes;
  return {
    ...s,
    features: mapValues(s.features, clampFeature),
    predictions: { rows: s.predictions.rows, byClass: clampRecord(s.predictions.byClass), errors: clampRecord(s.predictions.errors) },
    ...(s.score !== undefined ? { score: clampHistogram(s.score) } : {}),
    ...(s.value !== undefined ? { value: clampHistogram(s.value) } : {}),
    scoreByClass: mapValues(s.scoreByClass, (h) => clampHistogram(h)),
    outcomes: {
      ...o,
      scoreByLabel: mapValues(o.scoreByLabel, (h) => clampHistogram(h)),
      scoreByClassAndLabel: mapValues(o.scoreByClassAndLabel, (r) => mapValues(r, (h) => clampHistogram(h))),
      matched: clamp(o.matched),
      confusion: mapValues(o.confusion, clampRecord),
      ...(o.error !== undefined ? { error: clampHistogram(o.error) } : {}),
      ...(o.absoluteError !== undefined ? { absoluteError: clampHistogram(o.absoluteError) } : {}),
      ...(o.squaredError !== undefined ? { squaredError: clampHistogram(o.squaredError) } : {}),
      ...(o.delay !== undefined ? { delay: clampHistogram(o.delay) } : {}),
      unmatched: clampRecord(o.unmatched),
    },
    inferenceDuration: mapValues(s.inferenceDuration, (h) => clampHistogram(h)),
    shadow: clampRecord(s.shadow),
    business: mapValues(s.business, (h) => clampHistogram(h)),
    ...(s.unknownFeatures !== undefined ? { unknownFeatures: clampRecord(s.unknownFeatures) } : {}),
    slices: mapValues(s.slices, (byValue) => mapValues(byValue, nonNegativeSnapshot)),
  };
}
