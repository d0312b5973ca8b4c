/**
 * Benchmark: cost of `monitor.observe` for one row (18 numeric + 2 categorical features, a score
 * and a predicted class) versus recording the same data through plain OpenTelemetry SDK
 * histograms and counters (attribute objects prepared in advance, as a careful hand-written
 * integration would). The monitor's numeric features are exponential histograms (the default:
 * no boundaries) and, for reference, explicit ones; the SDK records with explicit boundaries
 * (the target's comparison) and, for reference, with the exponential View. Prints the median ns
 * per row of each and the ratios.
 *
 * Also: the outcome join over churned prediction ids (an add per prediction, a take per third;
 * 1,000 waiting at most, so most adds evict the oldest), ns per add.
 *
 * Run: `npm run bench:instrumentation` (tsx). Options: BENCH_ROUNDS (default 41), BENCH_BATCH (default 2000).
 */
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { ValueType, type Attributes } from '@opentelemetry/api';
import { createModelMonitor, mlFeatureValueView, SCORE_BOUNDARIES } from '../src/index.js';
import { OutcomeJoin } from '../src/monitor/outcome-join.js';

class ManualReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

const NUMERIC = 18;
const ROWS = 1024;
const rounds = Number(process.env.BENCH_ROUNDS ?? 41);
const batch = Number(process.env.BENCH_BATCH ?? 2000);

const numericNames = Array.from({ length: NUMERIC }, (_, i) => `f${i}`);
const countries = ['FR', 'DE', 'US', 'GB', 'ES', 'IT', 'NL', 'BE'];
const devices = ['ios', 'android', 'web'];

let seed = 42;
function rand(): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
}

// Quantile-like boundaries on [0, 100] (as a baseline would give): 49 boundaries.
const featureBoundaries = Array.from({ length: 49 }, (_, i) => (i + 1) * 2);

interface Row {
  features: Record<string, number | string>;
  score: number;
  prediction: string;
}
const rows: Row[] = [];
for (let r = 0; r < ROWS; r++) {
  const features: Record<string, number | string> = {};
  for (const n of numericNames) features[n] = rand() * 100;
  features.country = countries[Math.floor(rand() * countries.length)]!;
  features.device = devices[Math.floor(rand() * devices.length)]!;
  const score = rand();
  rows.push({ features, score, prediction: score >= 0.5 ? '1' : '0' });
}

const categorical = [
  { name: 'country', type: 'categorical' as const },
  { name: 'device', type: 'categorical' as const },
];
const exponentialMonitor = createModelMonitor({
  model: { name: 'bench', version: '1', task: 'binary_classification' },
  features: [...numericNames.map((name) => ({ name, type: 'numeric' as const })), ...categorical],
});
const explicitMonitor = createModelMonitor({
  model: { name: 'bench-explicit', version: '1', task: 'binary_classification' },
  features: [
    ...numericNames.map((name) => ({ name, type: 'numeric' as const, boundaries: featureBoundaries })),
    ...categorical,
  ],
});

/** Plain SDK path: same metrics, same attributes; explicit boundaries, or the exponential View. */
function sdkRecorder(exponential: boolean): { record: (row: Row) => void; provider: MeterProvider } {
  const reader = new ManualReader();
  const provider = new MeterProvider({ readers: [reader], ...(exponential ? { views: [mlFeatureValueView()] } : {}) });
  const meter = provider.getMeter('bench');
  const base: Attributes = {
    'ml.model.name': 'bench',
    'ml.model.version': '1',
    'ml.model.task': 'binary_classification',
    'ml.deployment.role': 'primary',
  };
  const featureHist = meter.createHistogram(
    'ml.feature.value',
    exponential ? {} : { advice: { explicitBucketBoundaries: featureBoundaries } },
  );
  const scoreHist = meter.createHistogram('ml.prediction.score', {
    advice: { explicitBucketBoundaries: [...SCORE_BOUNDARIES] },
  });
  const categoryCounter = meter.createCounter('ml.feature.category.count', { valueType: ValueType.INT });
  const predictions = meter.createCounter('ml.predictions', { valueType: ValueType.INT });
  const featureAttrs = numericNames.map((n) => ({ ...base, 'ml.feature.name': n }));
  const categoryAttrs = new Map<string, Attributes>();
  const categoryAttr = (feature: string, value: string): Attributes => {
    const key = feature + '\u0000' + value;
    let a = categoryAttrs.get(key);
    if (a === undefined) {
      a = { ...base, 'ml.feature.name': feature, 'ml.feature.category': value };
      categoryAttrs.set(key, a);
    }
    return a;
  };
  const classAttrs: Record<string, Attributes> = {
    '0': { ...base, 'ml.prediction.class': '0' },
    '1': { ...base, 'ml.prediction.class': '1' },
  };
  const record = (row: Row): void => {
    const f = row.features;
    for (let i = 0; i < NUMERIC; i++) featureHist.record(f[numericNames[i]!] as number, featureAttrs[i]);
    categoryCounter.add(1, categoryAttr('country', f.country as string));
    categoryCounter.add(1, categoryAttr('device', f.device as string));
    scoreHist.record(row.score, base);
    predictions.add(1, classAttrs[row.prediction]);
  };
  return { record, provider };
}

const sdkExplicit = sdkRecorder(false);
const sdkExponential = sdkRecorder(true);

function exponentialRecord(row: Row): void {
  exponentialMonitor.observe({ features: row.features, score: row.score, prediction: row.prediction });
}

function explicitRecord(row: Row): void {
  explicitMonitor.observe({ features: row.features, score: row.score, prediction: row.prediction });
}

function measure(fn: (row: Row) => void): number[] {
  const perRow: number[] = [];
  let k = 0;
  for (let round = 0; round < rounds; round++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) fn(rows[k++ & (ROWS - 1)]!);
    perRow.push(Number(process.hrtime.bigint() - t0) / batch);
  }
  return perRow;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

// Warm up every path, then interleave the measured rounds.
const paths: [string, (row: Row) => void][] = [
  ['observe, exponential features (default)', exponentialRecord],
  ['observe, explicit boundaries (49)', explicitRecord],
  ['plain SDK, explicit boundaries (49)', sdkExplicit.record],
  ['plain SDK, exponential View', sdkExponential.record],
];
for (const [, fn] of paths) measure(fn);
const samples = paths.map(() => [] as number[]);
for (let rep = 0; rep < 3; rep++) paths.forEach(([, fn], i) => samples[i]!.push(...measure(fn)));
const med = samples.map(median);
paths.forEach(([name], i) =>
  console.log(
    `${name.padEnd(42)} ${(med[i]! / 1000).toFixed(3)} us/row (median of ${samples[i]!.length} rounds x ${batch} rows)`,
  ),
);
const [exp, expl, sdk, sdkExp] = med as [number, number, number, number];
console.log(
  `ratio (SDK explicit / observe exponential): ${(sdk / exp).toFixed(1)}x; (SDK explicit / observe explicit): ${(sdk / expl).toFixed(1)}x; (SDK exponential / observe exponential): ${(sdkExp / exp).toFixed(1)}x`,
);
console.log(
  `targets: observe (exponential) <= 1.5 us/row: ${exp <= 1500 ? 'met' : 'NOT met'}; ratio >= 20x: ${sdk / exp >= 20 ? 'met' : 'NOT met'}`,
);

// Outcome join under churn: a constant cost per add however many ids went through it.
const churn: number[] = [];
for (let round = 0; round < 5; round++) {
  const join = new OutcomeJoin<{ t: number; v: number }>({ maxEntries: 1000 }, () => 0, 'bench');
  const ids = 200_000;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < ids; i++) {
    join.add(`id${i}`, { t: 0, v: i });
    if (i % 3 === 0) join.take(`id${i - 1}`);
  }
  churn.push(Number(process.hrtime.bigint() - t0) / ids);
}
console.log(
  `outcome join, 200,000 churned ids (1,000 waiting at most): ${median(churn).toFixed(0)} ns per add (median of ${churn.length} rounds)`,
);
await exponentialMonitor.shutdown();
await explicitMonitor.shutdown();
await sdkExplicit.provider.shutdown();
await sdkExponential.provider.shutdown();
