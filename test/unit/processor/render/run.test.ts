/**
 * A run of windows: the worst window, the run's summary, and the multi-window report rendered as
 * text and HTML, telling the same story as the live service's per-window retraining decisions.
 */
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../../processor/src/analysis/evaluate.js';
import type { ModelReport } from '../../../../processor/src/analysis/report-types.js';
import { retrainDecision } from '../../../../processor/src/analysis/retrain.js';
import { multiWindowReport, summarizeRun, worstWindow } from '../../../../processor/src/analysis/run.js';
import { renderRunHtml, renderRunText, runVerdicts } from '../../../../processor/src/render/run.js';
import { trendCharts, windowTimes } from '../../../../processor/src/render/trends.js';
import { hist, snapshot } from '../analysis/helpers.js';

const B = [1, 2, 3];
const T0 = Date.UTC(2026, 0, 1, 9, 0, 0);
const MIN = 60_000;

/** Window i (0-based, one minute each from 09:00): x and y shifted by the given amounts (0: like the reference). */
function window(i: number, shift: { x?: number; y?: number; rows?: number }): ModelReport {
  const ref = snapshot();
  const cur = snapshot('primary', '1', T0 + (i + 1) * MIN);
  const rows = shift.rows ?? 2000;
  ref.rows = 2000;
  cur.rows = rows;
  const q = rows / 4;
  const moved = (s = 0) =>
    hist(
      B,
      [q * (1 + 2 * s), q, q, q * (1 - 2 * s)].map((c) => Math.max(0, Math.round(c))),
    );
  ref.features = {
    x: { missing: 0, histogram: hist(B, [500, 500, 500, 500]) },
    y: { missing: 0, histogram: hist(B, [500, 500, 500, 500]) },
  };
  cur.features = { x: { missing: 0, histogram: moved(shift.x) }, y: { missing: 0, histogram: moved(shift.y) } };
  return evaluate(ref, cur, {
    model: { name: 'm', version: '1', task: 'binary_classification' },
    referenceKind: 'baseline',
    window: { start: new Date(T0 + i * MIN), end: new Date(T0 + (i + 1) * MIN) },
  });
}

/** Windows evaluated one after the other with the live service's retraining decision. */
function run(shifts: { x?: number; y?: number; rows?: number }[]): ModelReport[] {
  const out: ModelReport[] = [];
  shifts.forEach((s, i) => {
    const r = window(i, s);
    out.push({ ...r, retrain: retrainDecision(r, out, { now: T0 + (i + 1) * MIN }) });
  });
  return out;
}

describe('a run of windows', () => {
  // windows 5-8 drift on x and y; window 5 with the largest shift, window 8 the second largest
  const reports = run([
    {},
    {},
    {},
    {},
    { x: 0.45, y: 0.45 },
    { x: 0.3, y: 0.3 },
    { x: 0.3, y: 0.3 },
    { x: 0.4, y: 0.4 },
  ]);

  it('the worst window: retraining recommended, then drift, then the most drifted signals, then the largest PSI of them, then the latest', () => {
    expect(reports.map((r) => r.drifted.length)).toEqual([0, 0, 0, 0, 2, 2, 2, 2]);
    // window 5 drifted most, but retraining is recommended after windows 7 and 8; 8 drifted more than 7
    expect(worstWindow(reports)).toEqual({
      index: 7,
      reason: expect.stringMatching(
        /^retraining recommended after it; 2 drifted signals \([xy], [xy]\), total PSI of drifted features \d+\.\d{3}$/,
      ),
    });
    // more drifted signals beat a larger PSI
    const more = run([{}, { x: 0.45 }, { x: 0.2, y: 0.2 }]);
    expect(worstWindow(more)).toMatchObject({ index: 2 });
    expect(worstWindow(more).reason).toMatch(
      /^2 drifted signals \([xy], [xy]\), total PSI of drifted features \d+\.\d{3}$/,
    );
    // the larger PSI among as many drifted signals
    expect(worstWindow(run([{}, { x: 0.45 }, { x: 0.3 }])).index).toBe(1);
    // equal windows: the latest
    expect(worstWindow(run([{ x: 0.3 }, { x: 0.3 }])).index).toBe(1);
    // no drift: the latest window
    expect(worstWindow(run([{}, {}, {}]))).toEqual({ index: 2, reason: 'no window drifted: the latest window' });
  });

  it('summarizes drifted windows, windows with too few rows and the retraining recommendation after the last window', () => {
    const s = summarizeRun(reports);
    expect(s.windows).toBe(8);
    expect(s.driftedWindows).toEqual([5, 6, 7, 8]);
    expect(s.insufficientWindows).toEqual([]);
    expect(s.detail.window).toBe(8);
    // the live decision: 3 consecutive drifted windows recommend retraining, from window 7 on
    expect(reports.map((r) => r.retrain!.recommended)).toEqual([false, false, false, false, false, false, true, true]);
    expect(s.retrain).toEqual({ recommended: true, since: 7, details: reports[7]!.retrain!.details });
    const few = summarizeRun(run([{}, { rows: 20 }, { x: 0.4 }]));
    expect(few.insufficientWindows).toEqual([2]);
    expect(few.retrain).toEqual({ recommended: false, since: null, details: [] });
    // windows without a retraining decision (offline, one window) have none
    expect(summarizeRun([window(0, {})]).retrain).toBeNull();
  });

  it("is the worst window's report with the run and every window added (the single-window shape is kept)", () => {
    const m = multiWindowReport(reports);
    const worst = reports[7]!;
    for (const k of Object.keys(worst) as (keyof ModelReport)[]) expect(m[k]).toEqual(worst[k]);
    expect(m.windows).toEqual(reports);
    expect(m.run).toEqual(summarizeRun(reports));
    expect(JSON.parse(JSON.stringify(m))).toMatchObject({
      window: worst.window,
      drifted: worst.drifted,
      run: { detail: { window: 8 } },
    });
  });

  it('renders the same verdicts as text and HTML: the run, every window, then the worst window in detail', () => {
    const m = multiWindowReport(reports);
    const v = runVerdicts(m.run, reports);
    expect(v.drift).toBe('Drift in 4 of 8 windows (windows 5-8, 09:04–09:08 UTC): x, y');
    expect(v.retrain).toBe(
      `Retraining RECOMMENDED since window 7 (09:06–09:07 UTC): ${reports[7]!.retrain!.details.join('; ')}`,
    );
    expect(runVerdicts(m.run, reports, { recent: true }).drift).toBe(
      'Drift in 4 of the last 8 windows (09:04–09:08 UTC): x, y',
    );

    const text = renderRunText(m);
    expect(text).toContain(v.drift);
    expect(text).toContain(v.retrain!);
    const rows = text.split('\n').filter((l) => /^\d+( \(details\))? +09:\d\d–09:\d\d /.test(l));
    expect(rows).toHaveLength(8);
    expect(rows[0]).toMatch(/^1 +09:00–09:01 +2000 +no drift +0\.\d{3} +- +- +- +no$/);
    expect(rows[4]).toMatch(/^5 +09:04–09:05 +2000 +DRIFT: [xy], [xy] +\d\.\d{3} .* no$/);
    expect(rows[7]).toMatch(/^8 \(details\) +09:07–09:08 +2000 +DRIFT: [xy], [xy] .* RECOMMENDED$/);
    expect(text).toContain(
      'Details of window 8 (09:07–09:08 UTC): the worst window, retraining recommended after it; 2 drifted signals',
    );

    const html = renderRunHtml(m);
    expect(html).toContain(`<div class="banner bad" data-verdict="drift">${v.drift}</div>`);
    expect(html).toContain(`<div class="banner bad" data-verdict="retrain">${v.retrain!}</div>`);
    expect(html.match(/<table class="timeline">.*?<\/table>/s)![0].match(/<tr>/g)).toHaveLength(9);
    expect(html).toContain('<div class="trends" data-windows="8">');
    expect(html).toContain('<h2 class="detail">Details of window 8 (09:07–09:08 UTC)</h2>');
    // the details are window 8's: its features and its own retraining decision, as the run's
    expect(html.indexOf('<table class="features">')).toBeGreaterThan(html.indexOf('<h2 class="detail">'));
    expect(html).toContain(
      `<h2>Retraining</h2><div class="banner bad">RECOMMENDED after this window: ${reports[7]!.retrain!.details.join('; ')}</div>`,
    );
    // a window detailed before the recommendation says so about itself
    expect(renderRunHtml({ ...m, ...reports[4]!, run: { ...m.run, detail: { window: 5, reason: 'r' } } })).toContain(
      '<div class="banner good">not recommended after this window (drift in 1 consecutive window(s))</div>',
    );
  });
});

describe('trend charts', () => {
  it('leave out a quantity no window has (no features: no PSI chart), and need two windows', () => {
    const reports = run([{}, { x: 0.4 }]);
    expect(trendCharts(reports).match(/aria-label="([^"]+)"/g)).toEqual(['aria-label="Max feature PSI"']);
    expect(trendCharts(reports.map((r) => ({ ...r, features: {} })))).toBe('');
    expect(trendCharts(reports.slice(0, 1))).toBe('');
  });
});

describe('window times', () => {
  const at = (start: number, end: number) => ({
    ...window(0, {}),
    window: { start: new Date(start).toISOString(), end: new Date(end).toISOString() },
  });
  it('times within one day, across days, and whole days', () => {
    expect(windowTimes([at(T0, T0 + MIN), at(T0 + MIN, T0 + 2 * MIN)])).toEqual({
      labels: ['09:01', '09:02'],
      spans: ['09:00–09:01', '09:01–09:02'],
      title: 'window end (UTC, 2026-01-01)',
    });
    const H = 3_600_000;
    expect(windowTimes([at(T0 + 14 * H, T0 + 15 * H), at(T0 + 15 * H, T0 + 16 * H)]).spans).toEqual([
      '01-01 23:00–00:00',
      '01-02 00:00–01:00',
    ]);
    expect(windowTimes([at(T0 + 14.5 * H, T0 + 15.5 * H)]).spans).toEqual(['01-01 23:30–01-02 00:30']);
    const D = 86_400_000;
    const day = Date.UTC(2026, 0, 1);
    expect(windowTimes([at(day, day + D), at(day + D, day + 3 * D)])).toEqual({
      labels: ['01-01', '01-02'],
      spans: ['01-01', '01-02 – 01-03'],
      title: 'window (UTC day)',
    });
    expect(windowTimes([{ ...at(0, 1), window: null }])).toEqual({ labels: ['#1'], spans: ['-'], title: 'window' });
  });
});
