/**
 * Scale-out through real services (docs/scale-out.md): N `startService` instances on OTLP/HTTP,
 * each with its own state file, behind a routing proxy that does what the Collector's
 * `loadbalancing` exporter with `routing_key: attributes` on `ml.model.name` does: each export of
 * the OpenTelemetry JS SDK (instrumentation's metric producer, OTLP/HTTP JSON exporter,
 * cumulative) is split by `ml.model.name` and each part POSTed to the instance the exporter's
 * consistent hashing chooses (test/helpers/loadbalancing.ts). N changes in the middle of windows
 * (an instance added, then one removed that keeps running to drain). A reference service gets
 * every export whole. Manual clocks on the senders and the services; no sleeps.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createModelMonitor, type ModelMonitor } from '@otel-ml/instrumentation';
import { AggregationTemporality, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { DEFAULT_CONFIG, validateConfig, type ServiceConfig } from '../../../processor/src/service/config.js';
import { startService, type RunningService } from '../../../processor/src/service/service.js';
import type { WindowSnapshot } from '../../../processor/src/windows/snapshot.js';
import type { ModelReport } from '../../../processor/src/analysis/report-types.js';
import { HashRing } from '../../helpers/loadbalancing.js';
import { syntheticRows } from '../../helpers/synthetic.js';

const MIN = 60_000;
const START = Date.UTC(2026, 2, 2, 0, 0, 0);
const MODELS = ['fraud', 'churn', 'ranker', 'eta', 'pricing', 'spam', 'ltv', 'search'];
/** The endpoints as the resolver lists them (StatefulSet pod names): the ring does not depend on the ports the test gets. */
const NAMES = ['otel-ml-0:4318', 'otel-ml-1:4318', 'otel-ml-2:4318'];
const EXPORTS = 26;
/** Two instances, a third added at minute 7 (inside the second window), the first removed at minute 13 (inside the third). */
function endpointsAt(k: number): string[] {
  if (k < 7) return NAMES.slice(0, 2);
  if (k < 13) return NAMES;
  return NAMES.slice(1);
}
const keyOf = (model: string) => `ml.model.name=${model}|`;
const modelOf = (key: string) => (JSON.parse(key) as string[])[0]!;

type JsonAttr = { key: string; value: { stringValue?: string } };
type JsonMetric = Record<string, unknown> & { name: string };
type JsonRequest = {
  resourceMetrics: {
    resource?: { attributes?: JsonAttr[] };
    scopeMetrics: { scope?: { attributes?: JsonAttr[] }; metrics: JsonMetric[] }[];
  }[];
};
const KINDS = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] as const;
const attr = (attrs: JsonAttr[] | undefined, name: string) => attrs?.find((a) => a.key === name)?.value.stringValue;

/** The request split per routing key as the exporter does it (attribute looked up on resource, scope, then point). */
function split(req: JsonRequest): Map<string, JsonRequest> {
  const out = new Map<string, JsonRequest>();
  for (const rm of req.resourceMetrics) {
    for (const sm of rm.scopeMetrics) {
      for (const m of sm.metrics) {
        const kind = KINDS.find((k) => m[k] !== undefined)!;
        const data = m[kind] as { dataPoints: { attributes?: JsonAttr[] }[] };
        for (const p of data.dataPoints) {
          const model =
            attr(rm.resource?.attributes, 'ml.model.name') ??
            attr(sm.scope?.attributes, 'ml.model.name') ??
            attr(p.attributes, 'ml.model.name') ??
            '';
          let part = out.get(model);
          if (part === undefined) out.set(model, (part = { resourceMetrics: [] }));
          let prm = part.resourceMetrics.find((x) => x.resource === rm.resource);
          if (prm === undefined) part.resourceMetrics.push((prm = { resource: rm.resource, scopeMetrics: [] }));
          let psm = prm.scopeMetrics.find((x) => x.scope === sm.scope);
          if (psm === undefined) prm.scopeMetrics.push((psm = { scope: sm.scope, metrics: [] }));
          let pm = psm.metrics.find((x) => x.name === m.name);
          if (pm === undefined) psm.metrics.push((pm = { ...m, [kind]: { ...data, dataPoints: [] } }));
          (pm[kind] as { dataPoints: unknown[] }).dataPoints.push(p);
        }
      }
    }
  }
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'otel-ml-scale-out-http-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function start(name: string, clock: () => number): Promise<RunningService> {
  const config: ServiceConfig = {
    ...validateConfig({
      windows: { length: '5m', minRows: 20 },
      streams: { handoffGap: '150s', staleAfter: '4m' },
    }),
    receivers: {
      http: { ...DEFAULT_CONFIG.receivers.http, host: '127.0.0.1', port: 0 },
      grpc: { ...DEFAULT_CONFIG.receivers.grpc, enabled: false },
    },
    storage: { path: join(dir, `${name}.db`), durability: 'normal' },
  };
  return startService(config, { clock, manualEvaluation: true });
}

async function post(svc: RunningService, body: string): Promise<void> {
  const res = await fetch(`${svc.httpUrl}/v1/metrics`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  expect(res.status).toBe(200);
  await res.arrayBuffer();
}

/** Samples of `name` on a service's /metrics: labels → value (scope labels left out). */
async function samples(svc: RunningService, name: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${svc.httpUrl}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)`).exec(line);
    if (m) out.set((m[1] ?? '').replace(/,?otel_scope_(name|version)="[^"]*"/g, ''), Number(m[2]));
  }
  return out;
}

describe('scale-out through N services on OTLP/HTTP behind a loadbalancing router (ml.model.name)', () => {
  it('counts are conserved, only the moved windows are partial, the rest equal one service', async () => {
    let now = START;
    const clock = () => now;
    const reference = await start('reference', clock);
    const instances = new Map<string, RunningService>();
    for (const [i, n] of NAMES.entries()) instances.set(n, await start(`instance-${i}`, clock));
    let k = 0;
    let routed = 0;
    // the gateway: splits each export and posts the parts; the reference gets it whole
    const gateway: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        const ring = new HashRing(endpointsAt(k));
        const posts = [post(reference, body)];
        for (const [model, part] of split(JSON.parse(body) as JsonRequest)) {
          routed++;
          posts.push(post(instances.get(ring.endpointFor(keyOf(model)))!, JSON.stringify(part)));
        }
        void Promise.all(posts).then(
          () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'),
          () => res.writeHead(500).end(),
        );
      });
    });
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    const monitors: ModelMonitor[] = MODELS.map((name) =>
      createModelMonitor({
        model: { name, version: '1', task: 'binary_classification' },
        features: [{ name: 'amount', type: 'numeric' }],
        clock,
      }),
    );
    const reader = new PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter({
        url: `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/v1/metrics`,
        temporalityPreference: AggregationTemporality.CUMULATIVE,
      }),
      exportIntervalMillis: 3_600_000,
      metricProducers: monitors.map((m) => m.metricProducer),
    });
    const provider = new MeterProvider({ readers: [reader] });
    const byInstance = new Map<string, ModelReport[]>(NAMES.map((n) => [n, []]));
    const wholeReports: ModelReport[] = [];
    // the windows each evaluation closes, as they are just before it (all their points have arrived)
    const closing = new Map<string, WindowSnapshot[]>(NAMES.map((n) => [n, []]));
    const wholeWindows: WindowSnapshot[] = [];
    const due = (svc: RunningService) => svc.processor.openWindows().filter((w) => w.end <= now);
    try {
      /** Closes the windows due at `now` on every service (a removed instance keeps running: it drains its open windows). */
      const evaluate = () => {
        wholeWindows.push(...due(reference));
        wholeReports.push(...reference.evaluateNow(now));
        for (const [n, svc] of instances) {
          closing.get(n)!.push(...due(svc));
          byInstance.get(n)!.push(...svc.evaluateNow(now));
        }
      };
      for (k = 0; k < EXPORTS; k++) {
        // windows that ended at the minute closed 10 s after it, before any later point arrives (a
        // point arriving while its window's end has passed but the window is still open is counted
        // in it, on the instances that have it open, and in the next window on the others)
        now = START + k * MIN + 10_000;
        evaluate();
        // rows observed at the 20th second, exported at the 30th
        now += 10_000;
        monitors.forEach((m, i) => {
          for (const r of syntheticRows({ rows: 40, seed: 1_000 * i + k }))
            m.observe({ features: { amount: r.amount }, score: r.score });
        });
        now += 10_000;
        await reader.forceFlush();
      }
      now = START + EXPORTS * MIN + 10_000;
      evaluate();
      expect(routed).toBeGreaterThanOrEqual(EXPORTS * MODELS.length);

      const instancesOf = (model: string, ks: number[]) =>
        new Set(
          ks.filter((x) => x >= 0 && x < EXPORTS).map((x) => new HashRing(endpointsAt(x)).endpointFor(keyOf(model))),
        );
      /** Exports of a window, and the one before (the cursor its first delta is taken from). */
      const exportsOf = (startMs: number) => {
        const first = (startMs - START) / MIN;
        return [first - 1, first, first + 1, first + 2, first + 3, first + 4];
      };
      const movedModels = MODELS.filter((m) => instancesOf(m, [...Array(EXPORTS).keys()]).size > 1);
      // each change moves some model (else the test proves nothing), not all
      expect(MODELS.filter((m) => instancesOf(m, [6, 7]).size > 1).length).toBeGreaterThan(0);
      expect(MODELS.filter((m) => instancesOf(m, [12, 13]).size > 1).length).toBeGreaterThan(0);
      expect(movedModels.length).toBeLessThan(MODELS.length);

      // the reference: 5 windows per model, windows 2 to 5 reported (the first one has no rolling reference yet), 200 rows each, none partial, no drift on stationary data
      expect(wholeReports.length).toBe(MODELS.length * 4);
      expect(
        wholeReports.every((r) => r.window?.partial === undefined && r.drifted.length === 0 && r.current.count === 200),
      ).toBe(true);
      expect(wholeWindows.length).toBe(MODELS.length * 5);
      expect(wholeWindows.map((w) => [w.partial, w.rows])).toEqual(wholeWindows.map(() => [undefined, 200]));
      const all = [...byInstance].flatMap(([n, list]) => list.map((r) => ({ n, r })));
      const windows = [...closing].flatMap(([n, list]) => list.map((x) => ({ n, x })));
      // no false drift verdict anywhere
      expect(all.filter(({ r }) => r.drifted.length > 0).map(({ n, r }) => `${n} ${r.model.name}`)).toEqual([]);
      let partialWindows = 0;
      for (const w of wholeWindows) {
        const model = modelOf(w.modelKey);
        const parts = windows.filter(({ x }) => x.modelKey === w.modelKey && x.start === w.start);
        const label = `${model} ${new Date(w.start).toISOString()}: ${JSON.stringify(parts.map(({ n, x }) => [n, x.rows, x.partial]))}`;
        const report = (n: string) =>
          byInstance.get(n)!.find((r) => r.model.name === model && r.window?.start === new Date(w.start).toISOString());
        const whole = wholeReports.find(
          (r) => r.model.name === model && r.window?.start === new Date(w.start).toISOString(),
        );
        if (instancesOf(model, exportsOf(w.start)).size === 1) {
          // stayed on one instance for the window: the reference's window, not partial, the same counts
          expect(
            parts.map(({ x }) => x),
            label,
          ).toEqual([w]);
          const r = report(parts[0]!.n);
          expect(r?.current, label).toEqual(whole?.current);
          expect(r?.window?.partial, label).toBeUndefined();
          // a model that never moved: the same verdicts as one service (same windows, same rolling reference)
          if (!movedModels.includes(model) && whole !== undefined) {
            expect(r!.status, label).toBe(whole.status);
            expect(r!.drifted, label).toEqual(whole.drifted);
            expect(r!.reference, label).toEqual(whole.reference);
            expect(r!.features.amount?.drift, label).toEqual(whole.features.amount?.drift);
          }
          continue;
        }
        // the window of a move: the parts add up to no more than the whole (nothing counted twice)
        partialWindows++;
        expect(
          parts.reduce((a, { x }) => a + x.rows, 0),
          label,
        ).toBeLessThanOrEqual(w.rows);
        expect(
          parts.reduce((a, { x }) => a + (x.features.amount?.histogram?.count ?? 0), 0),
          label,
        ).toBeLessThanOrEqual(w.features.amount?.histogram?.count ?? 0);
        for (const { n, x } of parts) {
          const marks = [...(x.partial ?? []), ...(report(n)?.window?.partial ?? [])];
          if (marks.length > 0) continue;
          // unmarked: only the instance the model left during the window (within the last handoffGap: to it, senders that stopped)
          expect(
            exportsOf(w.start)
              .slice(1)
              .some((e) => e < EXPORTS && new HashRing(endpointsAt(e)).endpointFor(keyOf(model)) !== n),
            label,
          ).toBe(true);
        }
      }
      expect(partialWindows).toBeGreaterThan(0);
      const reasons = new Set(windows.flatMap(({ x }) => x.partial ?? []));
      expect(reasons.has('joined')).toBe(true);

      // staleAfter (4 min) after the last move: a model that left an instance is retired there (NaN
      // verdicts) while its idle gauge, min over instances (MLModelStopped), says it is alive
      for (const model of MODELS) {
        const idle: number[] = [];
        for (const [n, svc] of instances) {
          const s = await samples(svc, 'ml_processor_model_idle');
          const v = [...s].find(([l]) => l.includes(`ml_model_name="${model}"`))?.[1];
          if (v !== undefined) idle.push(v);
          const current = new HashRing(endpointsAt(EXPORTS - 1)).endpointFor(keyOf(model)) === n;
          const text = await (await fetch(`${svc.httpUrl}/metrics`)).text();
          const live = text
            .split('\n')
            .filter(
              (l) =>
                l.startsWith('ml_verdict_flagged{') && l.includes(`ml_model_name="${model}"`) && !l.endsWith(' NaN'),
            ).length;
          if (!current) expect(live, `${model} on ${n}`).toBe(0);
        }
        expect(Math.min(...idle), model).toBe(0);
      }
    } finally {
      await provider.shutdown();
      for (const m of monitors) await m.shutdown();
      await new Promise<void>((r) => gateway.close(() => r()));
      await reference.close();
      for (const svc of instances.values()) await svc.close();
    }
  }, 60_000);
});
