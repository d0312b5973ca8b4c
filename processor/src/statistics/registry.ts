/**
 * The drift statistics of a distribution (a feature, the score, the predicted classes, the
 * regression output, an attribution), each declared once: its name, what it is computed on, its
 * effect-size minimum, its gauge and unit, how the report stores it and how reports show it.
 * The evaluation (analysis/evaluate.ts), the gauges (service/emit.ts), the text and HTML reports
 * and the status page's feature table (render/) are built from this list, so adding a statistic
 * is its own file, one entry here and its metric in conventions/model/ (see README.md, "Adding a
 * drift statistic").
 *
 * Order matters: it is the order of the report's fields, of the gauges and of the columns.
 */
import {
  METRIC_ML_DRIFT_CHI_SQUARE_P_VALUE,
  METRIC_ML_DRIFT_CHI_SQUARE_STATISTIC,
  METRIC_ML_DRIFT_HELLINGER,
  METRIC_ML_DRIFT_JENSEN_SHANNON,
  METRIC_ML_DRIFT_KL,
  METRIC_ML_DRIFT_KS,
  METRIC_ML_DRIFT_KS_P_VALUE,
  METRIC_ML_DRIFT_PSI,
  METRIC_ML_DRIFT_WASSERSTEIN,
  ML_DRIFT_STATISTIC_VALUE_CHI_SQUARE,
  ML_DRIFT_STATISTIC_VALUE_HELLINGER,
  ML_DRIFT_STATISTIC_VALUE_JENSEN_SHANNON,
  ML_DRIFT_STATISTIC_VALUE_KL,
  ML_DRIFT_STATISTIC_VALUE_KS,
  ML_DRIFT_STATISTIC_VALUE_PSI,
  ML_DRIFT_STATISTIC_VALUE_WASSERSTEIN,
} from '@otel-ml/conventions';
import type { BinnedDrift } from './binned.js';
import type { CriticalValues } from './critical-values.js';
import type { KsResult } from './ks.js';
import { DEFAULT_MIN_JENSEN_SHANNON, DEFAULT_MIN_KS, DEFAULT_MIN_PSI } from './defaults.js';

/**
 * What a statistic is computed on:
 * - `bins`: both sides' counts on the same bins: the reference's quantile bins of a numeric
 *   distribution (compare-numeric.ts), or the categories of a categorical one (categorical.ts);
 * - `ordered`: both numeric histograms on their finest common cells, in order (numeric only).
 */
export type DriftInput = 'bins' | 'ordered';

/** What one comparison computed, by input; null where the input does not exist (no bins could be cut, a categorical distribution has no order). */
export interface DriftSources {
  readonly bins: BinnedDrift | null;
  readonly ordered: { readonly ks: KsResult | null; readonly wasserstein: number | null } | null;
}

/** No statistic at all (a side without values, a distribution of the wrong kind). */
export const NO_SOURCES: DriftSources = { bins: null, ordered: null };

/** A statistic's value in one comparison; a test's p-value and degrees of freedom. */
export interface DriftMeasure {
  readonly value: number;
  readonly pValue?: number;
  readonly dof?: number;
}

/** A test's result as reports store it (`chiSquare`). */
export interface DriftTestResult {
  readonly statistic: number;
  readonly dof: number;
  readonly pValue: number;
}

/**
 * How the report stores a statistic: `value` as `<field>`; `value+critical` adds
 * `<field>Critical` (its critical value at alpha); `value+pValue` adds `<field>PValue`; `test` is
 * one `<field>` object `{ statistic, dof, pValue }`.
 */
export type DriftReportShape = 'value' | 'value+critical' | 'value+pValue' | 'test';

/**
 * What a cell (or a card's part) of a report shows: the value, its critical value, its p-value,
 * or the value with the critical value or the p-value beside it. The renderers (render/) decide
 * the digits and the words.
 */
export type DriftCell = 'value' | 'critical' | 'pValue' | 'value (critical)' | 'value (p)';

export interface DriftDisplay {
  /** Its column in the text report's distribution tables, `[head, cell]`; null when not shown there. */
  readonly text: readonly [head: string, cell: DriftCell] | null;
  /** Its columns in the HTML feature table (the HTML report and the status page). */
  readonly html: readonly (readonly [head: string, cell: DriftCell])[];
  /** Its part of a feature card's line of statistics, `[label, cell]`; null when not there. */
  readonly card: readonly [label: string, cell: DriftCell] | null;
  /** Why the text and HTML tables leave it out (it is then in the JSON report and its gauge only). */
  readonly hidden?: string;
  /** Its report fields that the `ml.drift.detected` event's details repeat for a drifted feature (service/emit.ts). */
  readonly event: readonly string[];
}

export interface DriftStatistic {
  /** The `ml.drift.statistic` value (conventions/model/registry/ml-analysis.yaml). */
  readonly name: string;
  /** Its field in the report (docs/report.md). */
  readonly field: string;
  /** Its short name in sentences: the reasons of a verdict (decide.ts). */
  readonly abbreviation: string;
  readonly report: DriftReportShape;
  readonly input: DriftInput;
  /**
   * The effect-size minimum of the drift decision (statistics/defaults.ts, decide.ts); null for a
   * statistic reported beside the decision but not deciding.
   */
  readonly defaultMinimum: number | null;
  /** Its gauge, with the gauge's description and unit (UCUM, as in the conventions). */
  readonly metric: string;
  readonly description: string;
  readonly unit: string;
  /** The gauge of its p-value, for a statistic with one. */
  readonly pValue: { readonly metric: string; readonly description: string } | null;
  /** Its key among the critical values (critical-values.ts), or null without a null distribution. */
  readonly critical: keyof CriticalValues | null;
  /** Its value in one comparison, or null when its input is missing. */
  readonly measure: (s: DriftSources) => DriftMeasure | null;
  readonly display: DriftDisplay;
}

const binned =
  (get: (b: BinnedDrift) => number) =>
  (s: DriftSources): DriftMeasure | null =>
    s.bins === null ? null : { value: get(s.bins) };

const ENTRIES = [
  {
    name: ML_DRIFT_STATISTIC_VALUE_PSI,
    field: 'psi',
    abbreviation: 'PSI',
    report: 'value+critical',
    input: 'bins',
    defaultMinimum: DEFAULT_MIN_PSI,
    metric: METRIC_ML_DRIFT_PSI,
    description: 'Population stability index on decile bins',
    unit: '1',
    pValue: null,
    critical: 'psi',
    measure: binned((b) => b.psi),
    display: {
      text: ['PSI (crit)', 'value (critical)'],
      html: [
        ['PSI', 'value'],
        ['PSI crit.', 'critical'],
      ],
      card: ['PSI', 'value (critical)'],
      event: ['psi', 'psiCritical'],
    },
  },
  {
    name: ML_DRIFT_STATISTIC_VALUE_KL,
    field: 'kl',
    abbreviation: 'KL',
    report: 'value',
    input: 'bins',
    defaultMinimum: null,
    metric: METRIC_ML_DRIFT_KL,
    description: 'KL(reference || current)',
    unit: '1',
    pValue: null,
    critical: 'kl',
    measure: binned((b) => b.kl),
    display: { text: null, html: [], card: null, hidden: 'PSI is the symmetrised KL; the tables show PSI', event: [] },
  },
  {
    name: ML_DRIFT_STATISTIC_VALUE_JENSEN_SHANNON,
    field: 'jensenShannon',
    abbreviation: 'JS',
    report: 'value',
    input: 'bins',
    defaultMinimum: DEFAULT_MIN_JENSEN_SHANNON,
    metric: METRIC_ML_DRIFT_JENSEN_SHANNON,
    description: 'Jensen-Shannon distance',
    unit: '1',
    pValue: null,
    critical: 'jensenShannon',
    measure: binned((b) => b.jensenShannon),
    display: { text: ['JS', 'value'], html: [['JS', 'value']], card: ['JS', 'value'], event: ['jensenShannon'] },
  },
  {
    name: ML_DRIFT_STATISTIC_VALUE_HELLINGER,
    field: 'hellinger',
    abbreviation: 'Hellinger',
    report: 'value',
    input: 'bins',
    defaultMinimum: null,
    metric: METRIC_ML_DRIFT_HELLINGER,
    description: 'Hellinger distance',
    unit: '1',
    pValue: null,
    critical: 'hellinger',
    measure: binned((b) => b.hellinger),
    display: { text: null, html: [['Hellinger', 'value']], card: null, event: [] },
  },
  {
    name: ML_DRIFT_STATISTIC_VALUE_KS,
    field: 'ks',
    abbreviation: 'KS',
    report: 'value+pValue',
    input: 'ordered',
    // the effect-size minimum of the KS fallback, when the reference cannot be cut into bins
    defaultMinimum: DEFAULT_MIN_KS,
    metric: METRIC_ML_DRIFT_KS,
    description: 'Kolmogorov-Smirnov statistic',
    unit: '1',
    pValue: { metric: METRIC_ML_DRIFT_KS_P_VALUE, description: 'Kolmogorov-Smirnov p-value' },
    critical: 'ks',
    measure: (s) => (s.ordered?.ks ? { value: s.ordered.ks.statistic, pValue: s.ordered.ks.pValue } : null),
    display: { text: ['KS', 'value (p)'], html: [['KS', 'value']], card: ['KS', 'value'], event: ['ks'] },
  },
  {
    name: ML_DRIFT_STATISTIC_VALUE_WASSERSTEIN,
    field: 'wasserstein',
    abbreviation: 'W1',
    report: 'value',
    input: 'ordered',
    defaultMinimum: null,
    metric: METRIC_ML_DRIFT_WASSERSTEIN,
    description: 'Wasserstein-1 distance',
    unit: '1',
    pValue: null,
    critical: null,
    measure: (s) => (s.ordered?.wasserstein != null ? { value: s.ordered.wasserstein } : null),
    display: { text: ['W1', 'value'], html: [['W1', 'value']], card: null, event: ['wasserstein'] },
  },
  {
    name: ML_DRIFT_STATISTIC_VALUE_CHI_SQUARE,
    field: 'chiSquare',
    abbreviation: 'chi-square',
    report: 'test',
    input: 'bins',
    // the test of the drift decision: its (adjusted) p-value is compared with alpha
    defaultMinimum: null,
    metric: METRIC_ML_DRIFT_CHI_SQUARE_STATISTIC,
    description: 'Chi-square homogeneity statistic',
    unit: '1',
    pValue: { metric: METRIC_ML_DRIFT_CHI_SQUARE_P_VALUE, description: 'Chi-square homogeneity p-value' },
    critical: 'chiSquare',
    measure: (s) =>
      s.bins === null
        ? null
        : { value: s.bins.chiSquare.statistic, dof: s.bins.chiSquare.dof, pValue: s.bins.chiSquare.pValue },
    display: { text: ['chi2 p', 'pValue'], html: [['χ² p', 'pValue']], card: ['χ² p', 'pValue'], event: [] },
  },
] as const satisfies readonly DriftStatistic[];

/** The drift statistics, in report, gauge and column order. */
export const DRIFT_STATISTICS: readonly DriftStatistic[] = ENTRIES;

type Entry = (typeof ENTRIES)[number];
type FieldsOf<S> = S extends { readonly field: infer F extends string; readonly report: infer R }
  ? R extends 'value'
    ? { readonly [K in F]: number | null }
    : R extends 'value+critical'
      ? { readonly [K in F | `${F}Critical`]: number | null }
      : R extends 'value+pValue'
        ? { readonly [K in F | `${F}PValue`]: number | null }
        : { readonly [K in F]: DriftTestResult | null }
  : never;
type Intersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/** The statistics' fields of a distribution's report: one or two per statistic, by its `report` shape. */
export type DriftStatisticFields = Intersection<FieldsOf<Entry>>;

/** The critical values of a distribution's report: null for a statistic whose input the comparison lacks. */
export type ReportCriticalValues = { readonly [K in NonNullable<Entry['critical']>]: number | null };

/** Every critical value null. */
export const NO_CRITICAL_VALUES: ReportCriticalValues = Object.freeze(
  Object.fromEntries(DRIFT_STATISTICS.filter((d) => d.critical !== null).map((d) => [d.critical, null])),
) as unknown as ReportCriticalValues;

const INPUTS: readonly DriftInput[] = ['bins', 'ordered'];

/**
 * The report's critical values of a comparison: those of `critical` (the comparison's sample
 * sizes and bins) for the statistics whose input it has, null for the others.
 */
export function criticalValuesOf(critical: CriticalValues | null, s: DriftSources): ReportCriticalValues {
  if (critical === null) return NO_CRITICAL_VALUES;
  if (INPUTS.every((i) => s[i] !== null)) return critical;
  const out: Record<string, number | null> = s.bins !== null ? { ...critical } : { ...NO_CRITICAL_VALUES };
  for (const d of DRIFT_STATISTICS)
    if (d.critical !== null) out[d.critical] = s[d.input] !== null ? critical[d.critical] : null;
  return out as unknown as ReportCriticalValues;
}

/** Where each statistic goes in a report: its field, and the field of its p-value or critical value. */
const LAYOUT = DRIFT_STATISTICS.map((d) => ({
  d,
  field: d.field,
  pValueField: d.report === 'value+pValue' ? `${d.field}PValue` : null,
  criticalField: d.report === 'value+critical' ? `${d.field}Critical` : null,
}));

/** Every statistic's fields null, in registry order (the shape each report's fields start from). */
const NO_FIELDS: Readonly<Record<string, unknown>> = (() => {
  const o: Record<string, null> = {};
  for (const l of LAYOUT) for (const k of [l.field, l.criticalField, l.pValueField]) if (k !== null) o[k] = null;
  return o;
})();

/** The report's fields of every statistic (null where its input is missing), in registry order. */
export function driftStatisticFields(s: DriftSources, critical: ReportCriticalValues): DriftStatisticFields {
  const out: Record<string, unknown> = { ...NO_FIELDS };
  for (const { d, field, pValueField, criticalField } of LAYOUT) {
    if (criticalField !== null && d.critical !== null) out[criticalField] = critical[d.critical];
    const m = d.measure(s);
    if (m === null) continue;
    out[field] =
      d.report === 'test' ? { statistic: m.value, dof: m.dof ?? 0, pValue: m.pValue ?? Number.NaN } : m.value;
    if (pValueField !== null) out[pValueField] = m.pValue ?? null;
  }
  return out as DriftStatisticFields;
}

/** A statistic as a report holds it: its value, p-value and critical value (null where absent). */
export interface DriftReading {
  readonly value: number | null;
  readonly pValue: number | null;
  readonly critical: number | null;
}

/** Reads one statistic back from a report's fields (for gauges and renderers). */
export function readDriftStatistic(
  d: DriftStatistic,
  f: DriftStatisticFields & { readonly critical: ReportCriticalValues },
): DriftReading {
  const fields = f as unknown as Readonly<Record<string, unknown>>;
  // (reports from before a field existed may lack it)
  const critical =
    d.critical !== null ? ((f.critical as Partial<ReportCriticalValues> | undefined)?.[d.critical] ?? null) : null;
  const num = (v: unknown) => (typeof v === 'number' ? v : null);
  switch (d.report) {
    case 'test': {
      const t = fields[d.field] as DriftTestResult | null | undefined;
      return { value: t?.statistic ?? null, pValue: t?.pValue ?? null, critical };
    }
    case 'value+pValue':
      return { value: num(fields[d.field]), pValue: num(fields[`${d.field}PValue`]), critical };
    case 'value+critical':
      return { value: num(fields[d.field]), pValue: null, critical: num(fields[`${d.field}Critical`]) };
    case 'value':
      return { value: num(fields[d.field]), pValue: null, critical };
  }
}
