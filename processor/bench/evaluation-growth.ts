/**
 * `npm run bench:evaluation`: how the time and memory of one evaluation pass grow with the number
 * of (model, feature) series, from 100 to 100,000 (issue 20). Shape: 100 numeric features per
 * model (20 explicit buckets each, bench/evaluation-lib.ts) and 1, 10, 100, 1,000 models; each
 * pass evaluates every model's current window against its reference with analysis/evaluate.ts, one
 * after the other on one core, as the service's evaluation does.
 *
 * Per size: median and max ms per pass over the timed passes (after warm-up passes), µs per
 * series, the bytes per series retained (both windows, and the reports of one pass) and the bytes
 * per series allocated during one pass (heap growth plus what collections during it freed).
 * Targets: 10,000 series < 100 ms, 100,000 series < 1 s, <= 4 KiB retained per series.
 *
 *   npm run bench:evaluation [-- --passes 5 --features 100 --max 100000]
 *   (node --expose-gc: exact retained figures; the npm script sets it)
 */
import { allocatedBy, evaluateAll, evaluationWindows, expectedDrifted, hasGc, heapUsed } from './evaluation-lib.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const FEATURES = arg('features', 100);
const PASSES = Math.max(1, arg('passes', 5));
const MAX = arg('max', 100_000);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

console.log(
  `evaluation growth (node ${process.version}${hasGc() ? ', --expose-gc' : ', without --expose-gc: retained figures are approximate'}), ${FEATURES} numeric features per model, 20 buckets each`,
);
const rows: Record<string, string | number>[] = [];
const summary: { series: number; median: number; retained: number }[] = [];
for (const series of [100, 1_000, 10_000, 100_000].filter((n) => n <= MAX)) {
  const models = Math.max(1, Math.round(series / FEATURES));
  const n = models * FEATURES;
  const h0 = heapUsed();
  const { refs, curs } = evaluationWindows(models, FEATURES);
  const h1 = heapUsed();
  // warm-up (JIT), fewer passes at the largest size where one pass is long enough
  const warm = n >= 100_000 ? 1 : 3;
  for (let i = 0; i < warm; i++) evaluateAll(refs, curs);
  const passes = n >= 100_000 ? Math.min(PASSES, 3) : PASSES;
  const times: number[] = [];
  let reports: unknown[] = [];
  for (let i = 0; i < passes; i++) {
    reports = [];
    heapUsed(); // each pass starts from a collected heap, as one evaluation every export interval does
    const t0 = performance.now();
    reports = evaluateAll(refs, curs);
    times.push(performance.now() - t0);
  }
  const h2 = heapUsed(); // windows + the last pass's reports
  reports = [];
  void reports;
  heapUsed();
  const alloc = allocatedBy(() => evaluateAll(refs, curs));
  const drifted = alloc.result.reduce((a, r) => a + r.drifted.length, 0);
  if (drifted !== expectedDrifted(models, FEATURES))
    throw new Error(`${n} series: ${drifted} drifted features, expected ${expectedDrifted(models, FEATURES)}`);
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  const windowB = (h1 - h0) / n;
  const reportB = (h2 - h1) / n;
  rows.push({
    series: fmt(n),
    models,
    passes,
    'median ms': +median.toFixed(1),
    'max ms': +times[times.length - 1]!.toFixed(1),
    'µs/series': +((1000 * median) / n).toFixed(2),
    'windows B/series retained': Math.round(windowB),
    'reports B/series retained': Math.round(reportB),
    'allocated B/series per pass': Math.round(alloc.bytes / n),
  });
  summary.push({ series: n, median, retained: windowB + reportB });
}
console.table(rows);
const at = (n: number) => summary.find((s) => s.series === n);
const targets = [
  [10_000, 100],
  [100_000, 1000],
] as const;
for (const [n, ms] of targets) {
  const s = at(n);
  if (s)
    console.log(
      `${fmt(n)} series: ${s.median.toFixed(0)} ms median (target < ${fmt(ms)} ms), ${fmt(s.retained)} B/series retained (target <= 4,096)`,
    );
}
