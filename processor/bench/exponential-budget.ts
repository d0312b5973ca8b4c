/**
 * `npm run bench:exponential`: what the bucket budget of the instrumentation's exponential
 * histograms (buckets per sign) buys and costs, to choose its default.
 *
 * For each budget and each distribution of the accuracy targets (10,000 reference rows, 10,000
 * current rows from a shifted or rescaled distribution), both samples are aggregated as the
 * instrumentation aggregates a numeric feature, then compared by the statistics engine
 * (`compareNumeric`, at their common scale); KS and Wasserstein-1 are set against their exact
 * values on the raw rows. Also: the encoded size of one OTLP data point, and the cost of
 * recording one value.
 */
import { ExponentialAccumulator } from '@otel-ml/conventions';
import { compareNumeric, seededUniform } from '../src/statistics/index.js';
import { ExportMetricsServiceRequest } from '../src/otlp/schema.js';

const N = 10_000;
const BUDGETS = [20, 40, 80, 160, 320];
const rand = seededUniform(20_261);
const normal = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
function gamma(shape: number): number {
  // Marsaglia & Tsang (2000)
  if (shape < 1) return gamma(shape + 1) * Math.pow(rand(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = normal();
    const v = (1 + c * x) ** 3;
    if (v > 0 && Math.log(1 - rand()) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}
function poisson(lambda: number): number {
  const l = Math.exp(-lambda);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= rand();
  } while (p > l);
  return k - 1;
}

/** Reference and current generators of each distribution (the current one shifted or rescaled). */
const DISTRIBUTIONS: [string, () => number, () => number][] = [
  ['normal, +0.5 SD', () => normal(), () => 0.5 + normal()],
  ['lognormal, scale x1.3', () => Math.exp(normal()), () => 1.3 * Math.exp(normal())],
  [
    'Student t(3), +0.3',
    () => normal() / Math.sqrt(gamma(1.5) / 1.5),
    () => 0.3 + normal() / Math.sqrt(gamma(1.5) / 1.5),
  ],
  ['exponential, scale x1.25', () => -Math.log(1 - rand()), () => -1.25 * Math.log(1 - rand())],
  ['uniform [25, 45] -> [27, 47]', () => 25 + 20 * rand(), () => 27 + 20 * rand()],
  [
    'bimodal, weights 50/50 -> 35/65',
    () => (rand() < 0.5 ? -2 : 2) + normal(),
    () => (rand() < 0.35 ? -2 : 2) + normal(),
  ],
  [
    'beta(2, 5) -> beta(2.5, 5)',
    () => {
      const a = gamma(2);
      return a / (a + gamma(5));
    },
    () => {
      const a = gamma(2.5);
      return a / (a + gamma(5));
    },
  ],
  ['Poisson(3) -> Poisson(3.5)', () => poisson(3), () => poisson(3.5)],
  [
    'zero-inflated, negatives, 30% -> 40% zeros',
    () => (rand() < 0.3 ? 0 : 5 * normal()),
    () => (rand() < 0.4 ? 0 : 5 * normal()),
  ],
];

function exactKs(a: Float64Array, b: Float64Array): number {
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < a.length && j < b.length) {
    const x = Math.min(a[i]!, b[j]!);
    while (i < a.length && a[i] === x) i++;
    while (j < b.length && b[j] === x) j++;
    d = Math.max(d, Math.abs(i / a.length - j / b.length));
  }
  return d;
}

function exactW1(a: Float64Array, b: Float64Array): number {
  // integral of |F_a - F_b| over the merged sorted values
  let i = 0;
  let j = 0;
  let w = 0;
  let prev = Math.min(a[0]!, b[0]!);
  while (i < a.length || j < b.length) {
    const x = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    w += Math.abs(i / a.length - j / b.length) * (x - prev);
    prev = x;
    while (i < a.length && a[i] === x) i++;
    while (j < b.length && b[j] === x) j++;
  }
  return w;
}

function pointBytes(h: ReturnType<ExponentialAccumulator['histogram']>): number {
  const point = {
    attributes: [
      { key: 'ml.model.name', value: { stringValue: 'm' } },
      { key: 'ml.feature.name', value: { stringValue: 'f' } },
    ],
    startTimeUnixNano: '1',
    timeUnixNano: '2',
    count: h.count,
    sum: h.sum,
    scale: h.scale,
    zeroCount: h.zeroCount,
    positive: h.positive,
    negative: h.negative,
    min: h.min,
    max: h.max,
  };
  const empty = {
    resourceMetrics: [
      {
        scopeMetrics: [
          {
            metrics: [
              { name: 'ml.feature.value', exponentialHistogram: { aggregationTemporality: 1, dataPoints: [] } },
            ],
          },
        ],
      },
    ],
  };
  const full = {
    resourceMetrics: [
      {
        scopeMetrics: [
          {
            metrics: [
              { name: 'ml.feature.value', exponentialHistogram: { aggregationTemporality: 1, dataPoints: [point] } },
            ],
          },
        ],
      },
    ],
  };
  const size = (r: object) =>
    ExportMetricsServiceRequest.encode(ExportMetricsServiceRequest.fromObject(r)).finish().length;
  return size(full) - size(empty);
}

const samples = DISTRIBUTIONS.map(([name, ref, cur]) => {
  const a = Float64Array.from({ length: N }, ref).sort();
  const b = Float64Array.from({ length: N }, cur).sort();
  return { name, a, b, ks: exactKs(a, b), w1: exactW1(a, b) };
});

const rows: Record<string, string | number>[] = [];
const summary: Record<string, string | number>[] = [];
for (const budget of BUDGETS) {
  let worstKs = 0;
  let worstW1 = 0;
  const bytes: number[] = [];
  for (const s of samples) {
    const hist = (values: Float64Array) => {
      const acc = new ExponentialAccumulator(budget);
      for (const v of values) acc.record(v);
      return acc.histogram();
    };
    const ha = hist(s.a);
    const hb = hist(s.b);
    bytes.push(pointBytes(ha), pointBytes(hb));
    const c = compareNumeric(ha, hb);
    if (c.ks === null || c.wasserstein === null) throw new Error(`${s.name}: ${c.reason}`);
    const ks = c.ks.statistic;
    const w1 = c.wasserstein;
    const ksErr = Math.abs(ks - s.ks);
    const w1Err = Math.abs(w1 - s.w1) / s.w1;
    worstKs = Math.max(worstKs, ksErr);
    worstW1 = Math.max(worstW1, w1Err);
    rows.push({
      budget,
      distribution: s.name,
      scale: `${ha.scale} / ${hb.scale}`,
      'KS exact': +s.ks.toFixed(4),
      'KS error': +ksErr.toFixed(4),
      'W1 exact': +s.w1.toPrecision(4),
      'W1 error': `${(100 * w1Err).toFixed(2)}%`,
    });
  }
  // cost of recording one value (normal values), best of 5 runs of 1M
  const values = Float64Array.from({ length: 1 << 20 }, () => 100 + 20 * normal());
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const acc = new ExponentialAccumulator(budget);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < values.length; i++) acc.record(values[i]!);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / values.length);
  }
  bytes.sort((p, q) => p - q);
  summary.push({
    budget,
    'worst KS error': +worstKs.toFixed(4),
    'worst W1 error': `${(100 * worstW1).toFixed(2)}%`,
    'OTLP bytes/point, median': bytes[bytes.length >> 1]!,
    'OTLP bytes/point, max': bytes[bytes.length - 1]!,
    'record ns/value': +best.toFixed(1),
  });
}
console.log(
  `exponential histograms of ${N.toLocaleString('en-US')} + ${N.toLocaleString('en-US')} rows per distribution, compared at their common scale\n`,
);
console.table(rows);
console.log('\nper budget (targets: KS within 0.01, Wasserstein-1 within 5%)');
console.table(summary);
