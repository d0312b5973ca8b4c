/**
 * The soak benchmark's load generator, in a child process of the service under test (so that
 * building requests with protobufjs and the HTTP client's buffers do not count in the service's
 * memory and event loop). The parent paces and sends `{ id, instance, round }` over IPC; this
 * process builds that export of that sender instance, posts it and answers `{ id, status }`.
 *
 * Started by soak-lib.ts with the port, features and series start time in the environment.
 */
import http from 'node:http';
import { ExportMetricsServiceRequest } from '../src/otlp/schema.js';

const SCORE_BOUNDS = Array.from({ length: 199 }, (_, i) => Number(((i + 1) * 0.005).toFixed(3)));
const FEATURE_BOUNDS = Array.from({ length: 19 }, (_, i) => i * 5);
const kv = (key: string, value: string) => ({ key, value: { stringValue: value } });

/** Last timestamp sent per instance: a cumulative point must be later than the previous one of its series. */
const lastTimeNs = new Map<number, bigint>();

/** The `round`-th cumulative export of sender instance `instance`. */
function body(instance: number, round: number, features: number, startNs: bigint): Buffer {
  // Date.now() has millisecond resolution and one instance may export twice within a millisecond
  let t = BigInt(Date.now()) * 1_000_000n;
  const last = lastTimeNs.get(instance);
  if (last !== undefined && t <= last) t = last + 1_000n;
  lastTimeNs.set(instance, t);
  const now = String(t);
  const start = String(startNs);
  const model = [
    kv('ml.model.name', 'soak'),
    kv('ml.model.version', '1'),
    kv('ml.model.task', 'binary_classification'),
    kv('ml.deployment.role', 'primary'),
  ];
  const hist = (bounds: readonly number[], attrs: object[], seed: number) => {
    const bucketCounts = [...bounds, 0].map((_, j) => (round + 1) * (((j + seed) % 5) + 1));
    const count = bucketCounts.reduce((a, b) => a + b, 0);
    return {
      attributes: attrs,
      startTimeUnixNano: start,
      timeUnixNano: now,
      count,
      sum: count * 0.5,
      bucketCounts,
      explicitBounds: bounds,
    };
  };
  const req = {
    resourceMetrics: [
      {
        resource: { attributes: [kv('service.name', 'soak-sender'), kv('service.instance.id', `i${instance}`)] },
        scopeMetrics: [
          {
            scope: { name: '@otel-ml/instrumentation' },
            metrics: [
              {
                name: 'ml.feature.value',
                unit: '1',
                histogram: {
                  aggregationTemporality: 2,
                  dataPoints: Array.from({ length: features }, (_, f) =>
                    hist(FEATURE_BOUNDS, [...model, kv('ml.feature.name', `f${f}`)], f),
                  ),
                },
              },
              {
                name: 'ml.prediction.score',
                unit: '1',
                histogram: { aggregationTemporality: 2, dataPoints: [hist(SCORE_BOUNDS, model, instance)] },
              },
              {
                name: 'ml.predictions',
                sum: {
                  aggregationTemporality: 2,
                  isMonotonic: true,
                  dataPoints: [
                    { attributes: model, startTimeUnixNano: start, timeUnixNano: now, asInt: 100 * (round + 1) },
                  ],
                },
              },
            ],
          },
        ],
      },
    ],
  };
  return Buffer.from(ExportMetricsServiceRequest.encode(ExportMetricsServiceRequest.fromObject(req)).finish());
}

function post(agent: http.Agent, port: number, b: Buffer): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/metrics',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/x-protobuf' },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(b);
  });
}

const port = Number(process.env.OTEL_ML_SOAK_PORT);
const features = Number(process.env.OTEL_ML_SOAK_FEATURES);
const startNs = BigInt(process.env.OTEL_ML_SOAK_START_NS ?? '0');
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(process.env.OTEL_ML_SOAK_INSTANCES ?? 4) });

process.on('message', (m: { id: number; instance: number; round: number }) => {
  void post(agent, port, body(m.instance, m.round, features, startNs)).then((status) =>
    process.send!({ id: m.id, status }),
  );
});
process.on('disconnect', () => {
  agent.destroy();
  process.exit(0);
});
process.send!({ ready: true });
