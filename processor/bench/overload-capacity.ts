/**
 * Capacity of the processor on one core (`npm run bench:processor`): the figures that the
 * overload and soak benchmarks scale from.
 *
 * 1. OTLP/HTTP protobuf ingest = the receivers' request handling (decode + validation) + stream
 *    state update (cumulative/delta bookkeeping, window accumulators, SQLite write-through), on
 *    the decode benchmark's payloads (ingest-payload.ts: 1,000 histogram points x 200 buckets per
 *    request), each round with new delta intervals so that every point is accumulated. Compared
 *    with decoding the same payloads only. Targets: >= 100,000 histogram points/s, >= 50% of
 *    decode-only throughput.
 * 2. Evaluation: analysis/evaluate.ts on constructed WindowSnapshots, MODELS x FEATURES numeric
 *    features (20 buckets each). Target: 10,000 (model, feature) series in < 250 ms, <= 4 KiB per
 *    series (window state retained per series, and evaluation allocation per series).
 *
 *   npm run bench:processor [-- --seconds 3]
 *   node --max-semi-space-size=32 --import tsx processor/bench/overload-capacity.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeMetricsProtobuf } from '../src/otlp/decode.js';
import { handleExport } from '../src/receiver/export.js';
import { StreamProcessor } from '../src/streams/processor.js';
import type { Durability } from '../src/store/sqlite.js';
import { evaluate } from '../src/analysis/evaluate.js';
import { emptySnapshot, type WindowSnapshot } from '../src/windows/snapshot.js';
import { buildHistogramRequest, encodeRequest } from './ingest-payload.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const SECONDS = arg('seconds', 3);
const POINTS = 1000;
const ROUNDS = 24;
const BASE_NS = 1_700_000_000_000_000_000n;
const MINUTE_NS = 60_000_000_000n;

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const semi = process.execArgv.find((a) => a.startsWith('--max-semi-space-size')) ?? 'default young generation';
console.log(`processor capacity on one core (node ${process.version}, ${semi})`);

// ---- 1. ingest ---------------------------------------------------------------------------------
/** One payload per round: same points, delta interval [round, round + 1) minutes. */
function payloads(): Uint8Array[] {
  const template = buildHistogramRequest({ points: POINTS, buckets: 200 }) as { resourceMetrics: { scopeMetrics: { metrics: { histogram: { dataPoints: { startTimeUnixNano: string; timeUnixNano: string }[] } }[] }[] }[] };
  const out: Uint8Array[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (const m of template.resourceMetrics[0]!.scopeMetrics[0]!.metrics) {
      for (const p of m.histogram.dataPoints) {
        p.startTimeUnixNano = String(BASE_NS + BigInt(r) * MINUTE_NS);
        p.timeUnixNano = String(BASE_NS + BigInt(r + 1) * MINUTE_NS);
      }
    }
    out.push(encodeRequest(template));
  }
  return out;
}

interface Rate {
  pointsPerSec: number;
  pointsPerCpuSec: number;
}

async function measure(fn: (i: number) => unknown | Promise<unknown>): Promise<Rate> {
  for (let i = 0; i < 3; i++) await fn(i);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let calls = 0;
  while (performance.now() - t0 < SECONDS * 1000) await fn(3 + calls++);
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { pointsPerSec: (calls * POINTS) / wall, pointsPerCpuSec: (calls * POINTS) / ((cpu.user + cpu.system) / 1e6) };
}

const bodies = payloads();
const decodeOnly = await measure((i) => decodeMetricsProtobuf(bodies[i % ROUNDS]!));
const dir = mkdtempSync(join(tmpdir(), 'otel-ml-capacity-'));
const ingestRows: Record<string, string | number>[] = [{ path: 'decode only (wire reader)', 'points/s': fmt(decodeOnly.pointsPerSec), 'points/CPU s': fmt(decodeOnly.pointsPerCpuSec), 'vs decode': '100%' }];
let ingestMain: Rate | undefined;
for (const [label, path, durability] of [
  ['decode + state, in-memory SQLite', ':memory:', 'normal'],
  ['decode + state, WAL synchronous=NORMAL', join(dir, 'normal.db'), 'normal'],
  ['decode + state, WAL synchronous=FULL (service default)', join(dir, 'full.db'), 'full'],
] as const) {
  // Each store takes the ROUNDS prepared payloads in order (every point a new delta interval);
  // then a fresh store continues, so that repeated bytes are never duplicates.
  const clock = { now: Number((BASE_NS + MINUTE_NS) / 1_000_000n) };
  let generation = 0;
  let round = 0;
  const open = () => StreamProcessor.open({ path: path === ':memory:' ? path : `${path}.${generation++}`, durability: durability as Durability, clock: () => clock.now, windows: { lengthMs: 86_400_000 } });
  let store = open();
  const consumer = { consume: (exp: Parameters<StreamProcessor['ingest']>[0]) => store.ingest(exp) };
  const rate = await measure(async () => {
    if (round === ROUNDS) {
      store.close();
      store = open();
      round = 0;
    }
    const outcome = await handleExport(bodies[round]!, 'protobuf', 'http', consumer);
    if (outcome.kind !== 'ok' || outcome.rejectedDataPoints !== 0) throw new Error(`ingest failed: ${JSON.stringify(outcome)}`);
    round++;
  });
  if (store.stats().acceptedPoints === 0) throw new Error('nothing accumulated');
  store.close();
  ingestRows.push({ path: label, 'points/s': fmt(rate.pointsPerSec), 'points/CPU s': fmt(rate.pointsPerCpuSec), 'vs decode': `${Math.round((100 * rate.pointsPerCpuSec) / decodeOnly.pointsPerCpuSec)}%` });
  if (durability === 'full') ingestMain = rate;
}
rmSync(dir, { recursive: true, force: true });
console.log(`\n1. OTLP/HTTP protobuf ingest, ${POINTS} histogram points x 200 buckets per request, ${SECONDS} s per row`);
console.table(ingestRows);

// ---- 2. evaluation -----------------------------------------------------------------------------
const MODELS = arg('models', 100);
const FEATURES = arg('features', 100);
const BOUNDS = Array.from({ length: 19 }, (_, i) => (i + 1) * 5);

function snapshot(model: number, start: number, shift: number): WindowSnapshot {
  const s = emptySnapshot(`m${model}`, { name: `model-${model}`, version: '1', role: 'primary', resource: {} }, start, start + 3_600_000);
  s.task = 'regression';
  s.rows = 10_000;
  s.predictions.rows = 10_000;
  for (let f = 0; f < FEATURES; f++) {
    const drift = f % 10 === 0 ? shift : 0;
    const counts = [...BOUNDS, 0].map((_, j) => 50 + Math.round(400 * Math.exp(-(((j - 10 - drift) / 4) ** 2))));
    const count = counts.reduce((a, b) => a + b, 0);
    s.features[`feature_${f}`] = { histogram: { boundaries: BOUNDS, counts, count, sum: count * 50, min: 0, max: 120 }, missing: 0 };
  }
  return s;
}

const heap = () => {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
};
const h0 = heap();
const refs = Array.from({ length: MODELS }, (_, m) => snapshot(m, 0, 0));
const curs = Array.from({ length: MODELS }, (_, m) => snapshot(m, 3_600_000, 2));
const h1 = heap();
const series = MODELS * FEATURES;
const runEval = () =>
  curs.map((cur, m) =>
    evaluate(refs[m]!, cur, { model: { name: cur.model.name, version: '1', task: 'regression' }, referenceKind: 'rolling', window: { start: new Date(cur.start), end: new Date(cur.end) } }),
  );
for (let i = 0; i < 3; i++) runEval(); // warm-up (JIT)
const times: number[] = [];
let reports = runEval();
for (let i = 0; i < 7; i++) {
  const t0 = performance.now();
  reports = runEval();
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
const h2 = heap();
// allocation during one evaluation pass (without a collection in between, when --expose-gc is off it is an upper bound)
const before = process.memoryUsage().heapUsed;
const allocStart = performance.now();
void runEval();
const allocMs = performance.now() - allocStart;
const allocated = Math.max(0, process.memoryUsage().heapUsed - before);
const drifted = reports.reduce((a, r) => a + r.drifted.length, 0);
console.log(`\n2. evaluation of ${fmt(series)} (model, feature) series (${MODELS} models x ${FEATURES} features, 20 buckets), analysis/evaluate.ts`);
console.table([
  {
    'median ms': +times[3]!.toFixed(1),
    'max ms': +times[6]!.toFixed(1),
    'window state B/series (ref + current)': Math.round((h1 - h0) / series),
    'report B/series (retained)': Math.round((h2 - h1) / series),
    'allocated B/series per pass': Math.round(allocated / series),
    'drifted found': drifted,
  },
]);
if (drifted !== MODELS * Math.ceil(FEATURES / 10)) console.log(`  note: expected ${MODELS * Math.ceil(FEATURES / 10)} drifted features`);
void allocMs;

const main = ingestMain!;
console.log(
  `\nsummary: ingest ${fmt(main.pointsPerSec)} histogram points/s wall, ${fmt(main.pointsPerCpuSec)} per CPU second (WAL FULL; target 100,000), ` +
    `${Math.round((100 * main.pointsPerCpuSec) / decodeOnly.pointsPerCpuSec)}% of decode-only (target 50%); ` +
    `evaluation of ${fmt(series)} series in ${times[3]!.toFixed(0)} ms median (target 250 ms), ` +
    `${Math.round((h1 - h0) / series + (h2 - h1) / series)} B/series retained (target 4,096)` +
    ((globalThis as { gc?: unknown }).gc ? '' : ' [run with --expose-gc for exact heap figures]'),
);
