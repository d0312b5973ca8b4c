/**
 * The scenario harness: runs the real processor (`startService` with a simulated clock, its real
 * HTTP and gRPC receivers) for many windows, fed by instrumented "services" (one
 * `createModelMonitor` per deployment, its `MetricProducer` read by an SDK `MeterProvider` and
 * exported by the official OTLP exporters), and reads back the verdict of every window for every
 * signal a scenario checks.
 *
 * A scenario states, per signal, the verdict it expects in each window as a string of codes, one
 * character per window:
 *   F  flagged (drift, degraded, spike, shift; for `comparison`: candidate_worse)
 *   .  a clean verdict (no_drift, no_degradation, no_spike, no_shift; `comparison`: no_difference)
 *   B  `comparison`: candidate_better
 *   -  no verdict: insufficient_data / insufficient_resolution, or the signal absent from the report
 *   x  no report for this window (not evaluated)
 *   r  `reference`: the reference kind asked for was used;  f  a fallback was used (with a reason)
 *   `rows`: '.' when the window's count (the report's current count) is within 10% + 100 rows of the rows sent
 *         (the noise of privacy rows is about 35 rows per window), 'F' otherwise
 *   N  `top_unseen:<feature>`: the first letter of the most frequent unseen category named ('.': none)
 *   n  not flagged: a clean verdict or no verdict (a noisy window may be short of effective rows; privacy rows)
 *   ?  anything (a window where either answer is right, e.g. while a seasonal reference falls back)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AggregationTemporality,
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter as HttpJsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPMetricExporter as GrpcExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { createModelMonitor, type ModelMonitor } from '@otel-ml/instrumentation';
import type { BaselineFile } from '@otel-ml/conventions';
import { buildBaseline } from '../../processor/src/offline/baseline.js';
import type { ModelReport } from '../../processor/src/analysis/report-types.js';
import { DEFAULT_CONFIG, validateConfig, type ServiceConfig } from '../../processor/src/service/config.js';
import { startService, type RunningService } from '../../processor/src/service/service.js';
import { windowTraffic, referenceCsv, type Change, type WorldRow } from './world.js';
import { seededUniform } from '../../processor/src/statistics/random.js';

export type ReferenceKind = 'baseline' | 'pinned' | 'rolling' | 'seasonal';
export type Role = 'primary' | 'canary' | 'shadow';
export type Sender = 'http-proto' | 'http-json' | 'grpc';

export interface Scenario {
  /** Short unique name (the test's title). */
  readonly name: string;
  readonly reference: ReferenceKind;
  /** Seasonal: the period in windows. */
  readonly period?: number;
  /** Seasonal: a baseline to fall back on while the history is shorter than the period. */
  readonly fallbackBaseline?: boolean;
  /** Whose verdicts are checked: the primary, or a canary/shadow sent beside it. */
  readonly role: Role;
  /** Differential privacy on the senders' exports ('on' rows need the privacy mechanism). */
  readonly privacy: 'off' | 'on';
  readonly change: Change;
  /** First window (1-based) with the change on. */
  readonly from: number;
  /** Only the checked deployment has the change (a slower canary); else the whole world does. */
  readonly changeOnlyInRole?: boolean;
  readonly windows: number;
  readonly rowsPerWindow: number;
  readonly sender: Sender;
  readonly temporality: 'delta' | 'cumulative';
  /** Expected codes per signal, one per window (see the module comment). */
  readonly expect: Readonly<Record<string, string>>;
  /** Features the deployments declare `sensitive` (their unseen categories are never named). */
  readonly sensitive?: readonly string[];
  /** The bug of the issue this row reproduces, if any. */
  readonly bug?: string;
}

export interface SignalOutcome {
  readonly signal: string;
  readonly expected: string;
  readonly observed: string;
  /** Windows where the observed code differs from the expected one ('?' matches anything). */
  readonly mismatches: readonly number[];
  /** Windows (1-based) flagged where a clean verdict was expected. */
  readonly falseAlarms: number;
  /** Windows with a clean verdict where a flag was expected. */
  readonly misses: number;
  /** Windows counted for false alarms (expected clean) and misses (expected flagged). */
  readonly cleanWindows: number;
  readonly changedWindows: number;
  /** First flagged window from the first window expected to flag, minus that window; null when never flagged (or no flag expected). */
  readonly windowsToDetection: number | null;
}

export interface ScenarioOutcome {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly signals: readonly SignalOutcome[];
  readonly passed: boolean;
  /** The checked deployment's report per window (null when not evaluated). */
  readonly reports: readonly (ModelReport | null)[];
}

const MODEL = 'fraud';
const WINDOW_MS = 60_000;
const START = Date.UTC(2026, 0, 5, 0, 0, 30);

const baselines = new Map<number, { file: string; baseline: BaselineFile; dir: string }>();

/** The baseline of a seed's reference data (built once per process with `otel-ml baseline`'s code). */
async function baselineFor(seed: number): Promise<{ file: string; baseline: BaselineFile }> {
  let b = baselines.get(seed);
  if (!b) {
    const dir = mkdtempSync(join(tmpdir(), 'otel-ml-scenarios-'));
    writeFileSync(join(dir, 'train.csv'), referenceCsv(4_000, seed));
    const { baseline } = await buildBaseline({
      data: join(dir, 'train.csv'),
      model: MODEL,
      modelVersion: '1',
      task: 'binary_classification',
      scoreColumn: 'score',
      labelColumn: 'label',
      progress: false,
    });
    const file = join(dir, 'fraud.baseline.json');
    writeFileSync(file, JSON.stringify(baseline));
    b = { file, baseline, dir };
    baselines.set(seed, b);
  }
  return b;
}

/** Removes the baselines written by {@link runScenario}. */
export function cleanUp(): void {
  for (const b of baselines.values()) rmSync(b.dir, { recursive: true, force: true });
  baselines.clear();
}

function exporterFor(kind: Sender, svc: RunningService, temporality: 'delta' | 'cumulative'): PushMetricExporter {
  const temporalityPreference =
    temporality === 'delta' ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE;
  if (kind === 'http-json') return new HttpJsonExporter({ url: `${svc.httpUrl}/v1/metrics`, temporalityPreference });
  if (kind === 'http-proto')
    return new ProtoExporter({ url: `${svc.httpUrl}/v1/metrics`, temporalityPreference, compression: 'gzip' as never });
  return new GrpcExporter({ url: `http://${svc.grpcAddress}`, temporalityPreference });
}

/** One instrumented deployment: its monitor, and the SDK pipeline that exports it to the processor. */
interface Deployment {
  readonly monitor: ModelMonitor;
  readonly reader: PeriodicExportingMetricReader;
  readonly provider: MeterProvider;
}

function deploy(
  svc: RunningService,
  s: Scenario,
  version: string,
  role: Role,
  baseline: BaselineFile | undefined,
  instance: string,
  noiseSeed: number,
): Deployment {
  const monitor = createModelMonitor({
    model: { name: MODEL, version, task: 'binary_classification' },
    ...(baseline ? { baseline } : {}),
    features: [
      { name: 'amount', type: 'numeric' },
      { name: 'age', type: 'numeric' },
      { name: 'country', type: 'categorical', ...(s.sensitive?.includes('country') ? { sensitive: true } : {}) },
    ],
    role,
    // the noise of a privacy row is seeded (reproducible); the instrumentation's default is the OS CSPRNG
    ...(s.privacy === 'on' ? { privacy: { epsilon: 1, random: seededUniform(noiseSeed) } } : {}),
  });
  const reader = new PeriodicExportingMetricReader({
    exporter: exporterFor(s.sender, svc, s.temporality),
    exportIntervalMillis: 3_600_000,
    metricProducers: [monitor.metricProducer],
  });
  const provider = new MeterProvider({
    readers: [reader],
    resource: resourceFromAttributes({ 'service.name': 'fraud-api', 'service.instance.id': instance }),
  });
  return { monitor, reader, provider };
}

/** Records one window of traffic the way an instrumented service does. */
function record(
  d: Deployment,
  rows: readonly WorldRow[],
  batches: readonly { seconds: number; rows: number }[],
  opts: { features: boolean },
): void {
  const m = d.monitor;
  for (const r of rows) {
    const score = Number(r.score.toFixed(6));
    m.observe({
      ...(opts.features
        ? {
            features: {
              amount: r.amount,
              age: r.sentAge,
              country: r.country,
              ...(r.coupon === null ? {} : { coupon: r.coupon }),
            },
          }
        : {}),
      score,
    });
    m.recordOutcome({ score, label: r.label });
    m.recordBusinessOutcome('revenue', r.revenue);
  }
  for (const b of batches) m.aggregator!.recordInference(b.seconds, { rows: b.rows });
}

function config(s: Scenario, baselineFile: string | undefined): ServiceConfig {
  const model: Record<string, unknown> = { name: MODEL, reference: s.reference };
  if (baselineFile && (s.reference === 'baseline' || s.fallbackBaseline)) model.baseline = baselineFile;
  if (s.reference === 'seasonal') model.period = `${s.period ?? 4}m`;
  const file = validateConfig({ windows: { length: `${WINDOW_MS / 60_000}m` }, models: [model] });
  return {
    ...DEFAULT_CONFIG,
    receivers: {
      http: { ...DEFAULT_CONFIG.receivers.http, port: 0 },
      grpc: { ...DEFAULT_CONFIG.receivers.grpc, port: 0, enabled: s.sender === 'grpc' },
    },
    storage: { path: ':memory:', durability: 'normal' },
    windows: { lengthMs: WINDOW_MS, minRows: 50, maxExtensions: 3 },
    models: file.models,
    statusPage: { enabled: false },
    exporters: { otlp: { enabled: false, intervalMs: 3_600_000 }, prometheus: { enabled: false } },
  };
}

const FLAGGED = new Set(['drift', 'degraded', 'spike', 'shift', 'candidate_worse']);
const CLEAN = new Set(['no_drift', 'no_degradation', 'no_spike', 'no_shift', 'no_difference']);

function code(verdict: string | undefined): string {
  if (verdict === undefined) return '-';
  if (FLAGGED.has(verdict)) return 'F';
  if (CLEAN.has(verdict)) return '.';
  if (verdict === 'candidate_better') return 'B';
  return '-';
}

/** The observed code of `signal` in one window's report (see the module comment). */
export function observe(signal: string, r: ModelReport | null, requested: ReferenceKind, sentRows?: number): string {
  if (r === null) return 'x';
  const [kind, subject] = signal.split(':') as [string, string | undefined];
  const check = (name: string, subject: string | null = null) =>
    r.verdicts?.checks.find(
      (c) => c.check === name && (subject === null || (name === 'business_value' ? c.metric : c.feature) === subject),
    )?.verdict;
  switch (kind) {
    case 'drift':
      return code(r.features[subject!]?.drift.verdict);
    case 'score_drift':
      return code(r.prediction.score?.drift.verdict);
    case 'comparison':
      return code(r.comparison?.verdict);
    case 'reference':
      return r.reference.kind === requested ? 'r' : 'f';
    case 'rows':
      return sentRows !== undefined && Math.abs(r.current.count - sentRows) <= 0.1 * sentRows + 100 ? '.' : 'F';
    case 'top_unseen': {
      // the first letter of the most frequent unseen category the report names, '.' for none
      const top = r.dataQuality?.features[subject!]?.newCategory?.unseen[0]?.value;
      return top === undefined ? '.' : top[0]!.toUpperCase();
    }
    default:
      return code(check(kind, subject ?? null));
  }
}

function outcomeOf(signal: string, expected: string, observed: string): SignalOutcome {
  const mismatches: number[] = [];
  let falseAlarms = 0;
  let misses = 0;
  let cleanWindows = 0;
  let changedWindows = 0;
  let detection: number | null = null;
  // counted from the first window where a flag is expected (a window without a reference cannot flag)
  const firstFlag = expected.indexOf('F');
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const o = observed[i] ?? 'x';
    if (e !== '?' && e !== o && !(e === 'n' && (o === '.' || o === '-'))) mismatches.push(i + 1);
    if (e === '.' || e === 'n') {
      cleanWindows++;
      if (o === 'F') falseAlarms++;
    }
    if (e === 'F') {
      changedWindows++;
      if (o === '.') misses++;
    }
    if (detection === null && firstFlag >= 0 && i >= firstFlag && o === 'F') detection = i - firstFlag;
  }
  return {
    signal,
    expected,
    observed,
    mismatches,
    falseAlarms,
    misses,
    cleanWindows,
    changedWindows,
    windowsToDetection: detection,
  };
}

/** Runs one scenario with one seed against a fresh processor. */
export async function runScenario(s: Scenario, seed = 1): Promise<ScenarioOutcome> {
  for (const [signal, e] of Object.entries(s.expect)) {
    if (e.length !== s.windows)
      throw new Error(`${s.name}: ${signal} expects ${e.length} windows, the scenario has ${s.windows}`);
  }
  const needsBaseline = s.reference === 'baseline' || s.fallbackBaseline === true;
  const b = needsBaseline ? await baselineFor(seed) : undefined;
  let now = START;
  const svc = await startService(config(s, b?.file), { clock: () => now, manualEvaluation: true });
  const deployments: Deployment[] = [];
  const reports: (ModelReport | null)[] = [];
  try {
    // The primary, version 1 (with the baseline, as the team that built it would); a candidate, version 2.
    const primary = deploy(svc, s, '1', 'primary', b?.baseline, 'primary-0', seed * 7919 + 1);
    deployments.push(primary);
    const candidate =
      s.role === 'primary' ? undefined : deploy(svc, s, '2', s.role, b?.baseline, `${s.role}-0`, seed * 7919 + 2);
    if (candidate) deployments.push(candidate);
    for (let w = 1; w <= s.windows; w++) {
      const changed = w >= s.from && s.change !== 'none';
      const spec = { index: w, rows: s.rowsPerWindow, seed, change: s.change, period: s.period };
      const traffic = windowTraffic({ ...spec, changed: changed && !s.changeOnlyInRole });
      record(primary, traffic.rows, traffic.batches, { features: true });
      if (candidate) {
        // A canary serves its own share of the traffic; a shadow scores the primary's rows (no features).
        const own =
          s.role === 'canary'
            ? windowTraffic({ ...spec, seed: seed + 500, rows: Math.round(s.rowsPerWindow / 2), changed })
            : windowTraffic({ ...spec, changed });
        record(candidate, s.role === 'canary' ? own.rows : traffic.rows, own.batches, {
          features: s.role === 'canary',
        });
        if (s.role === 'shadow') candidate.monitor.aggregator!.recordShadowComparison('agree', traffic.rows.length);
      }
      for (const d of deployments) await d.reader.forceFlush();
      now += WINDOW_MS;
      const out = svc.evaluateNow(now);
      const mine = out.find((r) => r.model.role === s.role) ?? null;
      reports.push(mine);
    }
  } finally {
    for (const d of deployments) {
      await d.provider.shutdown().catch(() => undefined);
      await d.monitor.shutdown();
    }
    await svc.close();
  }
  const signals = Object.entries(s.expect).map(([signal, expected]) => {
    const sent = s.role === 'canary' ? Math.round(s.rowsPerWindow / 2) : s.rowsPerWindow;
    const observed = reports.map((r) => observe(signal, r, s.reference, sent)).join('');
    return outcomeOf(signal, expected, observed);
  });
  return { scenario: s, seed, signals, passed: signals.every((x) => x.mismatches.length === 0), reports };
}

/** One line per signal: expected, observed, mismatching windows. */
export function describeOutcome(o: ScenarioOutcome): string {
  return o.signals
    .map(
      (x) =>
        `${x.signal.padEnd(22)} expected ${x.expected}  observed ${x.observed}${x.mismatches.length ? `  mismatch in window(s) ${x.mismatches.join(', ')}` : ''}`,
    )
    .join('\n');
}
