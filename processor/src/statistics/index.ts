/**
 * The statistics engine: pure functions over plain numbers, count vectors and
 * histograms (no OpenTelemetry imports, no side effects). Each module documents
 * its formula and a reference.
 */
export { StatisticsInputError } from './validate.js';
export { referenceBoundaries } from './reference-boundaries.js';
export { decilesFromHistogram, histogramQuantile } from './histogram-quantiles.js';
export type { ReferenceBoundaries, ReferenceBoundariesOptions } from './reference-boundaries.js';
export {
  histogramFromValues,
  exponentialFromValues,
  groupHistogram,
  rebinExplicit,
  rebinExponential,
} from './binning.js';
export type { ExponentialBinningOptions, RebinOptions, RebinResult } from './binning.js';
export { commonResolution, exponentialAsExplicit, isExponentialHistogram } from './common-resolution.js';
export type { CommonCells, CommonResolution, NumericHistogram } from './common-resolution.js';
export { compareNumeric, fallbackEvidence } from './compare-numeric.js';
export type { ComparisonResolution, CompareNumericOptions, NumericBin, NumericComparison } from './compare-numeric.js';
export { DEFAULT_EPSILON, smoothedProportions, rawProportions } from './smoothing.js';
export { psi } from './psi.js';
export { klDivergence } from './kl.js';
export { jensenShannonDistance } from './jensen-shannon.js';
export { hellingerDistance } from './hellinger.js';
export { chiSquareTest } from './chi-square.js';
export type { ChiSquareTest } from './chi-square.js';
export { binnedDrift } from './binned.js';
export type { BinnedDrift, BinnedDriftOptions } from './binned.js';
export { ksTest } from './ks.js';
export type { KsResult } from './ks.js';
export { wassersteinDistance } from './wasserstein.js';
export { slicedWasserstein } from './sliced-wasserstein.js';
export { categoricalDrift } from './categorical.js';
export type { CategoricalDrift } from './categorical.js';
export { missingRate, missingnessShift } from './missingness.js';
export type { MissingnessShift } from './missingness.js';
export { labelSplitScores } from './scores.js';
export type { LabelSplitScores } from './scores.js';
export { calibration } from './calibration.js';
export type { Calibration, CalibrationOptions, ReliabilityBin } from './calibration.js';
export {
  binaryMetrics,
  binaryMetricsAtThreshold,
  binaryMetricsFromConfusion,
  confusionAtThreshold,
  multiclassMetrics,
} from './classification.js';
export type { BinaryCounts, BinaryMetrics, ClassMetrics, Confusion, MulticlassMetrics } from './classification.js';
export { rocAuc } from './roc-auc.js';
export { regressionErrors } from './regression.js';
export type { RegressionErrorSums } from './regression.js';
export {
  chiSquareCdf,
  chiSquareSf,
  chiSquareQuantile,
  kolmogorovCdf,
  kolmogorovSf,
  kolmogorovQuantile,
} from './distributions.js';
export { criticalValue, criticalValues, asymptoticPValue } from './critical-values.js';
export type { CriticalValues, NullSetting, TestedStatistic } from './critical-values.js';
export { benjaminiHochberg } from './multiple-testing.js';
export { decideDrift, decideWindow } from './decide.js';
export {
  DEFAULT_ALPHA,
  DEFAULT_MIN_JENSEN_SHANNON,
  DEFAULT_MIN_KS,
  DEFAULT_MIN_PSI,
  DEFAULT_MIN_ROWS,
  DEFAULT_THRESHOLD,
} from './defaults.js';
export type { DecisionOptions, DriftDecision, DriftEvidence, DriftVerdict, FeatureEvidence } from './decide.js';
export { bootstrapInterval, MAX_BOOTSTRAP_ITERATIONS } from './bootstrap.js';
export type { BootstrapOptions, CountStatistic, NamedCountStatistic } from './bootstrap.js';
export { binomialSample, seededUniform, sampleMultinomial } from './random.js';
export { numericDrift } from './numeric-drift.js';
export type { NumericDrift } from './numeric-drift.js';
export { calibrationMap, estimatePerformance, isotonicFit } from './cbpe.js';
export type { CalibrationMap, EstimatedPerformance } from './cbpe.js';
export {
  aucStandardError,
  independentDifference,
  normalCritical,
  normalTwoSidedP,
  twoProportionTest,
  wilsonInterval,
} from './comparison.js';
export type { MeanDifference, ProportionDifference } from './comparison.js';
export { fairness } from './fairness.js';
export type { Disparity, Fairness, FairnessOptions, SliceInput, SliceMetrics } from './fairness.js';
export { combineMovements, sliceMovements } from './slice-contribution.js';
export type { SliceBins, SliceContribution, SliceMovement, SliceMovements } from './slice-contribution.js';
export { delongAuc } from './delong.js';
export type { DelongAuc } from './delong.js';
export { fisherExactOneSided } from './fisher-exact.js';
export { calibrationTest } from './calibration-test.js';
export type { CalibrationTest, CalibrationTestOptions } from './calibration-test.js';
export {
  VERDICT_DEFAULTS,
  FLAGGING_VERDICTS,
  accuracyTest,
  calibrationVerdict,
  missingTest,
  rocAucTest,
  shareTest,
} from './verdicts.js';
export type { ChangeTest, ChangeVerdict, Proportion, VerdictLimits } from './verdicts.js';
export { riseTest, resolveLimits } from './change-test.js';
export { histogramMoments, perUnit } from './histogram-moments.js';
export type { Moments, RawMoments } from './histogram-moments.js';
export { welchTest } from './welch.js';
export type { WelchTest } from './welch.js';
export { businessValueTest } from './business-verdict.js';
export {
  exponentialBuckets,
  explicitBucketList,
  explicitBuckets,
  outOfRange,
  outOfRangeTest,
  rangeOf,
} from './out-of-range.js';
export type { Bucket, BucketList, OutOfRangeCount, RangeBounds } from './out-of-range.js';
export { carryNegative, effectiveCount, NOISE_WEIGHT } from './noisy-counts.js';
export {
  DRIFT_STATISTICS,
  NO_CRITICAL_VALUES,
  NO_SOURCES,
  criticalValuesOf,
  driftStatisticFields,
  readDriftStatistic,
} from './registry.js';
export type {
  DriftCell,
  DriftDisplay,
  DriftInput,
  DriftMeasure,
  DriftReading,
  DriftReportShape,
  DriftSources,
  DriftStatistic,
  DriftStatisticFields,
  DriftTestResult,
  ReportCriticalValues,
} from './registry.js';
