/**
 * Plain-text rendering of a model report: a table of features sorted by severity, then the
 * prediction, calibration and performance sections.
 */
import { referenceLine } from './reference.js';
import {
  isInsufficientResolution,
  unresolvedFeatures,
  type DistributionReport,
  type ModelReport,
  type PerformanceReport,
} from '../analysis/report-types.js';
import { renderSectionsText } from './sections.js';
import { textTable } from './table.js';
import { fmt, pct } from './format.js';
import { driftedNames } from '../analysis/run.js';
import { TEXT_STATISTIC_HEADS, textStatisticCells } from './drift-columns.js';

export { fmt, pct, pval } from './format.js';

/** Orders features most severe first: drifted, then those that could not be binned, then significant, then by PSI. */
export function bySeverity(features: Readonly<Record<string, DistributionReport>>): [string, DistributionReport][] {
  const rank = (f: DistributionReport) =>
    f.drift.verdict === 'drift'
      ? 0
      : isInsufficientResolution(f)
        ? 1
        : f.drift.significant
          ? 2
          : f.drift.verdict === 'no_drift'
            ? 3
            : 4;
  return Object.entries(features).sort(
    ([an, a], [bn, b]) => rank(a) - rank(b) || (b.psi ?? -1) - (a.psi ?? -1) || (an < bn ? -1 : 1),
  );
}

/** The slices explaining most of the movement (one per key) in which something drifted. */
export function slicesDrifted(r: ModelReport): NonNullable<ModelReport['sliceDrift']>['located'] {
  return (r.sliceDrift?.located ?? []).filter((l) => l.drifted.length > 0);
}

/** The window's drift verdict in a sentence: the drifted features, and the prediction signals that drifted. */
export function driftSentence(r: ModelReport): string {
  const preds = driftedNames(r).slice(r.drifted.length);
  const also = preds.length
    ? `${r.drifted.length ? '; ' : '; but '}${preds.join(' and ')} drifted${r.drifted.length ? ' too' : ''}`
    : '';
  const within = slicesDrifted(r).length
    ? ` Within slices: ${slicesDrifted(r)
        .map((l) => `${l.key}=${l.slice} (${l.drifted.join(', ')}; ${pct(l.share)} of the movement)`)
        .join('; ')}.`
    : '';
  return (
    (r.drifted.length
      ? `Drift in ${r.drifted.length} feature(s): ${r.drifted.join(', ')}${also}`
      : `No feature drifted${also}.`) + within
  );
}

export function verdictText(f: DistributionReport): string {
  if (f.drift.verdict === 'drift') return 'DRIFT';
  if (f.drift.verdict === 'insufficient_data') return 'too few rows';
  if (isInsufficientResolution(f)) return 'resolution too low';
  return f.drift.significant ? 'significant, small' : 'ok';
}

/**
 * The performance metrics a report has, with the reference's value of each (null when the
 * reference has none; undefined in reports from before a reference field existed).
 */
export function performanceRows(p: PerformanceReport): [string, number, number | null | undefined][] {
  const rows: [string, number | null, number | null | undefined][] = [
    ['accuracy', p.accuracy, p.reference.accuracy],
    ['precision', p.precision, p.reference.precision],
    ['recall', p.recall, p.reference.recall],
    ['F1', p.f1, p.reference.f1],
    ['ROC AUC', p.rocAuc, p.reference.rocAuc],
    ['MAE', p.mae, p.reference.mae],
    ['RMSE', p.rmse, p.reference.rmse],
  ];
  return rows.filter((r): r is [string, number, number | null | undefined] => r[1] !== null);
}

function distributionRow(name: string, f: DistributionReport): string[] {
  return [
    name,
    f.type === 'numeric' ? 'num' : 'cat',
    String(f.count),
    pct(f.missingRate),
    ...textStatisticCells(f),
    verdictText(f),
  ];
}

export function renderText(r: ModelReport): string {
  const out: string[] = [];
  const title = `${r.model.name}${r.model.version ? ` v${r.model.version}` : ''} (${r.model.task ?? 'task unknown'}, ${r.model.role})`;
  out.push(title, '='.repeat(title.length));
  if (r.window) out.push(`window     ${r.window.start} .. ${r.window.end}`);
  out.push(`reference  ${referenceLine(r)}`);
  out.push(`current    ${r.current.count} rows${r.current.errors ? `, ${r.current.errors} failed predictions` : ''}`);
  out.push(
    `rule       drift = chi-square p < ${r.settings.alpha} after Benjamini-Hochberg AND (PSI >= ${r.settings.minPsi} or JS >= ${r.settings.minJensenShannon}); at least ${r.settings.minRows} rows`,
  );
  if (r.status === 'insufficient_data')
    out.push(`status     insufficient data: fewer than ${r.settings.minRows} rows; nothing is flagged`);
  out.push('', driftSentence(r));
  const unresolved = unresolvedFeatures(r);
  if (unresolved.length)
    out.push(
      `INSUFFICIENT RESOLUTION in ${unresolved.length} feature(s), neither flagged nor cleared: ${unresolved.map((n) => `${n} (${r.features[n]!.drift.reasons.join('; ')})`).join(', ')}`,
    );
  out.push('');
  const head = ['feature', 'type', 'n', 'missing', ...TEXT_STATISTIC_HEADS, 'verdict'];
  out.push(
    textTable(
      head,
      bySeverity(r.features).map(([n, f]) => distributionRow(n, f)),
    ),
  );
  const moved = bySeverity(r.features).filter(([, f]) => f.drift.verdict === 'drift');
  for (const [name, f] of moved) {
    out.push('', `${name}: ${f.drift.reasons.join('; ')}`);
    for (const b of f.topMovers)
      out.push(`  ${b.label.padEnd(28)} ${pct(b.reference).padStart(7)} -> ${pct(b.current).padStart(7)}`);
  }
  const preds: [string, DistributionReport | null][] = [
    ['score', r.prediction.score],
    ['classes', r.prediction.classes],
    ['value', r.prediction.value],
  ];
  const predRows = preds
    .filter((x): x is [string, DistributionReport] => x[1] !== null)
    .map(([n, f]) => distributionRow(n, f));
  if (predRows.length) out.push('', 'Predictions', textTable(head, predRows));
  if (r.calibration) {
    const c = r.calibration;
    out.push('', `Calibration (${c.count} outcomes)  ECE ${fmt(c.ece)}  MCE ${fmt(c.mce)}  Brier ${fmt(c.brier)}`);
    out.push(
      textTable(
        ['bin', 'n', 'mean score', 'observed'],
        c.bins.map((b) => [
          `${b.lower.toFixed(1)}-${b.upper.toFixed(1)}`,
          String(b.count),
          fmt(b.meanPredicted),
          fmt(b.observedRate),
        ]),
      ),
    );
  }
  if (r.performance) {
    const p = r.performance;
    out.push('', `Performance (${p.count} outcomes${p.threshold !== null ? `, threshold ${p.threshold}` : ''})`);
    out.push(
      textTable(
        ['metric', 'current', 'reference'],
        performanceRows(p).map(([n, v, ref]) => [n, fmt(v), fmt(ref)]),
      ),
    );
  }
  if (r.latency)
    out.push(
      '',
      `Latency p50 ${fmt(r.latency.p50, 4)} s  p95 ${fmt(r.latency.p95, 4)} s  p99 ${fmt(r.latency.p99, 4)} s`,
    );
  return `${out.join('\n')}\n${renderSectionsText(r)}`;
}
