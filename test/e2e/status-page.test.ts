/**
 * The processor's status page (GET /) in a real browser: Debian's headless Chromium, driven by
 * playwright-core, loads the page of a processor fed by the example service (two windows without
 * drift, one with), takes a full-page screenshot and checks what a person would see: the models,
 * features ordered by severity, reference/current SVG overlays, the reliability diagram.
 *
 * OTEL_ML_KEEP_SCREENSHOT=<file> copies the screenshot there (the temp dir is removed).
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBaseline } from '../../processor/src/offline/baseline.js';
import type { ModelReport } from '../../processor/src/analysis/report-types.js';
import { DEFAULT_CONFIG } from '../../processor/src/service/config.js';
import { startService, type RunningService } from '../../processor/src/service/service.js';
import { generate } from '../../examples/demo/traffic.js';
import { startManualService, type ManualService } from '../../examples/service/manual.js';
import { DRIFT, NO_DRIFT, sendOutcomes, sendPredictions } from '../../examples/service/load.js';
import { requireBinaries } from './servers.js';

const CHROMIUM = '/usr/bin/chromium';
const WINDOW_MS = 60_000;

let dir = '';
let svc: RunningService | undefined;
let app: ManualService | undefined;
let context: BrowserContext | undefined;
let page: Page;
let primary: ModelReport;

describe('status page in headless Chromium', () => {
  beforeAll(async () => {
    requireBinaries([CHROMIUM]);
    dir = mkdtempSync(join(tmpdir(), 'otel-ml-e2e-status-'));
    writeFileSync(join(dir, 'train.csv'), generate(5_000, 1, NO_DRIFT).csv);
    const { baseline } = await buildBaseline({ data: join(dir, 'train.csv'), model: 'fraud-detector', modelVersion: '1', task: 'binary_classification', scoreColumn: 'score', labelColumn: 'label', progress: false });
    writeFileSync(join(dir, 'baseline.json'), JSON.stringify(baseline));
    let now = Date.UTC(2026, 0, 1, 9, 0, 0);
    svc = await startService(
      {
        ...DEFAULT_CONFIG,
        receivers: { http: { ...DEFAULT_CONFIG.receivers.http, port: 0 }, grpc: { ...DEFAULT_CONFIG.receivers.grpc, enabled: false } },
        storage: { path: ':memory:', durability: 'normal' },
        windows: { lengthMs: WINDOW_MS, minRows: 50, maxExtensions: 3 },
        models: [{ name: 'fraud-detector', baseline: join(dir, 'baseline.json'), reference: 'baseline' }],
      },
      { clock: () => now, manualEvaluation: true },
    );
    app = await startManualService({ port: 0, otlpEndpoint: svc.httpUrl, exportIntervalMs: 3_600_000 });
    for (const [seed, drifted] of [[21, false], [22, false], [23, true]] as const) {
      const labelled = await sendPredictions({ url: app.url, rows: 400, seed, drift: drifted ? DRIFT : NO_DRIFT });
      await sendOutcomes(app.url, labelled);
      await app.flush();
      now += WINDOW_MS;
      svc.evaluateNow();
    }
    primary = [...svc.reports().values()].find((r) => r.model.role === 'primary')!;
    expect(primary.drifted.length).toBeGreaterThan(0);

    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1400, height: 1000 },
      timeout: 30_000,
    });
    page = context.pages()[0] ?? (await context.newPage());
    const res = await page.goto(`${svc.httpUrl}/`, { waitUntil: 'load', timeout: 30_000 });
    expect(res?.status()).toBe(200);
  });

  afterAll(async () => {
    await context?.close();
    await app?.close();
    await svc?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('renders a full-page screenshot', async () => {
    const file = join(dir, 'status-page.png');
    await page.screenshot({ path: file, fullPage: true, timeout: 30_000 });
    const png = readFileSync(file);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(1400); // IHDR width
    expect(png.readUInt32BE(20)).toBeGreaterThan(1000); // full page: taller than the viewport
    expect(statSync(file).size).toBeGreaterThan(50_000);
    if (process.env.OTEL_ML_KEEP_SCREENSHOT) copyFileSync(file, process.env.OTEL_ML_KEEP_SCREENSHOT);
    expect(existsSync(file)).toBe(true);
  });

  it('lists the models, the drifted one first', async () => {
    expect(await page.title()).toBe('otel-ml processor');
    const sections = await page.locator('section.model').evaluateAll((els) => els.map((e) => ({ model: e.getAttribute('data-model'), heading: e.querySelector('h2')?.textContent ?? '' })));
    expect(sections.map((s) => s.model)).toEqual(['fraud-detector', 'fraud-detector']);
    expect(sections[0]!.heading).toContain('fraud-detector v1 · primary');
    expect(sections[0]!.heading).toContain(`drift: ${primary.drifted.join(', ')}`);
    expect(sections[1]!.heading).toContain('· shadow');
    expect(await page.locator('body > p.meta').first().textContent()).toMatch(/\d+ points received · \d+ live streams · [1-9]\d* windows closed/);
  });

  it('orders the features by severity: drifted first, then by PSI', async () => {
    const rows = await page.locator('section.model[data-key] >> nth=0').locator('table.features tbody tr').evaluateAll((trs) =>
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
      expect(rank(a.verdict) < rank(b.verdict) || (rank(a.verdict) === rank(b.verdict) && a.psi >= b.psi), `${a.feature} before ${b.feature}`).toBe(true);
    }
    // The cards follow the same order.
    const cards = await page.locator('section.model >> nth=0').locator('div.card.feature').evaluateAll((els) => els.map((e) => e.getAttribute('data-feature')));
    expect(cards).toEqual(rows.map((r) => r.feature));
  });

  it('draws reference vs current overlays for each feature', async () => {
    const overlays = await page.locator('section.model >> nth=0').locator('div.card.feature').evaluateAll((cards) =>
      cards.map((c) => {
        const svg = c.querySelector('svg.overlay');
        const box = svg?.getBoundingClientRect();
        const heights = (sel: string) => [...(svg?.querySelectorAll(sel) ?? [])].map((r) => Number(r.getAttribute('height')));
        return { feature: c.getAttribute('data-feature'), width: box?.width ?? 0, height: box?.height ?? 0, ref: heights('rect.ref'), cur: heights('rect.cur'), label: svg?.getAttribute('aria-label') };
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

  it('shows the reliability diagram and the history chart', async () => {
    const section = page.locator('section.model >> nth=0');
    const diagram = await section.locator('svg.reliability').evaluate((svg) => ({
      width: svg.getBoundingClientRect().width,
      diagonal: svg.querySelectorAll('line.diagonal').length,
      points: [...svg.querySelectorAll('circle.point')].map((c) => [Number(c.getAttribute('cx')), Number(c.getAttribute('cy'))]),
      counts: svg.querySelectorAll('rect.count').length,
    }));
    const bins = primary.calibration!.bins;
    expect(diagram.width).toBeGreaterThan(100);
    expect(diagram.diagonal).toBe(1);
    expect(diagram.points).toHaveLength(bins.filter((b) => b.observedRate !== null && b.meanPredicted !== null).length);
    expect(diagram.points.length).toBeGreaterThan(1);
    expect(diagram.counts).toBeGreaterThan(0);
    expect(await section.locator('h2', { hasText: 'Calibration' }).textContent()).toBe('Calibration');
    expect(await section.locator('svg.line').count()).toBe(1); // over the last 3 windows
    expect(await section.locator('table.performance').textContent()).toContain('accuracy');
  });
});
