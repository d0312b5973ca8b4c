/**
 * Trace samples end to end:
 *
 *   example service (manual API, captureFeatures, one prediction span per row)
 *     --OTLP/HTTP metrics and traces--> (a tee that records the exported trace ids) --> otel-ml processor
 *   processor /metrics (OpenMetrics, exemplars) --scraped--> Prometheus 2.42 with exemplar storage
 *
 * One window of drifted traffic against the model's baseline. Asserted: every bin of the score,
 * and of each drifted feature, that moved most and has rows in the window names at least one
 * trace, each a trace the service exported, in the report and in the `ml.drift.detected` event
 * (`ml.drift.trace_ids`, and per bin in the details); Prometheus' exemplar API returns exemplars of
 * `ml_drift_bin_moved_total` whose trace ids are exported traces, for the dashboard's exemplar queries.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { InMemoryLogRecordExporter, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBaseline } from '../../processor/src/offline/baseline.js';
import { decodeTracesProtobuf } from '../../processor/src/otlp/decode.js';
import { DEFAULT_CONFIG } from '../../processor/src/service/config.js';
import { startService, type RunningService } from '../../processor/src/service/service.js';
import type { DistributionReport, ModelReport } from '../../processor/src/analysis/report-types.js';
import { generate } from '../../examples/demo/traffic.js';
import { startManualService, type ManualService } from '../../examples/service/manual.js';
import { DRIFT, NO_DRIFT, sendPredictions } from '../../examples/service/load.js';
import { REPO } from '../helpers/tsx.js';
import { requireBinaries, startScrapingPrometheus, tail, waitFor, type Proc } from './servers.js';

const PROMETHEUS = '/usr/bin/prometheus';
const DASHBOARD = join(REPO, 'examples', 'grafana', 'ml-models.dashboard.json');
const WINDOW_MS = 60_000;
const ROWS = 400;

let dir = '';
let svc: RunningService | undefined;
let app: ManualService | undefined;
let tee: Server | undefined;
let prom: Proc | undefined;
let promUrl = '';
const exported = new Set<string>();
const logs = new InMemoryLogRecordExporter();
let now = Date.UTC(2026, 0, 1, 9, 0, 0);

/** Forwards every request to the processor; records the trace ids of /v1/traces bodies (protobuf). */
async function startTee(target: string): Promise<string> {
  tee = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.url === '/v1/traces')
        for (const rs of decodeTracesProtobuf(body).resourceSpans) for (const s of rs.spans) exported.add(s.traceId);
      const out = httpRequest(`${target}${req.url}`, { method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      out.on('error', () => res.writeHead(502).end());
      out.end(body);
    });
  });
  await new Promise<void>((r) => tee!.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(tee.address() as AddressInfo).port}`;
}

interface Exemplar {
  readonly labels: Record<string, string>;
  readonly value: string;
}
async function queryExemplars(
  query: string,
): Promise<{ seriesLabels: Record<string, string>; exemplars: Exemplar[] }[]> {
  const end = Date.now() / 1000 + 60;
  const res = await fetch(
    `${promUrl}/api/v1/query_exemplars?${new URLSearchParams({ query, start: String(end - 3600), end: String(end) })}`,
    { signal: AbortSignal.timeout(10_000) },
  );
  const body = (await res.json()) as {
    status: string;
    error?: string;
    data?: { seriesLabels: Record<string, string>; exemplars: Exemplar[] }[];
  };
  if (body.status !== 'success') throw new Error(`exemplar query error for ${query}: ${body.error ?? res.status}`);
  return body.data ?? [];
}

/** The moved bins of a distribution that had rows in the window (an emptied bin has no prediction to show). */
const populated = (d: DistributionReport | null) => (d?.topMovers ?? []).filter((b) => b.current > 0);

describe('trace samples: service -> processor (metrics and traces) -> Prometheus exemplars', () => {
  beforeAll(async () => {
    requireBinaries([PROMETHEUS]);
    dir = mkdtempSync(join(tmpdir(), 'otel-ml-e2e-traces-'));
    writeFileSync(join(dir, 'train.csv'), generate(20_000, 1, NO_DRIFT).csv);
    const { baseline } = await buildBaseline({
      data: join(dir, 'train.csv'),
      model: 'fraud-detector',
      modelVersion: '1',
      task: 'binary_classification',
      scoreColumn: 'score',
      labelColumn: 'label',
      progress: false,
    });
    writeFileSync(join(dir, 'fraud-detector.baseline.json'), JSON.stringify(baseline));
    svc = await startService(
      {
        ...DEFAULT_CONFIG,
        receivers: {
          http: { ...DEFAULT_CONFIG.receivers.http, port: 0 },
          grpc: { ...DEFAULT_CONFIG.receivers.grpc, enabled: false },
        },
        storage: { path: ':memory:', durability: 'normal' },
        windows: { lengthMs: WINDOW_MS, minRows: 50, maxExtensions: 3 },
        models: [
          { name: 'fraud-detector', baseline: join(dir, 'fraud-detector.baseline.json'), reference: 'baseline' },
        ],
        exporters: { otlp: { enabled: false, intervalMs: 3_600_000 }, prometheus: { enabled: true } },
        traces: { enabled: true },
      },
      {
        clock: () => now,
        manualEvaluation: true,
        logRecordProcessors: [new SimpleLogRecordProcessor({ exporter: logs })],
      },
    );
    const teeUrl = await startTee(svc.httpUrl!);
    app = await startManualService({
      port: 0,
      otlpEndpoint: teeUrl,
      traces: true,
      captureFeatures: true,
      exportIntervalMs: 3_600_000,
    });

    ({ prom, url: promUrl } = await startScrapingPrometheus(PROMETHEUS, dir, new URL(svc.httpUrl!).host, [
      '--enable-feature=exemplar-storage',
    ]));
  });

  afterAll(async () => {
    await prom?.stop();
    await app?.close();
    await svc?.close();
    if (tee) await new Promise<void>((r) => tee!.close(() => r()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('names exported traces for every moved bin in the report, the event and as Prometheus exemplars', async () => {
    await sendPredictions({ url: app!.url, rows: ROWS, seed: 7, drift: DRIFT, idPrefix: 't', batchSize: 1 });
    await app!.flush();
    expect(exported.size).toBeGreaterThanOrEqual(ROWS);
    now += WINDOW_MS;
    const reports = svc!.evaluateNow().filter((r) => r.model.role === 'primary');
    expect(reports).toHaveLength(1);
    const report: ModelReport = reports[0]!;
    expect(report.current.count).toBe(ROWS);
    expect(report.drifted.length).toBeGreaterThan(0);

    // the report: score bins always, feature bins of the drifted features (captureFeatures on)
    const moved = [populated(report.prediction.score), ...report.drifted.map((n) => populated(report.features[n]!))];
    expect(moved[0]!.length).toBeGreaterThan(0);
    for (const bins of moved) {
      for (const b of bins) {
        expect(b.traces?.length, `bin ${b.label}`).toBeGreaterThan(0);
        for (const t of b.traces!) expect(exported.has(t.traceId), `${t.traceId} was exported`).toBe(true);
      }
    }

    // the event
    const events = logs
      .getFinishedLogRecords()
      .filter((l) => l.eventName === 'ml.drift.detected' && l.attributes['ml.deployment.role'] === 'primary');
    expect(events).toHaveLength(1);
    const ids = events[0]!.attributes['ml.drift.trace_ids'] as string[];
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(exported.has(id)).toBe(true);
    const details = JSON.parse(events[0]!.attributes['ml.drift.details'] as string) as Record<
      string,
      { topMovers: { bin: string; current: number; traces?: string[] }[] }
    >;
    const eventBins = [...details['score']!.topMovers, ...report.drifted.flatMap((n) => details[n]!.topMovers)].filter(
      (b) => b.current > 0,
    );
    expect(eventBins.length).toBe(moved.flat().length);
    for (const b of eventBins) expect(b.traces?.length, `event bin ${b.bin}`).toBeGreaterThan(0);

    // Prometheus: exemplars of the moved-bin counter, scraped as OpenMetrics, are exported traces
    const scoreBins = await waitFor(
      'score exemplars in Prometheus',
      async () => {
        const r = await queryExemplars('ml_drift_bin_moved_total{ml_drift_signal="score"}');
        return r.length >= moved[0]!.length ? r : undefined;
      },
      60_000,
      500,
    ).catch(async (err: Error) => {
      const targets = await fetch(`${promUrl}/api/v1/targets`)
        .then((r) => r.text())
        .catch(() => '');
      throw new Error(`${err.message}\ntargets: ${targets}\n${tail(prom!.log)}`);
    });
    for (const s of scoreBins) {
      expect(s.exemplars.length).toBeGreaterThan(0);
      for (const e of s.exemplars) expect(exported.has(e.labels.trace_id!), `exemplar ${e.labels.trace_id}`).toBe(true);
    }
    const featureBins = await queryExemplars('ml_drift_bin_moved_total{ml_drift_signal="feature"}');
    for (const n of report.drifted)
      expect(
        featureBins.some((s) => s.seriesLabels.ml_feature_name === n),
        n,
      ).toBe(true);

    // the dashboard's exemplar queries return those series and exemplars
    const d = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
      panels: { title: string; targets?: { expr: string; exemplar?: boolean }[] }[];
    };
    const exprs = d.panels.flatMap((p) => (p.targets ?? []).filter((t) => t.exemplar).map((t) => t.expr));
    expect(exprs).toHaveLength(2);
    for (const e of exprs.map((x) =>
      x.replaceAll('$model', 'fraud-detector').replaceAll('$role', 'primary').replaceAll('$__rate_interval', '5m'),
    )) {
      const got = await queryExemplars(e);
      expect(got.flatMap((s) => s.exemplars).length, e).toBeGreaterThan(0);
    }
  });
});
