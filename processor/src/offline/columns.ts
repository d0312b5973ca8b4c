/**
 * Which CSV column plays which part: features, score, prediction, label, or excluded.
 */
import type { ModelTask } from '@otel-ml/conventions';
import { InputError } from '../model/errors.js';
import { isMissingCell } from './csv.js';

/**
 * Share of a feature column's non-missing cells that must parse as numbers for the column to be
 * numeric (when `--categorical` does not name it). Its other cells are then invalid values: a
 * typo in a column of numbers does not turn the column into categories.
 */
export const NUMERIC_SHARE = 0.9;

/**
 * Invalid values (cells of numeric feature columns that are not numbers) accepted per file
 * (`--max-invalid`): each is reported and treated as missing; one more stops the command (exit 2).
 */
export const DEFAULT_MAX_INVALID = 10;

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
  /** Invalid values accepted per file (default {@link DEFAULT_MAX_INVALID}). */
  readonly maxInvalid?: number;
  /** Called for each invalid value accepted (within `maxInvalid`), in file order. */
  readonly onInvalid?: (cell: InvalidCell) => void;
}

/** A cell of a numeric feature column that is not a number. */
export interface InvalidCell {
  readonly file: string;
  /** 1-based record number (the header is row 1). */
  readonly row: number;
  readonly column: string;
  readonly cell: string;
}

export function describeInvalid(c: InvalidCell): string {
  return `${c.file}: row ${c.row}, column "${c.column}": ${JSON.stringify(truncate(c.cell))} is not a number`;
}

/**
 * The error of a file with more invalid values than `limit`. `count` is their number when known
 * (after a full pass), else undefined (the command stopped at the first one too many).
 */
export function tooManyInvalid(
  file: string,
  limit: number,
  count: number | undefined,
  first: InvalidCell,
  columns: readonly string[],
  typesFromBaseline = false,
): InputError {
  const how = count === undefined ? `more than ${limit}` : `${count}`;
  const categorical = `${typesFromBaseline ? 'rebuild the baseline with' : 'pass'} --categorical ${columns.join(',')}`;
  return new InputError(
    `${file}: ${how} cells of numeric columns are not numbers (--max-invalid allows ${limit}; the first: row ${first.row}, column "${first.column}": ${JSON.stringify(truncate(first.cell))}); ` +
      `correct them or leave them empty, ${categorical} if ${columns.length > 1 ? 'these columns are' : 'the column is'} not numeric, or raise --max-invalid`,
  );
}

/**
 * Counts invalid values in file order, reporting each; throws {@link tooManyInvalid} past the
 * limit. (Used by `report`, where the column types come from the baseline.)
 */
export class InvalidCells {
  count = 0;
  private first: InvalidCell | undefined;
  private readonly columns = new Set<string>();
  constructor(
    private readonly file: string,
    private readonly limit: number = DEFAULT_MAX_INVALID,
    private readonly onInvalid?: (cell: InvalidCell) => void,
  ) {}

  add(row: number, column: string, cell: string): void {
    const c: InvalidCell = { file: this.file, row, column, cell };
    this.first ??= c;
    this.columns.add(column);
    if (++this.count > this.limit)
      throw tooManyInvalid(this.file, this.limit, undefined, this.first, [...this.columns], true);
    this.onInvalid?.(c);
  }
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
    if (i < 0)
      throw new InputError(
        `${file}: row 1: no column "${name}" (given by ${option}); the header has: ${header.join(', ')}`,
      );
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
  const features = header
    .map((name, i) => ({ name, index: i }))
    .filter((c) => !special.has(c.index) && !excluded.has(c.name));
  if (features.length === 0)
    throw new InputError(
      `${file}: no feature columns left after removing the score, prediction, label and excluded columns`,
    );
  return { file, header, features, score, prediction, label, slices };
}

/** Parses a numeric cell; undefined for a missing cell; throws a InputError naming row and column. */
export function numericCell(
  plan: ColumnPlan,
  rec: readonly string[],
  col: number,
  row: number,
  what = 'a number',
): number | undefined {
  const cell = rec[col];
  if (isMissingCell(cell)) return undefined;
  const v = Number(cell);
  if (!Number.isFinite(v)) {
    throw new InputError(
      `${plan.file}: row ${row}, column "${plan.header[col]}": ${JSON.stringify(truncate(cell!))} is not ${what}`,
    );
  }
  return v;
}

/** Parses a score cell in [0, 1]. */
export function scoreCell(plan: ColumnPlan, rec: readonly string[], row: number): number | undefined {
  if (plan.score === undefined) return undefined;
  const v = numericCell(plan, rec, plan.score, row, 'a score');
  if (v !== undefined && (v < 0 || v > 1)) {
    throw new InputError(`${plan.file}: row ${row}, column "${plan.header[plan.score]}": score ${v} is outside [0, 1]`);
  }
  return v;
}

export function truncate(s: string, n = 40): string {
  return s.length > n ? `${s.slice(0, n)}...` : s;
}

/** Infers the task when not given: a score column means binary classification, and so on. */
export function inferTask(opts: {
  hasScore: boolean;
  predictionsNumeric: boolean;
  distinctPredictions: number;
  distinctLabels: number;
  labelsNumeric: boolean;
}): ModelTask {
  if (opts.hasScore) return 'binary_classification';
  if (opts.predictionsNumeric && opts.distinctPredictions > 20) return 'regression';
  if (opts.labelsNumeric && opts.distinctLabels > 20) return 'regression';
  if (Math.max(opts.distinctPredictions, opts.distinctLabels) > 2) return 'multiclass_classification';
  return 'binary_classification';
}
