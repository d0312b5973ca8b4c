/**
 * Business impact of a window: per business metric (`ml.business.metric`), the total and the mean
 * per prediction against the reference's, with the verdict of statistics/business-verdict.ts.
 * Pure.
 */
import type { ExplicitHistogram } from '@otel-ml/conventions';
import {
  businessValueTest,
  histogramMoments,
  perUnit,
  StatisticsInputError,
  type Moments,
  type VerdictLimits,
} from '../statistics/index.js';
import type { BusinessMetricReport, BusinessReport, CheckEntry } from './report-types.js';
import { checkEntry } from './verdicts.js';
import type { WindowSnapshot } from '../windows/snapshot.js';

/** Predictions a window's business values are spread over (predictions without a value count as 0). */
const predictionsOf = (v: WindowSnapshot): number => v.predictions.rows || v.rows;

/** Mean and variance per prediction, or null without values (or without a known sum). */
function perPrediction(h: ExplicitHistogram | undefined, predictions: number): Moments | null {
  if (!h || h.count <= 0) return null;
  try {
    return perUnit(histogramMoments(h), predictions);
  } catch (err) {
    if (err instanceof StatisticsInputError) return null;
    throw err;
  }
}

function metricReport(
  name: string,
  reference: WindowSnapshot,
  current: WindowSnapshot,
  limits: Partial<VerdictLimits>,
): BusinessMetricReport {
  const h = current.business[name];
  const r = reference.business[name];
  const cur = perPrediction(h, predictionsOf(current));
  const ref = perPrediction(r, predictionsOf(reference));
  const test = businessValueTest(cur, ref, limits);
  const difference = cur && ref ? cur.mean - ref.mean : null;
  return {
    predictions: cur?.count ?? predictionsOf(current),
    total: h && Number.isFinite(h.sum) ? h.sum : 0,
    mean: cur?.mean ?? null,
    referencePredictions: ref?.count ?? predictionsOf(reference),
    referenceTotal: r && Number.isFinite(r.sum) ? r.sum : null,
    referenceMean: ref?.mean ?? null,
    difference,
    relativeChange: difference !== null && ref && ref.mean !== 0 ? difference / Math.abs(ref.mean) : null,
    totalDifference: cur && ref ? cur.mean * cur.count - ref.mean * cur.count : null,
    test,
  };
}

/** The window's business metrics against the reference's; null when the window records none. */
export function businessReport(
  reference: WindowSnapshot,
  current: WindowSnapshot,
  limits: Partial<VerdictLimits>,
): BusinessReport | null {
  const names = Object.keys(current.business ?? {}).sort();
  if (names.length === 0) return null;
  return { metrics: Object.fromEntries(names.map((n) => [n, metricReport(n, reference, current, limits)])) };
}

/** The `business_value` check of each metric. */
export function businessChecks(b: BusinessReport | null, since: string | null): CheckEntry[] {
  return Object.entries(b?.metrics ?? {}).map(([metric, m]) =>
    checkEntry('business_value', m.test.verdict, since, { metric }),
  );
}
