/*
 * The text labels of numeric drift bins in reports: `(lower, upper]`, with `-inf` and `inf` for
 * open ends and edges to three decimals (three significant digits below 0.01 and from 1000 on).
 * A label is part of the report's JSON contract (docs/report.md), so it is made here once and the
 * renderers show it as it is.
 */

const edge = (v: number) =>
  Math.abs(v) >= 1000 || (v !== 0 && Math.abs(v) < 0.01) ? v.toPrecision(3) : String(Math.round(v * 1000) / 1000);

const interval = (lo: number | null, hi: number | null) =>
  `(${lo === null ? '-inf' : edge(lo)}, ${hi === null ? 'inf' : edge(hi)}]`;

/**
 * Memoized: every window of a feature has the same decile bins, so the same few labels are made
 * for every series (and retained in each report). At most 65,536 are kept.
 */
const labelCache = new Map<number | null, Map<number | null, string>>();
let cachedLabels = 0;

/** The label of the bin (lo, hi]; null for an open end. */
export function binLabel(lo: number | null, hi: number | null): string {
  let byHi = labelCache.get(lo);
  if (byHi === undefined) {
    if (cachedLabels >= 65_536) {
      labelCache.clear();
      cachedLabels = 0;
    }
    byHi = new Map();
    labelCache.set(lo, byHi);
  }
  let label = byHi.get(hi);
  if (label === undefined) {
    label = interval(lo, hi);
    byHi.set(hi, label);
    cachedLabels++;
  }
  return label;
}
