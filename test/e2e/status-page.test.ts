/**
 * The processor's status page (GET /) in a real browser: Debian's headless Chromium, driven by
 * playwright-core, loads the page of a processor fed by the example service (three windows without
 * drift, three with), takes a full-page screenshot (kept as a test artifact, see browser.ts) and
 * checks what a person would see: the models, features ordered by severity, reference/current SVG
 * overlays, the reliability diagram, trend charts that show every value with time labels and
 * legends clear of the lines.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBaseline } from '../../processor/src/offline/baseline.js';
import type { ModelReport } from '../../processor/src/analysis/report-types.js';
import { multiWindowReport } from '../../processor/src/analysis/run.js';
import { DEFAULT_CONFIG } from '../../processor/src/service/config.js';
import { startService, type RunningService } from '../../processor/src/service/service.js';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { createModelMonitor } from '@otel-ml/instrumentation';
import { generate } from '../../examples/demo/traffic.js';
import { startManualService, type ManualService } from '../../examples/service/manual.js';
import { DRIFT, NO_DRIFT, sendOutcomes, sendPredictions } from '../../examples/service/load.js';
import { chartProblems, keepScreenshot, launchChromium, trendChartLayouts } from './browser.js';

const WINDOW_MS = 60_000;
const CHURN_ROWS = 240;

let dir = '';
let svc: RunningService | undefined;
let app: ManualService | undefined;
let browser: Browser | undefined;
let page: Page;
let primary: ModelReport;

describe('status page in headless Chromium', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'otel-ml-e2e-status-'));
    writeFileSync(join(dir, 'train.csv'), generate(5_000, 1, NO_DRIFT).csv);
    const { baseline } = await buildBaseline({
      data: join(dir, 'train.csv'),
      model: 'fraud-detector',
      modelVersion: '1',
      task: 'binary_classification',
      scoreColumn: 'score',
      labelColumn: 'label',
      progress: false,
    });
    writeFileSync(join(dir, 'baseline.json'), JSON.stringify(baseline));
    let now = Date.UTC(2026, 0, 1, 9, 0, 0);
    svc = await startService(
      {
        ...DEFAULT_CONFIG,
        receivers: {
          http: { ...DEFAULT_CONFIG.receivers.http, port: 0 },
          grpc: { ...DEFAULT_CONFIG.receivers.grpc, enabled: false },
        },
        storage: { path: ':memory:', durability: 'normal' },
        windows: { lengthMs: WINDOW_MS, minRows: 50, maxExtensions: 3 },
        models: [{ name: 'fraud-detector', baseline: join(dir, 'baseline.json'), reference: 'baseline' }],
      },
      { clock: () => now, manualEvaluation: true },
    );
    app = await startManualService({ port: 0, otlpEndpoint: svc.httpUrl, exportIntervalMs: 3_600_000 });
    for (const [seed, drifted] of [
      [21, false],
      [22, false],
      [23, false],
      [24, true],
      [25, true],
      [26, true],
    ] as const) {
      const labelled = await sendPredictions({ url: app.url, rows: 400, seed, drift: drifted ? DRIFT : NO_DRIFT });
      await sendOutcomes(app.url, labelled);
      await app.flush();
      now += WINDOW_MS;
      svc.evaluateNow();
    }
    primary = [...svc.reports().values()].find((r) => r.model.role === 'primary')!;
    expect(primary.drifted.length).toBeGreaterThan(0);
    // a second model without a baseline, in its first window: no reference to compare with yet
    const churn = createModelMonitor({ model: { name: 'churn', version: '2', task: 'binary_classification' } });
    const reader = new PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter({ url: `${svc.httpUrl}/v1/metrics` }),
      exportIntervalMillis: 3_600_000,
      metricProducers: [churn.metricProducer],
    });
    const provider = new MeterProvider({ readers: [reader] });
    for (const r of generate(CHURN_ROWS, 31, NO_DRIFT).rows)
      churn.observe({ features: { age: r.features[1]!, tenure_days: r.features[2]! }, score: r.score });
    await reader.forceFlush();
    await provider.shutdown();

    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const res = await page.goto(`${svc.httpUrl}/`, { waitUntil: 'load', timeout: 30_000 });
    expect(res?.status()).toBe(200);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await svc?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('renders a full-page screenshot', async () => {
    const png = readFileSync(await keepScreenshot(page, 'status-page.png'));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(1400); // IHDR width
    expect(png.readUInt32BE(20)).toBeGreaterThan(1000); // full page: taller than the viewport
  });

  it('lists the models, the drifted one first', async () => {
    expect(await page.title()).toBe('otel-ml processor');
    const sections = await page
      .locator('section.model')
      .evaluateAll((els) =>
        els.map((e) => ({ model: e.getAttribute('data-model'), heading: e.querySelector('h2')?.textContent ?? '' })),
      );
    expect(sections.map((s) => s.model)).toEqual(['fraud-detector', 'fraud-detector', 'churn']);
    expect(sections[0]!.heading).toContain('fraud-detector v1 · primary');
    expect(sections[0]!.heading).toContain(`drift: ${primary.drifted.join(', ')}`);
    expect(sections[1]!.heading).toContain('· shadow');
    expect(await page.locator('body > p.meta').first().textContent()).toMatch(
      /\d+ points received · \d+ live streams · [1-9]\d* windows closed/,
    );
  });

  it('orders the features by severity: drifted first, then by PSI', async () => {
    const rows = await page
      .locator('section.model[data-key] >> nth=0')
      .locator('table.features tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => {
          const td = [...tr.querySelectorAll('td')].map((c) => c.textContent ?? '');
          return { feature: tr.getAttribute('data-feature')!, psi: Number(td[4]), verdict: td[12]! };
        }),
      );
    expect(rows.map((r) => r.feature).sort()).toEqual(Object.keys(primary.features).sort());
    const drifted = rows.filter((r) => r.verdict === 'DRIFT').map((r) => r.feature);
    expect(new Set(drifted)).toEqual(new Set(primary.drifted));
    expect(rows.slice(0, drifted.length).map((r) => r.verdict)).toEqual(drifted.map(() => 'DRIFT'));
    const rank = (v: string) => (v === 'DRIFT' ? 0 : v === 'significant, small' ? 1 : v === 'ok' ? 2 : 3);
    for (let i = 1; i < rows.length; i++) {
      const [a, b] = [rows[i - 1]!, rows[i]!];
      expect(
        rank(a.verdict) < rank(b.verdict) || (rank(a.verdict) === rank(b.verdict) && a.psi >= b.psi),
        `${a.feature} before ${b.feature}`,
      ).toBe(true);
    }
    // The cards follow the same order.
    const cards = await page
      .locator('section.model >> nth=0')
      .locator('div.card.feature')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-feature')));
    expect(cards).toEqual(rows.map((r) => r.feature));
  });

  it('draws reference vs current overlays for each feature', async () => {
    const overlays = await page
      .locator('section.model >> nth=0')
      .locator('div.card.feature')
      .evaluateAll((cards) =>
        cards.map((c) => {
          const svg = c.querySelector('svg.overlay');
          const box = svg?.getBoundingClientRect();
          const heights = (sel: string) =>
            [...(svg?.querySelectorAll(sel) ?? [])].map((r) => Number(r.getAttribute('height')));
          return {
            feature: c.getAttribute('data-feature'),
            width: box?.width ?? 0,
            height: box?.height ?? 0,
            ref: heights('rect.ref'),
            cur: heights('rect.cur'),
            label: svg?.getAttribute('aria-label'),
          };
        }),
      );
    expect(overlays).toHaveLength(Object.keys(primary.features).length);
    for (const o of overlays) {
      expect(o.width, o.feature!).toBeGreaterThan(100);
      expect(o.height, o.feature!).toBeGreaterThan(50);
      expect(o.ref.length, o.feature!).toBe(primary.features[o.feature!]!.bins.length);
      expect(o.cur.length, o.feature!).toBe(o.ref.length);
      expect(o.ref.some((h) => h > 0) && o.cur.some((h) => h > 0), o.feature!).toBe(true);
      expect(o.label).toBe(`${o.feature}: reference vs current`);
    }
    // A drifted feature's current bars differ from its reference bars.
    const moved = overlays.find((o) => o.feature === primary.drifted[0])!;
    expect(moved.cur).not.toEqual(moved.ref);
  });

  it('shows the reliability diagram and the performance table', async () => {
    const section = page.locator('section.model >> nth=0');
    const diagram = await section.locator('svg.reliability').evaluate((svg) => ({
      width: svg.getBoundingClientRect().width,
      diagonal: svg.querySelectorAll('line.diagonal').length,
      points: [...svg.querySelectorAll('circle.point')].map((c) => [
        Number(c.getAttribute('cx')),
        Number(c.getAttribute('cy')),
      ]),
      counts: svg.querySelectorAll('rect.count').length,
    }));
    const bins = primary.calibration!.bins;
    expect(diagram.width).toBeGreaterThan(100);
    expect(diagram.diagonal).toBe(1);
    expect(diagram.points).toHaveLength(bins.filter((b) => b.observedRate !== null && b.meanPredicted !== null).length);
    expect(diagram.points.length).toBeGreaterThan(1);
    expect(diagram.counts).toBeGreaterThan(0);
    expect(await section.locator('h2', { hasText: 'Calibration' }).textContent()).toBe('Calibration');
    expect(await section.locator('table.performance').textContent()).toContain('accuracy');
  });

  it('says in how many recent windows inputs drifted and where retraining stands, as a report of those windows does', async () => {
    const section = page.locator('section.model >> nth=0');
    const history = svc!.history().get([...svc!.reports().entries()].find(([, r]) => r === primary)![0])!;
    const run = multiWindowReport(history).run;
    expect(run).toMatchObject({ windows: 6, driftedWindows: [4, 5, 6], retrain: { recommended: true, since: 6 } });
    const drift = await section.locator('p.verdicts [data-verdict="drift"]').textContent();
    const retrain = await section.locator('p.verdicts [data-verdict="retrain"]').textContent();
    expect(drift).toMatch(/^Drift in 3 of the last 6 windows \(09:03–09:06 UTC\): (tx_24h, amount|amount, tx_24h)/);
    expect(retrain).toBe(
      `Retraining RECOMMENDED since the window 09:05–09:06 UTC: ${primary.retrain!.details.join('; ')}`,
    );
    // the overview's retraining column agrees
    const row = await page.locator('table.overview tbody tr', { hasText: 'fraud-detector v1 · primary' }).textContent();
    expect(row).toContain('RECOMMENDED');
  });

  it('charts max PSI, accuracy and ROC AUC, and ECE over the windows: every value inside its plot, time labels, legends clear of the lines', async () => {
    const section = page.locator('section.model >> nth=0');
    expect(await section.locator('h3', { hasText: 'Over the last' }).textContent()).toBe('Over the last 6 windows');
    const charts = await trendChartLayouts(section);
    expect(charts.map((c) => c.title)).toEqual([
      'Max feature PSI',
      'Accuracy and ROC AUC (with outcomes)',
      'Calibration error (ECE)',
    ]);
    for (const c of charts) expect(chartProblems(c), c.title).toEqual([]);
    const history = svc!.history().get([...svc!.reports().entries()].find(([, r]) => r === primary)![0])!;
    const psi = charts[0]!;
    // every window's max PSI, those above 1 included, on an axis that reaches above the largest
    const maxPsi = history.map((h) => Math.max(...Object.values(h.features).map((f) => f.psi ?? 0)));
    expect(psi.points.map((p) => p.value)).toEqual(maxPsi);
    expect(Math.max(...maxPsi)).toBeGreaterThan(1);
    expect(Number(psi.yTicks[psi.yTicks.length - 1])).toBeGreaterThanOrEqual(Math.max(...maxPsi));
    // a larger value is drawn higher
    const sorted = [...psi.points].sort((a, b) => a.value - b.value);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.box.y).toBeLessThanOrEqual(sorted[i - 1]!.box.y + 0.01);
    // time labels: the windows' ends, HH:MM
    expect(psi.xTicks.map((t) => t.text).sort()).toEqual(history.map((h) => h.window!.end.slice(11, 16)).sort());
    const perf = charts[1]!;
    expect(perf.legend.map((l) => l.text)).toEqual(['accuracy', 'ROC AUC']);
    expect(perf.points.filter((p) => p.series === 'accuracy').map((p) => p.value)).toEqual(
      history.flatMap((h) => (h.performance?.accuracy != null ? [h.performance.accuracy] : [])),
    );
    expect(charts[2]!.points.map((p) => p.value)).toEqual(
      history.flatMap((h) => (h.calibration?.ece != null ? [h.calibration.ece] : [])),
    );
  });

  it('finds a model by name, with version and role optional, and by its key; the overview links to each by name', async () => {
    const nav = await browser!.newPage({ viewport: { width: 1400, height: 1000 } });
    try {
      const sectionsAt = async (query: string) => {
        const res = await nav.goto(`${svc!.httpUrl}/${query}`, { waitUntil: 'load', timeout: 30_000 });
        expect(res?.status()).toBe(200);
        return nav
          .locator('section.model')
          .evaluateAll((els) => els.map((e) => e.querySelector('h2')?.textContent ?? ''));
      };
      const both = await sectionsAt('?model=fraud-detector');
      expect(both).toHaveLength(2);
      expect(both.some((h) => h.includes('· primary')) && both.some((h) => h.includes('· shadow'))).toBe(true);
      // the form notifications link to
      const shadow = await sectionsAt('?model=fraud-detector&version=1&role=shadow');
      expect(shadow).toHaveLength(1);
      expect(shadow[0]).toContain('fraud-detector v1 · shadow');
      expect(await sectionsAt('?model=fraud-detector&role=primary')).toEqual([
        expect.stringContaining('fraud-detector v1 · primary'),
      ]);
      const key = [...svc!.reports().entries()].find(([, r]) => r === primary)![0];
      expect(await sectionsAt(`?model=${encodeURIComponent(key)}`)).toEqual([
        expect.stringContaining('fraud-detector v1 · primary'),
      ]);
      expect(await sectionsAt('?model=fraud-detector&version=7')).toEqual([]);
      expect(await nav.locator('p.unknown').textContent()).toBe(
        'No model fraud-detector version 7. Models: fraud-detector v1 · primary, fraud-detector v1 · shadow, churn v2 · primary.',
      );
      // the overview's links take a person to one model
      await sectionsAt('');
      const hrefs = await nav.locator('table.overview a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      expect(hrefs.sort()).toEqual([
        '?model=churn&version=2&role=primary',
        '?model=fraud-detector&version=1&role=primary',
        '?model=fraud-detector&version=1&role=shadow',
      ]);
      await nav.locator('table.overview a', { hasText: 'shadow' }).click();
      await nav.waitForURL(/role=shadow$/, { timeout: 30_000 });
      expect(await nav.locator('section.model > h2:first-of-type').allTextContents()).toEqual([
        expect.stringContaining('fraud-detector v1 · shadow'),
      ]);
      await nav.locator('p.nav a', { hasText: 'all models' }).first().click();
      await nav.waitForURL(/\?page=1&per=10$/, { timeout: 30_000 });
      expect(await nav.locator('section.model').count()).toBe(3);
    } finally {
      await nav.close();
    }
  });

  it('says that a page beyond the last does not exist, and links back to it', async () => {
    const nav = await browser!.newPage({ viewport: { width: 1400, height: 1000 } });
    try {
      await nav.goto(`${svc!.httpUrl}/?page=3`, { waitUntil: 'load', timeout: 30_000 });
      expect(await nav.locator('section.model').count()).toBe(0);
      expect(await nav.locator('p.nav.beyond').textContent()).toBe(
        'There is no page 3: 3 models fit on one page of 10. Back to the first page',
      );
      await nav.locator('p.nav.beyond a').click();
      await nav.waitForURL(/\?page=1&per=10$/, { timeout: 30_000 });
      expect(await nav.locator('section.model').count()).toBe(3);
    } finally {
      await nav.close();
    }
  });

  it('shows a model without a reference yet as collecting reference, in the overview and by name', async () => {
    const row = await page
      .locator('table.overview tbody tr', { hasText: 'churn' })
      .evaluate((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent));
    expect(row).toEqual([
      'churn v2 · primary',
      `collecting reference (${CHURN_ROWS} rows)`,
      '-',
      '-',
      String(CHURN_ROWS),
    ]);
    const section = page.locator('section.model.pending');
    expect(await section.getAttribute('data-state')).toBe('collecting_reference');
    expect(await section.locator('h2').textContent()).toBe(
      `churn v2 · primary — collecting reference (${CHURN_ROWS} rows)`,
    );
    expect(await section.locator('p.meta').textContent()).toMatch(
      new RegExp(
        `^No reference to compare with yet: ${CHURN_ROWS} rows in its first window \\(open until [-\\d:.TZ]+\\)\\. Its windows are compared with its own previous windows \\(a rolling reference\\): the first window is the reference`,
      ),
    );
    expect(await page.locator('table.open tbody tr', { hasText: 'churn' }).count()).toBe(1);
    const nav = await browser!.newPage({ viewport: { width: 1400, height: 1000 } });
    try {
      await nav.goto(`${svc!.httpUrl}/?model=churn`, { waitUntil: 'load', timeout: 30_000 });
      expect(await nav.locator('section.model > h2:first-of-type').allTextContents()).toEqual([
        `churn v2 · primary — collecting reference (${CHURN_ROWS} rows)`,
      ]);
    } finally {
      await nav.close();
    }
  });
});
