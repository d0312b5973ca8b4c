/**
 * The metrics side of the auto-instrumentation: one model monitor (the
 * package's aggregation + export core) per model identity, fed with the
 * duration of every call and one observation per predicted row.
 */
import { diag, metrics } from '@opentelemetry/api';
import type { MeterProvider } from '@opentelemetry/api';
import type { FeatureRow, PredictionOutput } from '../aggregation/types.js';
import { createModelMonitor } from '../monitor/index.js';
import type { ModelMonitor } from '../monitor/types.js';
import type {
  InferenceMetricsSink,
  InferenceRecord,
  NumericMatrix,
  PredictionData,
  ResolvedModel,
} from './internal-types.js';
import type { MlInstrumentationConfig, MlModelTask } from './types.js';

/** Row `r` of a row-major matrix (a view for typed arrays). */
export function matrixRow(m: NumericMatrix, r: number): ArrayLike<number> {
  const start = r * m.cols;
  const d = m.data as ArrayLike<number> & { subarray?: (a: number, b: number) => ArrayLike<number> };
  if (typeof d.subarray === 'function') return d.subarray(start, start + m.cols);
  return Array.prototype.slice.call(m.data, start, start + m.cols) as number[];
}

/** The monitor's per-row output for row `r` of a prediction, by task. */
export function rowOutput(p: PredictionData, r: number, task: MlModelTask): PredictionOutput | undefined {
  switch (p.kind) {
    case 'values':
      return r < p.values.length ? { prediction: p.values[r]! } : undefined;
    case 'labels':
      return r < p.labels.length ? { prediction: p.labels[r]! } : undefined;
    case 'scores': {
      const m = p.matrix;
      if (r >= m.rows) return undefined;
      if (p.classLabel !== undefined) return { scores: { [p.classLabel]: m.data[r * m.cols]! } };
      if (task === 'multiclass_classification') return { scores: matrixRow(m, r) };
      if (p.scoreColumn !== undefined) return { score: m.data[r * m.cols + p.scoreColumn]! };
      return m.cols === 1 ? { score: m.data[r]! } : {};
    }
  }
}

function identityKey(m: ResolvedModel): string {
  return [m.framework, m.name, m.version, m.role].join('\u0000');
}

function monitorKey(m: ResolvedModel, task: MlModelTask): string {
  return identityKey(m) + '\u0000' + task;
}

export class InferenceMetrics implements InferenceMetricsSink {
  private readonly monitors = new Map<string, ModelMonitor>();
  /** Inferred tasks by model identity (bounded: one entry per model). */
  private readonly tasks = new Map<string, MlModelTask>();

  constructor(
    private readonly meterProvider: MeterProvider | undefined,
    private readonly config: () => MlInstrumentationConfig,
  ) {}

  /** The monitor of a model, created on first use (undefined while the task is unknown). */
  monitorFor(model: ResolvedModel): ModelMonitor | undefined {
    const task = model.task;
    if (task === undefined) return undefined;
    const key = monitorKey(model, task);
    const existing = this.monitors.get(key);
    if (existing !== undefined) return existing;
    const cfg = this.config();
    const monitor = createModelMonitor({
      model: { name: model.name, version: model.version, task, framework: model.framework },
      ...(model.features !== undefined
        ? { features: model.features.map((name) => ({ name, type: 'numeric' as const })) }
        : {}),
      ...(model.classes !== undefined ? { classes: model.classes } : {}),
      ...(model.baseline !== undefined ? { baseline: model.baseline } : {}),
      ...(model.threshold !== undefined ? { threshold: model.threshold } : {}),
      role: model.role,
      remote: model.remote,
      exportMode: cfg.metricsExportMode ?? 'producer',
      meterProvider: this.meterProvider ?? metrics.getMeterProvider(),
    });
    this.monitors.set(key, monitor);
    return monitor;
  }

  knownTask(model: ResolvedModel): MlModelTask | undefined {
    return this.tasks.get(identityKey(model));
  }

  /** Every monitor created so far. */
  allMonitors(): ModelMonitor[] {
    return [...this.monitors.values()];
  }

  record(call: InferenceRecord): void {
    if (call.model.task !== undefined) this.tasks.set(identityKey(call.model), call.model.task);
    const monitor = this.monitorFor(call.model);
    const aggregator = monitor?.aggregator;
    if (monitor === undefined || aggregator === undefined || !monitor.enabled) return;
    const task = call.model.task!;
    const batch = call.batch;
    aggregator.recordInference(call.durationSeconds, {
      operation: call.operation,
      ...(call.errorType !== undefined ? { errorType: call.errorType } : {}),
      ...(batch?.batchSize !== undefined ? { rows: batch.batchSize } : {}),
    });
    if (call.operation !== 'predict' || call.errorType !== undefined || batch === undefined) return;
    const rows = batch.batchSize ?? batch.features?.rows ?? 0;
    const limit = Math.min(rows, this.config().maxRecordedRows ?? rows);
    const { features, prediction } = batch;
    for (let r = 0; r < rows; r++) {
      if (r >= limit) {
        // Count the row, record nothing of it.
        aggregator.observe({});
        continue;
      }
      const out = prediction !== undefined ? rowOutput(prediction, r, task) : undefined;
      const row: { features?: FeatureRow } & PredictionOutput = { ...(out ?? {}) };
      if (features !== undefined && r < features.rows) row.features = matrixRow(features, r);
      aggregator.observe(row);
    }
  }

  async shutdown(): Promise<void> {
    const all = this.allMonitors();
    this.monitors.clear();
    await Promise.all(
      all.map((m) => m.shutdown().catch((e: unknown) => diag.debug('otel-ml: monitor shutdown failed', e))),
    );
  }
}
