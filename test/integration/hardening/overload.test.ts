/**
 * Overload and faults: senders faster than the processor (in-flight limit, throttling consumer,
 * byte budget) get 503/429 with Retry-After and, through the official exporter's retries, every
 * data point is counted exactly once; an unreachable results backend costs counted export
 * failures but never blocks ingestion; a cardinality attack is capped at maxStreams with the
 * overflow counted and reported to the sender.
 */
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { AggregationTemporality, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { decodeMetricsProtobuf } from '../../../processor/src/otlp/decode.js';
import { ExportMetricsServiceRequest, ExportMetricsServiceResponse } from '../../../processor/src/otlp/schema.js';
import { createHttpReceiver, OverloadedError, type HttpReceiver } from '../../../processor/src/receiver/index.js';
import { StreamProcessor } from '../../../processor/src/streams/processor.js';
import { DEFAULT_CONFIG, type ServiceConfig } from '../../../processor/src/service/config.js';
import { startService, type RunningService } from '../../../processor/src/service/service.js';
import { freePort } from './helpers.js';

const MODEL = {
  'ml.model.name': 'load',
  'ml.model.version': '1',
  'ml.model.task': 'regression',
  'ml.deployment.role': 'primary',
};
const DAY = 86_400_000;

let cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

function post(url: string, body: Buffer): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Request with `n` ml.feature.value delta points of distinct attribute sets starting at `from`. */
function distinctSeries(from: number, n: number): Buffer {
  const kv = (key: string, v: string) => ({ key, value: { stringValue: v } });
  const dataPoints = Array.from({ length: n }, (_, i) => ({
    attributes: [
      ...Object.entries(MODEL).map(([k, v]) => kv(k, v)),
      kv('ml.feature.name', 'x'),
      kv('ml.slice.user', `u${from + i}`),
    ],
    startTimeUnixNano: String(BigInt(Date.now() - 1000) * 1_000_000n),
    timeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
    count: 1,
    bucketCounts: [1, 0],
    explicitBounds: [5],
  }));
  const req = {
    resourceMetrics: [
      {
        scopeMetrics: [
          { metrics: [{ name: 'ml.feature.value', histogram: { aggregationTemporality: 1, dataPoints } }] },
        ],
      },
    ],
  };
  return Buffer.from(ExportMetricsServiceRequest.encode(ExportMetricsServiceRequest.fromObject(req)).finish());
}

describe('a sender faster than the processor', () => {
  it('503/429 with Retry-After; with the official exporter retries every point is counted exactly once', async () => {
    const processor = StreamProcessor.open({
      path: ':memory:',
      durability: 'normal',
      windows: { lengthMs: DAY, minRows: 1 },
    });
    cleanup.push(() => processor.close());
    let calls = 0;
    // A slow consumer that also throttles every third call.
    const receiver = createHttpReceiver({
      port: 0,
      maxInFlight: 1,
      inFlightRetryAfterSeconds: 1,
      consumer: {
        consume: async (exp) => {
          if (++calls % 3 === 0) throw new OverloadedError(1, 'throttled');
          await new Promise((r) => setTimeout(r, 40));
          return processor.ingest(exp);
        },
      },
    });
    cleanup.push(() => receiver.close(100));
    const { port } = await receiver.listen();
    const statuses: Record<number, number> = {};
    const retryAfter = new Set<string>();
    // Runs before the receiver's handler: records each answer's status and Retry-After.
    receiver.server.prependListener('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
      const writeHead = res.writeHead.bind(res) as (
        status: number,
        headers: http.OutgoingHttpHeaders,
      ) => http.ServerResponse;
      (res as { writeHead: unknown }).writeHead = (status: number, headers: http.OutgoingHttpHeaders) => {
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (status !== 200) retryAfter.add(String(headers['retry-after']));
        return writeHead(status, headers);
      };
    });

    const SENDERS = 3;
    const senders = Array.from({ length: SENDERS }, (_, s) => {
      const exporter = new OTLPMetricExporter({
        url: `http://127.0.0.1:${port}/v1/metrics`,
        temporalityPreference: AggregationTemporality.DELTA,
        timeoutMillis: 20_000,
      });
      const reader = new PeriodicExportingMetricReader({
        exporter,
        exportIntervalMillis: 3_600_000,
        exportTimeoutMillis: 30_000,
      });
      const provider = new MeterProvider({ readers: [reader] });
      cleanup.push(() => provider.shutdown().catch(() => undefined));
      return {
        reader,
        h: provider
          .getMeter('s')
          .createHistogram('ml.feature.value', { advice: { explicitBucketBoundaries: [1, 2, 5] } }),
        s,
      };
    });
    let recorded = 0;
    for (let round = 0; round < 2; round++) {
      for (const { h, s } of senders) {
        for (let i = 0; i < 10 + s; i++) h.record(i % 6, { ...MODEL, 'ml.feature.name': `f${s}` });
        recorded += 10 + s;
      }
      // all senders export at once: one is served, the others are told to come back
      await Promise.all(senders.map(({ reader }) => reader.forceFlush()));
    }
    expect((statuses[503] ?? 0) + (statuses[429] ?? 0)).toBeGreaterThan(0);
    expect(statuses[429]).toBeGreaterThan(0);
    expect([...retryAfter]).toEqual(['1']);
    const w = processor.openWindows()[0]!;
    const counted = Array.from({ length: SENDERS }, (_, s) => w.features[`f${s}`]?.histogram?.count ?? 0).reduce(
      (a, b) => a + b,
      0,
    );
    expect(counted).toBe(recorded);
    expect(processor.stats().droppedPoints.duplicate).toBe(0);
  });

  it('the receiver-wide byte budget answers 503 with Retry-After and is released afterwards', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const receiver: HttpReceiver = createHttpReceiver({
      port: 0,
      maxBufferedBytes: 64 * 1024,
      consumer: { consume: async () => (await gate, { rejectedDataPoints: 0 }) },
    });
    cleanup.push(() => receiver.close(100));
    const { port } = await receiver.listen();
    const url = `http://127.0.0.1:${port}/v1/metrics`;
    const body = distinctSeries(0, 250);
    expect(body.length).toBeGreaterThan(32 * 1024);
    expect(body.length).toBeLessThan(64 * 1024);
    const first = post(url, body); // held by the gated consumer
    for (let i = 0; i < 200 && receiver.bufferedBytes === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(receiver.bufferedBytes).toBe(body.length);
    const second = await post(url, body);
    expect(second.status).toBe(503);
    expect(second.headers['retry-after']).toBe('1');
    release();
    expect((await first).status).toBe(200);
    expect(receiver.bufferedBytes).toBe(0);
    expect((await post(url, body)).status).toBe(200);
  });
});

function serviceConfig(over: Partial<ServiceConfig>): ServiceConfig {
  return {
    ...DEFAULT_CONFIG,
    receivers: {
      http: { ...DEFAULT_CONFIG.receivers.http, port: 0 },
      grpc: { ...DEFAULT_CONFIG.receivers.grpc, enabled: false },
    },
    storage: { path: ':memory:', durability: 'normal' },
    windows: { lengthMs: 60_000, minRows: 1, maxExtensions: 0 },
    ...over,
  };
}

describe('faults and attacks on the service', () => {
  it('results backend down: exports fail and are counted, ingestion is not blocked', async () => {
    const deadPort = await freePort(); // nothing listens here
    process.env.OTEL_EXPORTER_OTLP_METRICS_TIMEOUT = '300';
    const clock = { now: Date.now() };
    const svc: RunningService = await startService(
      serviceConfig({
        exporters: {
          otlp: { enabled: true, endpoint: `http://127.0.0.1:${deadPort}/v1/metrics`, intervalMs: 1_000 },
          prometheus: { enabled: false },
        },
      }),
      { manualEvaluation: true, clock: () => clock.now },
    );
    cleanup.push(() => svc.close());
    delete process.env.OTEL_EXPORTER_OTLP_METRICS_TIMEOUT;
    const failures = async () =>
      (JSON.parse((await httpGet(`${svc.httpUrl}/readyz`)).toString()) as { exportFailures: number }).exportFailures;
    let accepted = 0;
    const deadline = Date.now() + 20_000;
    let i = 0;
    while ((await failures()) < 2 && Date.now() < deadline) {
      const r = await post(`${svc.httpUrl}/v1/metrics`, distinctSeries(i, 5));
      expect(r.status).toBe(200);
      accepted += 5;
      i += 5;
      await new Promise((res) => setTimeout(res, 50));
    }
    expect(await failures()).toBeGreaterThanOrEqual(2);
    // with the reason: nothing listens on the port
    const byType = (
      JSON.parse((await httpGet(`${svc.httpUrl}/readyz`)).toString()) as {
        exportFailuresByType: Record<string, number>;
      }
    ).exportFailuresByType;
    expect(Object.keys(byType)).toEqual(['ECONNREFUSED']);
    // ingestion kept going while exports failed
    expect(svc.processor.stats().acceptedPoints).toBe(accepted);
    expect(accepted).toBeGreaterThan(10);
  });

  it('a cardinality attack is capped at maxStreams; the overflow is counted and reported back', async () => {
    const svc = await startService(serviceConfig({ streams: { ...DEFAULT_CONFIG.streams, maxStreams: 500 } }), {
      manualEvaluation: true,
    });
    cleanup.push(() => svc.close());
    let rejected = 0;
    const TOTAL = 20_000;
    for (let from = 0; from < TOTAL; from += 2_000) {
      const r = await post(`${svc.httpUrl}/v1/metrics`, distinctSeries(from, 2_000));
      expect(r.status).toBe(200);
      const resp = ExportMetricsServiceResponse.toObject(ExportMetricsServiceResponse.decode(r.body), {
        longs: Number,
      }) as { partialSuccess?: { rejectedDataPoints?: number; errorMessage?: string } };
      rejected += resp.partialSuccess?.rejectedDataPoints ?? 0;
    }
    const s = svc.processor.stats();
    expect(s.liveStreams).toBe(500);
    expect(s.droppedPoints.stream_limit).toBe(TOTAL - 500);
    expect(rejected).toBe(TOTAL - 500);
    // each point carries its own ml.slice.user value: 64 of them are kept per model, the rest as __other__
    const users = svc.processor.openWindows()[0]!.slices.user!;
    expect(Object.keys(users)).toHaveLength(65);
    expect(users.__other__!.features.x!.histogram!.count).toBe(500 - 64);
    // state for 500 streams, not 20,000 (the memory this takes at scale: processor/bench/overload-cardinality.ts)
    expect(decodeMetricsProtobuf(distinctSeries(0, 1)).acceptedDataPoints).toBe(1);
  });
});

function httpGet(url: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks)));
      })
      .on('error', reject);
  });
}
