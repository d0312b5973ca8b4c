/**
 * `npm run bench:statistics`: the statistical targets of the drift decision
 * rule, measured by simulation (normal features, reference 10,000 rows).
 *
 *   no drift, 20 features x 200 windows at 100 / 1,000 / 10,000 rows: flagged share <= 1%
 *   0.5 SD shift, 1,000-row windows: flagged in >= 95%
 *   1 SD shift, 100-row windows: flagged in >= 90%
 *   0.2 SD shift, 10,000-row windows: significant in >= 95% but not flagged (effect size minimum)
 *
 * Exits non-zero when a target is missed.
 */
import { runScenario, type ScenarioResult } from './statistics-simulation-lib.js';

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
  console.log(`\n${s.name}: ${s.features} features x ${s.windows} windows, reference ${s.referenceRows} rows, current ${s.currentRows} rows, shift ${s.shift} SD`);
  console.log(`  unshifted feature-windows: flagged ${pct(r.nullFlagged)}, BH-significant ${pct(r.nullSignificant)}`);
  const e = r.nullExceedance;
  console.log(`  share above the asymptotic critical value at alpha 0.01: PSI ${pct(e.psi)}, KL ${pct(e.kl)}, JS ${pct(e.jensenShannon)}, Hellinger ${pct(e.hellinger)}, chi-square ${pct(e.chiSquare)}, KS ${pct(e.ks)}`);
  if (s.shift !== 0) {
    console.log(`  shifted feature: flagged ${pct(r.shiftedFlagged)}, raw p < alpha ${pct(r.shiftedRawSignificant)}, BH-significant ${pct(r.shiftedSignificant)}, mean PSI ${r.shiftedMeanPsi.toFixed(4)}, mean JS ${r.shiftedMeanJs.toFixed(4)}`);
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
  check(r.shiftedSignificant >= 0.95, `0.2 SD shift BH-significant in ${pct(r.shiftedSignificant)} >= 95% of 10,000-row windows`);
  check(r.shiftedFlagged === 0, `0.2 SD shift flagged in ${pct(r.shiftedFlagged)} (expected 0: effect below the minimum)`);
}
console.log(`\n${failures === 0 ? 'all targets met' : `${failures} target(s) missed`} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
process.exitCode = failures === 0 ? 0 : 1;
