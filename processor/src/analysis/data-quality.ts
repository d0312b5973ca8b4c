/**
 * Data quality of a window against its reference, beyond missing values (analysis/verdicts.ts):
 * per feature the share of values of the wrong type, for numeric features the values outside
 * the reference's observed range, for categorical features the values in categories the
 * reference does not know (named when the sender names them), and the features the reference does
 * not know. Each becomes a check of the window (`invalid_value`, `out_of_range`, `new_category`,
 * `unknown_feature`). Pure.
 */
import { CATEGORY_OVERFLOW } from '@otel-ml/conventions';
import {
  explicitBucketList,
  explicitBuckets,
  exponentialBuckets,
  outOfRange,
  outOfRangeTest,
  rangeOf,
  resolveLimits,
  riseTest,
  type Bucket,
  type BucketList,
  type VerdictLimits,
} from '../statistics/index.js';
import type {
  CheckEntry,
  DataQualityFeatureReport,
  DataQualityReport,
  NewCategoryReport,
  OutOfRangeReport,
  UnknownFeatureReport,
} from './report-types.js';
import { checkEntry } from './verdicts.js';
import { numericValueCount, type FeatureWindow, type WindowSnapshot } from '../windows/snapshot.js';

const MAX_CATEGORIES = 10;
const MAX_UNSEEN = 5;

const sumOf = (r: Readonly<Record<string, number>> | undefined) => Object.values(r ?? {}).reduce((a, b) => a + b, 0);
const isNumeric = (f: FeatureWindow) => f.histogram !== undefined || f.exponential !== undefined;
const valuesOf = (f: FeatureWindow) => (isNumeric(f) ? numericValueCount(f) : sumOf(f.categories));
const top = (r: Readonly<Record<string, number>>, keep: (v: string) => boolean, n: number) =>
  Object.entries(r)
    .filter(([v, c]) => c > 0 && keep(v))
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
    .slice(0, n)
    .map(([value, count]) => ({ value, count }));

function inOrder(buckets: readonly Bucket[]): boolean {
  for (let i = 1; i < buckets.length; i++) if (!(buckets[i - 1]!.lower - buckets[i]!.lower <= 0)) return false;
  return true;
}

/**
 * A numeric feature's values as buckets in order of their lower edges (those of its explicit and
 * of its exponential histogram: different values, e.g. two service versions) with the min and max
 * of both. An explicit histogram alone is read in place.
 */
function numericBuckets(f: FeatureWindow): {
  buckets: readonly Bucket[] | BucketList;
  observed: { min?: number; max?: number };
  count: number;
} {
  let buckets: readonly Bucket[] | BucketList | null =
    f.histogram && !f.exponential ? explicitBucketList(f.histogram) : null;
  if (buckets === null) {
    const all = f.histogram ? explicitBuckets(f.histogram) : [];
    if (f.exponential) for (const b of exponentialBuckets(f.exponential)) all.push(b);
    // (a stable sort leaves buckets already in order as they are)
    if (!inOrder(all)) all.sort((a, b) => a.lower - b.lower);
    buckets = all;
  }
  // min (max) known only when every histogram holding values knows its own
  let min: number | undefined = Infinity;
  let max: number | undefined = -Infinity;
  let parts = 0;
  for (const h of [f.histogram, f.exponential]) {
    if (h === undefined || !(h.count > 0)) continue;
    parts++;
    min = min === undefined || h.min === undefined ? undefined : Math.min(min, h.min);
    max = max === undefined || h.max === undefined ? undefined : Math.max(max, h.max);
  }
  const observed: { min?: number; max?: number } = {};
  if (parts > 0 && min !== undefined) observed.min = min;
  if (parts > 0 && max !== undefined) observed.max = max;
  return { buckets, observed, count: numericValueCount(f) };
}

function outOfRangeOf(ref: FeatureWindow, cur: FeatureWindow, l: VerdictLimits): OutOfRangeReport | null {
  const r = numericBuckets(ref);
  const c = numericBuckets(cur);
  const range = rangeOf(r.buckets, r.observed);
  if (range === null || c.count <= 0) return null;
  const count = outOfRange(c.buckets, range, c.observed);
  return {
    range: [range.minLow, range.maxHigh],
    exact: range.exact,
    below: count.below,
    above: count.above,
    count: count.total,
    test: outOfRangeTest(count, r.count, l),
  };
}

function newCategoryOf(ref: FeatureWindow, cur: FeatureWindow, o: VerdictLimits): NewCategoryReport {
  const known = ref.categories ?? {};
  const current = cur.categories ?? {};
  const isNew = (c: string) => c !== CATEGORY_OVERFLOW && !(known[c]! > 0);
  const count = Object.entries(current).reduce((a, [c, n]) => a + (isNew(c) || c === CATEGORY_OVERFLOW ? n : 0), 0);
  const total = sumOf(current);
  const test = riseTest(
    { count, total },
    { count: known[CATEGORY_OVERFLOW] ?? 0, total: sumOf(known) },
    o.maxNewCategoryIncrease,
    o,
    'in unknown categories',
    'values',
  );
  return {
    count,
    share: total > 0 ? count / total : null,
    categories: top(current, isNew, MAX_CATEGORIES),
    unseen: top(cur.unseen ?? {}, (v) => !(known[v]! > 0), MAX_UNSEEN),
    test,
  };
}

function featureReport(ref: FeatureWindow, cur: FeatureWindow, o: VerdictLimits): DataQualityFeatureReport {
  const invalid = riseTest(
    { count: cur.invalid ?? 0, total: valuesOf(cur) + cur.missing },
    { count: ref.invalid ?? 0, total: valuesOf(ref) + ref.missing },
    o.maxInvalidIncrease,
    o,
    'of the wrong type',
    'rows with this feature',
  );
  return {
    invalid,
    outOfRange: isNumeric(ref) && isNumeric(cur) ? outOfRangeOf(ref, cur, o) : null,
    newCategory: ref.categories && (cur.categories || cur.unseen) ? newCategoryOf(ref, cur, o) : null,
  };
}

/** The window's data quality against the reference; null when the window reports no feature. */
export function dataQualityReport(
  reference: WindowSnapshot,
  current: WindowSnapshot,
  limits: Partial<VerdictLimits>,
): DataQualityReport | null {
  const names = Object.keys(current.features).sort();
  if (names.length === 0 && Object.keys(current.unknownFeatures ?? {}).length === 0) return null;
  const features: Record<string, DataQualityFeatureReport> = {};
  const unknown: UnknownFeatureReport[] = [];
  let resolved: VerdictLimits | undefined; // checked when first needed, as before
  for (const n of names) {
    const cur = current.features[n]!;
    const ref = reference.features[n];
    if (ref) features[n] = featureReport(ref, cur, (resolved ??= resolveLimits(limits)));
    else if (valuesOf(cur) > 0) unknown.push({ name: n, rows: valuesOf(cur) + cur.missing, source: 'window' });
  }
  for (const [name, rows] of Object.entries(current.unknownFeatures ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (rows > 0 && !unknown.some((u) => u.name === name)) unknown.push({ name, rows, source: 'sender' });
  }
  return { features, unknownFeatures: unknown };
}

/** The window's data-quality checks (features by name). */
export function dataQualityChecks(d: DataQualityReport | null, since: string | null): CheckEntry[] {
  if (!d) return [];
  const out: CheckEntry[] = [];
  for (const [feature, f] of Object.entries(d.features)) {
    out.push(checkEntry('invalid_value', f.invalid.verdict, since, { feature }));
    if (f.outOfRange) out.push(checkEntry('out_of_range', f.outOfRange.test.verdict, since, { feature }));
    if (f.newCategory) out.push(checkEntry('new_category', f.newCategory.test.verdict, since, { feature }));
  }
  for (const u of d.unknownFeatures) out.push(checkEntry('unknown_feature', 'spike', since, { feature: u.name }));
  return out;
}
