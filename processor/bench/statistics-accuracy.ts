/**
 * `npm run bench:accuracy`: how close compareNumeric on base-2 exponential histograms comes to
 * the exact statistics of the raw rows (the targets: Wasserstein-1 within 5% relative,
 * KS within 0.01 absolute, PSI/KL/JS/Hellinger within 5% relative or 0.005 absolute, the same
 * chi-square decision at alpha 0.01), the rows binned as a live service would (scale lowered from
 * 20 until each sign fits 160, or 320, buckets).
 *
 * 1. The committed fixture (test/fixtures/statistics/accuracy.json, exact values from scipy):
 *    exact against ours per distribution, reference binned like the current, its raw decile
 *    edges given. The exact functions of statistics-distributions.ts are checked against scipy
 *    on the same rows first.
 * 2. Monte Carlo: `--samples` fresh seeded pairs per distribution, size and change (default 100),
 *    exact statistics computed here: the share of pairs meeting each target, at 160 and 320 buckets.
 *
 * 3. Cost: CPU time per compareNumeric call (160 and 320 buckets, a finer reference, explicit
 *    buckets) beside numericDrift on explicit buckets.
 *
 * `--write` replaces the accuracy section of processor/src/statistics/README.md with the tables.
 * Prints the tables; exits non-zero when the exact functions disagree with scipy.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  compareNumeric,
  exponentialFromValues,
  histogramFromValues,
  numericDrift,
  referenceBoundaries,
  type NumericComparison,
} from '../src/statistics/index.js';
import {
  DISTRIBUTIONS,
  changed,
  exactBinned,
  exactKs,
  exactWasserstein,
  sampler,
  type Distribution,
} from './statistics-distributions.js';
import { writeReadmeSection } from './statistics-readme.js';

interface Case {
  size: number;
  change: 'none' | 'shift' | 'scale';
  decileEdges: number[];
  binned: { psi: number; kl: number; jensenShannon: number; hellinger: number; chiSquare: { pValue: number } };
  ks: { statistic: number };
  wasserstein: number;
}
interface Fixture {
  distributions: {
    distribution: Distribution;
    offset: number;
    center: number;
    factor: number;
    reference: number[];
    current: number[];
    cases: Case[];
  }[];
}

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const samples = Number(arg('samples', '100'));
const write = process.argv.includes('--write');
const root = fileURLToPath(new URL('../../', import.meta.url));
const started = performance.now();

/** Exact values of one pair, in the units the targets use. */
interface Exact {
  ks: number;
  w1: number;
  psi: number;
  kl: number;
  js: number;
  h: number;
  p: number;
}

const TARGETS = ['W1', 'KS', 'PSI', 'KL', 'JS', 'H', 'decision'] as const;
type Target = (typeof TARGETS)[number];

const binnedOk = (ours: number, exact: number): boolean =>
  Math.abs(ours - exact) <= Math.max(0.05 * Math.abs(exact), 0.005);

/** Which targets `r` meets against `e`. */
function meets(r: NumericComparison, e: Exact): Record<Target, boolean> {
  const b = r.binned!;
  return {
    W1: Math.abs(r.wasserstein! / e.w1 - 1) <= 0.05,
    KS: Math.abs(r.ks!.statistic - e.ks) <= 0.01,
    PSI: binnedOk(b.psi, e.psi),
    KL: binnedOk(b.kl, e.kl),
    JS: binnedOk(b.jensenShannon, e.js),
    H: binnedOk(b.hellinger, e.h),
    decision: b.chiSquare.pValue <= 0.01 === e.p <= 0.01,
  };
}

const compare = (ref: ArrayLike<number>, cur: ArrayLike<number>, buckets: number, edges: number[]): NumericComparison =>
  compareNumeric(
    exponentialFromValues(ref, { maxBuckets: buckets }),
    exponentialFromValues(cur, { maxBuckets: buckets }),
    { decileEdges: edges },
  );

const g4 = (x: number): string => (x === 0 ? '0' : Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(4));

// 1. the fixture: exact (scipy) against ours
const fx = JSON.parse(readFileSync(`${root}test/fixtures/statistics/accuracy.json`, 'utf8')) as Fixture;
let disagreements = 0;
const fixtureRows: string[] = [];
const worst: Record<string, Record<Target, number>> = {};
for (const d of fx.distributions) {
  for (const c of d.cases) {
    const ref = d.reference.slice(0, c.size);
    const cur0 = d.current.slice(0, c.size);
    const cur =
      c.change === 'none'
        ? cur0
        : c.change === 'shift'
          ? cur0.map((v) => v + d.offset)
          : cur0.map((v) => d.center + (v - d.center) * d.factor);
    // this file's exact functions against scipy on the same rows
    const mine = exactBinned(ref, cur);
    const checks: [string, number, number][] = [
      ['KS', exactKs(ref, cur), c.ks.statistic],
      ['W1', exactWasserstein(ref, cur), c.wasserstein],
      ['PSI', mine.binned.psi, c.binned.psi],
      ['JS', mine.binned.jensenShannon, c.binned.jensenShannon],
    ];
    for (const [what, a, b] of checks) {
      if (Math.abs(a - b) > 1e-9 * Math.max(1, Math.abs(b))) {
        disagreements++;
        console.error(`exact ${what} of ${d.distribution} ${c.size} ${c.change}: ${a} here, ${b} in scipy`);
      }
    }
    const e: Exact = {
      ks: c.ks.statistic,
      w1: c.wasserstein,
      psi: c.binned.psi,
      kl: c.binned.kl,
      js: c.binned.jensenShannon,
      h: c.binned.hellinger,
      p: c.binned.chiSquare.pValue,
    };
    for (const buckets of [160, 320]) {
      const r = compare(ref, cur, buckets, c.decileEdges);
      const ok = meets(r, e);
      const key = `${buckets}`;
      worst[key] ??= { W1: 0, KS: 0, PSI: 0, KL: 0, JS: 0, H: 0, decision: 0 };
      for (const t of TARGETS) if (!ok[t]) worst[key]![t]++;
      if (buckets !== 160) continue;
      const b = r.binned!;
      const cell = (ex: number, ours: number, good: boolean): string => `${g4(ex)} / ${g4(ours)}${good ? '' : ' (!)'}`;
      const decision = (p: number): string => (p <= 0.01 ? 'p <= 0.01' : 'p > 0.01');
      fixtureRows.push(
        `| ${d.distribution} | ${c.size.toLocaleString('en')} | ${c.change} | s${r.resolution!.scale} | ${cell(e.w1, r.wasserstein!, ok.W1)} | ${cell(e.ks, r.ks!.statistic, ok.KS)} | ${cell(e.psi, b.psi, ok.PSI)} | ${cell(e.kl, b.kl, ok.KL)} | ${cell(e.js, b.jensenShannon, ok.JS)} | ${cell(e.h, b.hellinger, ok.H)} | ${decision(e.p)} / ${decision(b.chiSquare.pValue)}${ok.decision ? '' : ' (!)'} |`,
      );
    }
  }
}
const fixtureTable = [
  '| distribution | rows | change | scale | W1 exact / ours | KS | PSI | KL | JS | Hellinger | chi-square at 0.01 |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...fixtureRows,
].join('\n');
const missed = (b: string): string => {
  const w = worst[b]!;
  const parts = TARGETS.filter((t) => w[t] > 0).map((t) => `${t} ${w[t]}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
};
console.log(
  'Fixture (scipy on the raw rows; reference binned like the current, raw decile edges given; 160 buckets per sign):\n',
);
console.log(fixtureTable);
console.log(`\ncases (of 54) missing a target: at 160 buckets ${missed('160')}; at 320 buckets ${missed('320')}`);

// 2. Monte Carlo pass rates
const CHANGES = ['none', 'shift', 'scale'] as const;
const SIZES = [1_000, 10_000];
const BUDGETS = [160, 320];
const pass: Record<string, Record<Target, number>> = {};
let seed = 1;
for (const name of DISTRIBUTIONS) {
  for (const size of SIZES) {
    const draw = sampler(name, 7919 * ++seed);
    for (let s = 0; s < samples; s++) {
      const ref = Float64Array.from({ length: size }, draw);
      const cur0 = Float64Array.from({ length: size }, draw);
      for (const change of CHANGES) {
        const cur = changed(name, change, ref, cur0);
        const x = exactBinned(ref, cur);
        const e: Exact = {
          ks: exactKs(ref, cur),
          w1: exactWasserstein(ref, cur),
          psi: x.binned.psi,
          kl: x.binned.kl,
          js: x.binned.jensenShannon,
          h: x.binned.hellinger,
          p: x.binned.chiSquare.pValue,
        };
        for (const buckets of BUDGETS) {
          const ok = meets(compare(ref, cur, buckets, x.edges), e);
          const key = `${name}|${size}|${change}|${buckets}`;
          pass[key] ??= { W1: 0, KS: 0, PSI: 0, KL: 0, JS: 0, H: 0, decision: 0 };
          for (const t of TARGETS) if (ok[t]) pass[key]![t]++;
        }
      }
    }
  }
}
const mcTables: string[] = [];
for (const buckets of BUDGETS) {
  const rows = [
    `| distribution | rows | ${CHANGES.join(' | ')} |`,
    `| --- | --- | ${CHANGES.map(() => '---').join(' | ')} |`,
  ];
  for (const name of DISTRIBUTIONS) {
    for (const size of SIZES) {
      const cells = CHANGES.map((change) => {
        const p = pass[`${name}|${size}|${change}|${buckets}`]!;
        const below = TARGETS.filter((t) => p[t] < samples).map((t) => `${t} ${Math.round((100 * p[t]) / samples)}%`);
        return below.length === 0 ? 'all 100%' : below.join(', ');
      });
      rows.push(`| ${name} | ${size.toLocaleString('en')} | ${cells.join(' | ')} |`);
    }
  }
  mcTables.push(`${buckets} buckets per sign:\n\n${rows.join('\n')}`);
}
console.log(
  `\nMonte Carlo: share of ${samples} fresh pairs meeting each target (targets at 100% not listed), reference binned like the current, its raw decile edges given:\n`,
);
console.log(mcTables.join('\n\n'));

// 3. cost per comparison (CPU time; two 10,000-row normal samples)
const costRows: string[] = ['| comparison | CPU µs per call |', '| --- | --- |'];
{
  const draw = sampler('normal', 4242);
  const a = Float64Array.from({ length: 10_000 }, draw);
  const b = Float64Array.from({ length: 10_000 }, draw);
  const rb = referenceBoundaries(a);
  const cases: [string, () => unknown][] = [];
  for (const buckets of [160, 320]) {
    const ra = exponentialFromValues(a, { maxBuckets: buckets });
    const cb = exponentialFromValues(b, { maxBuckets: buckets });
    const cells = ra.positive.bucketCounts.length + ra.negative.bucketCounts.length;
    cases.push([
      `compareNumeric, exponential ${buckets} buckets per sign (scale ${ra.scale}, ${cells} buckets), baseline deciles`,
      () => compareNumeric(ra, cb, { decileEdges: rb.decileBoundaries }),
    ]);
    cases.push([
      `compareNumeric, exponential ${buckets} buckets per sign, deciles of the reference histogram`,
      () => compareNumeric(ra, cb),
    ]);
  }
  const fine = exponentialFromValues(a, { maxBuckets: 2_048 });
  const cur160 = exponentialFromValues(b);
  cases.push([
    `compareNumeric, reference 2,048 buckets (scale ${fine.scale}) against current 160`,
    () => compareNumeric(fine, cur160, { decileEdges: rb.decileBoundaries }),
  ]);
  const ea = histogramFromValues(a, rb.boundaries);
  const eb = histogramFromValues(b, rb.boundaries);
  cases.push([
    'compareNumeric, explicit 100 percentile buckets',
    () => compareNumeric(ea, eb, { decileEdges: rb.decileBoundaries }),
  ]);
  cases.push([
    'numericDrift, explicit 100 percentile buckets (the explicit path)',
    () => numericDrift(ea, eb, rb.decileBoundaries),
  ]);
  for (const [name, run] of cases) {
    for (let i = 0; i < 2_000; i++) run();
    const calls = 20_000;
    const t0 = process.cpuUsage();
    for (let i = 0; i < calls; i++) run();
    const t = process.cpuUsage(t0);
    costRows.push(`| ${name} | ${((t.user + t.system) / calls).toFixed(1)} |`);
  }
}
const costTable = costRows.join('\n');
console.log(`\nCost per comparison:\n\n${costTable}`);
console.log(`\n${((performance.now() - started) / 1000).toFixed(1)} s`);

if (write) {
  writeReadmeSection(
    '<!-- accuracy:begin (npm run bench:accuracy -- --write) -->',
    '<!-- accuracy:end -->',
    [
      'Exact (scipy on the raw rows of test/fixtures/statistics/accuracy.json) / ours (`compareNumeric` on exponential histograms of the same rows, 160 buckets per sign, reference binned the same way, its raw decile edges given); `(!)` marks a missed target:',
      '',
      fixtureTable,
      '',
      `Fixture cases (of 54) missing a target: at 160 buckets ${missed('160')}; at 320 buckets ${missed('320')}.`,
      '',
      `Monte Carlo, ${samples} fresh seeded pairs per cell (exact statistics from the sorted rows, as scipy; targets at 100% not listed):`,
      '',
      mcTables.join('\n\n'),
      '',
      'Cost per comparison (CPU time per call, two 10,000-row normal samples; measured on a shared 2-core machine):',
      '',
      costTable,
    ].join('\n'),
  );
}
process.exitCode = disagreements === 0 ? 0 : 1;
