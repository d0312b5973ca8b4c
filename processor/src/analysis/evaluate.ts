/**
 * Evaluation: one current view against one reference view, with the statistics engine, into a
 * {@link ModelReport}. The offline report and the live service both call this.
 */
import { isModelTask, type ModelTask } from '@otel-ml/conventions';
import {
  binaryMetricsAtThreshold,
  binaryMetricsFromConfusion,
  calibration,
  calibrationMap,
  confusionAtThreshold,
  estimatePerformance,
  fairness as sliceFairness,
  categoricalDrift,
  compareNumeric,
  labelSplitScores,
  multiclassMetrics,
  rebinExplicit,
  regressionErrors,
  rocAuc,
  histogramQuantile,
  StatisticsInputError,
  type BinaryCounts,
  type BinnedDrift,
  type FairnessOptions,
  type LabelSplitScores,
  type SliceInput,
  type VerdictLimits,
} from '../statistics/index.js';
import {
  benjaminiHochberg,
  bootstrapInterval,
  criticalValues,
  decideDrift,
  fallbackEvidence,
} from '../statistics/index.js';
import { unresolvedFeatures } from './report-types.js';
import { binLabel } from './labels.js';
import type {
  AttributionFeatureReport,
  AttributionReport,
  BinShare,
  CalibrationReport,
  DistributionReport,
  EstimatedPerformanceReport,
  FairnessReport,
  ModelReport,
  PerformanceReport,
  ReferenceKindName,
  VerdictsReport,
} from './report-types.js';
import { checkEntry, windowVerdicts, withChecks } from './verdicts.js';
import { businessChecks, businessReport } from './business.js';
import { dataQualityChecks, dataQualityReport } from './data-quality.js';
import { referenceReport, type ReferenceChoiceContext } from './reference-report.js';
import type { FeatureWindow, WindowSnapshot } from '../windows/snapshot.js';
import { statisticalView } from '../windows/noisy.js';
import { numericPair, type NumericPair } from './numeric-pair.js';
import { jointDrift } from './joint.js';
import {
  DEFAULT_ALPHA,
  DEFAULT_MIN_JENSEN_SHANNON,
  DEFAULT_MIN_PSI,
  DEFAULT_MIN_ROWS,
  DEFAULT_THRESHOLD,
} from '../statistics/defaults.js';
import { SLICE_DRIFT_DEFAULTS, sliceDriftReport, type DistributionEngine } from './slice-drift.js';
import {
  criticalValuesOf,
  driftStatisticFields,
  NO_CRITICAL_VALUES,
  NO_SOURCES,
  type DriftSources,
} from '../statistics/registry.js';

export interface EvaluationSettings {
  /** Significance level after Benjamini-Hochberg (default 0.01). */
  readonly alpha?: number;
  /** Minimum current rows for a verdict (default 50). */
  readonly minRows?: number;
  /** Minimum PSI on decile bins for a flag (default 0.1). */
  readonly minPsi?: number;
  /** Minimum Jensen-Shannon distance for a flag (default 0.1). */
  readonly minJensenShannon?: number;
  /** Binary decision threshold (default 0.5). */
  readonly threshold?: number;
  /** Positive label of binary classifiers (default '1'). */
  readonly positiveLabel?: string;
  /** Windows with fewer current rows get bootstrap intervals (default 1000; 0 disables). */
  readonly bootstrapBelow?: number;
  /** Fairness across slices: minimum rows per slice, alpha, limits (see statistics/fairness.ts). */
  readonly fairness?: FairnessOptions;
  /** Rows a slice needs (window and reference) for its drift verdicts (default SLICE_DRIFT_DEFAULTS.minRows, analysis/slice-drift.ts). */
  readonly sliceMinRows?: number;
  /** Limits of the verdicts on performance, calibration, shares and missing values (statistics/verdicts.ts; alpha and minRows by default). */
  readonly limits?: Partial<VerdictLimits>;
}

export interface EvaluationContext {
  readonly model: {
    readonly name: string;
    readonly version?: string;
    readonly task?: ModelTask;
    readonly role?: string;
  };
  readonly referenceKind: ReferenceKindName;
  /** The configured kind, the reason of a fallback and whose reference it is (live service; see analysis/reference-report.ts). */
  readonly referenceChoice?: ReferenceChoiceContext;
  /** The window's period; `partial`: why it lacks part of its data (`WindowSnapshot.partial`). */
  readonly window?: { readonly start: Date; readonly end: Date; readonly partial?: readonly string[] };
  /** Decile boundaries per numeric feature from the baseline; computed from the reference histogram otherwise. */
  readonly decileBoundaries?: ReadonlyMap<string, readonly number[]>;
}

const asTask = (t: string): ModelTask | undefined => (isModelTask(t) ? t : undefined);

const DEFAULTS = {
  alpha: DEFAULT_ALPHA,
  minRows: DEFAULT_MIN_ROWS,
  minPsi: DEFAULT_MIN_PSI,
  minJensenShannon: DEFAULT_MIN_JENSEN_SHANNON,
  threshold: DEFAULT_THRESHOLD,
  positiveLabel: '1',
  bootstrapBelow: 1000,
};

function total(counts: ArrayLike<number>): number {
  let t = 0;
  for (let i = 0; i < counts.length; i++) t += counts[i]!;
  return t;
}

function shares(
  labels: readonly { label: string; lower: number | null; upper: number | null }[],
  ref: ArrayLike<number>,
  cur: ArrayLike<number>,
): BinShare[] {
  const rt = total(ref) || 1;
  const ct = total(cur) || 1;
  const out = new Array<BinShare>(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    out[i] = { label: l.label, lower: l.lower, upper: l.upper, reference: ref[i]! / rt, current: cur[i]! / ct };
  }
  return out;
}

/**
 * The (at most) 3 bins whose share moved most, largest move first; ties keep bin order (as a
 * stable sort by decreasing |current - reference| would).
 */
function topMovers(bins: readonly BinShare[]): BinShare[] {
  const top: BinShare[] = [];
  const moves: number[] = [];
  for (const b of bins) {
    const m = Math.abs(b.current - b.reference);
    let k = top.length;
    while (k > 0 && moves[k - 1]! < m) k--;
    if (k >= 3) continue;
    top.splice(k, 0, b);
    moves.splice(k, 0, m);
    if (top.length > 3) {
      top.pop();
      moves.pop();
    }
  }
  return top;
}

/** 95% multinomial bootstrap interval of PSI; a huge reference is held fixed (its noise is negligible). */
function lowVolumeInterval(p: ArrayLike<number>, q: ArrayLike<number>): readonly [number, number] {
  let n = 0;
  for (let i = 0; i < p.length; i++) n += p[i]!;
  return bootstrapInterval(p, q, 'psi', { iterations: 500, resampleReference: n <= 100_000 });
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface Pending {
  readonly report: Omit<DistributionReport, 'drift'>;
  /** The distribution's test p-value (chi-square on its bins, or KS in the KS fallback); null when none. */
  readonly pValue: number | null;
  readonly count: number;
  /** Numeric features: the evidence of the KS fallback and of a complete shift (see decideDrift). */
  readonly fallback?: {
    readonly insufficientResolution: string | null;
    readonly ks: number | null;
    readonly completeShift: boolean;
  };
}

const chiSquareP = (b: BinnedDrift): number => b.chiSquare.pValue;

function emptyDistribution(
  type: 'numeric' | 'categorical',
  count: number,
  referenceCount: number,
  note: string,
): Omit<DistributionReport, 'drift'> {
  return {
    type,
    count,
    referenceCount,
    missingRate: null,
    referenceMissingRate: null,
    ...driftStatisticFields(NO_SOURCES, NO_CRITICAL_VALUES),
    critical: NO_CRITICAL_VALUES,
    psiInterval: null,
    unseenCategories: null,
    bins: [],
    topMovers: [],
    note,
  };
}

/**
 * A numeric distribution (a feature, on the pair `numericPair` chose; the score, the regression
 * output, an attribution), explicit or exponential at any scales, compared by the statistics
 * engine's `compareNumeric`: KS and Wasserstein-1 at the finest common resolution, PSI, KL, JS,
 * Hellinger and chi-square on quantile bins of the reference (a baseline's decile edges when
 * given), and when the reference cannot be cut into two bins the reason, with KS as the test
 * (`fallback`, for decideDrift).
 */
function numericComparison(pair: NumericPair, decileEdges: readonly number[] | undefined, s: typeof DEFAULTS): Pending {
  const { reference: ref, current: cur } = pair;
  const cmp = compareNumeric(ref, cur, { alpha: s.alpha, ...(decileEdges !== undefined ? { decileEdges } : {}) });
  const notes = [pair.note, cmp.resolution?.note ?? null].filter((n): n is string => n !== null);
  if (cmp.status === 'insufficient_data')
    return {
      report: emptyDistribution('numeric', cur.count, ref.count, [...notes, cmp.reason!].join('; ')),
      pValue: null,
      count: cur.count,
    };
  const bins: BinShare[] = cmp.bins.map((b) => ({
    label: binLabel(b.lower, b.upper),
    lower: b.lower,
    upper: b.upper,
    reference: b.reference,
    current: b.current,
  }));
  const b = cmp.binned;
  if (b === null) notes.push(`insufficient resolution: ${cmp.reason}`);
  // without bins only the statistics of the ordered cells (KS, W1) and their critical values mean something
  const sources: DriftSources = { bins: b, ordered: { ks: cmp.ks, wasserstein: cmp.wasserstein } };
  const critical = criticalValuesOf(cmp.critical, sources);
  return {
    report: {
      type: 'numeric',
      count: cur.count,
      referenceCount: ref.count,
      missingRate: null,
      referenceMissingRate: null,
      ...driftStatisticFields(sources, critical),
      critical,
      psiInterval:
        b && cur.count < s.bootstrapBelow ? lowVolumeInterval(cmp.referenceBinCounts, cmp.currentBinCounts) : null,
      unseenCategories: null,
      bins,
      topMovers: topMovers(bins),
      note: notes.length > 0 ? notes.join('; ') : null,
    },
    pValue: cmp.pValue,
    count: cur.count,
    fallback: fallbackEvidence(cmp),
  };
}

function categoricalDistribution(
  ref: Readonly<Record<string, number>>,
  cur: Readonly<Record<string, number>>,
  alpha: number,
  bootstrapBelow: number,
): Pending {
  const refCount = Object.values(ref).reduce((a, b) => a + b, 0);
  const curCount = Object.values(cur).reduce((a, b) => a + b, 0);
  if (refCount <= 0 || curCount <= 0) {
    return {
      report: emptyDistribution(
        'categorical',
        curCount,
        refCount,
        refCount <= 0 ? 'reference has no values' : 'no values in the current window',
      ),
      pValue: null,
      count: curCount,
    };
  }
  const d = categoricalDrift(ref, cur);
  // categories have no order: the statistics of ordered cells (KS, W1) do not apply
  const sources: DriftSources = { bins: d, ordered: null };
  const critical = criticalValuesOf(
    criticalValues({ referenceCount: refCount, currentCount: curCount, bins: d.categories.length, alpha }),
    sources,
  );
  const bins = shares(
    d.categories.map((c) => ({ label: c, lower: null, upper: null })),
    d.referenceCounts,
    d.currentCounts,
  );
  return {
    report: {
      type: 'categorical',
      count: curCount,
      referenceCount: refCount,
      missingRate: null,
      referenceMissingRate: null,
      ...driftStatisticFields(sources, critical),
      critical,
      psiInterval: curCount < bootstrapBelow ? lowVolumeInterval(d.referenceCounts, d.currentCounts) : null,
      unseenCategories: d.unseen,
      bins,
      topMovers: topMovers(bins),
      note: null,
    },
    pValue: chiSquareP(d),
    count: curCount,
  };
}

function featureDistribution(
  name: string,
  ref: FeatureWindow | undefined,
  cur: FeatureWindow | undefined,
  ctx: EvaluationContext,
  s: typeof DEFAULTS,
  refRows: number,
  curRows: number,
): Pending {
  const refMissing = ref?.missing ?? 0;
  const curMissing = cur?.missing ?? 0;
  let p: Pending;
  // like with like: which of the explicit and exponential histograms are compared (numeric-pair.ts)
  const pair = numericPair(ref, cur);
  if (pair) {
    p =
      cur?.categories && !cur.histogram && !cur.exponential
        ? {
            report: emptyDistribution(
              'numeric',
              0,
              pair.reference.count,
              'numeric in the reference, categorical in the current window',
            ),
            pValue: null,
            count: 0,
          }
        : numericComparison(pair, ctx.decileBoundaries?.get(name), s);
  } else if (ref?.categories) {
    p =
      (cur?.histogram || cur?.exponential) && !cur.categories
        ? {
            report: emptyDistribution(
              'categorical',
              0,
              0,
              'categorical in the reference, numeric in the current window',
            ),
            pValue: null,
            count: 0,
          }
        : categoricalDistribution(ref.categories, cur?.categories ?? {}, s.alpha, s.bootstrapBelow);
  } else {
    const type = cur?.categories ? 'categorical' : 'numeric';
    p = { report: emptyDistribution(type, 0, 0, 'feature not in the reference'), pValue: null, count: 0 };
  }
  const curTotal = p.count + curMissing;
  const refTotal = (p.report.referenceCount ?? 0) + refMissing;
  // A feature the current window never reported (not even as missing) has no missing rate: the
  // sender records nothing for it (e.g. a shadow model observed without features).
  const absent = cur === undefined;
  // p.report was built above for this feature alone: set the fields in place (keys keep their order).
  const r = p.report as Mutable<Omit<DistributionReport, 'drift'>>;
  if (absent && ref) r.note = 'not reported in the current window';
  r.missingRate = curTotal > 0 ? curMissing / curTotal : curRows > 0 && !absent ? 0 : null;
  r.referenceMissingRate = refTotal > 0 ? refMissing / refTotal : refRows > 0 ? 0 : null;
  return p;
}

function decide(p: Pending, adjustedP: number | null, s: typeof DEFAULTS, enoughRows: boolean): DistributionReport {
  const decision = decideDrift({
    pValue: p.pValue,
    adjustedPValue: adjustedP,
    psi: p.report.psi,
    jensenShannon: p.report.jensenShannon,
    currentCount: enoughRows ? p.count : 0,
    alpha: s.alpha,
    minPsi: s.minPsi,
    minJensenShannon: s.minJensenShannon,
    minCount: s.minRows,
    ...(p.fallback !== undefined ? p.fallback : {}),
  });
  // Each pending report is decided once: complete it in place.
  const r = p.report as Mutable<DistributionReport>;
  r.drift = decision;
  return r;
}

function calibrationReport(split: LabelSplitScores | null): CalibrationReport | null {
  if (!split) return null;
  let c: ReturnType<typeof calibration>;
  try {
    c = calibration(split);
  } catch (err) {
    // Score buckets without the tenths as edges: no reliability bins.
    if (err instanceof StatisticsInputError) return null;
    throw err;
  }
  if (c.count === 0) return null;
  return {
    ece: c.ece,
    mce: c.mce,
    brier: c.brier,
    count: c.count,
    bins: c.curve.map((b) => ({
      lower: b.lower,
      upper: b.upper,
      count: b.count,
      meanPredicted: b.meanPredicted ?? null,
      observedRate: b.observedRate ?? null,
    })),
  };
}

function splitOf(v: WindowSnapshot, positiveLabel: string): LabelSplitScores | null {
  const byLabel = v.outcomes.scoreByLabel;
  if (Object.keys(byLabel).length === 0) return null;
  const total = Object.values(byLabel).reduce((a, h) => a + h.count, 0);
  return total > 0 ? labelSplitScores(byLabel, positiveLabel) : null;
}

interface PerfNumbers {
  count: number;
  accuracy: number | null;
  precision: number | null;
  recall: number | null;
  f1: number | null;
  rocAuc: number | null;
  mae: number | null;
  rmse: number | null;
  macroF1: number | null;
}

function performanceOf(v: WindowSnapshot, task: ModelTask | undefined, s: typeof DEFAULTS): PerfNumbers | null {
  const none: PerfNumbers = {
    count: 0,
    accuracy: null,
    precision: null,
    recall: null,
    f1: null,
    rocAuc: null,
    mae: null,
    rmse: null,
    macroF1: null,
  };
  if (task === 'regression') {
    const abs = v.outcomes.absoluteError;
    const sq = v.outcomes.squaredError;
    if (!abs || !sq || abs.count <= 0) return null;
    const e = regressionErrors({ count: abs.count, absErrorSum: abs.sum, squaredErrorSum: sq.sum });
    return { ...none, count: abs.count, mae: e.mae, rmse: e.rmse };
  }
  const split = splitOf(v, s.positiveLabel);
  if (task !== 'multiclass_classification' && split) {
    const m = binaryMetricsAtThreshold(split, s.threshold);
    const count = m.tp + m.fp + m.tn + m.fn;
    const both = m.tp + m.fn > 0 && m.tn + m.fp > 0;
    return {
      ...none,
      count,
      accuracy: m.accuracy,
      precision: m.precision,
      recall: m.recall,
      f1: m.f1,
      rocAuc: both ? rocAuc(split) : null,
    };
  }
  const confusion = v.outcomes.confusion;
  const total = Object.values(confusion).reduce((a, row) => a + Object.values(row).reduce((x, y) => x + y, 0), 0);
  if (total <= 0) return null;
  if (task === 'multiclass_classification') {
    const m = multiclassMetrics(confusion);
    return { ...none, count: m.count, accuracy: m.accuracy, f1: m.macroF1, macroF1: m.macroF1 };
  }
  const m = binaryMetricsFromConfusion(confusion, s.positiveLabel);
  return { ...none, count: total, accuracy: m.accuracy, precision: m.precision, recall: m.recall, f1: m.f1 };
}

/**
 * The window's verdicts on performance, calibration, predicted-class shares and missing values
 * against the reference (analysis/verdicts.ts), with the drift verdicts in the list of checks.
 * Limits: `settings.limits` over alpha and minRows over statistics/verdicts.ts's defaults.
 */
function verdictsOf(
  reference: WindowSnapshot,
  current: WindowSnapshot,
  task: ModelTask | undefined,
  s: typeof DEFAULTS,
  limits: Partial<VerdictLimits> | undefined,
  perf: { current: PerfNumbers | null; reference: PerfNumbers | null },
  cal: CalibrationReport | null,
  drift: Pick<ModelReport, 'features' | 'prediction' | 'window'>,
): VerdictsReport {
  const binary = task === 'binary_classification' || task === undefined;
  const scores = {
    current: binary ? splitOf(current, s.positiveLabel) : null,
    reference: binary ? splitOf(reference, s.positiveLabel) : null,
  };
  const calibration = { current: cal, reference: cal ? calibrationReport(scores.reference) : null };
  return windowVerdicts(
    reference,
    current,
    { performance: perf, scores, calibration, threshold: s.threshold, positiveLabel: s.positiveLabel },
    { alpha: s.alpha, minCount: s.minRows, ...limits },
    drift,
  );
}

/**
 * Confidence-based estimate of the window's binary metrics: a calibration map from the
 * reference's label-split score histograms applied to the window's score histogram (see
 * statistics/cbpe.ts). Null unless the reference has outcomes and the window has scores.
 */
export function estimatedPerformance(
  reference: WindowSnapshot,
  current: WindowSnapshot,
  settings: Pick<EvaluationSettings, 'threshold' | 'positiveLabel'> = {},
): EstimatedPerformanceReport | null {
  const threshold = settings.threshold ?? DEFAULTS.threshold;
  const positiveLabel = settings.positiveLabel ?? DEFAULTS.positiveLabel;
  const refSplit = splitOf(reference, positiveLabel);
  let scores = current.score;
  if (!refSplit || !scores || scores.count <= 0) return null;
  try {
    if (
      scores.boundaries.length !== refSplit.boundaries.length ||
      scores.boundaries.some((b, i) => b !== refSplit.boundaries[i])
    ) {
      const r = rebinExplicit(scores, refSplit.boundaries);
      if (!r.ok) return null;
      scores = r.histogram;
    }
    const e = estimatePerformance(calibrationMap(refSplit), scores.counts, threshold);
    const curSplit = splitOf(current, positiveLabel);
    let realized: EstimatedPerformanceReport['realized'] = null;
    if (curSplit && curSplit.boundaries.length === refSplit.boundaries.length) {
      const m = binaryMetricsAtThreshold(curSplit, threshold);
      const both = m.tp + m.fn > 0 && m.tn + m.fp > 0;
      realized = {
        count: m.tp + m.fp + m.tn + m.fn,
        accuracy: m.accuracy,
        precision: m.precision,
        recall: m.recall,
        f1: m.f1,
        rocAuc: both ? rocAuc(curSplit) : null,
      };
    }
    const half = 1.959963984540054 * e.accuracyStdError;
    return {
      method: 'cbpe',
      count: e.count,
      threshold,
      accuracy: e.accuracy,
      precision: e.precision,
      recall: e.recall,
      f1: e.f1,
      rocAuc: e.rocAuc,
      accuracyInterval: [Math.max(0, e.accuracy - half), Math.min(1, e.accuracy + half)],
      referenceOutcomes: refSplit.positive.reduce((a, b) => a + b, 0) + refSplit.negative.reduce((a, b) => a + b, 0),
      realized,
    };
  } catch (err) {
    if (err instanceof StatisticsInputError) return null;
    throw err;
  }
}

/**
 * Attribution magnitudes per feature (ml.feature.attribution holds |attribution|, so sum/count is
 * the mean absolute attribution), their shift against the reference, and the drift of each
 * attribution distribution (same statistics and decision as features, each on its own p-value).
 */
function attributionReport(
  reference: WindowSnapshot,
  current: WindowSnapshot,
  s: typeof DEFAULTS,
  enoughRows: boolean,
): AttributionReport | null {
  const names = [...new Set([...Object.keys(reference.features), ...Object.keys(current.features)])]
    .filter((n) => current.features[n]?.attribution || reference.features[n]?.attribution)
    .sort();
  if (names.length === 0) return null;
  const features: Record<string, AttributionFeatureReport> = {};
  for (const n of names) {
    const cur = current.features[n]?.attribution;
    const ref = reference.features[n]?.attribution;
    const mean = cur && cur.count > 0 ? cur.sum / cur.count : null;
    const refMean = ref && ref.count > 0 ? ref.sum / ref.count : null;
    const shift = mean !== null && refMean !== null ? mean - refMean : null;
    let distribution: DistributionReport | null = null;
    if (ref && ref.count > 0 && cur && cur.count > 0) {
      const p = numericComparison({ reference: ref, current: cur, note: null }, undefined, s);
      distribution = decide(p, p.pValue, s, enoughRows);
    }
    features[n] = {
      count: cur?.count ?? 0,
      meanAbsolute: mean,
      referenceMeanAbsolute: refMean,
      shift,
      relativeShift: shift !== null && refMean !== null && refMean > 0 ? shift / refMean : null,
      distribution,
    };
  }
  const ranking = Object.entries(features)
    .filter(([, f]) => f.shift !== null)
    .sort(([an, a], [bn, b]) => Math.abs(b.shift!) - Math.abs(a.shift!) || (an < bn ? -1 : 1))
    .map(([n]) => n);
  return { features, ranking };
}

/** Confusion counts of a binary window at the threshold: from scored outcomes, else from ml.outcomes. */
function binaryCounts(
  v: WindowSnapshot,
  positiveLabel: string,
  threshold: number,
): { counts: BinaryCounts; scores?: LabelSplitScores } | null {
  const split = splitOf(v, positiveLabel);
  if (split) return { counts: confusionAtThreshold(split, threshold), scores: split };
  const m =
    Object.keys(v.outcomes.confusion).length > 0
      ? binaryMetricsFromConfusion(v.outcomes.confusion, positiveLabel)
      : null;
  return m ? { counts: { tp: m.tp, fp: m.fp, tn: m.tn, fn: m.fn } } : null;
}

/**
 * Fairness across the values of each slice key of the window (binary classifiers with outcomes):
 * per-slice rates and the disparities of statistics/fairness.ts. Null without sliced outcomes.
 */
export function fairnessReport(
  current: WindowSnapshot,
  settings: Pick<EvaluationSettings, 'threshold' | 'positiveLabel' | 'fairness'> = {},
): FairnessReport | null {
  const threshold = settings.threshold ?? DEFAULTS.threshold;
  const positiveLabel = settings.positiveLabel ?? DEFAULTS.positiveLabel;
  const opts = settings.fairness ?? {};
  const keys: Record<string, ReturnType<typeof sliceFairness>> = {};
  const violations: string[] = [];
  for (const [key, byValue] of Object.entries(current.slices ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const inputs: SliceInput[] = [];
    for (const [value, snap] of Object.entries(byValue).sort(([a], [b]) => (a < b ? -1 : 1))) {
      try {
        const c = binaryCounts(snap, positiveLabel, threshold);
        if (c) inputs.push({ slice: value, ...c });
      } catch (err) {
        if (!(err instanceof StatisticsInputError)) throw err;
      }
    }
    if (inputs.length === 0) continue;
    const f = sliceFairness(inputs, opts);
    keys[key] = f;
    for (const [name, d] of [
      ['demographic parity difference', f.demographicParityDifference],
      ['equal opportunity difference', f.equalOpportunityDifference],
      ['disparate impact ratio', f.disparateImpactRatio],
    ] as const) {
      if (d?.violated)
        violations.push(`${key}: ${name} ${d.value.toFixed(3)} (${d.lowest} vs ${d.highest}, limit ${d.limit})`);
    }
  }
  if (Object.keys(keys).length === 0) return null;
  return { threshold, minCount: opts.minCount ?? 30, alpha: opts.alpha ?? 0.05, keys, violations };
}

/** Compares `current` with `reference` and returns the report. Pure: no I/O, no clock. */
export function evaluate(
  noisyReference: WindowSnapshot,
  noisyCurrent: WindowSnapshot,
  ctx: EvaluationContext,
  settings: EvaluationSettings = {},
): ModelReport {
  // windows of senders with differential privacy on may hold negative counts: none reach a statistic
  const reference = statisticalView(noisyReference);
  const current = statisticalView(noisyCurrent);
  const s = { ...DEFAULTS, ...settings };
  const task = ctx.model.task ?? asTask(current.task) ?? asTask(reference.task);
  const enoughRows = current.rows >= s.minRows;

  const names = [...new Set([...Object.keys(reference.features), ...Object.keys(current.features)])].sort();
  const pending = names.map(
    (n) =>
      [
        n,
        featureDistribution(n, reference.features[n], current.features[n], ctx, s, reference.rows, current.rows),
      ] as const,
  );
  // one Benjamini-Hochberg family: each feature's test p-value (chi-square, or KS in the KS fallback)
  const testable = pending.filter(([, p]) => p.pValue !== null && Number.isFinite(p.pValue));
  const adjusted = benjaminiHochberg(testable.map(([, p]) => p.pValue!));
  const adjustedBy = new Map(testable.map(([n], i) => [n, adjusted[i]!] as const));
  const features: Record<string, DistributionReport> = {};
  for (const [n, p] of pending) features[n] = decide(p, adjustedBy.get(n) ?? null, s, enoughRows);
  const drifted = Object.entries(features)
    .filter(([, f]) => f.drift.verdict === 'drift')
    .sort(([, a], [, b]) => (b.psi ?? 0) - (a.psi ?? 0))
    .map(([n]) => n);

  // Prediction signals are decided on their own p-values (not part of the features' BH family).
  const own = (p: Pending | null) => (p ? decide(p, p.pValue, s, enoughRows) : null);
  const scoreRef = reference.score;
  const scoreCur = current.score;
  const score =
    scoreRef && scoreCur
      ? own(numericComparison({ reference: scoreRef, current: scoreCur, note: null }, undefined, s))
      : null;
  const refClasses = reference.predictions.byClass;
  const curClasses = current.predictions.byClass;
  const classes =
    Object.keys(refClasses).length > 0 && Object.keys(curClasses).length > 0
      ? own(categoricalDistribution(refClasses, curClasses, s.alpha, s.bootstrapBelow))
      : null;
  const value =
    reference.value && current.value
      ? own(numericComparison({ reference: reference.value, current: current.value, note: null }, undefined, s))
      : null;

  const cal =
    task === 'binary_classification' || task === undefined
      ? calibrationReport(splitOf(current, s.positiveLabel))
      : null;
  const perfCur = performanceOf(current, task, s);
  const perfRef = performanceOf(reference, task, s);
  const performance: PerformanceReport | null = perfCur
    ? {
        ...perfCur,
        threshold: task === 'binary_classification' && splitOf(current, s.positiveLabel) ? s.threshold : null,
        reference: {
          accuracy: perfRef?.accuracy ?? null,
          precision: perfRef?.precision ?? null,
          recall: perfRef?.recall ?? null,
          f1: perfRef?.f1 ?? null,
          rocAuc: perfRef?.rocAuc ?? null,
          mae: perfRef?.mae ?? null,
          rmse: perfRef?.rmse ?? null,
        },
      }
    : null;
  const engine: DistributionEngine<Pending> = {
    // (no bootstrap interval per slice: the slice keeps only the verdict and the point statistics)
    feature: (n, ref, cur, refRows, curRows) =>
      featureDistribution(n, ref, cur, ctx, { ...s, bootstrapBelow: 0 }, refRows, curRows),
    score: (ref, cur) =>
      numericComparison({ reference: ref, current: cur, note: null }, undefined, { ...s, bootstrapBelow: 0 }),
    pValue: (p) => p.pValue,
    decide: (p, adjusted, enough, minRows) => decide(p, adjusted, { ...s, minRows }, enough),
  };
  const sliceDrift = sliceDriftReport(reference, current, { features, score }, engine, {
    alpha: s.alpha,
    minRows: settings.sliceMinRows ?? SLICE_DRIFT_DEFAULTS.minRows,
  });
  const lat = current.inferenceDuration['predict'] ?? current.inferenceDuration[''];
  const win = ctx.window
    ? {
        start: ctx.window.start.toISOString(),
        end: ctx.window.end.toISOString(),
        ...(ctx.window.partial?.length ? { partial: ctx.window.partial } : {}),
      }
    : null;
  const limits = { alpha: s.alpha, minCount: s.minRows, ...settings.limits };
  const business = businessReport(reference, current, limits);
  const dataQuality = dataQualityReport(reference, current, limits);
  const since = win?.start ?? null;
  const joint = jointDrift(reference, current, s);
  const jointChecks = joint === null ? [] : [checkEntry('joint_drift', joint.drift.verdict, since, {})];
  const verdicts = withChecks(
    verdictsOf(reference, current, task, s, settings.limits, { current: perfCur, reference: perfRef }, cal, {
      features,
      prediction: { score, classes, value },
      window: win,
    }),
    [...dataQualityChecks(dataQuality, since), ...businessChecks(business, since), ...jointChecks],
  );
  return {
    model: {
      name: ctx.model.name,
      version: ctx.model.version ?? null,
      task: task ?? null,
      role: ctx.model.role ?? 'primary',
    },
    window: win,
    reference: referenceReport(ctx.referenceKind, reference, ctx.referenceChoice),
    current: { count: current.rows, errors: Object.values(current.predictions.errors).reduce((a, b) => a + b, 0) },
    status: enoughRows ? 'ok' : 'insufficient_data',
    settings: {
      alpha: s.alpha,
      minRows: s.minRows,
      minPsi: s.minPsi,
      minJensenShannon: s.minJensenShannon,
      threshold: s.threshold,
    },
    features,
    drifted,
    insufficientResolution: unresolvedFeatures({ features }),
    prediction: { score, classes, value },
    calibration: cal,
    performance,
    latency:
      lat && lat.count > 0
        ? {
            count: lat.count,
            p50: histogramQuantile(lat, 0.5),
            p95: histogramQuantile(lat, 0.95),
            p99: histogramQuantile(lat, 0.99),
          }
        : null,
    estimated:
      task === 'binary_classification' || task === undefined ? estimatedPerformance(reference, current, s) : null,
    fairness: task === 'binary_classification' || task === undefined ? fairnessReport(current, s) : null,
    sliceDrift,
    comparison: null,
    attribution: attributionReport(reference, current, s, enoughRows),
    retrain: null,
    verdicts,
    business,
    dataQuality,
    joint,
  };
}
