/**
 * Seeded fuzzer for the OTLP metrics receivers. Shared by the CI test (test/fuzz/otlp.test.ts,
 * a few thousand inputs) and the benchmark (processor/bench/fuzz-otlp.ts, >= 100,000 inputs).
 *
 * Inputs, generated from valid ExportMetricsServiceRequests of histograms, exponential
 * histograms, sums and gauges:
 * - semantic mutations of single points (negative or inexact counts, bucket counts that disagree
 *   with `count`, NaN/Inf sums, unordered or non-finite bounds, mismatched bucket array lengths,
 *   exponential scale out of range, bad timestamps), encoded as protobuf and as JSON: the answer
 *   must be a partial success rejecting exactly the broken points, and the valid points of the
 *   same request must reach the consumer;
 * - protobuf byte mutations (bit flips, truncation, wrong wire types, huge length prefixes,
 *   spliced and duplicated ranges) and random bytes;
 * - JSON mutations (character edits, truncation, values of the wrong type, deep nesting, huge
 *   strings and arrays).
 * Oracle for every input: the receiver's request handling returns `ok` (200, possibly partial) or
 * `invalid` (400 with a reason); never throws, never `failed` (500); each input is timed (a hang
 * shows as a large maximum) and the RSS is sampled.
 */
import http from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { countDataPoints } from '../../processor/src/otlp/decode.js';
import type { MetricsExport } from '../../processor/src/otlp/model.js';
import { ExportMetricsServiceRequest, METRICS_EXPORT_GRPC_PATH } from '../../processor/src/otlp/schema.js';
import {
  createGrpcReceiver,
  createHttpReceiver,
  handleExport,
  type Encoding,
  type ExportOutcome,
  type MetricsConsumer,
} from '../../processor/src/receiver/index.js';
import { seededUniform } from '../../processor/src/statistics/random.js';

type Rand = () => number;
type Json = Record<string, unknown>;

const BOUNDS = [1, 2, 5, 10, 20];
const BASE_NS = 1_700_000_000_000_000_000n;
const kv = (key: string, value: string) => ({ key, value: { stringValue: value } });
const int = (rand: Rand, n: number) => Math.floor(rand() * n);

function histPoint(rand: Rand, feature: string, i: number): Json {
  const bucketCounts = [...BOUNDS, 0].map(() => int(rand, 20));
  const count = bucketCounts.reduce((a, b) => a + b, 0);
  return {
    attributes: [
      kv('ml.model.name', `m${i % 3}`),
      kv('ml.model.version', '1'),
      kv('ml.model.task', 'regression'),
      kv('ml.deployment.role', 'primary'),
      kv('ml.feature.name', feature),
    ],
    startTimeUnixNano: String(BASE_NS),
    timeUnixNano: String(BASE_NS + BigInt(1 + i) * 1_000_000_000n),
    count,
    sum: count * 3.5,
    min: 0.5,
    max: 30,
    bucketCounts,
    explicitBounds: [...BOUNDS],
  };
}

function expPoint(rand: Rand, i: number): Json {
  const positive = [int(rand, 9), int(rand, 9), int(rand, 9)];
  const zeroCount = int(rand, 3);
  return {
    attributes: [
      kv('ml.model.name', 'm0'),
      kv('ml.model.version', '1'),
      kv('ml.model.task', 'regression'),
      kv('ml.deployment.role', 'primary'),
    ],
    startTimeUnixNano: String(BASE_NS),
    timeUnixNano: String(BASE_NS + BigInt(1 + i) * 1_000_000_000n),
    count: positive.reduce((a, b) => a + b, zeroCount),
    sum: 10,
    scale: 3,
    zeroCount,
    positive: { offset: 2, bucketCounts: positive },
  };
}

/** A valid request with `histograms` + 1 exponential histogram + 1 sum + 1 gauge points. */
export function validRequest(rand: Rand, histograms: number): Json {
  const points = Array.from({ length: histograms }, (_, i) => histPoint(rand, `f${i}`, i));
  return {
    resourceMetrics: [
      {
        resource: { attributes: [kv('service.name', 'fuzz'), kv('service.instance.id', `i${int(rand, 4)}`)] },
        scopeMetrics: [
          {
            scope: { name: '@otel-ml/instrumentation', version: '0.1.0' },
            metrics: [
              { name: 'ml.feature.value', unit: '1', histogram: { aggregationTemporality: 2, dataPoints: points } },
              {
                name: 'ml.prediction.value',
                unit: '1',
                exponentialHistogram: { aggregationTemporality: 1, dataPoints: [expPoint(rand, 0)] },
              },
              {
                name: 'ml.predictions',
                sum: {
                  aggregationTemporality: 2,
                  isMonotonic: true,
                  dataPoints: [
                    {
                      startTimeUnixNano: String(BASE_NS),
                      timeUnixNano: String(BASE_NS + 5_000_000_000n),
                      asInt: 40,
                      attributes: [kv('ml.model.name', 'm0')],
                    },
                  ],
                },
              },
              {
                name: 'process.cpu',
                gauge: { dataPoints: [{ timeUnixNano: String(BASE_NS + 5_000_000_000n), asDouble: 0.5 }] },
              },
            ],
          },
        ],
      },
    ],
  };
}

const POINTS_BESIDES_HISTOGRAMS = 3;

/** Semantic breakages of one explicit-bucket histogram point (each makes it invalid). */
const HISTOGRAM_BREAKERS: Record<string, (p: Json, rand: Rand, json: boolean) => void> = {
  negative_count: (p, _r, json) => {
    // protobuf uint64 cannot be negative: -1 is encoded as 2^64 - 1 (an inexact count)
    p.count = json ? -3 : '18446744073709551615';
  },
  count_disagrees: (p, rand) => {
    p.count = (p.count as number) + 1 + int(rand, 5);
  },
  bucket_count_negative_or_huge: (p, _r, json) => {
    (p.bucketCounts as unknown[])[1] = json ? -1 : '9007199254740993';
  },
  nan_sum: (p, rand) => {
    p.sum = rand() < 0.5 ? 'NaN' : rand() < 0.5 ? 'Infinity' : '-Infinity';
  },
  bounds_out_of_order: (p) => {
    p.explicitBounds = [1, 5, 2, 10, 20];
  },
  bounds_non_finite: (p) => {
    p.explicitBounds = [1, 2, 'NaN', 10, 'Infinity'];
  },
  bucket_array_too_long: (p) => {
    (p.bucketCounts as number[]).push(0);
  },
  bucket_array_too_short: (p) => {
    const c = p.bucketCounts as number[];
    p.count = (p.count as number) - c.pop()!;
  },
  start_after_time: (p) => {
    p.startTimeUnixNano = String(BASE_NS + 10_000_000_000_000n);
  },
  missing_time: (p) => {
    p.timeUnixNano = '0';
  },
  min_above_max: (p) => {
    p.min = 50;
    p.max = 1;
  },
};

const EXP_BREAKERS: Record<string, (p: Json, rand: Rand) => void> = {
  scale_out_of_range: (p, rand) => {
    p.scale = rand() < 0.5 ? 21 + int(rand, 1000) : -11 - int(rand, 1000);
  },
  exp_count_disagrees: (p) => {
    p.count = (p.count as number) + 7;
  },
  exp_offset_overflow: (p) => {
    p.positive = { offset: 2147483647, bucketCounts: (p.positive as Json).bucketCounts };
  },
};

function encodeProtobuf(req: Json): Buffer {
  return Buffer.from(ExportMetricsServiceRequest.encode(ExportMetricsServiceRequest.fromObject(req)).finish());
}

function encodeJson(req: Json): Buffer {
  // proto3 JSON spells non-finite doubles as strings; JSON.stringify would write null.
  return Buffer.from(JSON.stringify(req));
}

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

/** Byte-level mutations of a valid protobuf request. */
const BYTE_MUTATORS: Record<string, (b: Buffer, rand: Rand) => Buffer> = {
  bit_flips: (b, rand) => {
    const out = Buffer.from(b);
    for (let k = 1 + int(rand, 8); k > 0; k--) {
      const i = int(rand, out.length);
      out[i] = out[i]! ^ (1 << int(rand, 8));
    }
    return out;
  },
  truncation: (b, rand) => b.subarray(0, int(rand, b.length)),
  wrong_wire_type: (b, rand) => {
    const out = Buffer.from(b);
    for (let k = 1 + int(rand, 3); k > 0; k--) {
      const i = int(rand, out.length);
      out[i] = (out[i]! & 0xf8) | int(rand, 8);
    }
    return out;
  },
  huge_length_prefix: (b, rand) => {
    const i = 1 + int(rand, b.length - 1);
    const len = [0xffffffff, 0x7fffffff, 2 ** 31, b.length * 64, 2 ** 28 + int(rand, 1000)][int(rand, 5)]!;
    return Buffer.concat([b.subarray(0, i), Buffer.from(varint(len)), b.subarray(i + 1 + int(rand, 4))]);
  },
  overlong_varint: (b, rand) => {
    const i = int(rand, b.length);
    return Buffer.concat([b.subarray(0, i), Buffer.alloc(11 + int(rand, 10), 0xff), b.subarray(i)]);
  },
  splice_duplicate: (b, rand) => {
    const i = int(rand, b.length);
    const j = i + int(rand, Math.min(200, b.length - i));
    const k = int(rand, b.length);
    return Buffer.concat([b.subarray(0, k), b.subarray(i, j), b.subarray(k)]);
  },
  random_bytes: (_b, rand) => {
    const n = int(rand, rand() < 0.9 ? 512 : 8192);
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = int(rand, 256);
    return out;
  },
};

function deepJson(depth: number, kind: number): string {
  if (kind === 0) return `${'['.repeat(depth)}${']'.repeat(depth)}`;
  if (kind === 1) return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  // attribute values nested through arrayValue / kvlistValue
  const open = '{"arrayValue":{"values":['.repeat(depth);
  const close = ']}}'.repeat(depth);
  return `{"resourceMetrics":[{"resource":{"attributes":[{"key":"k","value":${open}{"stringValue":"x"}${close}}]}}]}`;
}

const WEIRD_VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  1e308,
  -1e308,
  'NaN',
  '',
  'x'.repeat(1000),
  [],
  {},
  [1, 'a', null],
  { a: { b: [] } },
  '18446744073709551616',
  '-5',
  1.5,
  '0x10',
];

/** Replaces one random value somewhere in the tree (type confusion). */
function replaceRandomValue(v: unknown, rand: Rand, depth = 0): unknown {
  if (v === null || typeof v !== 'object' || depth > 12) return WEIRD_VALUES[int(rand, WEIRD_VALUES.length)];
  const keys = Object.keys(v);
  if (keys.length === 0 || rand() < 0.15) return WEIRD_VALUES[int(rand, WEIRD_VALUES.length)];
  const copy: Record<string, unknown> | unknown[] = Array.isArray(v) ? [...v] : { ...(v as Json) };
  const k = keys[int(rand, keys.length)]!;
  (copy as Record<string, unknown>)[k] = replaceRandomValue((v as Record<string, unknown>)[k], rand, depth + 1);
  return copy;
}

const JSON_MUTATORS: Record<string, (req: Json, rand: Rand) => Buffer> = {
  json_char_edits: (req, rand) => {
    const out = Buffer.from(JSON.stringify(req));
    for (let k = 1 + int(rand, 6); k > 0; k--)
      out[int(rand, out.length)] = ' {}[]":,0-9eE.\\x'.charCodeAt(int(rand, 17));
    return out;
  },
  json_truncation: (req, rand) => {
    const s = Buffer.from(JSON.stringify(req));
    return s.subarray(0, int(rand, s.length));
  },
  json_wrong_types: (req, rand) => Buffer.from(JSON.stringify(replaceRandomValue(req, rand))),
  json_deep_nesting: (_req, rand) => Buffer.from(deepJson([40, 1_000, 100_000][int(rand, 3)]!, int(rand, 3))),
  json_huge: (req, rand) => {
    const big = structuredClone(req) as { resourceMetrics: { resource: { attributes: unknown[] } }[] };
    if (rand() < 0.5) big.resourceMetrics[0]!.resource.attributes.push(kv('blob', 'y'.repeat(2 << 20)));
    else
      big.resourceMetrics[0]!.resource.attributes.push(...Array.from({ length: 50_000 }, (_, i) => kv(`k${i}`, 'v')));
    return Buffer.from(JSON.stringify(big));
  },
};

export interface FuzzInput {
  readonly kind: string;
  readonly encoding: Encoding;
  readonly body: Buffer;
  /** For semantic mutations: points in the request, and how many of them were broken. */
  readonly expect?: { readonly total: number; readonly broken: number };
}

/** The `n`-th input of the stream for `seed` (deterministic, so a failure can be replayed). */
export function fuzzInput(seed: number, n: number): FuzzInput {
  const rand = seededUniform(seed * 1_000_003 + n);
  const histograms = 1 + int(rand, 6);
  const req = validRequest(rand, histograms);
  const total = histograms + POINTS_BESIDES_HISTOGRAMS;
  const r = rand();
  if (r < 0.35) {
    // semantic: break some histogram points (and maybe the exponential one)
    const json = rand() < 0.5;
    const metrics = ((req.resourceMetrics as Json[])[0]!.scopeMetrics as Json[])[0]!.metrics as Json[];
    const points = (metrics[0]!.histogram as Json).dataPoints as Json[];
    let broken = 0;
    const kinds: string[] = [];
    for (const p of points) {
      if (rand() < 0.5) continue;
      const names = Object.keys(HISTOGRAM_BREAKERS);
      const name = names[int(rand, names.length)]!;
      HISTOGRAM_BREAKERS[name]!(p, rand, json);
      kinds.push(name);
      broken++;
    }
    if (rand() < 0.3) {
      const names = Object.keys(EXP_BREAKERS);
      const name = names[int(rand, names.length)]!;
      EXP_BREAKERS[name]!(((metrics[1]!.exponentialHistogram as Json).dataPoints as Json[])[0]!, rand);
      kinds.push(name);
      broken++;
    }
    const kind = `semantic:${kinds[0] ?? 'none'}`;
    return {
      kind,
      encoding: json ? 'json' : 'protobuf',
      body: json ? encodeJson(req) : encodeProtobuf(req),
      expect: { total, broken },
    };
  }
  if (r < 0.75) {
    const names = Object.keys(BYTE_MUTATORS);
    const name = names[int(rand, names.length)]!;
    return { kind: `protobuf:${name}`, encoding: 'protobuf', body: BYTE_MUTATORS[name]!(encodeProtobuf(req), rand) };
  }
  const names = Object.keys(JSON_MUTATORS);
  // deep and huge documents are expensive to build: 1 in 20 of the JSON inputs
  const name = rand() < 0.05 ? names[3 + int(rand, 2)]! : names[int(rand, 3)]!;
  return { kind: `json:${name}`, encoding: 'json', body: JSON_MUTATORS[name]!(req, rand) };
}

export interface FuzzFigures {
  inputs: number;
  byKind: Record<string, number>;
  outcomes: { accepted: number; partial: number; invalid: number };
  /** Inputs whose handling threw or answered 500 (must be 0), with replayable samples. */
  crashes: number;
  crashSamples: string[];
  /** Semantic inputs where the rejected count or the kept points differed from the expectation. */
  wrongAnswers: number;
  wrongSamples: string[];
  maxMs: number;
  slowestKind: string;
  maxRssMiB: number;
  seconds: number;
}

/** Counts the points of each export it is given, then hands it on (or accepts it). */
export class CountingConsumer implements MetricsConsumer {
  lastPoints = 0;
  lastDecodeRejected = 0;
  constructor(private readonly next?: MetricsConsumer['consume']) {}
  consume(exp: MetricsExport, ctx: Parameters<MetricsConsumer['consume']>[1]) {
    this.lastPoints = countDataPoints(exp);
    this.lastDecodeRejected = ctx.decodeRejectedDataPoints;
    return this.next ? this.next(exp, ctx) : { rejectedDataPoints: 0 };
  }
}

/** Runs inputs [from, from + count) of `seed` through handleExport with `consumer`. */
export async function runFuzz(opts: {
  seed: number;
  count: number;
  from?: number;
  consumer?: CountingConsumer;
  onProgress?: (f: FuzzFigures) => void;
}): Promise<FuzzFigures> {
  const consumer = opts.consumer ?? new CountingConsumer();
  const f: FuzzFigures = {
    inputs: 0,
    byKind: {},
    outcomes: { accepted: 0, partial: 0, invalid: 0 },
    crashes: 0,
    crashSamples: [],
    wrongAnswers: 0,
    wrongSamples: [],
    maxMs: 0,
    slowestKind: '',
    maxRssMiB: 0,
    seconds: 0,
  };
  const t0 = performance.now();
  const from = opts.from ?? 0;
  for (let n = from; n < from + opts.count; n++) {
    const input = fuzzInput(opts.seed, n);
    f.inputs++;
    f.byKind[input.kind.split(':')[0] === 'semantic' ? 'semantic' : input.kind] =
      (f.byKind[input.kind.split(':')[0] === 'semantic' ? 'semantic' : input.kind] ?? 0) + 1;
    consumer.lastPoints = -1;
    const started = performance.now();
    let outcome: ExportOutcome | undefined;
    try {
      outcome = await handleExport(input.body, input.encoding, 'http', consumer);
    } catch (e) {
      f.crashes++;
      if (f.crashSamples.length < 10)
        f.crashSamples.push(`seed ${opts.seed} input ${n} (${input.kind}): threw ${(e as Error)?.stack ?? String(e)}`);
    }
    const ms = performance.now() - started;
    if (ms > f.maxMs) {
      f.maxMs = ms;
      f.slowestKind = input.kind;
    }
    if (outcome?.kind === 'failed') {
      f.crashes++;
      if (f.crashSamples.length < 10)
        f.crashSamples.push(`seed ${opts.seed} input ${n} (${input.kind}): 500 ${outcome.message}`);
    } else if (outcome?.kind === 'invalid') f.outcomes.invalid++;
    else if (outcome?.kind === 'ok') {
      if (outcome.rejectedDataPoints > 0) f.outcomes.partial++;
      else f.outcomes.accepted++;
    }
    if (input.expect && outcome) {
      const { total, broken } = input.expect;
      // the decoder rejects exactly the broken points; the consumer (stream state) may refuse more
      const ok =
        outcome.kind === 'ok' &&
        consumer.lastDecodeRejected === broken &&
        outcome.rejectedDataPoints >= broken &&
        consumer.lastPoints === total - broken;
      if (!ok) {
        f.wrongAnswers++;
        if (f.wrongSamples.length < 10) {
          const got =
            outcome.kind === 'ok'
              ? `rejected ${consumer.lastDecodeRejected} (answer ${outcome.rejectedDataPoints}), kept ${consumer.lastPoints}`
              : `${outcome.kind}: ${'message' in outcome ? outcome.message : ''}`;
          f.wrongSamples.push(
            `seed ${opts.seed} input ${n} (${input.kind}): expected rejected ${broken}, kept ${total - broken}; got ${got}`,
          );
        }
      }
    }
    if ((n & 1023) === 0) {
      f.maxRssMiB = Math.max(f.maxRssMiB, process.memoryUsage.rss() / 2 ** 20);
      opts.onProgress?.(f);
    }
  }
  f.maxRssMiB = Math.max(f.maxRssMiB, process.memoryUsage.rss() / 2 ** 20);
  f.seconds = (performance.now() - t0) / 1000;
  return f;
}

export interface TransportFigures {
  readonly inputs: number;
  /** Answers by transport and status (HTTP status code or gRPC status name). */
  readonly answers: Record<string, number>;
  /** Answers outside the allowed set (HTTP 200/400, gRPC OK/INVALID_ARGUMENT), with samples. */
  readonly unexpected: number;
  readonly samples: string[];
  /** A valid request sent after the run was answered 200 / OK on every transport. */
  readonly aliveAfter: boolean;
}

function httpPost(port: number, body: Buffer, encoding: Encoding, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/metrics',
        method: 'POST',
        agent,
        headers: { 'content-type': encoding === 'json' ? 'application/json' : 'application/x-protobuf' },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error('request timed out (hang?)')));
    req.on('error', reject);
    req.end(body);
  });
}

function grpcExport(client: grpc.Client, body: Buffer): Promise<string> {
  return new Promise((resolve) => {
    client.makeUnaryRequest<Buffer, Buffer>(
      METRICS_EXPORT_GRPC_PATH,
      (b) => b,
      (b) => b,
      body,
      { deadline: Date.now() + 30_000 },
      (err) => resolve(err ? (grpc.status[err.code] ?? String(err.code)) : 'OK'),
    );
  });
}

/**
 * Sends inputs [from, from + count) of `seed` over real sockets: each to the HTTP receiver in its
 * own encoding and, when protobuf, also to the gRPC receiver. The receivers feed `consumer`.
 */
export async function runTransportFuzz(opts: {
  seed: number;
  count: number;
  from?: number;
  consumer: MetricsConsumer;
}): Promise<TransportFigures> {
  const httpReceiver = createHttpReceiver({ consumer: opts.consumer, port: 0 });
  const grpcReceiver = createGrpcReceiver({ consumer: opts.consumer, port: 0 });
  const { port } = await httpReceiver.listen();
  const g = await grpcReceiver.listen();
  const client = new grpc.Client(`127.0.0.1:${g.port}`, grpc.credentials.createInsecure());
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const answers: Record<string, number> = {};
  const samples: string[] = [];
  let unexpected = 0;
  const note = (key: string, allowed: boolean, what: string): void => {
    answers[key] = (answers[key] ?? 0) + 1;
    if (!allowed) {
      unexpected++;
      if (samples.length < 10) samples.push(`${what}: ${key}`);
    }
  };
  const from = opts.from ?? 0;
  try {
    for (let n = from; n < from + opts.count; n++) {
      const input = fuzzInput(opts.seed, n);
      const what = `seed ${opts.seed} input ${n} (${input.kind})`;
      const status = await httpPost(port, input.body, input.encoding, agent).catch((e: Error) => `error ${e.message}`);
      note(`http/${input.encoding} ${status}`, status === 200 || status === 400, what);
      if (input.encoding === 'protobuf') {
        const code = await grpcExport(client, input.body);
        note(`grpc ${code}`, code === 'OK' || code === 'INVALID_ARGUMENT', what);
      }
    }
    const valid = Buffer.from(
      ExportMetricsServiceRequest.encode(
        ExportMetricsServiceRequest.fromObject(validRequest(seededUniform(opts.seed), 2)),
      ).finish(),
    );
    const aliveAfter =
      (await httpPost(port, valid, 'protobuf', agent)) === 200 && (await grpcExport(client, valid)) === 'OK';
    return { inputs: opts.count, answers, unexpected, samples, aliveAfter };
  } finally {
    agent.destroy();
    client.close();
    await httpReceiver.close(100);
    await grpcReceiver.close(100);
  }
}
