/**
 * `otel-ml report`: rows of a CSV -> the instrumentation's aggregation -> histograms -> the
 * processor's evaluation against a baseline. The same path as the live service, so the same
 * rows give the same numbers offline and live.
 */
import { readFileSync } from 'node:fs';
import { decileBoundariesOf, type BaselineFile } from '@otel-ml/conventions';
import { ModelAggregator, type FeatureSpec } from '@otel-ml/instrumentation';
import { CliError } from '../cli/errors.js';
import { readCsv } from '../cli/csv.js';
import { evaluate, type EvaluationSettings } from '../analysis/evaluate.js';
import type { ModelReport } from '../analysis/report-types.js';
import { windowFromAggregator } from '../analysis/view.js';
import { baselineSnapshot } from '../windows/snapshot.js';
import { planColumns, type ColumnOptions, type ColumnPlan } from './columns.js';
import { rowFeeder } from './baseline.js';
import { parseBaseline } from './baseline-file.js';

export interface ReportOptions extends ColumnOptions, EvaluationSettings {
  readonly baseline: string | BaselineFile;
  readonly data: string;
  readonly progress?: boolean;
}

export function loadBaseline(file: string): BaselineFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`${file}: cannot read the baseline (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return parseBaseline(text, file);
}

export async function runReport(opts: ReportOptions): Promise<ModelReport> {
  const baseline = typeof opts.baseline === 'string' ? loadBaseline(opts.baseline) : opts.baseline;
  const task = baseline.model.task;
  // Numeric features aggregate as exponential histograms, as the instrumentation does by default,
  // so that the same rows give the same numbers offline and live.
  const specs: FeatureSpec[] = Object.entries(baseline.features).map(([name, f]) =>
    f.type === 'numeric' ? { name, type: 'numeric' } : { name, type: 'categorical', categories: f.categories },
  );
  const classes = baseline.prediction?.classes ? Object.keys(baseline.prediction.classes) : undefined;
  const aggregator = new ModelAggregator({ model: baseline.model, features: specs, baseline, classes, threshold: opts.threshold, slices: opts.sliceColumns });
  let plan: ColumnPlan | undefined;
  let feed: ((rec: readonly string[], row: number) => void) | undefined;
  await readCsv(opts.data, {
    label: 'report: reading',
    progress: opts.progress,
    onHeader: (header) => {
      plan = planColumns(opts.data, header, opts);
      const missing = specs.filter((s) => !header.includes(s.name)).map((s) => s.name);
      if (missing.length > 0) {
        throw new CliError(`${opts.data}: row 1: no column for baseline feature(s) ${missing.join(', ')}; the header has: ${header.join(', ')}`);
      }
      feed = rowFeeder(plan, specs, aggregator, task);
    },
    onRecord: (rec, row) => feed!(rec, row),
  });
  const current = windowFromAggregator(aggregator.snapshot());
  const decileBoundaries = decileBoundariesOf(baseline);
  const reference = baselineSnapshot(baseline, current.modelKey, current.model);
  return evaluate(reference, current, { model: { ...baseline.model, role: 'primary' }, referenceKind: 'baseline', decileBoundaries }, opts);
}
