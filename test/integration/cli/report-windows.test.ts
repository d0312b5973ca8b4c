/**
 * `otel-ml report --time-column`: the rows split into windows by time, one report of the run
 * (every window's verdicts, the worst window in detail), the same numbers as reporting each
 * window's rows on their own.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReport } from '../../../processor/src/offline/report.js';
import { syntheticRows, toCsv } from '../../helpers/synthetic.js';
import { otelMlIn } from '../../helpers/tsx.js';

let dir: string;
const otelMl = (...args: string[]) => otelMlIn(dir, ...args);

const COLS = ['--score-column', 'score', '--label-column', 'label', '--exclude', 'id'];
const DAY = 86_400_000;
const DAY0 = Date.UTC(2026, 2, 1);
/** Per day: rows and the shift of log(amount); days 4-6 drift. */
const DAYS = [0, 0, 0, 0.7, 0.7, 0.7];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'otel-ml-cli-windows-'));
  writeFileSync(join(dir, 'train.csv'), toCsv(syntheticRows({ rows: 20_000, seed: 1 })));
  const r = otelMl(
    'baseline',
    '--data',
    'train.csv',
    '--model',
    'fraud',
    '--model-version',
    '3',
    '--task',
    'binary_classification',
    ...COLS,
    '--out',
    'fraud.baseline.json',
  );
  expect(r.status).toBe(0);
  // one file of six days (times in mixed notations, rows not in time order), and each day on its own
  const all: string[] = [];
  DAYS.forEach((shift, d) => {
    const lines = toCsv(syntheticRows({ rows: 1_000, seed: 10 + d, amountShift: shift }))
      .trimEnd()
      .split('\n');
    writeFileSync(join(dir, `day${d + 1}.csv`), `${lines.join('\n')}\n`);
    lines.slice(1).forEach((l, i) => {
      const t = DAY0 + d * DAY + i * 60_000;
      all.push(
        `${i % 3 === 0 ? new Date(t).toISOString() : i % 3 === 1 ? String(t / 1000) : new Date(t).toISOString().replace('T', ' ').slice(0, 19)},${l}`,
      );
    });
  });
  all.reverse();
  writeFileSync(join(dir, 'week.csv'), `time,id,amount,age,country,score,label\n${all.join('\n')}\n`);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('otel-ml report --time-column', () => {
  it('reports every window and details the worst, with the numbers of each window reported alone', async () => {
    const r = otelMl(
      'report',
      '--baseline',
      'fraud.baseline.json',
      '--data',
      'week.csv',
      ...COLS,
      '--time-column',
      'time',
      '--window',
      '1d',
      '--format',
      'json',
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const m = JSON.parse(r.stdout);
    expect(m.windows).toHaveLength(6);
    expect(m.windows.map((w: { window: { start: string } }) => w.window.start)).toEqual(
      DAYS.map((_, d) => new Date(DAY0 + d * DAY).toISOString()),
    );
    expect(m.run.driftedWindows).toEqual([4, 5, 6]);
    expect(m.run.retrain).toMatchObject({ recommended: true, since: 6 });
    // the report's own fields are the worst window's (the documented single-window shape)
    expect(m.window).toEqual(m.windows[m.run.detail.window - 1].window);
    expect(m.drifted).toContain('amount');
    expect(Object.keys(m.features).sort()).toEqual(['age', 'amount', 'country']);
    for (let d = 0; d < DAYS.length; d++) {
      const alone = await runReport({
        baseline: join(dir, 'fraud.baseline.json'),
        data: join(dir, `day${d + 1}.csv`),
        scoreColumn: 'score',
        labelColumn: 'label',
        exclude: ['id'],
        progress: false,
      });
      const w = m.windows[d];
      expect(w.current).toEqual(alone.current);
      expect(w.drifted).toEqual(alone.drifted);
      expect(w.features.amount.psi).toBe(alone.features.amount.psi);
      expect(w.performance).toEqual(alone.performance);
    }
  });

  it('renders the run as text and HTML, and --fail-on-drift fails on a drifted window', () => {
    const text = otelMl(
      'report',
      '--baseline',
      'fraud.baseline.json',
      '--data',
      'week.csv',
      ...COLS,
      '--time-column',
      'time',
    ).stdout;
    expect(text).toContain('fraud v3 (binary_classification, primary): 6 windows');
    expect(text).toContain('Drift in 3 of 6 windows (windows 4-6, 03-04 – 03-06 UTC): amount, prediction score');
    expect(text).toContain(
      'Retraining RECOMMENDED since window 6 (03-06 UTC): drift in 3 consecutive windows (limit 3): amount',
    );
    expect(text).toMatch(/\n1 +03-01 +1000 +no drift .* no\n/);
    // the worst window: the one after which retraining is recommended
    expect(text).toMatch(/\n6 \(details\) +03-06 +1000 +DRIFT: amount.* RECOMMENDED\n/);
    expect(text).toContain('Details of window 6 (03-06 UTC): the worst window, retraining recommended after it; ');
    const out = otelMl(
      'report',
      '--baseline',
      'fraud.baseline.json',
      '--data',
      'week.csv',
      ...COLS,
      '--time-column',
      'time',
      '--out',
      'week.html',
      '--fail-on-drift',
    );
    expect(out.status).toBe(1);
    expect(out.stdout).toMatch(/^Drift in 3 of 6 windows .* -> week\.html\n$/);
    const html = readFileSync(join(dir, 'week.html'), 'utf8');
    expect(html).toContain('<table class="timeline">');
    expect(html).toContain('<div class="trends" data-windows="6">');
    expect(html).not.toMatch(/<script|<link|src="http|href="http/);
  });

  it('a bad time, --window alone, and a missing time column: one clear line, exit 2', () => {
    writeFileSync(
      join(dir, 'badtime.csv'),
      'time,id,amount,age,country,score,label\n2026-03-01T00:00:00Z,1,2,3,DE,0.5,1\nyesterday,2,3,4,FR,0.2,0\n',
    );
    const bad = otelMl(
      'report',
      '--baseline',
      'fraud.baseline.json',
      '--data',
      'badtime.csv',
      ...COLS,
      '--time-column',
      'time',
    );
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe(
      'otel-ml: badtime.csv: row 3, column "time": "yesterday" is not a time; use RFC 3339 (2026-01-01T09:00:00Z) or epoch seconds or milliseconds\n',
    );
    const alone = otelMl(
      'report',
      '--baseline',
      'fraud.baseline.json',
      '--data',
      'day1.csv',
      ...COLS,
      '--window',
      '1h',
    );
    expect(alone.status).toBe(2);
    expect(alone.stderr).toMatch(/--window needs --time-column/);
    const missing = otelMl(
      'report',
      '--baseline',
      'fraud.baseline.json',
      '--data',
      'day1.csv',
      ...COLS,
      '--time-column',
      'when',
    );
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^otel-ml: day1\.csv: row 1: no column "when"/);
  });
});
