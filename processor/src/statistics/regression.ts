import { StatisticsInputError, checkFinite } from './validate.js';

/** Running sums of regression errors e = y_pred - y_true (as in the baseline and the ml.outcome.error.* histograms). */
export interface RegressionErrorSums {
  readonly count: number;
  /** sum |e| */
  readonly absErrorSum: number;
  /** sum e^2 */
  readonly squaredErrorSum: number;
}

/**
 * Mean absolute error and root mean squared error from error sums:
 *
 *   MAE = sum|e| / n,   RMSE = sqrt(sum e^2 / n)
 *
 * Exact (no binning). Reference: Hyndman & Koehler (2006), Int. J. Forecasting 22(4).
 */
export function regressionErrors(s: RegressionErrorSums): { readonly mae: number; readonly rmse: number } {
  checkFinite(s.count, 'regression count');
  checkFinite(s.absErrorSum, 'sum of absolute errors');
  checkFinite(s.squaredErrorSum, 'sum of squared errors');
  if (!(s.count > 0)) throw new StatisticsInputError('regression errors: count must be positive');
  if (s.absErrorSum < 0 || s.squaredErrorSum < 0)
    throw new StatisticsInputError('regression errors: sums must be non-negative');
  return { mae: s.absErrorSum / s.count, rmse: Math.sqrt(s.squaredErrorSum / s.count) };
}
