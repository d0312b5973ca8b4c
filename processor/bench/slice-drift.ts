/**
 * `npm run bench:slices`: the targets of drift per slice (issue 21), measured by simulation.
 *
 * Five slices of `ml.slice.region` (20% of the traffic each), four standard-normal features, a
 * categorical one and the score of a logistic model of them (test/helpers/slices.ts); a window of
 * 1,000 rows per slice against a pinned reference window of the same size, through the
 * instrumentation's aggregator (numeric features as exponential histograms) and the processor's
 * window snapshot and evaluation (the path the service runs, see analysis/view.ts).
 *
 *   no drift: flagged share of slice-feature-windows (5 slices x (5 features + score) per window)
 *     target <= 1%;
 *   a shift of x1 confined to one slice (0.5 SD; 0.3 SD shown): share of windows where a slice
 *     drifted, and where the shifted slice is ranked first ("where it moved") when one did;
 *     target: ranked first in the first drifted window (100% of the drifted windows at 0.5 SD);
 *   a change of the categorical mix confined to one slice (shown).
 *
 * `--trials N` (default 100) windows per case. Exits non-zero when a target is missed.
 */
import { ModelAggregator } from '@otel-ml/instrumentation';
import { evaluate } from '../src/analysis/evaluate.js';
import { windowFromAggregator } from '../src/analysis/view.js';
import type { ModelReport } from '../src/analysis/report-types.js';
import { FEATURES, REGIONS, sliceTraffic, type SliceRow } from '../../test/helpers/slices.js';

const arg = process.argv.indexOf('--trials');
const TRIALS = arg > 0 ? Math.max(1, Number(process.argv[arg + 1])) : 100;
const ROWS_PER_SLICE = 1_000;
const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;

function window(rows: readonly SliceRow[]) {
  const agg = new ModelAggregator({
    model: { name: 'm', task: 'binary_classification' },
    features: FEATURES,
    slices: ['region'],
  });
  for (const r of rows) agg.observe({ features: r.features, score: r.score, slices: { region: r.region } });
  return windowFromAggregator(agg.snapshot());
}

function report(
  seed: number,
  mutate?: (rows: SliceRow[]) => SliceRow[],
  shift?: { region: string; x1: number },
): ModelReport {
  const ref = window(sliceTraffic({ seed: 10_000 + seed, rowsPerSlice: ROWS_PER_SLICE }));
  let rows = sliceTraffic({ seed: 20_000 + seed, rowsPerSlice: ROWS_PER_SLICE, ...(shift ? { shift } : {}) });
  if (mutate) rows = mutate(rows);
  return evaluate(ref, window(rows), { model: { name: 'm' }, referenceKind: 'pinned' });
}

let failures = 0;
const check = (ok: boolean, what: string): void => {
  console.log(`  ${ok ? 'PASS' : 'FAIL'} ${what}`);
  if (!ok) failures++;
};
const started = performance.now();

// 1. no drift
let tests = 0;
let flagged = 0;
let significant = 0;
let rawSignificant = 0;
let windowsWithFlag = 0;
let overallFlagged = 0;
for (let t = 0; t < TRIALS; t++) {
  const r = report(t);
  const k = r.sliceDrift!.keys.region!;
  let any = false;
  for (const s of k.slices) {
    for (const d of [...Object.values(s.features), ...(s.score ? [s.score] : [])]) {
      tests++;
      if (d.adjustedPValue !== null && d.adjustedPValue <= r.sliceDrift!.alpha) significant++;
      if (d.pValue !== null && d.pValue <= r.sliceDrift!.alpha) rawSignificant++;
      if (d.verdict === 'drift') {
        flagged++;
        any = true;
      }
    }
  }
  if (any) windowsWithFlag++;
  if (r.drifted.length > 0) overallFlagged++;
}
console.log(`\nno drift: ${TRIALS} windows x 5 slices x 6 distributions, ${ROWS_PER_SLICE} rows per slice`);
console.log(
  `  slice-feature-windows flagged: ${flagged} of ${tests} (${pct(flagged / tests)}); windows with any slice flag: ${pct(windowsWithFlag / TRIALS)}; overall features flagged in ${pct(overallFlagged / TRIALS)} of windows`,
);
console.log(
  `  significant at alpha ${0.01} before Benjamini-Hochberg: ${pct(rawSignificant / tests)}; after (across slices x features): ${pct(significant / tests)}`,
);
check(flagged / tests <= 0.01, `no-drift false alarms ${pct(flagged / tests)} <= 1% of slice-feature-windows`);

// 2. a shift confined to one slice
function located(name: string, make: (t: number) => { r: ModelReport; target: string }, target: boolean): void {
  let drifted = 0;
  let first = 0;
  let overall = 0;
  let share = 0;
  for (let t = 0; t < TRIALS; t++) {
    const { r, target: region } = make(t);
    const k = r.sliceDrift!.keys.region!;
    if (r.drifted.length > 0) overall++;
    if (k.located === null) continue;
    drifted++;
    if (k.slices[0]!.slice === region) {
      first++;
      share += k.slices[0]!.share!;
    }
  }
  console.log(`\n${name}: ${TRIALS} windows, ${ROWS_PER_SLICE} rows per slice`);
  console.log(
    `  windows with a slice drift: ${pct(drifted / TRIALS)} (overall features drifted in ${pct(overall / TRIALS)})`,
  );
  console.log(
    `  shifted slice ranked first: ${first} of ${drifted} drifted windows (${pct(drifted ? first / drifted : 0)}), its mean share of the movement ${first ? pct(share / first) : '-'}`,
  );
  if (target) {
    check(drifted === TRIALS, `the shift is detected in a slice in every window (${drifted} of ${TRIALS})`);
    check(
      first === drifted && drifted > 0,
      `the shifted slice is ranked first in every drifted window (${first} of ${drifted})`,
    );
  }
}
const regionOf = (t: number): string => REGIONS[t % REGIONS.length]!;
located(
  'x1 +0.5 SD in one slice of five',
  (t) => ({ r: report(1_000 + t, undefined, { region: regionOf(t), x1: 0.5 }), target: regionOf(t) }),
  true,
);
located(
  'x1 +0.3 SD in one slice of five (shown)',
  (t) => ({ r: report(2_000 + t, undefined, { region: regionOf(t), x1: 0.3 }), target: regionOf(t) }),
  false,
);
located(
  'plan: half of the free rows become pro in one slice of five (shown)',
  (t) => {
    const region = regionOf(t);
    let i = 0;
    const mutate = (rows: SliceRow[]) =>
      rows.map((r) =>
        r.region === region && r.features.plan === 'free' && i++ % 2 === 0
          ? { ...r, features: { ...r.features, plan: 'pro' } }
          : r,
      );
    return { r: report(3_000 + t, mutate), target: region };
  },
  false,
);

// 3. cost: the evaluation of one window with and without its five slices (same rows)
{
  const strip = (w: ReturnType<typeof window>) => ({ ...w, slices: {} });
  const ref = window(sliceTraffic({ seed: 1, rowsPerSlice: ROWS_PER_SLICE }));
  const cur = window(sliceTraffic({ seed: 2, rowsPerSlice: ROWS_PER_SLICE, shift: { region: 'c', x1: 0.5 } }));
  // median of 15 rounds of 5 evaluations each, the two kinds interleaved (after a warm-up)
  const once = (a: typeof ref, b: typeof cur): number => {
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) evaluate(a, b, { model: { name: 'm' }, referenceKind: 'pinned' });
    return (performance.now() - t0) / 5;
  };
  const median = (xs: number[]): number => xs.sort((x, y) => x - y)[xs.length >> 1]!;
  for (let i = 0; i < 3; i++) {
    once(ref, cur);
    once(strip(ref), strip(cur));
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < 15; i++) {
    a.push(once(strip(ref), strip(cur)));
    b.push(once(ref, cur));
  }
  const plain = median(a);
  const sliced = median(b);
  console.log(
    `\nevaluation of one window (5 features + score, 5,000 rows): ${plain.toFixed(1)} ms without slices, ${sliced.toFixed(1)} ms with 5 slices (${(sliced / plain).toFixed(1)}x; medians)`,
  );
}

console.log(`\n${((performance.now() - started) / 1000).toFixed(1)} s`);
if (failures > 0) {
  console.log(`${failures} target(s) missed`);
  process.exit(1);
}
