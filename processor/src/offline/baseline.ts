/**
 * `otel-ml baseline`: reference distributions from a training or validation CSV.
 *
 * Pass 1 learns each column: numeric or categorical (numeric when at least {@link NUMERIC_SHARE} of
 * its values parse as numbers; the other cells are then invalid values, reported and treated as
 * missing, at most `maxInvalid` per file), a bounded uniform sample of numeric values (for the
 * quantile boundaries), category frequencies. Pass 2 feeds every row through the
 * instrumentation's aggregator with those boundaries, so the baseline's histograms are built by
 * the same code that builds live ones, and through a second aggregator whose numeric features
 * are exponential histograms of {@link BASELINE_EXPONENTIAL_BUCKETS} buckets per sign (every
 * value, not a sample). Memory is bounded by the sample size, the bucket budget and category
 * caps, not by the file size.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import {
  BASELINE_SCHEMA_VERSION,
  type BaselineFile,
  type CategoricalFeatureBaseline,
  type FeatureBaseline,
  type ModelTask,
  type NumericFeatureBaseline,
  type ExponentialHistogram,
  ATTR_ML_FEATURE_NAME,
  METRIC_ML_FEATURE_VALUE,
} from '@otel-ml/conventions';
import { ModelAggregator, type FeatureSpec } from '@otel-ml/instrumentation';
import { referenceBoundaries, seededUniform } from '../statistics/index.js';
import { InputError } from '../model/errors.js';
import { isMissingCell, readCsv } from './csv.js';
import {
  DEFAULT_MAX_INVALID,
  InvalidCells,
  NUMERIC_SHARE,
  inferTask,
  numericCell,
  planColumns,
  scoreCell,
  tooManyInvalid,
  truncate,
  type ColumnOptions,
  type ColumnPlan,
  type InvalidCell,
} from './columns.js';
import { windowFromAggregator } from '../analysis/view.js';

export interface BaselineOptions extends ColumnOptions {
  readonly data: string;
  readonly model: string;
  readonly modelVersion?: string;
  readonly task?: ModelTask;
  /** Numeric values sampled per feature for the quantile boundaries (default 200,000). */
  readonly sampleSize?: number;
  /** Categories kept per categorical feature, most frequent first (default 50). */
  readonly maxCategories?: number;
  readonly progress?: boolean;
  /** Clock for `createdAt` (tests). */
  readonly now?: () => Date;
}

const MAX_DISTINCT_TRACKED = 10_000;
/** Invalid values kept per column to be listed (memory stays bounded whatever `maxInvalid` is). */
const MAX_LISTED_INVALID = 1_000;

/**
 * Buckets per sign of a baseline's exponential histograms. A live histogram is compared with the
 * baseline at their common (lower) scale, so the baseline must be at least as fine as any live
 * window: a sender has at most 320 buckets per sign over its own range (a window's merge of
 * senders at most 640), the baseline 4,096 over the whole training range, 12.8 times a sender's,
 * so it stays the finer one unless the training data span more than 12.8 times the octaves of
 * a sender's. At 4,096 a feature spanning 6 octaves gets scale 9 (buckets 0.14% wide); a feature
 * spanning 27 octaves (cents to millions) scale 7 (0.5%). The statistics engine measured a
 * 2,048-bucket reference as accurate as an equally fine one (processor/src/statistics/README.md);
 * 4,096 leaves one scale step of margin. The cost is the file: at most 4,096 counts per sign and
 * feature, mostly small integers in JSON, some 10 KB per feature.
 */
export const BASELINE_EXPONENTIAL_BUCKETS = 4096;

/** Vitter's algorithm R: a uniform sample of at most `size` values from a stream. */
class Reservoir {
  readonly values: Float64Array;
  seen = 0;
  constructor(
    size: number,
    private readonly random: () => number,
  ) {
    this.values = new Float64Array(size);
  }
  add(v: number): void {
    if (this.seen < this.values.length) this.values[this.seen] = v;
    else {
      const j = Math.floor(this.random() * (this.seen + 1));
      if (j < this.values.length) this.values[j] = v;
    }
    this.seen++;
  }
  sample(): Float64Array {
    return this.values.subarray(0, Math.min(this.seen, this.values.length));
  }
}

interface ColumnLearner {
  readonly name: string;
  readonly index: number;
  readonly forcedCategorical: boolean;
  /** Non-missing cells that parse as numbers, and those that do not. */
  numbers: number;
  texts: number;
  /** The first cells that are not numbers (enough to list them all when within the limit). */
  readonly textCells: { row: number; cell: string }[];
  readonly reservoir: Reservoir;
  readonly counts: Map<string, number>;
  missing: number;
}

/** How a feature column was typed, and why. */
export interface ColumnTyping {
  readonly name: string;
  readonly type: 'numeric' | 'categorical';
  /** Why a column is categorical: `--categorical`, no values, or too few of them numbers. */
  readonly reason?: string;
  /** Invalid values of a numeric column (treated as missing). */
  readonly invalid: number;
}

export interface BaselineResult {
  readonly baseline: BaselineFile;
  /** Feature columns in file order, with their type and why. */
  readonly columns: readonly ColumnTyping[];
  /** Invalid values (within `maxInvalid`), in file order. */
  readonly invalid: readonly InvalidCell[];
  /** What was inferred or dropped, for the person running the command. */
  readonly notes: readonly string[];
}

export async function buildBaseline(opts: BaselineOptions): Promise<BaselineResult> {
  const notes: string[] = [];
  const random = seededUniform(0x5eed);
  const sampleSize = opts.sampleSize ?? 200_000;
  const maxInvalid = opts.maxInvalid ?? DEFAULT_MAX_INVALID;
  let plan: ColumnPlan | undefined;
  let learners: ColumnLearner[] = [];
  const labels = new Map<string, number>();
  const predictions = new Map<string, number>();
  let labelsNumeric = true;
  let predictionsNumeric = true;

  // Pass 1: learn the columns (and hash the bytes on the way).
  const hash = createHash('sha256');
  const pass1 = await readCsv(opts.data, {
    onChunk: (chunk) => hash.update(chunk),
    label: 'baseline: reading',
    progress: opts.progress,
    onHeader: (header) => {
      plan = planColumns(opts.data, header, opts);
      const categorical = new Set(opts.categorical ?? []);
      learners = plan.features.map((f) => ({
        name: f.name,
        index: f.index,
        forcedCategorical: categorical.has(f.name),
        numbers: 0,
        texts: 0,
        textCells: [],
        reservoir: new Reservoir(sampleSize, random),
        counts: new Map(),
        missing: 0,
      }));
    },
    onRecord: (rec, row) => {
      for (const l of learners) {
        const cell = rec[l.index]!;
        if (isMissingCell(cell)) {
          l.missing++;
          continue;
        }
        if (!l.forcedCategorical) {
          const v = Number(cell);
          if (Number.isFinite(v)) {
            l.numbers++;
            l.reservoir.add(v);
          } else {
            l.texts++;
            if (l.textCells.length <= Math.min(maxInvalid, MAX_LISTED_INVALID)) l.textCells.push({ row, cell });
          }
        }
        if (l.counts.size < MAX_DISTINCT_TRACKED || l.counts.has(cell))
          l.counts.set(cell, (l.counts.get(cell) ?? 0) + 1);
      }
      const p = plan!;
      scoreCell(p, rec, row);
      if (p.label !== undefined && !isMissingCell(rec[p.label])) {
        const v = rec[p.label]!;
        if (labels.size < MAX_DISTINCT_TRACKED) labels.set(v, (labels.get(v) ?? 0) + 1);
        if (!Number.isFinite(Number(v))) labelsNumeric = false;
      }
      if (p.prediction !== undefined && !isMissingCell(rec[p.prediction])) {
        const v = rec[p.prediction]!;
        if (predictions.size < MAX_DISTINCT_TRACKED) predictions.set(v, (predictions.get(v) ?? 0) + 1);
        if (!Number.isFinite(Number(v))) predictionsNumeric = false;
      }
    },
  });
  if (pass1.rows === 0) throw new InputError(`${opts.data}: no data rows after the header`);
  const p = plan!;

  const task =
    opts.task ??
    inferTask({
      hasScore: p.score !== undefined,
      predictionsNumeric: p.prediction !== undefined && predictionsNumeric,
      distinctPredictions: predictions.size,
      distinctLabels: labels.size,
      labelsNumeric: p.label !== undefined && labelsNumeric,
    });
  if (!opts.task) notes.push(`task: ${task} (inferred; pass --task to choose)`);
  if (task === 'regression' && p.prediction === undefined) {
    notes.push('regression without --prediction-column: only feature distributions are recorded');
  }

  // Column types; a file with too many invalid values stops here, before the second pass.
  const columns = learners.map(typeColumn);
  const invalid = learners
    .filter((l, i) => columns[i]!.type === 'numeric' && l.texts > 0)
    .flatMap((l) => l.textCells.map(({ row, cell }): InvalidCell => ({ file: opts.data, row, column: l.name, cell })))
    .sort((a, b) => a.row - b.row || p.header.indexOf(a.column) - p.header.indexOf(b.column));
  const invalidCount = columns.reduce((n, c) => n + c.invalid, 0);
  if (invalidCount > maxInvalid) {
    throw tooManyInvalid(
      opts.data,
      maxInvalid,
      invalidCount,
      invalid[0]!,
      columns.filter((c) => c.invalid > 0).map((c) => c.name),
    );
  }
  for (const c of invalid) opts.onInvalid?.(c);

  const specs: FeatureSpec[] = [];
  const numericBounds = new Map<string, { boundaries: number[]; decileBoundaries: number[] }>();
  for (const [i, l] of learners.entries()) {
    if (columns[i]!.type === 'numeric') {
      const rb = referenceBoundaries(l.reservoir.sample());
      numericBounds.set(l.name, rb);
      specs.push({ name: l.name, type: 'numeric', boundaries: rb.boundaries });
      if (l.reservoir.seen > sampleSize)
        notes.push(
          `${l.name}: boundaries from a uniform sample of ${sampleSize.toLocaleString('en-US')} of ${l.reservoir.seen.toLocaleString('en-US')} values`,
        );
    } else {
      const max = opts.maxCategories ?? 50;
      const sorted = [...l.counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
      if (sorted.length > max)
        notes.push(`${l.name}: ${sorted.length} categories, kept the ${max} most frequent; others count as __other__`);
      specs.push({ name: l.name, type: 'categorical', categories: sorted.slice(0, max).map(([c]) => c) });
    }
  }
  const classes =
    task === 'regression'
      ? undefined
      : [...new Set([...predictions.keys(), ...labels.keys()])].sort((a, b) =>
          Number.isFinite(Number(a)) && Number.isFinite(Number(b)) ? Number(a) - Number(b) : a < b ? -1 : 1,
        );

  // Pass 2: aggregate every row with those boundaries, through the instrumentation's aggregator.
  const aggregator = new ModelAggregator({
    model: { name: opts.model, version: opts.modelVersion, task },
    features: specs,
    classes,
    limits: { maxCategories: opts.maxCategories ?? 50 },
    slices: opts.sliceColumns,
  });
  const feed = rowFeeder(p, specs, aggregator, task);
  // The same values as high-resolution exponential histograms (what live exponential windows compare with).
  const numericSpecs: FeatureSpec[] = specs
    .filter((s) => s.type === 'numeric')
    .map((s) => ({ name: s.name, type: 'numeric' }));
  const exponential = new ModelAggregator({
    model: { name: opts.model, version: opts.modelVersion, task },
    features: numericSpecs,
    exponentialMaxBuckets: BASELINE_EXPONENTIAL_BUCKETS,
  });
  const feedExponential = numericFeeder(p, numericSpecs, exponential);
  await readCsv(opts.data, {
    label: 'baseline: aggregating',
    progress: opts.progress,
    onHeader: () => {},
    onRecord: (rec, row) => {
      feed(rec, row);
      feedExponential(rec);
    },
  });
  const view = windowFromAggregator(aggregator.snapshot());
  const exponentialByFeature = new Map<string, ExponentialHistogram>();
  const ev = exponential.snapshot().metrics[METRIC_ML_FEATURE_VALUE];
  if (ev?.kind === 'exponential_histogram')
    for (const pt of ev.points) exponentialByFeature.set(String(pt.attributes[ATTR_ML_FEATURE_NAME]), pt.histogram);

  const features: Record<string, FeatureBaseline> = {};
  for (const spec of specs) {
    const fv = view.features[spec.name];
    const missing = fv?.missing ?? 0;
    if (spec.type === 'numeric') {
      const rb = numericBounds.get(spec.name)!;
      const histogram = fv?.histogram;
      if (!histogram) throw new Error(`internal: no histogram aggregated for ${spec.name}`);
      const exp = exponentialByFeature.get(spec.name);
      if (!exp) throw new Error(`internal: no exponential histogram aggregated for ${spec.name}`);
      const nf: NumericFeatureBaseline = {
        type: 'numeric',
        boundaries: rb.boundaries,
        decileBoundaries: rb.decileBoundaries,
        histogram,
        exponential: exp,
        missing,
      };
      features[spec.name] = nf;
    } else {
      const counts = fv?.categories ?? {};
      const cf: CategoricalFeatureBaseline = {
        type: 'categorical',
        categories: spec.categories ?? [],
        counts,
        missing,
      };
      features[spec.name] = cf;
    }
  }
  const baseline: BaselineFile = {
    schemaVersion: BASELINE_SCHEMA_VERSION,
    model: { name: opts.model, ...(opts.modelVersion ? { version: opts.modelVersion } : {}), task },
    createdAt: (opts.now ?? (() => new Date()))().toISOString(),
    source: { rows: pass1.rows, sha256: hash.digest('hex'), file: basename(opts.data) },
    features,
    prediction: {
      ...(view.score ? { score: view.score } : {}),
      ...(view.value ? { value: view.value } : {}),
      ...(Object.keys(view.predictions.byClass).length ? { classes: view.predictions.byClass } : {}),
    },
    outcomes: {
      ...(Object.keys(view.outcomes.scoreByLabel).length ? { scoreByLabel: view.outcomes.scoreByLabel } : {}),
      ...(Object.keys(view.outcomes.confusion).length ? { confusion: view.outcomes.confusion } : {}),
      ...(view.outcomes.absoluteError && view.outcomes.squaredError
        ? {
            regression: {
              count: view.outcomes.absoluteError.count,
              absErrorSum: view.outcomes.absoluteError.sum,
              squaredErrorSum: view.outcomes.squaredError.sum,
            },
          }
        : {}),
    },
  };
  return { baseline, columns, invalid, notes };
}

/** Numeric when at least {@link NUMERIC_SHARE} of the values are numbers (and it is not forced categorical). */
function typeColumn(l: ColumnLearner): ColumnTyping {
  const categorical = (reason: string): ColumnTyping => ({ name: l.name, type: 'categorical', reason, invalid: 0 });
  if (l.forcedCategorical) return categorical('--categorical');
  const values = l.numbers + l.texts;
  if (values === 0) return categorical('every cell is missing');
  if (l.numbers >= NUMERIC_SHARE * values) return { name: l.name, type: 'numeric', invalid: l.texts };
  const example = l.textCells[0]!;
  const share =
    l.numbers === 0
      ? 'no value is a number'
      : `${((100 * l.texts) / values).toFixed(l.texts / values < 0.995 ? 0 : 1)}% of its values are not numbers`;
  return categorical(`${share}, e.g. row ${example.row} ${JSON.stringify(truncate(example.cell, 20))}`);
}

/** Returns a record handler that feeds the numeric feature cells of one CSV row (in spec order) into the aggregator. */
function numericFeeder(
  plan: ColumnPlan,
  specs: readonly FeatureSpec[],
  aggregator: ModelAggregator,
): (rec: readonly string[]) => void {
  const cols = specs.map((s) => plan.header.indexOf(s.name));
  const values: unknown[] = new Array(specs.length);
  return (rec) => {
    for (let i = 0; i < cols.length; i++) {
      // invalid values were counted and reported in pass 1; here, as in rowFeeder, they are missing
      const v = isMissingCell(rec[cols[i]!]) ? NaN : Number(rec[cols[i]!]);
      values[i] = Number.isFinite(v) ? v : null;
    }
    aggregator.observe({ features: values });
  };
}

/**
 * Returns a record handler that feeds one CSV row into the aggregator: features as an array in
 * spec order, the score/prediction as the model output, and, when a label is present, the outcome.
 */
export function rowFeeder(
  plan: ColumnPlan,
  specs: readonly FeatureSpec[],
  aggregator: ModelAggregator,
  task: ModelTask,
  invalid?: InvalidCells,
): (rec: readonly string[], row: number) => void {
  const cols = specs.map((s) => plan.header.indexOf(s.name));
  const numeric = specs.map((s) => s.type === 'numeric');
  const values: unknown[] = new Array(specs.length);
  const regression = task === 'regression';
  return (rec, row) => {
    for (let i = 0; i < cols.length; i++) {
      const c = cols[i]!;
      if (c < 0) {
        values[i] = undefined;
        continue;
      }
      const cell = rec[c]!;
      if (isMissingCell(cell)) values[i] = null;
      else if (numeric[i]) {
        const v = Number(cell);
        if (Number.isFinite(v)) values[i] = v;
        else {
          // an invalid value: counted (when not counted before), and missing for the statistics
          invalid?.add(row, specs[i]!.name, cell);
          values[i] = null;
        }
      } else values[i] = cell;
    }
    const score = scoreCell(plan, rec, row);
    let slices: Record<string, string> | undefined;
    if (plan.slices.length > 0) {
      slices = {};
      for (const sl of plan.slices) if (!isMissingCell(rec[sl.index])) slices[sl.name] = rec[sl.index]!;
    }
    let prediction: string | number | undefined;
    if (plan.prediction !== undefined && !isMissingCell(rec[plan.prediction])) {
      prediction = regression
        ? numericCell(plan, rec, plan.prediction, row, 'a numeric prediction')
        : rec[plan.prediction]!;
    }
    aggregator.observe({
      features: values,
      ...(score !== undefined ? { score } : {}),
      ...(prediction !== undefined ? { prediction } : {}),
      ...(slices ? { slices } : {}),
    });
    if (plan.label !== undefined && !isMissingCell(rec[plan.label])) {
      const label = regression ? numericCell(plan, rec, plan.label, row, 'a numeric label')! : rec[plan.label]!;
      aggregator.recordOutcome({
        label,
        ...(score !== undefined ? { score } : {}),
        ...(prediction !== undefined ? { prediction } : {}),
        ...(slices ? { slices } : {}),
      });
    }
  };
}
