/**
 * Cardinality attack on the live processor: one million distinct attribute sets (a slice value
 * per point) sent over OTLP/HTTP protobuf to a service with the default stream cap (100,000).
 * Prints live streams, drops by reason, the rejected count reported back to the sender, and RSS
 * as the attack goes on (flat once the cap is reached).
 *
 *   TSX_TSCONFIG_PATH=test/integration/store/tsconfig.child.json node --import tsx processor/bench/overload-cardinality.ts [--sets 1000000]
 */
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExportMetricsServiceRequest, ExportMetricsServiceResponse } from '../src/otlp/schema.js';
import { DEFAULT_CONFIG } from '../src/service/config.js';
import { startService } from '../src/service/service.js';

const i = process.argv.indexOf('--sets');
const SETS = i >= 0 ? Number(process.argv[i + 1]) : 1_000_000;
const PER_REQUEST = 5_000;
const kv = (key: string, v: string) => ({ key, value: { stringValue: v } });
const MODEL = [
  kv('ml.model.name', 'attacked'),
  kv('ml.model.version', '1'),
  kv('ml.model.task', 'regression'),
  kv('ml.deployment.role', 'primary'),
  kv('ml.feature.name', 'x'),
];

function request(from: number, n: number): Buffer {
  const now = BigInt(Date.now()) * 1_000_000n;
  const dataPoints = Array.from({ length: n }, (_, k) => ({
    attributes: [...MODEL, kv('ml.slice.user', `user-${from + k}`)],
    startTimeUnixNano: String(now - 1_000_000_000n),
    timeUnixNano: String(now),
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

function post(url: string, body: Buffer): Promise<{ status: number; rejected: number }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const r = ExportMetricsServiceResponse.toObject(ExportMetricsServiceResponse.decode(Buffer.concat(chunks)), {
          longs: Number,
        }) as { partialSuccess?: { rejectedDataPoints?: number } };
        resolve({ status: res.statusCode ?? 0, rejected: r.partialSuccess?.rejectedDataPoints ?? 0 });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const dir = mkdtempSync(join(tmpdir(), 'otel-ml-cardinality-'));
const svc = await startService(
  {
    ...DEFAULT_CONFIG,
    receivers: {
      http: { ...DEFAULT_CONFIG.receivers.http, port: 0 },
      grpc: { ...DEFAULT_CONFIG.receivers.grpc, enabled: false },
    },
    storage: { path: join(dir, 'state.db'), durability: 'full' },
  },
  { manualEvaluation: true },
);
const mib = () => (process.memoryUsage.rss() / 2 ** 20).toFixed(0);
console.log(
  `cardinality attack: ${SETS.toLocaleString('en-US')} distinct attribute sets, maxStreams ${DEFAULT_CONFIG.streams.maxStreams.toLocaleString('en-US')}; RSS at start ${mib()} MiB`,
);
let rejected = 0;
let maxRss = 0;
const statuses: Record<number, number> = {};
const t0 = performance.now();
try {
  for (let from = 0; from < SETS; from += PER_REQUEST) {
    const r = await post(`${svc.httpUrl}/v1/metrics`, request(from, Math.min(PER_REQUEST, SETS - from)));
    statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    rejected += r.rejected;
    maxRss = Math.max(maxRss, process.memoryUsage.rss());
    if ((from / PER_REQUEST) % 40 === 0)
      console.log(
        `  ${from.toLocaleString('en-US')} sets sent: live streams ${svc.processor.stats().liveStreams}, RSS ${mib()} MiB`,
      );
  }
  const s = svc.processor.stats();
  console.log(
    `done in ${((performance.now() - t0) / 1000).toFixed(1)} s: answers ${JSON.stringify(statuses)}; live streams ${s.liveStreams}; ` +
      `dropped ${JSON.stringify(Object.fromEntries(Object.entries(s.droppedPoints).filter(([, v]) => v > 0)))}; rejected as reported to the sender ${rejected}; ` +
      `RSS peak ${(maxRss / 2 ** 20).toFixed(0)} MiB, end ${mib()} MiB`,
  );
} finally {
  await svc.close();
  rmSync(dir, { recursive: true, force: true });
}
