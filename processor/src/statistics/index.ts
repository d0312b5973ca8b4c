/**
 * The statistics engine: pure functions over plain numbers, count vectors and
 * histograms (no OpenTelemetry imports, no side effects). Each module documents
 * its formula and a reference.
 */
export { StatisticsInputError } from './validate.js';
export { referenceBoundaries } from './reference-boundaries.js';
export type { ReferenceBoundaries, ReferenceBoundariesOptions } from './reference-boundaries.js';
export { histogramFromValues, exponentialFromValues, groupHistogram, rebinExplicit, rebinExponential } from './binning.js';
export type { ExponentialBinningOptions, RebinOptions, RebinResult } from './binning.js';
export { commonResolution, exponentialAsExplicit, isExponentialHistogram } from './common-resolution.js';
export type { CommonCells, CommonResolution, NumericHistogram } from './common-resolution.js';
export { compareNumeric } from './compare-numeric.js';
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
export { categoricalDrift } from './categorical.js';
export type { CategoricalDrift } from './categorical.js';
export { missingRate, missingnessShift } from './missingness.js';
export type { MissingnessShift } from './missingness.js';
export { labelSplitScores } from './scores.js';
export type { LabelSplitScores } from './scores.js';
export { calibration } from './calibration.js';
export type { Calibration, CalibrationOptions, ReliabilityBin } from './calibration.js';
export { binaryMetrics, binaryMetricsAtThreshold, binaryMetricsFromConfusion, confusionAtThreshold, multiclassMetrics } from './classification.js';
export type { BinaryCounts, BinaryMetrics, ClassMetrics, Confusion, MulticlassMetrics } from './classification.js';
export { rocAuc } from './roc-auc.js';
export { regressionErrors } from './regression.js';
export type { RegressionErrorSums } from './regression.js';
export { chiSquareCdf, chiSquareSf, chiSquareQuantile, kolmogorovCdf, kolmogorovSf, kolmogorovQuantile } from './distributions.js';
export { criticalValue, criticalValues, asymptoticPValue } from './critical-values.js';
export type { CriticalValues, NullSetting, TestedStatistic } from './critical-values.js';
export { benjaminiHochberg } from './multiple-testing.js';
export { DEFAULT_MIN_KS, decideDrift, decideWindow } from './decide.js';
export type { DecisionOptions, DriftDecision, DriftEvidence, DriftVerdict, FeatureEvidence } from './decide.js';
export { bootstrapInterval, MAX_BOOTSTRAP_ITERATIONS } from './bootstrap.js';
export type { BootstrapOptions, CountStatistic, NamedCountStatistic } from './bootstrap.js';
export { seededUniform, sampleMultinomial } from './random.js';
export { numericDrift } from './numeric-drift.js';
export type { NumericDrift } from './numeric-drift.js';
export { calibrationMap, estimatePerformance, isotonicFit } from './cbpe.js';
export type { CalibrationMap, EstimatedPerformance } from './cbpe.js';
export { aucStandardError, independentDifference, normalCritical, normalTwoSidedP, twoProportionTest, wilsonInterval } from './comparison.js';
export type { MeanDifference, ProportionDifference } from './comparison.js';
export { fairness } from './fairness.js';
export type { Disparity, Fairness, FairnessOptions, SliceInput, SliceMetrics } from './fairness.js';
