/**
 * `npm start`'s demo as a user runs it: the terminal, then the report of the whole run it leaves
 * behind (JSON, and HTML looked at in headless Chromium), telling the same story: every window's
 * verdicts, the worst window in detail. The report's screenshot is kept as a test artifact
 * (test/e2e/browser.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MultiWindowReport } from '../../processor/src/analysis/report-types.js';
import { REPO, TSX_IMPORT } from '../helpers/tsx.js';
import { chartProblems, keepScreenshot, launchChromium, trendChartLayouts } from './browser.js';

let cwd = '';
let stdout = '';
let report: MultiWindowReport;
let browser: Browser | undefined;

describe('npm start (the demo on embedded defaults)', () => {
  beforeAll(() => {
    cwd = mkdtempSync(join(tmpdir(), 'otel-ml-demo-'));
    const r = spawnSync(
      process.execPath,
      [...TSX_IMPORT, join(REPO, 'examples', 'demo', 'main.ts'), '--fast', '--windows', '6'],
      { cwd, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    stdout = r.stdout;
    report = JSON.parse(readFileSync(join(cwd, 'reports', 'demo-report.json'), 'utf8')) as MultiWindowReport;
  });

  afterAll(async () => {
    await browser?.close();
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  it('serves an instrumented ONNX model and detects the injected drift, window by window', () => {
    expect(stdout).toMatch(/window 1 .*600 rows\s+15\d spans.*no drift/);
    expect(stdout).toMatch(/window 4 .*DRIFT: .*amount/);
    // three drifted windows in a row recommend retraining, as the processor decides it
    expect(stdout).toMatch(/window 5 .*DRIFT: .*amount(?!.*retraining)/);
    expect(stdout).toMatch(/window 6 .*DRIFT: .*amount.*retraining RECOMMENDED/);
    expect(existsSync(join(cwd, '.otel-ml', 'demo', 'state.db'))).toBe(true);
  });

  it('leaves a JSON report of the whole run: every window, the worst in detail, in the documented shape', () => {
    expect(report.windows).toHaveLength(6);
    expect(report.windows.slice(0, 3).every((w) => w.drifted.length === 0)).toBe(true);
    expect(report.windows.slice(3).every((w) => w.drifted.includes('amount') && w.drifted.includes('tx_24h'))).toBe(
      true,
    );
    expect(report.windows.every((w) => w.current.count === 600)).toBe(true);
    expect(report.run).toMatchObject({
      windows: 6,
      driftedWindows: [4, 5, 6],
      retrain: { recommended: true, since: 6 },
    });
    // the worst window: the one after which retraining is recommended (the state the status page shows last)
    expect(report.run.detail.window).toBe(6);
    const worst = report.windows[5]!;
    expect(report.window).toEqual(worst.window);
    expect(report.features).toEqual(worst.features);
    expect(report.retrain).toEqual(worst.retrain);
  });

  it('the terminal says what the report says', () => {
    const tail = stdout.slice(stdout.lastIndexOf('\nDrift in'));
    expect(tail).toMatch(/^\nDrift in 3 of 6 windows \(windows 4-6, 09:03–09:06 UTC\): tx_24h, amount/);
    expect(tail).toMatch(
      /\nRetraining RECOMMENDED since window 6 \(09:05–09:06 UTC\): drift in 3 consecutive windows \(limit 3\)/,
    );
    expect(tail).toContain(`details   window ${report.run.detail.window}, the worst: ${report.run.detail.reason}`);
  });

  it('the HTML report in Chromium: the run, verdicts over time with readable charts, then the worst window', async () => {
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`file://${join(cwd, 'reports', 'demo-report.html')}`, { waitUntil: 'load', timeout: 30_000 });
    await keepScreenshot(page, 'demo-report.png');
    expect(await page.title()).toBe('otel-ml report: fraud-detector v1, 6 windows');
    // the same sentences as the terminal
    const drift = (await page.locator('.banner[data-verdict="drift"]').textContent())!;
    const retrain = (await page.locator('.banner[data-verdict="retrain"]').textContent())!;
    expect(stdout).toContain(`\n${drift}\n`);
    expect(stdout).toContain(`\n${retrain}\n`);
    // every window in the timeline, with its own verdicts
    const rows = await page
      .locator('table.timeline tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    expect(rows).toHaveLength(6);
    expect(rows.map((r) => r[3]!.startsWith('DRIFT'))).toEqual([false, false, false, true, true, true]);
    expect(rows.map((r) => r[8])).toEqual(['no', 'no', 'no', 'no', 'no', 'RECOMMENDED']);
    expect(rows.map((r) => r[1])).toEqual([
      '09:00–09:01',
      '09:01–09:02',
      '09:02–09:03',
      '09:03–09:04',
      '09:04–09:05',
      '09:05–09:06',
    ]);
    expect(rows[report.run.detail.window - 1]![0]).toBe(`${report.run.detail.window} (details)`);
    // three charts, every value inside its plot area, time labels, legends clear of the lines
    const charts = await trendChartLayouts(page.locator('body'));
    expect(charts.map((c) => c.title)).toEqual([
      'Max feature PSI',
      'Accuracy and ROC AUC (with outcomes)',
      'Calibration error (ECE)',
    ]);
    for (const c of charts) expect(chartProblems(c)).toEqual([]);
    const psi = charts[0]!;
    expect(psi.points).toHaveLength(6);
    expect(Math.max(...psi.points.map((p) => p.value))).toBeGreaterThan(1);
    expect(psi.xTicks.map((t) => t.text)).toContain('09:06');
    expect(Number(psi.yTicks[psi.yTicks.length - 1])).toBeGreaterThanOrEqual(
      Math.max(...psi.points.map((p) => p.value)),
    );
    // then the worst window in detail
    expect(await page.locator('h2.detail').textContent()).toBe(
      `Details of window ${report.run.detail.window} (${rows[report.run.detail.window - 1]![1]} UTC)`,
    );
    const features = await page
      .locator('table.features tbody tr')
      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-feature')));
    expect(features.slice(0, 2).sort()).toEqual(['amount', 'tx_24h']);
  });
});
