/**
 * `npm run bench:statistics`: the statistical targets of the drift decision
 * rule, measured by simulation.
 *
 * Explicit percentile buckets (normal features, reference 10,000 rows):
 *   no drift, 20 features x 200 windows at 100 / 1,000 / 10,000 rows: flagged share <= 1%
 *   0.5 SD shift, 1,000-row windows: flagged in >= 95%
 *   1 SD shift, 100-row windows: flagged in >= 90%
 *   0.2 SD shift, 10,000-row windows: significant in >= 95% but not flagged (effect size minimum)
 * Exponential histograms, no baseline file (statistics-simulation-exponential.ts: twelve
 * features of nine distributions plus constant, rare-value and coarse explicit ones, 160 buckets):
 *   no drift at 100 / 1,000 / 10,000 rows, reference of the same size and of 100,000 rows,
 *   bins from the reference histogram and from baseline deciles: flagged share <= 1%, and no
 *   flag among the feature-windows decided on the KS fallback
 *   complete shift and 1 SD mean shift of each feature, 1,000 rows, first window: flagged in
 *   every window (the 1 SD shift of the coarse explicit feature and of the constant one excepted:
 *   their verdicts are shown)
 *   the KS fallback's effect floor: the binned decision's flag rate and the mean KS statistic
 *   by normal mean shift at 10,000 rows (decide.ts, DEFAULT_MIN_KS)
 *
 * `--write` puts the exponential tables into processor/src/statistics/README.md. Exits non-zero
 * when a target is missed.
 */
import {
  chiSquareCdf,
  compareNumeric,
  decideDrift,
  exponentialFromValues,
  referenceBoundaries,
} from '../src/statistics/index.js';
import { writeReadmeSection } from './statistics-readme.js';
import { FEATURES, runExponentialScenario } from './statistics-simulation-exponential.js';
import { gaussianSource, runScenario, type ScenarioResult } from './statistics-simulation-lib.js';

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
const started = performance.now();
const base = { features: 20, windows: 200, referenceRows: 10_000 };
let failures = 0;
const check = (ok: boolean, what: string): void => {
  console.log(`  ${ok ? 'PASS' : 'FAIL'} ${what}`);
  if (!ok) failures++;
};
const show = (r: ScenarioResult): void => {
  const s = r.scenario;
  console.log(
    `\n${s.name}: ${s.features} features x ${s.windows} windows, reference ${s.referenceRows} rows, current ${s.currentRows} rows, shift ${s.shift} SD`,
  );
  console.log(`  unshifted feature-windows: flagged ${pct(r.nullFlagged)}, BH-significant ${pct(r.nullSignificant)}`);
  const e = r.nullExceedance;
  console.log(
    `  share above the asymptotic critical value at alpha 0.01: PSI ${pct(e.psi)}, KL ${pct(e.kl)}, JS ${pct(e.jensenShannon)}, Hellinger ${pct(e.hellinger)}, chi-square ${pct(e.chiSquare)}, KS ${pct(e.ks)}`,
  );
  if (s.shift !== 0) {
    console.log(
      `  shifted feature: flagged ${pct(r.shiftedFlagged)}, raw p < alpha ${pct(r.shiftedRawSignificant)}, BH-significant ${pct(r.shiftedSignificant)}, mean PSI ${r.shiftedMeanPsi.toFixed(4)}, mean JS ${r.shiftedMeanJs.toFixed(4)}`,
    );
  }
};

let seed = 1000;
for (const rows of [100, 1_000, 10_000]) {
  const r = runScenario({ ...base, name: `no drift`, currentRows: rows, shift: 0 }, seed++);
  show(r);
  check(r.nullFlagged <= 0.01, `flagged share ${pct(r.nullFlagged)} <= 1%`);
}
{
  const r = runScenario({ ...base, name: '0.5 SD shift', currentRows: 1_000, shift: 0.5 }, seed++);
  show(r);
  check(r.shiftedFlagged >= 0.95, `0.5 SD shift flagged in ${pct(r.shiftedFlagged)} >= 95% of 1,000-row windows`);
  check(r.nullFlagged <= 0.01, `other features flagged ${pct(r.nullFlagged)} <= 1%`);
}
{
  const r = runScenario({ ...base, name: '1 SD shift', currentRows: 100, shift: 1 }, seed++);
  show(r);
  check(r.shiftedFlagged >= 0.9, `1 SD shift flagged in ${pct(r.shiftedFlagged)} >= 90% of 100-row windows`);
  check(r.nullFlagged <= 0.01, `other features flagged ${pct(r.nullFlagged)} <= 1%`);
}
{
  const r = runScenario({ ...base, name: '0.2 SD shift', currentRows: 10_000, shift: 0.2 }, seed++);
  show(r);
  check(
    r.shiftedSignificant >= 0.95,
    `0.2 SD shift BH-significant in ${pct(r.shiftedSignificant)} >= 95% of 10,000-row windows`,
  );
  check(
    r.shiftedFlagged === 0,
    `0.2 SD shift flagged in ${pct(r.shiftedFlagged)} (expected 0: effect below the minimum)`,
  );
}

// Exponential histograms, no baseline file unless said
const nullRows: string[] = [
  '| current rows | reference rows | bins from | flagged | KS-fallback feature-windows (flagged) |',
  '| --- | --- | --- | --- | --- |',
];
for (const rows of [100, 1_000, 10_000]) {
  for (const referenceRows of [rows, 100_000]) {
    for (const baselineEdges of [false, true]) {
      const r = runExponentialScenario(
        { name: 'no drift', windows: 200, referenceRows, currentRows: rows, baselineEdges },
        seed++,
      );
      const where = baselineEdges ? 'baseline deciles' : 'reference histogram';
      console.log(
        `\nexponential, no drift: ${FEATURES.length} features x 200 windows, reference ${referenceRows} rows, current ${rows} rows, bins from the ${where}`,
      );
      check(r.nullFlagged <= 0.01, `flagged share ${pct(r.nullFlagged)} <= 1%`);
      check(
        r.nullFallbackFlagged === 0,
        `${r.nullFallback} feature-windows on the KS fallback, ${r.nullFallbackFlagged} flagged`,
      );
      nullRows.push(
        `| ${rows.toLocaleString('en')} | ${referenceRows.toLocaleString('en')} | ${where} | ${pct(r.nullFlagged)} | ${r.nullFallback} (${r.nullFallbackFlagged}) |`,
      );
    }
  }
}
const detectRows: string[] = [
  '| feature | reference rows | complete shift flagged | 1 SD mean shift flagged |',
  '| --- | --- | --- | --- |',
];
for (const feature of FEATURES) {
  for (const referenceRows of [1_000, 100_000]) {
    const cells: string[] = [];
    for (const change of ['complete', 'shift-1sd'] as const) {
      const r = runExponentialScenario(
        { name: change, windows: 100, referenceRows, currentRows: 1_000, changed: feature, change },
        seed++,
      );
      const verdicts = Object.entries(r.changedVerdicts)
        .map(([v, k]) => `${v} ${k}`)
        .join(', ');
      const expected = change === 'complete' || (feature !== 'constant' && feature !== 'coarse-explicit');
      if (expected)
        check(
          r.changedFlagged === 1,
          `${feature}, ${change}, reference ${referenceRows}: flagged in ${pct(r.changedFlagged)} of first windows`,
        );
      else
        console.log(
          `  ${feature}, ${change}, reference ${referenceRows}: ${verdicts} (no SD to shift by, or a shift inside one coarse bucket)`,
        );
      cells.push(expected ? pct(r.changedFlagged) : `${pct(r.changedFlagged)} (${verdicts})`);
    }
    detectRows.push(`| ${feature} | ${referenceRows.toLocaleString('en')} | ${cells.join(' | ')} |`);
  }
}

// The KS fallback's effect floor: where the binned PSI/JS floors start flagging (10,000 rows)
const floorRows: string[] = [
  '| mean shift d (SD) | flagged by the binned decision | mean KS statistic | population KS 2 Phi(d/2) - 1 = P(\\|Z\\| <= d/2) |',
  '| --- | --- | --- | --- |',
];
{
  const g = gaussianSource(seed++);
  const ref = Float64Array.from({ length: 10_000 }, g);
  const refHist = exponentialFromValues(ref);
  const edges = referenceBoundaries(ref).decileBoundaries;
  for (const shift of [0.2, 0.24, 0.26, 0.28, 0.3, 0.32]) {
    let flagged = 0;
    let ks = 0;
    const W = 100;
    for (let w = 0; w < W; w++) {
      const cur = Float64Array.from({ length: 10_000 }, () => g() + shift);
      const c = compareNumeric(refHist, exponentialFromValues(cur), { decileEdges: edges });
      if (
        decideDrift({
          pValue: c.pValue,
          psi: c.binned!.psi,
          jensenShannon: c.binned!.jensenShannon,
          currentCount: cur.length,
        }).verdict === 'drift'
      )
        flagged++;
      ks += c.ks!.statistic;
    }
    floorRows.push(
      `| ${shift} | ${pct(flagged / W)} | ${(ks / W).toFixed(3)} | ${chiSquareCdf((shift * shift) / 4, 1).toFixed(3)} |`,
    );
  }
}
const tables = [
  'No drift (pinned reference; flagged = share of feature-windows with verdict drift):',
  '',
  nullRows.join('\n'),
  '',
  'A change in the first window, 1,000 current rows (share of 100 windows flagged):',
  '',
  detectRows.join('\n'),
  '',
  'Effect floor of the KS fallback (normal features, reference 10,000 rows, 100 windows per shift):',
  '',
  floorRows.join('\n'),
].join('\n');
console.log(`\n${tables}`);
if (process.argv.includes('--write'))
  writeReadmeSection(
    '<!-- simulation:begin (npm run bench:statistics -- --write) -->',
    '<!-- simulation:end -->',
    tables,
  );

console.log(
  `\n${failures === 0 ? 'all targets met' : `${failures} target(s) missed`} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
process.exitCode = failures === 0 ? 0 : 1;
