/** Terminal output of the demo: one block per evaluated window. */
import type { ModelReport } from '../../processor/src/analysis/report-types.js';
import { bySeverity, fmt, pct, pval } from '../../processor/src/render/text.js';
import { driftedNames } from '../../processor/src/analysis/run.js';

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const wrap = (code: string) => (s: string) => (color ? `\u001b[${code}m${s}\u001b[0m` : s);
export const bold = wrap('1');
export const dim = wrap('2');
export const red = wrap('31');
export const green = wrap('32');
export const yellow = wrap('33');

export function printWindow(r: ModelReport, n: number, spans: number): void {
  const time = r.window ? `${r.window.start.slice(11, 16)}-${r.window.end.slice(11, 16)}` : '';
  const verdict =
    r.status === 'insufficient_data'
      ? yellow('insufficient data')
      : driftedNames(r).length
        ? red(`DRIFT: ${driftedNames(r).join(', ')}`)
        : green('no drift');
  const perf = r.performance
    ? `acc ${fmt(r.performance.accuracy)} AUC ${fmt(r.performance.rocAuc)}`
    : 'no outcomes yet';
  const cal = r.calibration ? `ECE ${fmt(r.calibration.ece)}` : '';
  const retrain = r.retrain?.recommended ? `  ${red('retraining RECOMMENDED')}` : '';
  console.log(
    `${bold(`window ${n}`)} ${dim(time)}  ${r.current.count} rows  ${spans} spans  ${perf}  ${cal}  ${verdict}${retrain}`,
  );
  const rows = bySeverity(r.features).slice(0, 6);
  for (const [name, f] of rows) {
    const mark = f.drift.verdict === 'drift' ? red('●') : f.drift.significant ? yellow('●') : green('●');
    console.log(
      `   ${mark} ${name.padEnd(17)} PSI ${fmt(f.psi).padStart(6)} ${dim(`(crit ${fmt(f.psiCritical)})`)}  JS ${fmt(f.jensenShannon).padStart(5)}  KS ${fmt(f.ks).padStart(5)}  p ${pval(f.drift.adjustedPValue).padStart(6)}  missing ${pct(f.missingRate).padStart(5)}`,
    );
  }
  for (const name of r.drifted.slice(0, 2)) {
    const f = r.features[name]!;
    const moves = f.topMovers.map((b) => `${b.label} ${pct(b.reference)}→${pct(b.current)}`).join('; ');
    console.log(dim(`     ${name}: ${moves}`));
  }
}
