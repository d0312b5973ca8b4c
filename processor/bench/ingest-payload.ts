/**
 * Realistic OTLP metrics payloads for the ingest benchmarks: histogram data points shaped like
 * ml.prediction.score (199 boundaries, 200 buckets) with the instrumentation's attributes, and
 * exponential histogram points shaped like the instrumentation's ml.feature.value (160 buckets).
 */
import { ExportMetricsServiceRequest } from '../src/otlp/schema.js';
import { seededUniform } from '../src/statistics/random.js';

export interface PayloadShape {
  readonly points: number;
  readonly buckets: number;
  /** Points per metric series group (one Metric message per group). */
  readonly pointsPerMetric?: number;
}

const BASE_NS = 1_700_000_000_000_000_000n;

const kv = (key: string, value: string | number) =>
  typeof value === 'string' ? { key, value: { stringValue: value } } : { key, value: { intValue: value } };

export function buildHistogramRequest(shape: PayloadShape, seed = 1): object {
  const rand = seededUniform(seed);
  const bounds = Array.from({ length: shape.buckets - 1 }, (_, i) => (i + 1) / shape.buckets);
  const perMetric = shape.pointsPerMetric ?? 100;
  const metrics = [];
  for (let start = 0; start < shape.points; start += perMetric) {
    const dataPoints = [];
    for (let i = start; i < Math.min(shape.points, start + perMetric); i++) {
      const bucketCounts = bounds.map(() => Math.floor(rand() * 50));
      bucketCounts.push(Math.floor(rand() * 50));
      const count = bucketCounts.reduce((a, b) => a + b, 0);
      dataPoints.push({
        attributes: [
          kv('ml.model.name', `model-${i % 7}`),
          kv('ml.model.version', '1.4.2'),
          kv('ml.model.task', 'binary_classification'),
          kv('ml.deployment.role', 'primary'),
          kv('ml.feature.name', `feature_${i}`),
        ],
        startTimeUnixNano: (BASE_NS + BigInt(i)).toString(),
        timeUnixNano: (BASE_NS + 60_000_000_000n + BigInt(i)).toString(),
        count,
        sum: count * 0.5,
        min: 0.001,
        max: 0.999,
        bucketCounts,
        explicitBounds: bounds,
      });
    }
    metrics.push({ name: 'ml.feature.value', unit: '1', histogram: { aggregationTemporality: 1, dataPoints } });
  }
  return {
    resourceMetrics: [
      {
        resource: { attributes: [kv('service.name', 'scoring-api'), kv('deployment.environment.name', 'prod')] },
        scopeMetrics: [{ scope: { name: '@otel-ml/instrumentation', version: '0.1.0' }, metrics }],
      },
    ],
  };
}

/**
 * Delta exponential histogram points of ml.feature.value as the instrumentation exports them: a
 * scale of 7, `buckets` positive buckets (a feature spanning some 1.25 octaves), a few zeros.
 */
export function buildExponentialRequest(shape: PayloadShape, seed = 1): object {
  const rand = seededUniform(seed);
  const perMetric = shape.pointsPerMetric ?? 100;
  const metrics = [];
  for (let start = 0; start < shape.points; start += perMetric) {
    const dataPoints = [];
    for (let i = start; i < Math.min(shape.points, start + perMetric); i++) {
      const bucketCounts = Array.from({ length: shape.buckets }, () => Math.floor(rand() * 50));
      const zeroCount = Math.floor(rand() * 5);
      const count = bucketCounts.reduce((a, b) => a + b, zeroCount);
      dataPoints.push({
        attributes: [
          kv('ml.model.name', `model-${i % 7}`),
          kv('ml.model.version', '1.4.2'),
          kv('ml.model.task', 'binary_classification'),
          kv('ml.deployment.role', 'primary'),
          kv('ml.feature.name', `feature_${i}`),
        ],
        startTimeUnixNano: (BASE_NS + BigInt(i)).toString(),
        timeUnixNano: (BASE_NS + 60_000_000_000n + BigInt(i)).toString(),
        count,
        sum: count * 30,
        min: 0,
        max: 70,
        scale: 7,
        zeroCount,
        positive: { offset: 560 + (i % 16), bucketCounts },
        negative: { offset: 0, bucketCounts: [] },
      });
    }
    metrics.push({
      name: 'ml.feature.value',
      unit: '1',
      exponentialHistogram: { aggregationTemporality: 1, dataPoints },
    });
  }
  return {
    resourceMetrics: [
      {
        resource: { attributes: [kv('service.name', 'scoring-api'), kv('deployment.environment.name', 'prod')] },
        scopeMetrics: [{ scope: { name: '@otel-ml/instrumentation', version: '0.1.0' }, metrics }],
      },
    ],
  };
}

export function encodeRequest(request: object): Uint8Array {
  return ExportMetricsServiceRequest.encode(ExportMetricsServiceRequest.fromObject(request)).finish();
}

/** Kinds of delta histogram payloads: explicit (200 buckets), exponential with 160 (the SDK's default size) or 320 buckets (the instrumentation's). */
export type PayloadKind = 'explicit' | 'exponential' | 'exponential320';

/** Payloads per kind; later requests reuse them with their times moved on ({@link retime}). */
export const ROUNDS = 24;
const SECOND_NS = 1_000_000_000n;

type Template = {
  resourceMetrics: {
    scopeMetrics: {
      metrics: Record<
        'histogram' | 'exponentialHistogram',
        { dataPoints: { startTimeUnixNano: string; timeUnixNano: string }[] } | undefined
      >[];
    }[];
  }[];
};

/** The payloads of one kind of point, and where their times are. */
export interface PayloadSet {
  readonly points: number;
  readonly bodies: Uint8Array[];
  readonly offsets: { start: number[]; end: number[] }[];
}

/**
 * ROUNDS payloads of `points` delta points of one kind: round r has the interval [r, r + 1) s
 * from the base, for the same streams (one per point).
 */
export function payloadSet(kind: PayloadKind, points = 1000): PayloadSet {
  const template = (
    kind === 'explicit'
      ? buildHistogramRequest({ points, buckets: 200 })
      : buildExponentialRequest({ points, buckets: kind === 'exponential' ? 160 : 320 })
  ) as Template;
  const bodies: Uint8Array[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (const m of template.resourceMetrics[0]!.scopeMetrics[0]!.metrics) {
      for (const p of (m.histogram ?? m.exponentialHistogram)!.dataPoints) {
        p.startTimeUnixNano = String(BASE_NS + BigInt(r) * SECOND_NS);
        p.timeUnixNano = String(BASE_NS + BigInt(r + 1) * SECOND_NS);
      }
    }
    bodies.push(encodeRequest(template));
  }
  return { points, bodies, offsets: timeOffsets(bodies, points) };
}

/**
 * Offsets of the start and end times in each payload: fields 2 and 3 of HistogramDataPoint and
 * of ExponentialHistogramDataPoint are fixed64 (tags 0x11, 0x19), so they can be rewritten in place.
 */
function timeOffsets(bodies: readonly Uint8Array[], points: number): { start: number[]; end: number[] }[] {
  return bodies.map((b, r) => {
    const find = (tag: number, value: bigint): number[] => {
      const pattern = Buffer.alloc(9);
      pattern[0] = tag;
      pattern.writeBigUInt64LE(value, 1);
      const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
      const at: number[] = [];
      for (let i = buf.indexOf(pattern); i >= 0; i = buf.indexOf(pattern, i + 9)) at.push(i + 1);
      if (at.length !== points)
        throw new Error(`payload ${r}: found ${at.length} times with tag ${tag}, expected ${points}`);
      return at;
    };
    return { start: find(0x11, BASE_NS + BigInt(r) * SECOND_NS), end: find(0x19, BASE_NS + BigInt(r + 1) * SECOND_NS) };
  });
}

/** Moves payload `r`'s interval to [k, k + 1) seconds from the base, k = cycle * ROUNDS + r, in place. */
export function retime({ bodies, offsets }: PayloadSet, r: number, cycle: number): Uint8Array {
  const b = bodies[r]!;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const k = BigInt(cycle * ROUNDS + r);
  const { start, end } = offsets[r]!;
  for (const o of start) view.setBigUint64(o, BASE_NS + k * SECOND_NS, true);
  for (const o of end) view.setBigUint64(o, BASE_NS + (k + 1n) * SECOND_NS, true);
  return b;
}
