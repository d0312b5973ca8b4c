/**
 * Delta points out of order, retried and overlapping, through the real receivers of
 * `startService` (state file): every interval that does not overlap one already counted is
 * counted exactly once, whatever the arrival order; every point that is not counted is reported to
 * the sender in `partial_success` with its reason, and the reported counts equal the drops.
 *
 * 1. The official OTLP/HTTP protobuf exporter sends 24 delta collections of one SDK (5 streams
 *    each), several requests in flight at a time, in shuffled order, through a proxy that answers
 *    some requests 503 after the processor accepted them (a lost acknowledgement: the exporter
 *    retries, later than the requests sent after it) and refuses others with 503 before they
 *    reach it (the retry is the first copy).
 * 2. Hand-made requests over HTTP JSON, HTTP protobuf and gRPC: a late interval still counted, an
 *    overlapping one, one older than the remembered intervals, and a duplicate, each answered with
 *    its named reason.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { ExportResultCode } from '@opentelemetry/core';
import { DEFAULT_CONFIG, type ServiceConfig } from '../../../processor/src/service/config.js';
import { startService, type RunningService } from '../../../processor/src/service/service.js';
import { ExportMetricsServiceResponse, METRICS_EXPORT_GRPC_PATH } from '../../../processor/src/otlp/schema.js';
import { DROP_REASONS, REJECTING_REASONS } from '../../../processor/src/streams/reasons.js';
import { encodeRequest } from '../receiver/helpers.js';

const NOW = Date.UTC(2026, 11, 5, 12, 0, 0);
let dir: string;
let svc: RunningService;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'otel-ml-delta-order-'));
  const config: ServiceConfig = {
    ...DEFAULT_CONFIG,
    receivers: {
      http: { ...DEFAULT_CONFIG.receivers.http, port: 0 },
      grpc: { ...DEFAULT_CONFIG.receivers.grpc, port: 0 },
    },
    exporters: { otlp: { ...DEFAULT_CONFIG.exporters.otlp, enabled: false }, prometheus: { enabled: false } },
    storage: { path: join(dir, 'state.db'), durability: 'normal' },
    windows: { lengthMs: 86_400_000, minRows: 1, maxExtensions: 0 },
    statusPage: { enabled: false },
  };
  // a fixed processor clock: everything lands in one open window
  svc = await startService(config, { manualEvaluation: true, clock: () => NOW });
});

afterAll(async () => {
  await svc?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A metric reader collecting on demand, with delta temporality. */
class ManualReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
  }
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

interface Partial {
  rejectedDataPoints: number;
  errorMessage: string;
}

function partialOf(body: Buffer): Partial {
  const r = ExportMetricsServiceResponse.toObject(ExportMetricsServiceResponse.decode(body), { longs: Number }) as {
    partialSuccess?: Partial;
  };
  return {
    rejectedDataPoints: r.partialSuccess?.rejectedDataPoints ?? 0,
    errorMessage: r.partialSuccess?.errorMessage ?? '',
  };
}

/** Sum of the drops by reason that are reported to senders (the counters of `stats()`). */
function reportedDrops(): number {
  const d = svc.processor.stats().droppedPoints;
  return DROP_REASONS.filter((r) => REJECTING_REASONS.has(r)).reduce((a, r) => a + d[r], 0);
}

/** Deterministic permutation of 0..n-1 shuffled within consecutive blocks of `block` (mulberry32). */
function blockShuffle(n: number, block: number, seed: number): number[] {
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out: number[] = [];
  for (let b = 0; b < n; b += block) {
    const part = [...Array(Math.min(block, n - b)).keys()].map((i) => b + i);
    for (let i = part.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [part[i], part[j]] = [part[j]!, part[i]!];
    }
    out.push(...part);
  }
  return out;
}

const windowOf = (modelName: string) => svc.processor.openWindows().find((w) => w.model.name === modelName)!;

describe('delta points out of order through startService', () => {
  it('official exporter, concurrent shuffled requests, 503 after and before acceptance: every interval counted once, every copy reported', async () => {
    const MODEL = { 'ml.model.name': 'ooo', 'ml.model.version': '1' };
    const FEATURES = ['age', 'income', 'tenure', 'score'];
    const N = 24;
    const WAVE = 6;
    const reader = new ManualReader();
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': 'ooo-api', 'service.instance.id': 'a' }),
      readers: [reader],
    });
    const meter = provider.getMeter('ooo-test', '1.0.0');
    const values = meter.createHistogram('ml.feature.value', { advice: { explicitBucketBoundaries: [0, 10, 20, 30] } });
    const predictions = meter.createCounter('ml.predictions');
    // N delta collections: in interval i each feature gets i % 5 + 1 values, predictions the same
    const collections: ResourceMetrics[] = [];
    let rowsSent = 0;
    for (let i = 0; i < N; i++) {
      const rows = (i % 5) + 1;
      for (let r = 0; r < rows; r++) {
        for (const [k, f] of FEATURES.entries())
          values.record((i + r + 7 * k) % 40, { ...MODEL, 'ml.feature.name': f });
        predictions.add(1, MODEL);
      }
      rowsSent += rows;
      const { resourceMetrics, errors } = await reader.collect();
      expect(errors).toEqual([]);
      collections.push(resourceMetrics);
      // distinct interval ends (the SDK's clock has sub-millisecond resolution; this only spaces them)
      await new Promise((r) => setTimeout(r, 2));
    }
    const pointsPerRequest = FEATURES.length + 1;

    // The proxy in front of the processor: by first arrival, request k is forwarded (k % 4 = 0,
    // 2), forwarded and then answered 503 as if the answer was lost (k % 4 = 1, retried after 1 s),
    // or refused with 503 before the processor saw it (k % 4 = 3, retried at once). Copies are
    // forwarded. Every answer of the processor is kept.
    const target = new URL(svc.httpUrl!);
    const seen = new Map<string, number>();
    const answers: { status: number; partial: Partial; copy: boolean }[] = [];
    let lostAcks = 0;
    let refused = 0;
    const forward = (body: Buffer, headers: http.IncomingHttpHeaders) =>
      new Promise<{ status: number; body: Buffer; type: string }>((resolve, reject) => {
        const req = http.request(
          {
            host: target.hostname,
            port: target.port,
            path: '/v1/metrics',
            method: 'POST',
            headers: {
              'content-type': headers['content-type'] ?? '',
              ...(headers['content-encoding'] ? { 'content-encoding': headers['content-encoding'] } : {}),
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolve({
                status: res.statusCode!,
                body: Buffer.concat(chunks),
                type: String(res.headers['content-type']),
              }),
            );
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    const proxy = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void (async () => {
          const body = Buffer.concat(chunks);
          const key = createHash('sha256').update(body).digest('hex');
          const first = !seen.has(key);
          if (first) seen.set(key, seen.size);
          const k = seen.get(key)!;
          if (first && k % 4 === 3) {
            refused++;
            res.writeHead(503, { 'retry-after': '0' }).end();
            return;
          }
          const answer = await forward(body, req.headers);
          answers.push({ status: answer.status, partial: partialOf(answer.body), copy: !first });
          if (first && k % 4 === 1) {
            lostAcks++;
            res.writeHead(503, { 'retry-after': '1' }).end();
            return;
          }
          res.writeHead(answer.status, { 'content-type': answer.type }).end(answer.body);
        })().catch((e: unknown) => res.writeHead(500).end(String(e)));
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const exporter = new ProtoExporter({
      url: `http://127.0.0.1:${(proxy.address() as { port: number }).port}/v1/metrics`,
      timeoutMillis: 30_000,
    });
    const before = svc.processor.stats();
    try {
      // waves of 6 requests in flight at once, in shuffled order; a wave ends when all its
      // exports (retries included) are done
      const order = blockShuffle(N, WAVE, 20);
      expect(order).not.toEqual([...Array(N).keys()]);
      for (let w = 0; w < N; w += WAVE) {
        const results = await Promise.all(
          order
            .slice(w, w + WAVE)
            .map((i) => new Promise<number>((resolve) => exporter.export(collections[i]!, (r) => resolve(r.code)))),
        );
        expect(results.every((c) => c === ExportResultCode.SUCCESS)).toBe(true);
      }
    } finally {
      await exporter.shutdown();
      await provider.shutdown();
      await new Promise((r) => proxy.close(r));
    }
    expect(seen.size).toBe(N);
    expect(lostAcks).toBe(6);
    expect(refused).toBe(6);

    // every interval counted exactly once
    const w = windowOf('ooo');
    expect(w.predictions.rows).toBe(rowsSent);
    for (const f of FEATURES) expect(w.features[f]!.histogram!.count).toBe(rowsSent);
    // the first copies counted in full; the copies of lost acknowledgements reported as duplicates
    const firsts = answers.filter((a) => !a.copy);
    const copies = answers.filter((a) => a.copy);
    expect(firsts).toHaveLength(N - refused);
    expect(firsts.every((a) => a.status === 200 && a.partial.rejectedDataPoints === 0)).toBe(true);
    expect(copies).toHaveLength(lostAcks + refused);
    const dupCopies = copies.filter((a) => a.partial.rejectedDataPoints > 0);
    expect(dupCopies).toHaveLength(lostAcks);
    for (const a of dupCopies)
      expect(a.partial).toEqual({
        rejectedDataPoints: pointsPerRequest,
        errorMessage: `rejected data points (duplicate: ${pointsPerRequest})`,
      });
    // conservation: received = accepted + dropped, and the drops are what the senders were told
    const after = svc.processor.stats();
    const received = after.receivedPoints - before.receivedPoints;
    expect(received).toBe((N + lostAcks) * pointsPerRequest);
    expect(after.acceptedPoints - before.acceptedPoints).toBe(N * pointsPerRequest);
    expect(after.droppedPoints.duplicate - before.droppedPoints.duplicate).toBe(lostAcks * pointsPerRequest);
    expect(after.rejectedPoints - before.rejectedPoints).toBe(
      answers.reduce((s, a) => s + a.partial.rejectedDataPoints, 0),
    );
    expect(reportedDrops()).toBe(after.rejectedPoints);
  });

  it('HTTP JSON, HTTP protobuf and gRPC answer each drop with its reason: late counted, overlap, out_of_order, duplicate', async () => {
    const MODEL = [
      { key: 'ml.model.name', value: { stringValue: 'manual' } },
      { key: 'ml.model.version', value: { stringValue: '1' } },
    ];
    const MIN = 60_000_000_000n;
    const T = BigInt(NOW - 86_400_000) * 1_000_000n;
    // the ml.predictions counter of one stream; interval i = (T + i min, T + (i + 1) min]
    const request = (start: bigint, end: bigint, value: number) => ({
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'manual-api' } }] },
          scopeMetrics: [
            {
              scope: { name: 'manual' },
              metrics: [
                {
                  name: 'ml.predictions',
                  sum: {
                    aggregationTemporality: 1,
                    isMonotonic: true,
                    dataPoints: [
                      {
                        attributes: MODEL,
                        startTimeUnixNano: String(start),
                        timeUnixNano: String(end),
                        asInt: String(value),
                      },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    });
    const interval = (i: number, value = i + 1) => request(T + BigInt(i) * MIN, T + BigInt(i + 1) * MIN, value);
    const postJson = async (body: object) => {
      const r = await fetch(`${svc.httpUrl}/v1/metrics`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(r.status).toBe(200);
      const j = (await r.json()) as { partialSuccess?: { rejectedDataPoints: string; errorMessage: string } };
      return j.partialSuccess === undefined
        ? { rejectedDataPoints: 0, errorMessage: '' }
        : {
            rejectedDataPoints: Number(j.partialSuccess.rejectedDataPoints),
            errorMessage: j.partialSuccess.errorMessage,
          };
    };
    const postProto = async (body: object) => {
      const r = await fetch(`${svc.httpUrl}/v1/metrics`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body: encodeRequest(body),
      });
      expect(r.status).toBe(200);
      return partialOf(Buffer.from(await r.arrayBuffer()));
    };
    const client = new grpc.Client(svc.grpcAddress!.replace(/^[a-z]+:\/\//, ''), grpc.credentials.createInsecure());
    const postGrpc = (body: object) =>
      new Promise<Partial>((resolve, reject) =>
        client.makeUnaryRequest<Buffer, Buffer>(
          METRICS_EXPORT_GRPC_PATH,
          (b) => b,
          (b) => b,
          encodeRequest(body),
          { deadline: Date.now() + 10_000 },
          (e, resp) => (e ? reject(e) : resolve(partialOf(resp!))),
        ),
      );
    const before = svc.processor.stats();
    const accepted = { rejectedDataPoints: 0, errorMessage: '' };
    let counted = 0;
    try {
      // intervals 0..19 except 7, over the three transports in turn
      const send = [postJson, postProto, postGrpc];
      let n = 0;
      for (let i = 0; i < 20; i++) {
        if (i === 7) continue;
        expect(await send[n++ % 3]!(interval(i))).toEqual(accepted);
        counted += i + 1;
      }
      // 7 arrives late, after 12 later ones: within the 16 remembered intervals, counted (the
      // record now holds 4..19; 0..3 are forgotten, below its floor)
      expect(await postProto(interval(7))).toEqual(accepted);
      counted += 8;
      // a copy of 12 (HTTP JSON), an interval overlapping 12 and 13 (protobuf), a copy of 3, older
      // than what the stream remembers (gRPC): none counted, each reported with its reason
      expect(await postJson(interval(12))).toEqual({
        rejectedDataPoints: 1,
        errorMessage: 'rejected data points (duplicate: 1)',
      });
      expect(await postProto(request(T + 12n * MIN + MIN / 2n, T + 13n * MIN + MIN / 2n, 100))).toEqual({
        rejectedDataPoints: 1,
        errorMessage: 'rejected data points (overlap: 1)',
      });
      expect(await postGrpc(interval(3))).toEqual({
        rejectedDataPoints: 1,
        errorMessage: 'rejected data points (out_of_order: 1)',
      });
      // and a duplicate over gRPC
      expect(await postGrpc(interval(19))).toEqual({
        rejectedDataPoints: 1,
        errorMessage: 'rejected data points (duplicate: 1)',
      });
    } finally {
      client.close();
    }
    expect(windowOf('manual').predictions.rows).toBe(counted);
    const after = svc.processor.stats();
    const d = (r: (typeof DROP_REASONS)[number]) => after.droppedPoints[r] - before.droppedPoints[r];
    expect([d('duplicate'), d('overlap'), d('out_of_order')]).toEqual([2, 1, 1]);
    expect(counted).toBe(210);
    expect(after.receivedPoints - before.receivedPoints).toBe(20 + 4);
    expect(after.acceptedPoints - before.acceptedPoints).toBe(20);
    expect(after.rejectedPoints - before.rejectedPoints).toBe(4);
    expect(reportedDrops()).toBe(after.rejectedPoints);
  });
});
