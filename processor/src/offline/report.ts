/**
 * `otel-ml report`: rows of a CSV -> the instrumentation's aggregation -> histograms -> the
 * processor's evaluation against a baseline. The same path as the live service, so the same
 * rows give the same numbers offline and live.
 */
import { readFileSync } from 'node:fs';
import { decileBoundariesOf, type BaselineFile } from '@otel-ml/conventions';
import { ModelAggregator, type FeatureSpec } from '@otel-ml/instrumentation';
import { InputError } from '../model/errors.js';
import { readCsv } from './csv.js';
import { evaluate, type EvaluationSettings } from '../analysis/evaluate.js';
import type { ModelReport } from '../analysis/report-types.js';
import { windowFromAggregator } from '../analysis/view.js';
import { baselineSnapshot } from '../windows/snapshot.js';
import { InvalidCells, planColumns, truncate, type ColumnOptions, type ColumnPlan } from './columns.js';
import { isMissingCell } from './csv.js';
import { alignedStart } from '../windows/windows.js';
import { retrainDecision } from '../analysis/retrain.js';
import { multiWindowReport } from '../analysis/run.js';
import type { MultiWindowReport } from '../analysis/report-types.js';
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
    throw new InputError(
      `${file}: cannot read the baseline (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  return parseBaseline(text, file);
}

/** Most windows a time-split report holds (each keeps an aggregator in memory). */
export const MAX_REPORT_WINDOWS = 1000;

export interface WindowedReportOptions extends ReportOptions {
  /** Column with each row's time: RFC 3339 (2026-01-01T09:00:00Z) or epoch seconds or milliseconds. */
  readonly timeColumn: string;
  /** Window length in ms; windows are aligned to multiples of it since the epoch (as the live processor's). */
  readonly windowMs: number;
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2})(?:[Tt ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)([Zz]|[+-]\d{2}:?\d{2})?)?$/;

/**
 * A time cell as ms since the epoch: RFC 3339 / ISO 8601 (a time without a zone offset is UTC;
 * a space may separate date and time), or a number of seconds (below 1e11) or milliseconds.
 */
export function parseTimeCell(cell: string | undefined): number | undefined {
  if (cell === undefined || isMissingCell(cell)) return undefined;
  const t = cell.trim();
  if (/^-?\d+(\.\d+)?$/.test(t)) {
    const v = Number(t);
    return Math.abs(v) < 1e11 ? v * 1000 : v;
  }
  const m = RFC3339.exec(t);
  if (!m) return undefined;
  const ms = Date.parse(
    m[2] === undefined
      ? `${m[1]}T00:00:00Z`
      : `${m[1]}T${m[2]}${(m[3] ?? 'Z').toUpperCase().replace(/^([+-]\d{2})(\d{2})$/, '$1:$2')}`,
  );
  return Number.isFinite(ms) ? ms : undefined;
}

interface Prepared {
  readonly baseline: BaselineFile;
  readonly specs: readonly FeatureSpec[];
  readonly aggregatorFor: () => ModelAggregator;
  readonly evaluateAggregator: (a: ModelAggregator, window?: { start: Date; end: Date }) => ModelReport;
}

function prepare(opts: ReportOptions): Prepared {
  const baseline = typeof opts.baseline === 'string' ? loadBaseline(opts.baseline) : opts.baseline;
  // Numeric features aggregate as exponential histograms, as the instrumentation does by default,
  // so that the same rows give the same numbers offline and live.
  const specs: FeatureSpec[] = Object.entries(baseline.features).map(([name, f]) =>
    f.type === 'numeric' ? { name, type: 'numeric' } : { name, type: 'categorical', categories: f.categories },
  );
  const classes = baseline.prediction?.classes ? Object.keys(baseline.prediction.classes) : undefined;
  const decileBoundaries = decileBoundariesOf(baseline);
  return {
    baseline,
    specs,
    aggregatorFor: () =>
      new ModelAggregator({
        model: baseline.model,
        features: specs,
        baseline,
        classes,
        threshold: opts.threshold,
        slices: opts.sliceColumns,
      }),
    evaluateAggregator: (a, window) => {
      const current = windowFromAggregator(a.snapshot());
      const reference = baselineSnapshot(baseline, current.modelKey, current.model);
      return evaluate(
        reference,
        current,
        {
          model: { ...baseline.model, role: 'primary' },
          referenceKind: 'baseline',
          decileBoundaries,
          ...(window ? { window } : {}),
        },
        opts,
      );
    },
  };
}

/**
 * Reads the CSV, checking its header against the baseline's features, and hands each row to the
 * feeder of the aggregator `route` picks for it (`route` sees the column plan first).
 */
async function feedRows(
  opts: ReportOptions,
  p: Prepared,
  route: (plan: ColumnPlan) => (rec: readonly string[], row: number) => ModelAggregator,
): Promise<void> {
  const feeders = new Map<ModelAggregator, (rec: readonly string[], row: number) => void>();
  // one count of invalid cells per file, whichever window a row goes to
  const invalid = new InvalidCells(opts.data, opts.maxInvalid, opts.onInvalid);
  let plan: ColumnPlan | undefined;
  let pick: ((rec: readonly string[], row: number) => ModelAggregator) | undefined;
  await readCsv(opts.data, {
    label: 'report: reading',
    progress: opts.progress,
    onHeader: (header) => {
      plan = planColumns(opts.data, header, opts);
      const missing = p.specs.filter((s) => !header.includes(s.name)).map((s) => s.name);
      if (missing.length > 0) {
        throw new InputError(
          `${opts.data}: row 1: no column for baseline feature(s) ${missing.join(', ')}; the header has: ${header.join(', ')}`,
        );
      }
      pick = route(plan);
    },
    onRecord: (rec, row) => {
      const a = pick!(rec, row);
      let feed = feeders.get(a);
      if (!feed) feeders.set(a, (feed = rowFeeder(plan!, p.specs, a, p.baseline.model.task, invalid)));
      feed(rec, row);
    },
  });
}

export async function runReport(opts: ReportOptions): Promise<ModelReport> {
  const p = prepare(opts);
  const aggregator = p.aggregatorFor();
  await feedRows(opts, p, () => () => aggregator);
  return p.evaluateAggregator(aggregator);
}

/**
 * `otel-ml report --time-column`: the rows split into aligned windows by their time, each window
 * evaluated against the baseline (with the retraining decision the live processor makes, on its
 * default settings), as a multi-window report: the worst window in detail, every window's report.
 */
export async function runWindowedReport(opts: WindowedReportOptions): Promise<MultiWindowReport> {
  if (!(opts.windowMs >= 1000)) throw new InputError(`--window must be at least 1s, got ${opts.windowMs} ms`);
  const p = prepare(opts);
  const windows = new Map<number, ModelAggregator>();
  // the time column is no feature
  await feedRows({ ...opts, exclude: [...(opts.exclude ?? []), opts.timeColumn] }, p, (plan) => {
    const col = plan.header.indexOf(opts.timeColumn);
    if (col < 0)
      throw new InputError(
        `${opts.data}: row 1: no column "${opts.timeColumn}" (given by --time-column); the header has: ${plan.header.join(', ')}`,
      );
    return (rec, row) => {
      const t = parseTimeCell(rec[col]);
      if (t === undefined) {
        throw new InputError(
          `${opts.data}: row ${row}, column "${opts.timeColumn}": ${JSON.stringify(truncate(rec[col] ?? ''))} is not a time; use RFC 3339 (2026-01-01T09:00:00Z) or epoch seconds or milliseconds`,
        );
      }
      const start = alignedStart(t, opts.windowMs);
      let a = windows.get(start);
      if (!a) {
        if (windows.size >= MAX_REPORT_WINDOWS)
          throw new InputError(
            `${opts.data}: row ${row}: the rows span more than ${MAX_REPORT_WINDOWS} windows; use a longer --window`,
          );
        windows.set(start, (a = p.aggregatorFor()));
      }
      return a;
    };
  });
  if (windows.size === 0) throw new InputError(`${opts.data}: no rows`);
  const reports: ModelReport[] = [];
  for (const start of [...windows.keys()].sort((a, b) => a - b)) {
    const end = start + opts.windowMs;
    const r = p.evaluateAggregator(windows.get(start)!, { start: new Date(start), end: new Date(end) });
    reports.push({ ...r, retrain: retrainDecision(r, reports, { baselineCreatedAt: p.baseline.createdAt, now: end }) });
  }
  return multiWindowReport(reports);
}
