/**
 * The data-quality and business-impact results of a report as gauges (`ml.feature.invalid.ratio`,
 * `ml.feature.out_of_range.ratio`, `ml.feature.new_category.ratio`, `ml.business.*`), and the
 * `ml.data_quality.detected` event of a window with a flagged data-quality check. Pure.
 */
import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_ML_BUSINESS_METRIC,
  ATTR_ML_DATA_QUALITY_DETAILS,
  ATTR_ML_DATA_QUALITY_ISSUES,
  ATTR_ML_FEATURE_NAME,
  METRIC_ML_BUSINESS_DIFFERENCE,
  METRIC_ML_BUSINESS_PER_PREDICTION,
  METRIC_ML_BUSINESS_P_VALUE,
  METRIC_ML_BUSINESS_REFERENCE_PER_PREDICTION,
  METRIC_ML_BUSINESS_RELATIVE_CHANGE,
  METRIC_ML_BUSINESS_SUM,
  METRIC_ML_FEATURE_INVALID_RATIO,
  METRIC_ML_FEATURE_NEW_CATEGORY_RATIO,
  METRIC_ML_FEATURE_OUT_OF_RANGE_RATIO,
} from '@otel-ml/conventions';
import type { ChangeTest, ModelReport } from '../analysis/report-types.js';
import { windowEventAttributes } from './event-attributes.js';

type Push = (metric: string, value: number | null | undefined, attributes: Attributes) => void;

/** Gauges of this module: name, description. */
export const QUALITY_GAUGES: readonly (readonly [string, string])[] = [
  [METRIC_ML_FEATURE_INVALID_RATIO, "Share of the window's rows with a value of the feature of the wrong type"],
  [
    METRIC_ML_FEATURE_OUT_OF_RANGE_RATIO,
    "Share of the window's values of the feature outside the reference's observed range (at least)",
  ],
  [
    METRIC_ML_FEATURE_NEW_CATEGORY_RATIO,
    "Share of the window's values of the feature in categories the reference does not know",
  ],
  [METRIC_ML_BUSINESS_SUM, 'Sum of the business values of the window'],
  [METRIC_ML_BUSINESS_PER_PREDICTION, 'Business value per prediction of the window'],
  [METRIC_ML_BUSINESS_REFERENCE_PER_PREDICTION, 'Business value per prediction of the reference'],
  [METRIC_ML_BUSINESS_DIFFERENCE, "Business value per prediction minus the reference's"],
  [METRIC_ML_BUSINESS_RELATIVE_CHANGE, 'Relative change of the business value per prediction against the reference'],
  [
    METRIC_ML_BUSINESS_P_VALUE,
    "One-sided p-value (Welch) that the business value per prediction is below the reference's",
  ],
];

/** The data-quality and business gauges of a report. */
export function qualityPoints(r: ModelReport, base: Attributes, push: Push): void {
  for (const [name, f] of Object.entries(r.dataQuality?.features ?? {})) {
    const attrs = { ...base, [ATTR_ML_FEATURE_NAME]: name };
    push(METRIC_ML_FEATURE_INVALID_RATIO, f.invalid.current, attrs);
    if (f.outOfRange && f.outOfRange.count > 0)
      push(
        METRIC_ML_FEATURE_OUT_OF_RANGE_RATIO,
        (f.outOfRange.below[0] + f.outOfRange.above[0]) / f.outOfRange.count,
        attrs,
      );
    push(METRIC_ML_FEATURE_NEW_CATEGORY_RATIO, f.newCategory?.share, attrs);
  }
  for (const [metric, b] of Object.entries(r.business?.metrics ?? {})) {
    const attrs = { ...base, [ATTR_ML_BUSINESS_METRIC]: metric };
    push(METRIC_ML_BUSINESS_SUM, b.total, attrs);
    push(METRIC_ML_BUSINESS_PER_PREDICTION, b.mean, attrs);
    push(METRIC_ML_BUSINESS_REFERENCE_PER_PREDICTION, b.referenceMean, attrs);
    push(METRIC_ML_BUSINESS_DIFFERENCE, b.difference, attrs);
    push(METRIC_ML_BUSINESS_RELATIVE_CHANGE, b.relativeChange, attrs);
    push(METRIC_ML_BUSINESS_P_VALUE, b.test.pValue, attrs);
  }
}

const DATA_QUALITY_CHECKS = new Set(['missing', 'invalid_value', 'out_of_range', 'new_category', 'unknown_feature']);

const round = (v: number | null) => (v === null ? null : Math.round(v * 100_000) / 100_000);
const evidence = (t: ChangeTest) => ({
  verdict: t.verdict,
  current: round(t.current),
  reference: round(t.reference),
  interval: t.interval?.map(round) ?? null,
  pValue: t.pValue,
});

/** Attributes and body of the `ml.data_quality.detected` event, when a data-quality check flags the window. */
export function dataQualityEvent(r: ModelReport): { attributes: Attributes; body: string } | undefined {
  const flagged = (r.verdicts?.checks ?? []).filter((c) => c.flagged && DATA_QUALITY_CHECKS.has(c.check));
  if (flagged.length === 0) return undefined;
  const details: Record<string, unknown> = {};
  for (const c of flagged) {
    const f = c.feature ?? '';
    const held = { windows: c.windows, since: c.since };
    const dq = r.dataQuality?.features[f];
    if (c.check === 'missing' && r.verdicts?.missing[f])
      details[`missing:${f}`] = { ...evidence(r.verdicts.missing[f]), ...held };
    else if (c.check === 'invalid_value' && dq) details[`invalid_value:${f}`] = { ...evidence(dq.invalid), ...held };
    else if (c.check === 'out_of_range' && dq?.outOfRange)
      details[`out_of_range:${f}`] = {
        ...evidence(dq.outOfRange.test),
        range: dq.outOfRange.range,
        below: dq.outOfRange.below,
        above: dq.outOfRange.above,
        ...held,
      };
    else if (c.check === 'new_category' && dq?.newCategory)
      details[`new_category:${f}`] = {
        ...evidence(dq.newCategory.test),
        categories: dq.newCategory.categories,
        unseen: dq.newCategory.unseen,
        ...held,
      };
    else if (c.check === 'unknown_feature')
      details[`unknown_feature:${f}`] = {
        verdict: c.verdict,
        rows: r.dataQuality?.unknownFeatures.find((u) => u.name === f)?.rows ?? null,
        ...held,
      };
  }
  const json = JSON.stringify(details);
  const attributes: Attributes = {
    ...windowEventAttributes(r),
    [ATTR_ML_DATA_QUALITY_ISSUES]: flagged.map((c) => `${c.check}:${c.feature ?? ''}`),
    [ATTR_ML_DATA_QUALITY_DETAILS]: json,
  };
  return { attributes, body: json };
}
