/**
 * Ingest throughput of the stream state: decoded OTLP exports → cumulative-to-delta → window
 * accumulators → SQLite journal (one transaction per request or per batch), on one core; then
 * the pause of a checkpoint (every cursor and slot changed since the last one written: what an
 * ingest transaction does every 64 MiB of journal, on the commit worker in the service), and of
 * the window close that follows (a day later: every stream also expires; journaled deletions).
 *
 * Workload: INSTANCES sender instances × MODELS models, each model with FEATURES numeric features
 * (cumulative ml.feature.value histograms, 20 buckets) and one ml.prediction.score histogram
 * (200 buckets) plus an ml.predictions counter; one request per instance per round, as an SDK
 * exports once per interval. Every round every stream grows, so every point yields a delta and a
 * cursor update.
 *
 *   npm run bench:streams            (default sizes)
 *   npm run bench:streams -- --rounds 20 --instances 20
 *   npm run bench:streams -- --rounds 3 --instances 450 --checkpoint-mib 16   (checkpoints during ingest)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HistogramPoint, Metric, MetricsExport, NumberPoint } from '../src/otlp/model.js';
import { StreamProcessor } from '../src/streams/processor.js';
import type { Durability } from '../src/store/sqlite.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const ROUNDS = arg('rounds', 10);
const INSTANCES = arg('instances', 10);
/** Journal size that starts a checkpoint (spread over ingest transactions), MiB. Default 64, as the service. */
const CHECKPOINT_MIB = arg('checkpoint-mib', 64);
const MODELS = arg('models', 5);
const FEATURES = arg('features', 40);
/** Requests per transaction in the group-commit runs (what a receiver coalesces); at most INSTANCES. */
const BATCH = Math.min(arg('batch', 10), INSTANCES);
const T0 = Date.UTC(2026, 0, 1);
const ns = (ms: number): bigint => BigInt(ms) * 1_000_000n;

const FEATURE_BOUNDS = Array.from({ length: 19 }, (_, i) => i * 5);
const SCORE_BOUNDS = Array.from({ length: 199 }, (_, i) => Number(((i + 1) * 0.005).toFixed(3)));

function hist(
  attributes: Record<string, string>,
  round: number,
  bounds: readonly number[],
  seed: number,
): HistogramPoint {
  const counts = bounds.map((_, j) => (round + 1) * (((j + seed) % 7) + 1)).concat([(round + 1) * 2]);
  const count = counts.reduce((a, b) => a + b, 0);
  return {
    attributes,
    startTimeUnixNano: ns(T0 + 1),
    timeUnixNano: ns(T0 + 10_000 * (round + 1)),
    flags: 0,
    count,
    sum: count * 3,
    bucketCounts: counts,
    explicitBounds: bounds,
  };
}

function request(instance: number, round: number): MetricsExport {
  const metrics: Metric[] = [];
  for (let m = 0; m < MODELS; m++) {
    const model = {
      'ml.model.name': `model-${m}`,
      'ml.model.version': '1',
      'ml.model.task': 'binary_classification',
      'ml.deployment.role': 'primary',
    };
    metrics.push({
      name: 'ml.feature.value',
      description: '',
      unit: '1',
      data: {
        type: 'histogram',
        temporality: 'cumulative',
        points: Array.from({ length: FEATURES }, (_, f) =>
          hist({ ...model, 'ml.feature.name': `feature_${f}` }, round, FEATURE_BOUNDS, f + instance),
        ),
      },
    });
    metrics.push({
      name: 'ml.prediction.score',
      description: '',
      unit: '1',
      data: { type: 'histogram', temporality: 'cumulative', points: [hist(model, round, SCORE_BOUNDS, instance)] },
    });
    const rows: NumberPoint = {
      attributes: model,
      startTimeUnixNano: ns(T0 + 1),
      timeUnixNano: ns(T0 + 10_000 * (round + 1)),
      flags: 0,
      value: 100 * (round + 1),
    };
    metrics.push({
      name: 'ml.predictions',
      description: '',
      unit: '{prediction}',
      data: { type: 'sum', temporality: 'cumulative', isMonotonic: true, points: [rows] },
    });
  }
  return {
    resourceMetrics: [
      {
        resource: {
          attributes: {
            'service.name': 'scorer',
            'service.instance.id': `instance-${instance}`,
            'deployment.environment.name': 'prod',
            'host.name': `host-${instance}`,
          },
        },
        schemaUrl: '',
        scopeMetrics: [
          { scope: { name: '@otel-ml/instrumentation', version: '0.1.0', attributes: {} }, schemaUrl: '', metrics },
        ],
      },
    ],
  };
}

async function run(
  label: string,
  path: string,
  durability: Durability,
  batch: number,
  quiet = false,
  commitWorker = false,
): Promise<void> {
  const perRequest = MODELS * (FEATURES + 2);
  const p = StreamProcessor.open({
    path,
    durability,
    clock: () => T0,
    windows: { lengthMs: 86_400_000 },
    commitWorker,
    checkpointBytes: CHECKPOINT_MIB * 2 ** 20,
  });
  let longestMs = 0;
  let points = 0;
  let histogramPoints = 0;
  // Requests are built just before they are ingested (as a decoder would hand them over), and
  // only `ingestMany` is timed.
  let elapsed = 0;
  let cpuMicros = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < INSTANCES; i += batch) {
      const reqs = Array.from({ length: Math.min(batch, INSTANCES - i) }, (_, k) => request(i + k, round));
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const results = p.ingestMany(reqs);
      longestMs = Math.max(longestMs, performance.now() - t0);
      // what the receivers wait for before answering (durability full: an fdatasync of the WAL)
      await p.sync();
      elapsed += performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      cpuMicros += cpu.user + cpu.system;
      for (const r of results) {
        if (r.rejectedDataPoints !== 0) throw new Error(r.errorMessage);
        points += perRequest;
        histogramPoints += MODELS * (FEATURES + 1);
      }
    }
  }
  const seconds = elapsed / 1000;
  const cpuSeconds = cpuMicros / 1e6;
  const s = p.stats();
  const db = (
    p as unknown as {
      db: { pendingJournalBytes(): number; ingestTransaction(fn: () => void): void; checkpoint(): void };
    }
  ).db;
  const dirty = db.pendingJournalBytes();
  // as an ingest transaction runs it (with the commit worker: encoded here, written there)
  const k0 = performance.now();
  db.ingestTransaction(() => db.checkpoint());
  const checkpointLoopMs = performance.now() - k0;
  await p.sync();
  const checkpointMs = performance.now() - k0;
  const c0 = performance.now();
  p.closeDueWindows(T0 + 86_400_000);
  const closeMs = performance.now() - c0;
  p.close();
  if (quiet) return;
  console.log(
    `${label.padEnd(28)} ${points} points (${histogramPoints} histogram) in ${seconds.toFixed(2)} s: ` +
      `${Math.round(points / seconds).toLocaleString('en-US')} points/s, ${Math.round(histogramPoints / seconds).toLocaleString('en-US')} histogram points/s, ` +
      `${Math.round(histogramPoints / cpuSeconds).toLocaleString('en-US')} histogram points per CPU second, ` +
      `${((1000 * seconds) / (ROUNDS * INSTANCES)).toFixed(2)} ms/request of ${perRequest} points; streams ${s.liveStreams}, accepted ${s.acceptedPoints}; ` +
      `longest ingest call on the event loop ${longestMs.toFixed(1)} ms; ` +
      `checkpoint (journal ${(dirty / 2 ** 20).toFixed(1)} MiB) ${checkpointMs.toFixed(0)} ms${commitWorker ? ` (${checkpointLoopMs.toFixed(0)} ms of it on the event loop)` : ''}; window close and expiry of every stream ${closeMs.toFixed(0)} ms`,
  );
}

console.log(
  `streams-ingest: ${ROUNDS} rounds × ${INSTANCES} instances × ${MODELS} models × (${FEATURES} features + score + rows), node ${process.version}`,
);
const dir = mkdtempSync(join(tmpdir(), 'otel-ml-bench-'));
try {
  // Warm-up (JIT) on a throw-away store; not reported.
  await run('warm-up', ':memory:', 'normal', BATCH, true);
  await run('in-memory SQLite, 1 req/tx', ':memory:', 'normal', 1);
  await run(`in-memory SQLite, ${BATCH} req/tx`, ':memory:', 'normal', BATCH);
  await run('WAL, normal, 1 req/tx', join(dir, 'normal.db'), 'normal', 1);
  await run(`WAL, normal, ${BATCH} req/tx`, join(dir, 'normal-batch.db'), 'normal', BATCH);
  await run('WAL, full, 1 req/tx', join(dir, 'full.db'), 'full', 1);
  await run(`WAL, full, ${BATCH} req/tx`, join(dir, 'full-batch.db'), 'full', BATCH);
  await run('WAL, full, 1 req/tx, commit worker', join(dir, 'worker.db'), 'full', 1, false, true);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
