/**
 * A run of windows of one model (the demo's, the status page's recent history, an offline report
 * split by time): which windows drifted, which window is the worst, and where the retraining
 * recommendation stands after the last one. The terminal, the status page and the multi-window
 * report all read these figures here, so that they tell the same story.
 */
import type { ModelReport, MultiWindowReport, RunSummary } from './report-types.js';
import { windowDrifted } from './retrain.js';

/** What drifted in a window: its drifted features (most severe first), then the prediction signals that drifted ("prediction score"), then joint drift of the features. */
export function driftedNames(r: ModelReport): string[] {
  const p = r.prediction;
  const joint = r.joint?.drift.verdict === 'drift' ? ['joint (feature relationships)'] : [];
  return [
    ...r.drifted,
    ...(['score', 'classes', 'value'] as const)
      .filter((k) => p[k]?.drift.verdict === 'drift')
      .map((k) => `prediction ${k}`),
    ...joint,
  ];
}
const driftedSignals = (r: ModelReport) => driftedNames(r).length;

/** Sum of the PSI of the window's drifted features. */
function driftedPsi(r: ModelReport): number {
  return r.drifted.reduce((a, n) => a + (r.features[n]?.psi ?? 0), 0);
}

/**
 * The worst window (0-based index into `reports`) and why: the most severe verdicts first
 * (retraining recommended after it, then drift), then the most drifted signals, then the largest
 * total PSI of the drifted features, then the latest.
 */
export function worstWindow(reports: readonly ModelReport[]): { index: number; reason: string } {
  if (reports.length === 0) throw new RangeError('worstWindow: no windows');
  const severity = (r: ModelReport) => [
    r.retrain?.recommended ? 1 : 0,
    windowDrifted(r) ? 1 : 0,
    driftedSignals(r),
    driftedPsi(r),
  ];
  let best = 0;
  for (let i = 1; i < reports.length; i++) {
    const [a, b] = [severity(reports[i]!), severity(reports[best]!)];
    const k = a.findIndex((v, j) => v !== b[j]);
    if (k < 0 || a[k]! > b[k]!) best = i;
  }
  const r = reports[best]!;
  const names = driftedNames(r);
  const reasons = [
    ...(r.retrain?.recommended ? ['retraining recommended after it'] : []),
    ...(names.length
      ? [
          `${names.length} drifted signal${names.length === 1 ? '' : 's'} (${names.join(', ')}), total PSI of drifted features ${driftedPsi(r).toFixed(3)}`,
        ]
      : []),
  ];
  return { index: best, reason: reasons.length ? reasons.join('; ') : 'no window drifted: the latest window' };
}

/** The summary of a run of windows (oldest first). */
export function summarizeRun(reports: readonly ModelReport[]): RunSummary {
  const numbers = (pred: (r: ModelReport) => boolean) => reports.flatMap((r, i) => (pred(r) ? [i + 1] : []));
  const worst = worstWindow(reports);
  const last = reports[reports.length - 1]!;
  let retrain: RunSummary['retrain'] = null;
  if (last.retrain) {
    // the first window of the run of recommendations that reaches the last window
    let since: number | null = null;
    for (let i = reports.length - 1; i >= 0 && reports[i]!.retrain?.recommended; i--) since = i + 1;
    retrain = { recommended: last.retrain.recommended, since, details: last.retrain.details };
  }
  return {
    windows: reports.length,
    driftedWindows: numbers(windowDrifted),
    insufficientWindows: numbers((r) => r.status === 'insufficient_data'),
    detail: { window: worst.index + 1, reason: worst.reason },
    retrain,
  };
}

/** The multi-window report: the worst window's report, with the run's summary and every window's report. */
export function multiWindowReport(reports: readonly ModelReport[]): MultiWindowReport {
  const run = summarizeRun(reports);
  return { ...reports[run.detail.window - 1]!, run, windows: reports };
}

/** True for a report that carries a run of windows. */
export function isMultiWindow(r: ModelReport | MultiWindowReport): r is MultiWindowReport {
  return 'run' in r && Array.isArray((r as MultiWindowReport).windows);
}
