/**
 * The sender of `npm run bench:http`, a process of its own (so that building and writing the
 * requests costs the service under test nothing). It posts OTLP/HTTP protobuf export requests of
 * delta histogram points (ingest-payload.ts: 1,000 points per request, one stream per point, each
 * request the next interval of the same streams) to the service, `inFlight` at a time, when the
 * parent says `{ run: ms, inFlight }`, and answers with what it sent and how the requests went.
 *
 * Environment: OTEL_ML_BENCH_URL (the service's /v1/metrics), OTEL_ML_BENCH_KIND (a PayloadKind).
 */
import http from 'node:http';
import { payloadSet, retime, ROUNDS, type PayloadKind } from './ingest-payload.js';

const url = new URL(process.env.OTEL_ML_BENCH_URL!);
const set = payloadSet(process.env.OTEL_ML_BENCH_KIND as PayloadKind);
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

/** Requests sent so far: request n carries interval n of every stream. */
let sent = 0;
/** Payloads whose request is in flight (a payload is rewritten in place for its next use). */
const busy = new Set<number>();

export interface RunResult {
  readonly requests: number;
  readonly points: number;
  readonly wallMs: number;
  /** Requests by HTTP status (0: connection error). */
  readonly statuses: Record<string, number>;
  /** Requests answered 200 with a partial success (rejected points). */
  readonly partial: number;
  readonly latencyMs: { p50: number; p99: number; max: number };
}

function post(body: Uint8Array): Promise<{ status: number; partial: boolean }> {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/x-protobuf', 'content-length': body.byteLength },
      },
      (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => (bytes += c.length));
        // an empty ExportMetricsServiceResponse is full success; a body carries partial_success
        res.on('end', () => resolve({ status: res.statusCode ?? 0, partial: res.statusCode === 200 && bytes > 0 }));
      },
    );
    req.on('error', () => resolve({ status: 0, partial: false }));
    req.end(body);
  });
}

async function run(ms: number, inFlight: number): Promise<RunResult> {
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  let partial = 0;
  let requests = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() - t0 < ms) {
        const n = sent++;
        const r = n % ROUNDS;
        if (busy.has(r)) throw new Error(`payload ${r} is still in flight`);
        busy.add(r);
        const body = retime(set, r, Math.floor(n / ROUNDS));
        const start = performance.now();
        const { status, partial: p } = await post(body);
        latencies.push(performance.now() - start);
        busy.delete(r);
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (p) partial++;
        requests++;
      }
    }),
  );
  const wallMs = performance.now() - t0;
  latencies.sort((a, b) => a - b);
  const q = (f: number) =>
    +(latencies[Math.min(latencies.length - 1, Math.floor(f * latencies.length))] ?? 0).toFixed(1);
  return {
    requests,
    points: requests * set.points,
    wallMs,
    statuses,
    partial,
    latencyMs: { p50: q(0.5), p99: q(0.99), max: q(1) },
  };
}

process.on('message', (m: { run: number; inFlight: number }) => {
  run(m.run, m.inFlight).then(
    (r) => process.send!({ result: r }),
    (e: unknown) => process.send!({ error: String(e) }),
  );
});
process.on('disconnect', () => {
  agent.destroy();
  process.exit(0);
});
process.send!({ ready: true });
