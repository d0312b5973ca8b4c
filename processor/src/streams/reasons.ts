/**
 * Why a data point was not accumulated. Every drop is counted under exactly one reason
 * (`ml.processor.points.dropped{ml.processor.drop.reason}`); {@link REJECTING_REASONS} lists those
 * that are also reported back to the sender in the OTLP `partial_success`.
 */
export const DROP_REASONS = [
  /** The metric is not one of the ML metrics this processor analyses. */
  'not_ml',
  /** Same stream, same start and timestamp as the last accepted point (e.g. a retried request). */
  'duplicate',
  /** Timestamp before the stream's cursor, or a cumulative point of an older series (older start time). */
  'out_of_order',
  /** A delta point whose interval overlaps the interval already accepted for its stream. */
  'overlap',
  /** The point carries FLAG_NO_RECORDED_VALUE; it neither counts nor resets the stream. */
  'no_recorded_value',
  /** A new stream was refused because the configured maximum number of streams is reached. */
  'stream_limit',
  /** Histogram boundaries differ from the reference and cannot be re-binned onto its edges. */
  'incompatible_boundaries',
  /** A cumulative stream changed its bucket layout without a new start time; the cursor restarts from it. */
  'boundaries_changed',
  /** Metric type or temporality the signal does not accept (gauge, summary, non-monotonic sum, unspecified). */
  'unsupported_type',
  /** An ML metric without an attribute it needs (ml.model.name, ml.feature.name, ...). */
  'missing_attribute',
  /** Malformed point: bucket count mismatch, negative or non-finite counts. */
  'invalid_point',
] as const;

export type DropReason = (typeof DROP_REASONS)[number];

/**
 * Reasons reported to the sender as rejected points. Not included: `not_ml` (a collector may fan
 * all metrics out to this processor; that is not an error), `duplicate` (a retry of data that is
 * already counted must look successful), `out_of_order`, `overlap` and `no_recorded_value` (normal
 * stream behaviour, handled as the OpenTelemetry data model prescribes).
 */
export const REJECTING_REASONS: ReadonlySet<DropReason> = new Set<DropReason>([
  'stream_limit',
  'incompatible_boundaries',
  'unsupported_type',
  'missing_attribute',
  'invalid_point',
]);

/** Drop counters by reason, all reasons present (zero when none). */
export type DropCounts = Record<DropReason, number>;

export function emptyDropCounts(): DropCounts {
  const out = {} as DropCounts;
  for (const r of DROP_REASONS) out[r] = 0;
  return out;
}
