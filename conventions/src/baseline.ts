import { assertValidExponentialHistogram } from './exponential.js';
import type { ExplicitHistogram, ExponentialHistogram } from './histogram.js';

/**
 * Version of the baseline file format written by `otel-ml baseline`. Version 2 adds each numeric
 * feature's exponential histogram; version 1 files are still read.
 */
export const BASELINE_SCHEMA_VERSION = 2 as const;

/** Versions of the baseline file format this code reads. */
export const BASELINE_SCHEMA_VERSIONS_READ: readonly number[] = [1, 2];

/** The values of `ml.model.task`. */
export const MODEL_TASKS = ['binary_classification', 'multiclass_classification', 'regression', 'ranking'] as const;

export type ModelTask = (typeof MODEL_TASKS)[number];

/** Whether `v` is one of {@link MODEL_TASKS}. */
export function isModelTask(v: unknown): v is ModelTask {
  return typeof v === 'string' && (MODEL_TASKS as readonly string[]).includes(v);
}

/** A numeric feature in a baseline. */
export interface NumericFeatureBaseline {
  readonly type: 'numeric';
  /**
   * Fine bucket boundaries from the reference data's quantiles (for KS and Wasserstein).
   * The live histograms of this feature use exactly these boundaries.
   */
  readonly boundaries: readonly number[];
  /**
   * Boundaries of the decile bins used by the binned statistics (PSI, KL, JS, Hellinger, chi-square).
   * Always a subset of `boundaries`, so fine buckets group into decile bins exactly.
   */
  readonly decileBoundaries: readonly number[];
  /** Reference histogram on `boundaries`. */
  readonly histogram: ExplicitHistogram;
  /**
   * The reference values as a high-resolution base-2 exponential histogram (schema version 2;
   * absent in version 1 files). Live exponential histograms at any scale compare with it at
   * their common scale.
   */
  readonly exponential?: ExponentialHistogram;
  /** Rows where the feature was missing (null, empty, NA, NaN). */
  readonly missing: number;
}

/** A categorical feature in a baseline. */
export interface CategoricalFeatureBaseline {
  readonly type: 'categorical';
  /** Known categories, most frequent first. Live values outside this set count under {@link CATEGORY_OVERFLOW}. */
  readonly categories: readonly string[];
  /** Reference counts per category (including the overflow value when the reference had more categories than kept). */
  readonly counts: Readonly<Record<string, number>>;
  readonly missing: number;
}

export type FeatureBaseline = NumericFeatureBaseline | CategoricalFeatureBaseline;

/** The value that stands for every category outside a bounded, known set. */
export const CATEGORY_OVERFLOW = '__other__';

/** Reference distributions of the model's outputs and outcomes. */
export interface PredictionBaseline {
  /** Score histogram (binary classification: probability of the positive class) on the registry's score boundaries. */
  readonly score?: ExplicitHistogram;
  /** Regression output histogram. */
  readonly value?: ExplicitHistogram & { readonly boundaries: readonly number[] };
  /** Predicted-class counts. */
  readonly classes?: Readonly<Record<string, number>>;
}

export interface OutcomeBaseline {
  /** Score histograms split by the true label (binary: '0' and '1'). */
  readonly scoreByLabel?: Readonly<Record<string, ExplicitHistogram>>;
  /** Confusion counts: predicted class -> true label -> count. */
  readonly confusion?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Regression errors: count, sum of |error|, sum of error^2. */
  readonly regression?: { readonly count: number; readonly absErrorSum: number; readonly squaredErrorSum: number };
}

/** The file written by `otel-ml baseline` and read by the processor (and, optionally, the instrumentation). */
export interface BaselineFile {
  /** {@link BASELINE_SCHEMA_VERSION} when written by this version; 1 for older files. */
  readonly schemaVersion: typeof BASELINE_SCHEMA_VERSION | 1;
  readonly model: { readonly name: string; readonly version?: string; readonly task: ModelTask };
  readonly createdAt: string;
  readonly source: {
    /** Rows read from the source. */
    readonly rows: number;
    /** SHA-256 of the source file's bytes, hex. */
    readonly sha256: string;
    readonly file?: string;
  };
  readonly features: Readonly<Record<string, FeatureBaseline>>;
  readonly prediction?: PredictionBaseline;
  readonly outcomes?: OutcomeBaseline;
}

/** A baseline file that does not match the format; the message names the offending field. */
export class BaselineFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BaselineFormatError';
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkHistogram(v: unknown, where: string): void {
  if (!isRecord(v)) throw new BaselineFormatError(`${where}: expected a histogram object`);
  const { boundaries, counts, count } = v;
  if (!Array.isArray(boundaries) || !boundaries.every((b) => typeof b === 'number' && Number.isFinite(b)))
    throw new BaselineFormatError(`${where}.boundaries: expected finite numbers`);
  for (let i = 1; i < boundaries.length; i++)
    if (!(boundaries[i] > boundaries[i - 1]))
      throw new BaselineFormatError(`${where}.boundaries: not strictly increasing at index ${i}`);
  if (
    !Array.isArray(counts) ||
    counts.length !== boundaries.length + 1 ||
    !counts.every((c) => typeof c === 'number' && c >= 0)
  ) {
    throw new BaselineFormatError(`${where}.counts: expected ${boundaries.length + 1} non-negative numbers`);
  }
  const total = (counts as number[]).reduce((a, b) => a + b, 0);
  if (typeof count !== 'number' || Math.abs(total - count) > 1e-9 * Math.max(1, total))
    throw new BaselineFormatError(`${where}.count: ${String(count)} does not equal the sum of counts (${total})`);
}

function checkExponential(v: unknown, where: string): void {
  if (!isRecord(v) || !isRecord(v.positive) || !isRecord(v.negative))
    throw new BaselineFormatError(`${where}: expected an exponential histogram object`);
  for (const side of ['positive', 'negative'] as const) {
    const b = v[side] as Record<string, unknown>;
    if (!Array.isArray(b.bucketCounts) || !b.bucketCounts.every((c) => typeof c === 'number'))
      throw new BaselineFormatError(`${where}.${side}.bucketCounts: expected numbers`);
  }
  try {
    assertValidExponentialHistogram(v as unknown as ExponentialHistogram, where);
  } catch (err) {
    throw new BaselineFormatError(err instanceof Error ? err.message : String(err));
  }
}

/**
 * Checks that `value` (parsed JSON) is a baseline file of a version this code reads, and returns
 * it typed. `source` names the file in error messages.
 */
export function parseBaselineFile(value: unknown, source = 'baseline'): BaselineFile {
  if (!isRecord(value)) throw new BaselineFormatError(`${source}: expected a JSON object`);
  if (typeof value.schemaVersion !== 'number' || !BASELINE_SCHEMA_VERSIONS_READ.includes(value.schemaVersion)) {
    throw new BaselineFormatError(
      `${source}: schemaVersion ${JSON.stringify(value.schemaVersion)} is not supported (this version reads ${BASELINE_SCHEMA_VERSIONS_READ.join(' and ')}); rebuild it with \`otel-ml baseline\``,
    );
  }
  const model = value.model;
  if (!isRecord(model) || typeof model.name !== 'string' || model.name === '')
    throw new BaselineFormatError(`${source}: model.name is missing`);
  if (!isModelTask(model.task))
    throw new BaselineFormatError(`${source}: model.task must be one of ${MODEL_TASKS.join(', ')}`);
  const src = value.source;
  if (!isRecord(src) || typeof src.rows !== 'number' || typeof src.sha256 !== 'string')
    throw new BaselineFormatError(`${source}: source.rows and source.sha256 are required`);
  if (!isRecord(value.features)) throw new BaselineFormatError(`${source}: features must be an object`);
  for (const [name, f] of Object.entries(value.features)) {
    const where = `${source}: features.${name}`;
    if (!isRecord(f)) throw new BaselineFormatError(`${where}: expected an object`);
    if (typeof f.missing !== 'number') throw new BaselineFormatError(`${where}.missing: expected a number`);
    if (f.type === 'numeric') {
      checkHistogram(f.histogram, `${where}.histogram`);
      const b = f.boundaries as unknown;
      const hb = (f.histogram as { boundaries: number[] }).boundaries;
      if (!Array.isArray(b) || b.length !== hb.length || b.some((x, i) => x !== hb[i]))
        throw new BaselineFormatError(`${where}.boundaries: must equal histogram.boundaries`);
      const d = f.decileBoundaries as unknown;
      if (!Array.isArray(d) || d.some((x) => !hb.includes(x as number)))
        throw new BaselineFormatError(`${where}.decileBoundaries: must be a subset of boundaries`);
      if (f.exponential !== undefined || value.schemaVersion >= 2)
        checkExponential(f.exponential, `${where}.exponential`);
    } else if (f.type === 'categorical') {
      if (!Array.isArray(f.categories) || !f.categories.every((c) => typeof c === 'string'))
        throw new BaselineFormatError(`${where}.categories: expected strings`);
      if (!isRecord(f.counts) || !Object.values(f.counts).every((c) => typeof c === 'number' && c >= 0))
        throw new BaselineFormatError(`${where}.counts: expected non-negative numbers`);
    } else {
      throw new BaselineFormatError(`${where}.type: expected "numeric" or "categorical"`);
    }
  }
  const prediction = value.prediction;
  if (prediction !== undefined) {
    if (!isRecord(prediction)) throw new BaselineFormatError(`${source}: prediction must be an object`);
    if (prediction.score !== undefined) checkHistogram(prediction.score, `${source}: prediction.score`);
    if (prediction.value !== undefined) checkHistogram(prediction.value, `${source}: prediction.value`);
  }
  const outcomes = value.outcomes;
  if (outcomes !== undefined) {
    if (!isRecord(outcomes)) throw new BaselineFormatError(`${source}: outcomes must be an object`);
    if (outcomes.scoreByLabel !== undefined) {
      if (!isRecord(outcomes.scoreByLabel))
        throw new BaselineFormatError(`${source}: outcomes.scoreByLabel must be an object`);
      for (const [label, h] of Object.entries(outcomes.scoreByLabel))
        checkHistogram(h, `${source}: outcomes.scoreByLabel.${label}`);
    }
  }
  return value as unknown as BaselineFile;
}

/** Decile boundaries of each numeric feature of a baseline, by feature name (for the binned statistics). */
export function decileBoundariesOf(b: BaselineFile): Map<string, readonly number[]> {
  const out = new Map<string, readonly number[]>();
  for (const [name, f] of Object.entries(b.features)) if (f.type === 'numeric') out.set(name, f.decileBoundaries);
  return out;
}
