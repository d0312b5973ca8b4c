/**
 * The dashboard's "Where it moved" and "Joint drift" panels end to end:
 *
 *   instrumented service (createModelMonitor, allow-listed slice key `region`, random projections
 *   of x2 and x3) --OTLP/HTTP--> otel-ml processor (pinned reference: window 1)
 *   processor /metrics --scraped--> Prometheus 2.42
 *
 * Seeded traffic, 1,000 rows per region (a..e) and window, one-minute windows on a manual clock.
 * Window 1 is the reference, window 2 is clean, window 3 moves x1 by one standard deviation in
 * region `c` only and correlates x2 with x3 (0.8) in every region, their marginals unchanged.
 * Asserted: the processor sees slice drift located in `c` and joint drift in window 3 and neither
 * in window 2; Prometheus holds the joint verdict 0 then 1 (the panel's time series); every query
 * of the two panels and of the `slice_key` variable returns series, and the "Where it moved" table
 * ranks `c` first, with x1 among what drifted within it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AggregationTemporality, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { createModelMonitor, type ModelMonitor } from '@otel-ml/instrumentation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelReport } from '../../processor/src/analysis/report-types.js';
import { DEFAULT_CONFIG } from '../../processor/src/service/config.js';
import { startService, type RunningService } from '../../processor/src/service/service.js';
import { normal, rng } from '../helpers/synthetic.js';
import { REPO } from '../helpers/tsx.js';
import { promQuery, requireBinaries, startScrapingPrometheus, tail, waitFor, type Proc } from './servers.js';

const PROMETHEUS = '/usr/bin/prometheus';
const DASHBOARD = join(REPO, 'examples', 'grafana', 'ml-models.dashboard.json');
const WINDOW_MS = 60_000;
const ROWS_PER_REGION = 1_000;
const REGIONS = ['a', 'b', 'c', 'd', 'e'] as const;
const SHIFTED = 'c';

interface Dashboard {
  panels: { title: string; targets?: { refId: string; expr: string }[] }[];
  templating: { list: { name: string; query?: string | { query: string } }[] };
}

/** One window's rows, regions interleaved; `drifted`: x1 + 1 in region c, corr(x2, x3) = 0.8. */
function traffic(seed: number, drifted: boolean) {
  const r = rng(seed);
  const rho = drifted ? 0.8 : 0;
  const rows = [];
  for (let i = 0; i < ROWS_PER_REGION; i++) {
    for (const region of REGIONS) {
      const x1 = normal(r) + (drifted && region === SHIFTED ? 1 : 0);
      const x2 = normal(r);
      const x3 = rho * x2 + Math.sqrt(1 - rho * rho) * normal(r);
      const x4 = normal(r);
      const score = 1 / (1 + Math.exp(-(-0.5 + 0.8 * x1 + 0.3 * x4)));
      rows.push({ features: { x1, x2, x3, x4 }, score, region });
    }
  }
  return rows;
}

const fill = (e: string) =>
  e
    .replaceAll('$model', 'pricing')
    .replaceAll('$role', 'primary')
    .replaceAll('$slice_key', 'region')
    .replaceAll('$__rate_interval', '2m');

let dir = '';
let svc: RunningService | undefined;
let monitor: ModelMonitor | undefined;
let reader: PeriodicExportingMetricReader | undefined;
let provider: MeterProvider | undefined;
let prom: Proc | undefined;
let promUrl = '';
let now = Date.UTC(2026, 0, 1, 9, 0, 30);
const reports = new Map<number, ModelReport>();

/** Sends window `w` and closes it. */
async function sendWindow(w: number, drifted: boolean): Promise<void> {
  for (const row of traffic(500 + w, drifted))
    monitor!.observe({ features: row.features, score: row.score, slices: { region: row.region } });
  await reader!.forceFlush();
  now += WINDOW_MS;
  for (const r of svc!.evaluateNow()) if (r.model.role === 'primary') reports.set(w, r);
}

/** Waits until Prometheus has scraped the joint verdict of the latest window. */
async function scraped(value: string): Promise<void> {
  await waitFor(
    `the joint verdict ${value} in Prometheus`,
    async () => {
      const r = await promQuery(promUrl, '{__name__=~"ml_drift_detected(_ratio)?", ml_drift_signal="joint"}');
      return r.length === 1 && r[0]!.value[1] === value ? true : undefined;
    },
    60_000,
    250,
  ).catch(async (err: Error) => {
    const targets = await fetch(`${promUrl}/api/v1/targets`)
      .then((r) => r.text())
      .catch(() => '');
    throw new Error(`${err.message}\ntargets: ${targets}\n${tail(prom!.log)}`);
  });
}

describe('dashboard: where it moved and joint drift, service -> processor -> Prometheus', () => {
  beforeAll(async () => {
    requireBinaries([PROMETHEUS]);
    dir = mkdtempSync(join(tmpdir(), 'otel-ml-e2e-slices-'));
    svc = await startService(
      {
        ...DEFAULT_CONFIG,
        receivers: {
          http: { ...DEFAULT_CONFIG.receivers.http, port: 0, host: '127.0.0.1' },
          grpc: { ...DEFAULT_CONFIG.receivers.grpc, enabled: false },
        },
        storage: { path: ':memory:', durability: 'normal' },
        windows: { lengthMs: WINDOW_MS, minRows: 50, maxExtensions: 3 },
        models: [{ name: 'pricing', reference: 'pinned' }],
        exporters: { otlp: { ...DEFAULT_CONFIG.exporters.otlp, enabled: false }, prometheus: { enabled: true } },
      },
      { clock: () => now, manualEvaluation: true },
    );
    monitor = createModelMonitor({
      model: { name: 'pricing', version: '1', task: 'binary_classification' },
      features: ['x1', 'x2', 'x3', 'x4'].map((name) => ({ name, type: 'numeric' as const })),
      slices: ['region'],
      projections: { count: 16, seed: 7, features: ['x2', 'x3'], center: { x2: 0, x3: 0 }, scale: { x2: 1, x3: 1 } },
    });
    reader = new PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter({
        url: `${svc.httpUrl}/v1/metrics`,
        temporalityPreference: AggregationTemporality.DELTA,
      }),
      exportIntervalMillis: 3_600_000,
      metricProducers: [monitor.metricProducer],
    });
    provider = new MeterProvider({ readers: [reader] });

    ({ prom, url: promUrl } = await startScrapingPrometheus(PROMETHEUS, dir, new URL(svc.httpUrl!).host));

    await sendWindow(1, false); // the pinned reference
    await sendWindow(2, false);
    await scraped('0');
    await sendWindow(3, true);
    await scraped('1');
  });

  afterAll(async () => {
    await prom?.stop();
    await provider?.shutdown();
    await monitor?.shutdown();
    await svc?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the processor sees neither drift in the clean window, and slice drift in c and joint drift in the shifted one', () => {
    expect([...reports.keys()]).toEqual([2, 3]);
    const clean = reports.get(2)!;
    expect(clean.joint!.drift.verdict).toBe('no_drift');
    expect(clean.sliceDrift!.keys.region!.located).toBeNull();
    const shifted = reports.get(3)!;
    expect(shifted.joint!.drift.verdict).toBe('drift');
    for (const f of ['x2', 'x3']) expect(shifted.features[f]!.drift.verdict, f).toBe('no_drift');
    expect(shifted.sliceDrift!.keys.region!.located).toBe(SHIFTED);
  });

  it('every query of the two panels and of the slice_key variable returns series; c moved most', async () => {
    const d = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
    const panel = (prefix: string) => {
      const p = d.panels.find((x) => x.title.startsWith(prefix));
      expect(p, prefix).toBeDefined();
      return p!.targets!;
    };
    const where = panel('Where it moved');
    const joint = panel('Joint drift');
    expect(where.length).toBeGreaterThanOrEqual(3);
    expect(joint).toHaveLength(2);
    const results = new Map<string, Awaited<ReturnType<typeof promQuery>>>();
    for (const t of [...where, ...joint]) {
      const r = await promQuery(promUrl, fill(t.expr));
      expect(r.length, t.expr).toBeGreaterThan(0);
      results.set(t.refId + (where.includes(t) ? '@where' : '@joint'), r);
    }

    // the slice value is in one label, `slice`, whatever the key
    const share = results.get('A@where')!;
    expect(share.map((s) => s.metric.slice).sort()).toEqual([...REGIONS]);
    const top = [...share].sort((a, b) => Number(b.value[1]) - Number(a.value[1]))[0]!;
    expect(top.metric.slice).toBe(SHIFTED);
    const drifted = results.get('B@where')!.find((s) => s.metric.slice === SHIFTED);
    expect(Number(drifted!.value[1])).toBeGreaterThan(0);
    for (const s of results.get('B@where')!.filter((x) => x.metric.slice !== SHIFTED))
      expect(s.value[1], s.metric.slice).toBe('0');
    expect(results.get('D@where')!).toContainEqual(
      expect.objectContaining({ metric: expect.objectContaining({ slice: SHIFTED, ml_feature_name: 'x1' }) }),
    );

    // joint: the verdict went 0 -> 1 over the run (the panel's time series), with the distance
    expect(Number(results.get('A@joint')![0]!.value[1])).toBeCloseTo(reports.get(3)!.joint!.slicedWasserstein!, 6);
    const end = Date.now() / 1000 + 1;
    const range = await fetch(
      `${promUrl}/api/v1/query_range?${new URLSearchParams({ query: fill(joint[1]!.expr), start: String(end - 600), end: String(end), step: '1' })}`,
      { signal: AbortSignal.timeout(10_000) },
    ).then((r) => r.json() as Promise<{ data: { result: { values: [number, string][] }[] } }>);
    expect(range.data.result).toHaveLength(1);
    expect(new Set(range.data.result[0]!.values.map((v) => v[1]))).toEqual(new Set(['0', '1']));

    // the slice_key variable lists the key
    const variable = d.templating.list.find((v) => v.name === 'slice_key')!;
    const q = typeof variable.query === 'string' ? variable.query : variable.query!.query;
    const m = /^label_values\((.+),\s*(\w+)\)$/.exec(q)!;
    expect(m[2]).toBe('ml_drift_slice_key');
    const keys = new Set((await promQuery(promUrl, fill(m[1]!))).map((s) => s.metric.ml_drift_slice_key));
    expect([...keys]).toEqual(['region']);
  });
});
