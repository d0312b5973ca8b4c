/**
 * The multi-window report as text and HTML: the run's verdicts (drift in how many windows, where
 * retraining stands after the last one), the verdicts over time (trend charts and a table of every
 * window: drift, performance, calibration, retraining), then the details of the worst window.
 */
import type { ModelReport, MultiWindowReport, RunSummary } from '../analysis/report-types.js';
import { windowDrifted } from '../analysis/retrain.js';
import { driftedNames } from '../analysis/run.js';
import { htmlPage, modelTitle, ruleHtml, windowDetailsHtml } from './html.js';
import { outsideBand } from './sections.js';
import { esc } from './svg.js';
import { htmlTable, textTable, type Cell } from './table.js';
import { fmt, renderText } from './text.js';
import { maxPsi, periodOf, trendCharts, windowTimes } from './trends.js';

/** Runs of consecutive window numbers: [[2, 2], [5, 8]] for [2, 5, 6, 7, 8]. */
function runsOf(numbers: readonly number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const n of numbers) {
    const last = out[out.length - 1];
    if (last && n === last[1] + 1) last[1] = n;
    else out.push([n, n]);
  }
  return out;
}

/** Names windows (1-based numbers into `reports`) by number, "windows 2, 5-8", and by time, "09:01–09:02, 09:04–09:08 UTC" (null without windows). */
function nameWindows(
  numbers: readonly number[],
  reports: readonly ModelReport[],
): { nums: string; when: string | null } {
  const runs = runsOf(numbers);
  const times = runs.map(([a, b]) => periodOf(reports, a - 1, b - 1));
  return {
    nums: `window${numbers.length === 1 ? '' : 's'} ${runs.map(([a, b]) => (a === b ? String(a) : `${a}-${b}`)).join(', ')}`,
    when: times.every((t) => t !== null) ? `${times.join(', ')} UTC` : null,
  };
}

/**
 * The run's verdicts in two sentences: drift (in how many windows, which, what drifted) and the
 * retraining recommendation after the last window (null when the windows carry none). `recent`
 * words them for the latest windows of a live model ("of the last 8 windows", by time).
 */
export function runVerdicts(
  run: RunSummary,
  reports: readonly ModelReport[],
  opts: { recent?: boolean } = {},
): { drift: string; retrain: string | null; bad: { drift: boolean; retrain: boolean } } {
  const recent = opts.recent ?? false;
  const of = `${recent ? 'the last ' : ''}${run.windows} window${run.windows === 1 ? '' : 's'}`;
  const count = new Map<string, number>();
  for (const n of run.driftedWindows)
    for (const name of driftedNames(reports[n - 1]!)) count.set(name, (count.get(name) ?? 0) + 1);
  const names = [...count.entries()].sort((a, b) => b[1] - a[1]).map(([n]) => n);
  // a live model's recent windows are named by time alone: their numbers mean nothing to a reader
  const which = (numbers: readonly number[]) => {
    const { nums, when } = nameWindows(numbers, reports);
    return recent && when ? when : when ? `${nums}, ${when}` : nums;
  };
  const few = run.insufficientWindows.length ? `; too few rows in ${which(run.insufficientWindows)}` : '';
  const drift = run.driftedWindows.length
    ? `Drift in ${run.driftedWindows.length} of ${of} (${which(run.driftedWindows)}): ${names.join(', ')}${few}`
    : `No drift in ${of}${few}`;
  let retrain: string | null = null;
  if (run.retrain) {
    const since = run.retrain.since;
    const w = since === null ? null : nameWindows([since], reports);
    const when =
      w === null
        ? ''
        : recent && w.when
          ? ` since the window ${w.when}`
          : ` since ${w.nums}${w.when ? ` (${w.when})` : ''}`;
    retrain = run.retrain.recommended
      ? `Retraining RECOMMENDED${when}: ${run.retrain.details.join('; ')}`
      : 'Retraining not recommended after the last window';
  }
  return { drift, retrain, bad: { drift: run.driftedWindows.length > 0, retrain: run.retrain?.recommended === true } };
}

const TIMELINE_HEAD = ['window', 'time (UTC)', 'rows', 'drift', 'max PSI', 'accuracy', 'ROC AUC', 'ECE', 'retraining'];

/** One row per window: its verdicts on drift, performance, calibration and retraining. */
function timelineRows(m: MultiWindowReport): Cell[][] {
  const { spans } = windowTimes(m.windows);
  return m.windows.map((r, i) => {
    const drift: Cell =
      r.status === 'insufficient_data'
        ? { text: `too few rows`, cls: 'na' }
        : windowDrifted(r)
          ? { text: `DRIFT: ${driftedNames(r).join(', ')}`, cls: 'drift' }
          : { text: 'no drift', cls: 'ok' };
    const realized = r.performance?.accuracy ?? null;
    const band = outsideBand(realized, r.estimated?.accuracyInterval);
    const accuracy: Cell =
      realized !== null
        ? band
          ? {
              text: `${fmt(realized)} (${band} est. band)`,
              cls: 'drift',
              title: `outside the 95% band of the estimate ${fmt(r.estimated!.accuracy)}`,
            }
          : fmt(realized)
        : r.estimated
          ? { text: `${fmt(r.estimated.accuracy)} (est.)`, cls: 'est', title: 'estimated without outcomes (CBPE)' }
          : '-';
    const retrain: Cell = r.retrain
      ? r.retrain.recommended
        ? { text: 'RECOMMENDED', cls: 'drift', title: r.retrain.details.join('; ') }
        : 'no'
      : '-';
    const n = i + 1;
    return [
      n === m.run.detail.window ? { text: `${n} (details)`, cls: 'detail' } : String(n),
      spans[i]!,
      String(r.current.count),
      drift,
      fmt(maxPsi(r)),
      accuracy,
      fmt(r.performance?.rocAuc),
      fmt(r.calibration?.ece),
      retrain,
    ];
  });
}

const period = (m: MultiWindowReport) => {
  const first = m.windows[0]?.window;
  const last = m.windows[m.windows.length - 1]?.window;
  return first && last ? `${first.start} – ${last.end}` : `${m.windows.length} windows`;
};
const totalRows = (m: MultiWindowReport) => m.windows.reduce((a, r) => a + r.current.count, 0);
const detailTitle = (m: MultiWindowReport) => {
  const n = m.run.detail.window;
  const span = windowTimes(m.windows).spans[n - 1];
  return `Details of window ${n}${span && span !== '-' ? ` (${span} UTC)` : ''}`;
};

export function renderRunHtml(m: MultiWindowReport): string {
  const title = `${modelTitle(m)}, ${m.run.windows} windows`;
  const v = runVerdicts(m.run, m.windows);
  return htmlPage(
    `otel-ml report: ${title}`,
    `<h1>otel-ml report: ${esc(title)}</h1>
<p class="meta">${esc(m.model.task ?? 'task unknown')} · role ${esc(m.model.role)} · reference ${m.reference.kind} (${m.reference.count} rows) · ${esc(period(m))} · ${totalRows(m)} rows</p>
${ruleHtml(m)}
<div class="banner ${v.bad.drift ? 'bad' : 'good'}" data-verdict="drift">${esc(v.drift)}</div>
${v.retrain ? `<div class="banner ${v.bad.retrain ? 'bad' : 'good'}" data-verdict="retrain">${esc(v.retrain)}</div>` : ''}
<h2>Verdicts over time</h2>
${trendCharts(m.windows)}
${htmlTable('timeline', TIMELINE_HEAD, timelineRows(m))}
<h2 class="detail">${esc(detailTitle(m))}</h2>
<p class="meta">The worst window: ${esc(m.run.detail.reason)}.</p>
${windowDetailsHtml(m)}`,
  );
}

export function renderRunText(m: MultiWindowReport): string {
  const title = `${modelTitle(m)} (${m.model.task ?? 'task unknown'}, ${m.model.role}): ${m.run.windows} windows`;
  const v = runVerdicts(m.run, m.windows);
  const out = [
    title,
    '='.repeat(title.length),
    `windows    ${period(m)}, ${totalRows(m)} rows`,
    `reference  ${m.reference.kind}, ${m.reference.count} rows`,
    '',
    v.drift,
    ...(v.retrain ? [v.retrain] : []),
    '',
    'Verdicts over time',
    textTable(TIMELINE_HEAD, timelineRows(m), [3]),
    '',
    `${detailTitle(m)}: the worst window, ${m.run.detail.reason}`,
    '',
  ];
  return `${out.join('\n')}\n${renderText(m)}`;
}
