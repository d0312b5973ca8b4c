/**
 * Windows of senders with differential privacy on (docs/privacy.md). Their counts are the true
 * counts plus zero-mean noise, summed over the window: unbiased, but a bucket or counter may be
 * negative. The window keeps them as they are (so that merged windows, e.g. a rolling reference,
 * stay unbiased); the statistics get {@link nonNegativeSnapshot}: a histogram's negative buckets
 * are carried into their neighbours (`carryNegative`, statistics/noisy-counts.ts: the total and the sum of any wide
 * range of buckets keep their mean, where setting each bucket to max(0, count) would pile the
 * noise of every empty bucket of the tails into the outer bins), and a counter below zero is set
 * to zero. This is post-processing (it costs no privacy).
 * `rows` is left as it is, the unbiased window count.
 *
 * The noise also widens every count's variance: a bucket's count varies by n p (sampling) plus
 * the window's noise variance v (`noiseVariance`, from ml.privacy.noise.variance). A test that
 * takes the counts for a sample of n rows would see a histogram of G noisy buckets vary as much
 * as a sample of about n / (1 + G v / n) rows: the design effect (Kish 1965) of the noise, from
 * E[X^2] = (B - 1) + v G B / n for a chi-square on B equal bins. {@link statisticalView} scales
 * each noisy distribution's counts down to that effective size, so that significance stays
 * honest (the drift decision also needs a large effect, which noise alone rarely reaches once
 * significance is honest; measured by `npm run bench:privacy`).
 */
import type { ExplicitHistogram, ExponentialBuckets, ExponentialHistogram } from '@otel-ml/conventions';
import { carryNegative, effectiveCount } from '../statistics/noisy-counts.js';
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
  return (
    h !== undefined && (h.zeroCount < 0 || negativeIn(h.positive.bucketCounts) || negativeIn(h.negative.bucketCounts))
  );
}

function recordHasNegative(r: Readonly<Record<string, number>> | undefined): boolean {
  return r !== undefined && negativeIn(Object.values(r));
}

/** True when any count of `s` (or of its slices) is negative: only noisy windows have such counts. */
export function hasNegativeCounts(s: WindowSnapshot): boolean {
  for (const f of Object.values(s.features)) {
    if (
      f.missing < 0 ||
      (f.invalid ?? 0) < 0 ||
      histogramHasNegative(f.histogram) ||
      exponentialHasNegative(f.exponential) ||
      histogramHasNegative(f.attribution)
    )
      return true;
    if (recordHasNegative(f.categories) || recordHasNegative(f.unseen)) return true;
  }
  const hists = [
    s.score,
    s.value,
    s.outcomes.error,
    s.outcomes.absoluteError,
    s.outcomes.squaredError,
    s.outcomes.delay,
    ...Object.values(s.scoreByClass),
    ...Object.values(s.outcomes.scoreByLabel),
    ...Object.values(s.inferenceDuration),
    ...Object.values(s.business),
  ];
  for (const byLabel of Object.values(s.outcomes.scoreByClassAndLabel)) hists.push(...Object.values(byLabel));
  if (hists.some(histogramHasNegative)) return true;
  if (
    s.predictions.rows < 0 ||
    s.outcomes.matched < 0 ||
    recordHasNegative(s.predictions.byClass) ||
    recordHasNegative(s.predictions.errors)
  )
    return true;
  if (recordHasNegative(s.outcomes.unmatched) || recordHasNegative(s.shadow) || recordHasNegative(s.unknownFeatures))
    return true;
  if (Object.values(s.outcomes.confusion).some(recordHasNegative)) return true;
  return Object.values(s.slices).some((byValue) => Object.values(byValue).some(hasNegativeCounts));
}

const clamp = (v: number): number => (v > 0 ? v : 0);

function clampHistogram(h: ExplicitHistogram): ExplicitHistogram;
function clampHistogram(h: ExplicitHistogram | undefined): ExplicitHistogram | undefined;
function clampHistogram(h: ExplicitHistogram | undefined): ExplicitHistogram | undefined {
  if (h === undefined || !histogramHasNegative(h)) return h;
  const counts = carryNegative(h.counts);
  return { ...h, counts, count: counts.reduce((a, c) => a + c, 0) };
}

function clampExponential(h: ExponentialHistogram | undefined): ExponentialHistogram | undefined {
  if (h === undefined || !exponentialHasNegative(h)) return h;
  // value order: negative buckets from the largest index (most negative values) down, zero, positive buckets
  const neg = Array.from(h.negative.bucketCounts);
  const pos = Array.from(h.positive.bucketCounts);
  const carried = carryNegative([...neg.slice().reverse(), h.zeroCount, ...pos]);
  const negative = { offset: h.negative.offset, bucketCounts: carried.slice(0, neg.length).reverse() };
  const zeroCount = carried[neg.length]!;
  const positive = { offset: h.positive.offset, bucketCounts: carried.slice(neg.length + 1) };
  const count = carried.reduce((a, c) => a + c, 0);
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
    predictions: {
      rows: s.predictions.rows,
      byClass: clampRecord(s.predictions.byClass),
      errors: clampRecord(s.predictions.errors),
    },
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

function scaleHistogram(h: ExplicitHistogram | undefined, v: number): ExplicitHistogram | undefined {
  if (h === undefined || !(h.count > 0)) return h;
  const f = effectiveCount(h.count, h.counts.length, v) / h.count;
  const counts = h.counts.map((c) => Math.round(c * f));
  return { ...h, counts, count: counts.reduce((a, c) => a + c, 0), sum: h.sum * f };
}

function scaleExponential(h: ExponentialHistogram | undefined, v: number): ExponentialHistogram | undefined {
  if (h === undefined || !(h.count > 0)) return h;
  const buckets = 1 + h.positive.bucketCounts.length + h.negative.bucketCounts.length;
  const f = effectiveCount(h.count, buckets, v) / h.count;
  let count = Math.round(h.zeroCount * f);
  const side = (b: ExponentialBuckets): ExponentialBuckets => {
    const bucketCounts = Array.from(b.bucketCounts, (c) => Math.round(c * f));
    for (const c of bucketCounts) count += c;
    return { offset: b.offset, bucketCounts };
  };
  const positive = side(h.positive);
  const negative = side(h.negative);
  return { ...h, zeroCount: Math.round(h.zeroCount * f), positive, negative, count, sum: h.sum * f };
}

function scaleCategories(
  r: Readonly<Record<string, number>> | undefined,
  v: number,
): Record<string, number> | undefined {
  if (r === undefined) return undefined;
  const values = Object.values(r);
  const n = values.reduce((a, c) => a + c, 0);
  if (!(n > 0)) return { ...r };
  const f = effectiveCount(n, values.length, v) / n;
  return Object.fromEntries(Object.entries(r).map(([k, c]) => [k, Math.round(c * f)]));
}

/**
 * What the statistics see of a window: {@link nonNegativeSnapshot}, and for a noisy window
 * (`noiseVariance` > 0) its feature, prediction and outcome distributions (the outcome scores by
 * label, the confusion matrix) scaled to their effective size (see the module comment), rounded
 * (tests of counts take integers). Business values (sums are not released with noise) and
 * slices are left as they are. A window without noise is returned unchanged.
 */
export function statisticalView(s: WindowSnapshot): WindowSnapshot {
  const clean = nonNegativeSnapshot(s);
  const v = s.noiseVariance ?? 0;
  if (!(v > 0)) return clean;
  const features = mapValues(clean.features, (f): FeatureWindow => {
    const out: Mutable<FeatureWindow> = { ...f };
    let before = 0;
    let after = 0;
    if (f.histogram !== undefined) {
      out.histogram = scaleHistogram(f.histogram, v);
      before += f.histogram.count;
      after += out.histogram!.count;
    }
    if (f.exponential !== undefined) {
      out.exponential = scaleExponential(f.exponential, v);
      before += f.exponential.count;
      after += out.exponential!.count;
    }
    if (f.categories !== undefined) {
      out.categories = scaleCategories(f.categories, v);
      for (const c of Object.values(f.categories)) before += c;
      for (const c of Object.values(out.categories!)) after += c;
    }
    // missing and invalid values are shares of the same rows: the same scale
    const g = before > 0 ? after / before : 1;
    out.missing = Math.round(f.missing * g);
    if (f.invalid !== undefined) out.invalid = Math.round(f.invalid * g);
    return out;
  });
  // outcomes: the score histograms by label each by their own size; the confusion matrix as one
  // distribution over its cells (and the matched count with it)
  const o = clean.outcomes;
  const cells = Object.values(o.confusion).flatMap((row) => Object.values(row));
  const matchedInCells = cells.reduce((a, c) => a + c, 0);
  const g = matchedInCells > 0 ? effectiveCount(matchedInCells, cells.length, v) / matchedInCells : 1;
  const outcomes: WindowSnapshot['outcomes'] = {
    ...o,
    scoreByLabel: mapValues(o.scoreByLabel, (h) => scaleHistogram(h, v)!),
    scoreByClassAndLabel: mapValues(o.scoreByClassAndLabel, (r) => mapValues(r, (h) => scaleHistogram(h, v)!)),
    confusion: mapValues(o.confusion, (row) => mapValues(row, (c) => Math.round(c * g))),
    matched: Math.round(o.matched * g),
  };
  return {
    ...clean,
    features,
    outcomes,
    ...(clean.score !== undefined ? { score: scaleHistogram(clean.score, v) } : {}),
    ...(clean.value !== undefined ? { value: scaleHistogram(clean.value, v) } : {}),
    scoreByClass: mapValues(clean.scoreByClass, (h) => scaleHistogram(h, v)!),
  };
}
