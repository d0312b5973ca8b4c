/**
 * Which CSV column plays which part: features, score, prediction, label, or excluded.
 */
import type { ModelTask } from '@otel-ml/conventions';
import { CliError } from '../cli/errors.js';
import { isMissingCell } from '../cli/csv.js';

export interface ColumnOptions {
  /** Column holding the model's score (binary: probability of the positive class). */
  readonly scoreColumn?: string;
  /** Column holding the predicted class (classification) or value (regression). */
  readonly predictionColumn?: string;
  /** Column holding the true label or value. */
  readonly labelColumn?: string;
  /** Columns to treat as categorical even when their values parse as numbers. */
  readonly categorical?: readonly string[];
  /** Columns to ignore (ids, timestamps). */
  readonly exclude?: readonly string[];
  /** Columns whose values are slices (`ml.slice.<column>`) for fairness, not features. */
  readonly sliceColumns?: readonly string[];
}

export interface ColumnPlan {
  readonly file: string;
  readonly header: readonly string[];
  /** Feature columns in file order. */
  readonly features: readonly { readonly name: string; readonly index: number }[];
  readonly score?: number;
  readonly prediction?: number;
  readonly label?: number;
  /** Slice columns: slice key (the column name) and index. */
  readonly slices: readonly { readonly name: string; readonly index: number }[];
}

export function planColumns(file: string, header: readonly string[], opts: ColumnOptions): ColumnPlan {
  const index = (name: string | undefined, option: string): number | undefined => {
    if (name === undefined) return undefined;
    const i = header.indexOf(name);
    if (i < 0) throw new CliError(`${file}: row 1: no column "${name}" (given by ${option}); the header has: ${header.join(', ')}`);
    return i;
  };
  const score = index(opts.scoreColumn, '--score-column');
  const prediction = index(opts.predictionColumn, '--prediction-column');
  const label = index(opts.labelColumn, '--label-column');
  for (const c of opts.categorical ?? []) index(c, '--categorical');
  for (const c of opts.exclude ?? []) index(c, '--exclude');
  const slices = (opts.sliceColumns ?? []).map((name) => ({ name, index: index(name, '--slice-columns')! }));
  const special = new Set([score, prediction, label]);
  const excluded = new Set([...(opts.exclude ?? []), ...(opts.sliceColumns ?? [])]);
  const features = header.map((name, i) => ({ name, index: i })).filter((c) => !special.has(c.index) && !excluded.has(c.name));
  if (features.length === 0) throw new CliError(`${file}: no feature columns left after removing the score, prediction, label and excluded columns`);
  return { file, header, features, score, prediction, label, slices };
}

/** Parses a numeric cell; undefined for a missing cell; throws a CliError naming row and column. */
export function numericCell(plan: ColumnPlan, rec: readonly string[], col: number, row: number, what = 'a number'): number | undefined {
  const cell = rec[col];
  if (isMissingCell(cell)) return undefined;
  const v = Number(cell);
  if (!Number.isFinite(v)) {
    throw new CliError(`${plan.file}: row ${row}, column "${plan.header[col]}": ${JSON.stringify(truncate(cell!))} is not ${what}`);
  }
  return v;
}

/** Parses a score cell in [0, 1]. */
export function scoreCell(plan: ColumnPlan, rec: readonly string[], row: number): number | undefined {
  if (plan.score === undefined) return undefined;
  const v = numericCell(plan, rec, plan.score, row, 'a score');
  if (v !== undefined && (v < 0 || v > 1)) {
    throw new CliError(`${plan.file}: row ${row}, column "${plan.header[plan.score]}": score ${v} is outside [0, 1]`);
  }
  return v;
}

export function truncate(s: string, n = 40): string {
  return s.length > n ? `${s.slice(0, n)}...` : s;
}

/** Infers the task when not given: a score column means binary classification, and so on. */
export function inferTask(opts: { hasScore: boolean; predictionsNumeric: boolean; distinctPredictions: number; distinctLabels: number; labelsNumeric: boolean }): ModelTask {
  if (opts.hasScore) return 'binary_classification';
  if (opts.predictionsNumeric && opts.distinctPredictions > 20) return 'regression';
  if (opts.labelsNumeric && opts.distinctLabels > 20) return 'regression';
  if (Math.max(opts.distinctPredictions, opts.distinctLabels) > 2) return 'multiclass_classification';
  return 'binary_classification';
}
