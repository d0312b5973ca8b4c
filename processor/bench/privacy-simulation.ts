/**
 * `npm run bench:privacy`: the targets of the differential-privacy mechanism (docs/privacy.md),
 * measured by simulation with the instrumentation's noise and the processor's statistics:
 *
 *   over 1,000 windows at epsilon 1 (3 declared features: sensitivity 17), 1,000 rows per window:
 *     the mean error of a window's count within 2% of its true rows (and the mean absolute error shown)
 *     windows without traffic: mean count within 3 standard errors of 0, about half above 0
 *   drift on a noisy numeric feature against an exact baseline, 1,000 windows without drift:
 *     flagged share <= 1% (alpha 0.01), beside the same windows without noise
 *     (and at 2,000 and 10,000 rows)
 *   what it costs in detection power: flagged share at a mean shift of 0.25, 0.5 and 1 SD of the
 *     log, with and without noise, at 1,000, 2,000 and 10,000 rows per window
 *
 * Exits non-zero when a target is missed.
 */
import { clampedRelease, simulateCounts, simulateDrift, type PrivacySimulation } from './privacy-simulation-lib.js';

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
let failures = 0;
const check = (ok: boolean, what: string): void => {
  console.log(`  ${ok ? 'PASS' : 'FAIL'} ${what}`);
  if (!ok) failures++;
};

const base: PrivacySimulation = {
  epsilon: 1,
  features: 3,
  rowsPerWindow: 1_000,
  exportsPerWindow: 1,
  windows: 1_000,
  seed: 17,
};

console.log('Window counts (ml.predictions), epsilon 1 per prediction, 3 features');
for (const exportsPerWindow of [1, 12, 60]) {
  const c = simulateCounts({ ...base, exportsPerWindow });
  console.log(
    `  ${exportsPerWindow} export(s) per window: noise scale ${c.scale} per export, sd ${c.noiseSd.toFixed(1)} per window;` +
      ` mean error ${pct(c.meanError)}, mean absolute error ${pct(c.meanAbsoluteError)} of 1,000 rows;` +
      ` no traffic: mean ${c.emptyMean.toFixed(2)} (sd ${c.emptySd.toFixed(1)}), ${pct(c.emptyPositiveShare)} above 0`,
  );
  if (exportsPerWindow === 1) {
    check(Math.abs(c.meanError) <= 0.02, `mean error ${pct(c.meanError)} within 2%`);
    check(
      Math.abs(c.emptyMean) <= (3 * c.noiseSd) / Math.sqrt(base.windows),
      `no-traffic mean ${c.emptyMean.toFixed(2)} within 3 standard errors of 0 (${((3 * c.noiseSd) / Math.sqrt(base.windows)).toFixed(2)})`,
    );
    check(
      c.emptyPositiveShare > 0.4 && c.emptyPositiveShare < 0.6,
      `no-traffic windows above 0: ${pct(c.emptyPositiveShare)} (about half)`,
    );
  }
}
const old = [0.5, 1].map((eps) => clampedRelease(100, 20, 30, eps, 3));
console.log(
  `  previous mechanism (each bucket clamped at 0 and at its previous release), 100 rows in a 20-bucket histogram after 30 exports: released ${old[0]} at epsilon 0.5, ${old[1]} at epsilon 1 (per series)`,
);

console.log(
  '\nDrift of a numeric feature (log-normal), exact baseline of 10,000 rows, 1 export per window, alpha 0.01',
);
const none = simulateDrift(base, { shift: 0, referenceRows: 10_000 });
console.log(
  `  no drift, 1,000 rows: flagged ${pct(none.flaggedNoisy)} with noise (effective rows ${none.effectiveRows.toFixed(0)}; undecided ${pct(none.undecidedNoisy)}), ${pct(none.flaggedClean)} without`,
);
check(none.flaggedNoisy <= 0.01, `false alarms with noise ${pct(none.flaggedNoisy)} <= 1%`);
const none2k = simulateDrift({ ...base, rowsPerWindow: 2_000, windows: 500 }, { shift: 0, referenceRows: 10_000 });
console.log(
  `  no drift, 2,000 rows (500 windows): flagged ${pct(none2k.flaggedNoisy)} with noise (effective rows ${none2k.effectiveRows.toFixed(0)}; undecided ${pct(none2k.undecidedNoisy)}), ${pct(none2k.flaggedClean)} without`,
);
check(none2k.flaggedNoisy <= 0.01, `false alarms with noise at 2,000 rows ${pct(none2k.flaggedNoisy)} <= 1%`);
const none10k = simulateDrift({ ...base, rowsPerWindow: 10_000, windows: 200 }, { shift: 0, referenceRows: 10_000 });
console.log(
  `  no drift, 10,000 rows (200 windows): flagged ${pct(none10k.flaggedNoisy)} with noise (effective rows ${none10k.effectiveRows.toFixed(0)}), ${pct(none10k.flaggedClean)} without`,
);
check(none10k.flaggedNoisy <= 0.01, `false alarms with noise at 10,000 rows ${pct(none10k.flaggedNoisy)} <= 1%`);
console.log('\n  detection power (flagged share), shift in SD of the log:');
console.log(
  '  rows     shift   with noise   without   effective rows   (numeric features in 32 exponential buckets, as a monitor with privacy on records them)',
);
for (const rows of [1_000, 2_000, 10_000]) {
  for (const shift of [0.25, 0.5, 1]) {
    const r = simulateDrift({ ...base, rowsPerWindow: rows, windows: 200, seed: 23 }, { shift, referenceRows: 10_000 });
    console.log(
      `  ${String(rows).padEnd(8)} ${shift.toFixed(2).padEnd(7)} ${pct(r.flaggedNoisy).padEnd(12)} ${pct(r.flaggedClean).padEnd(9)} ${r.effectiveRows.toFixed(0)}`,
    );
  }
}
if (failures > 0) {
  console.log(`\n${failures} target(s) missed`);
  process.exitCode = 1;
}
