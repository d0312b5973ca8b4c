/**
 * Why a data point was not accumulated. Every drop is counted under exactly one reason
 * (`ml.processor.points.dropped{ml.processor.drop.reason}`); {@link REJECTING_REASONS} lists those
 * that are also reported back to the sender in the OTLP `partial_success`.
 */
export const DROP_REASONS = [
  /** The metric is not one of the ML metrics this processor analyses. */
  'not_ml',
  /**
   * Already counted: a delta point with the same interval as one counted for its stream, or a
   * cumulative point with the start and timestamp of the last accepted one (e.g. a retried request).
   */
  'duplicate',
  /**
   * A cumulative point with a timestamp before the stream's cursor or of an older series (older
   * start time); a delta point older than the intervals its stream remembers
   * (`model/intervals.ts`), which cannot be proven not to be counted already.
   */
  'out_of_order',
  /** A delta point whose interval overlaps, without being equal to, an interval already counted for its stream. */
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
 * Reasons reported to the sender as rejected points (OTLP `partial_success`): every point with
 * data that was not counted, so that nothing is lost without the sender being told, including
 * `duplicate` (the retried data is counted once, from its first arrival; the sender learns that
 * the copy was not counted again), `out_of_order` and `overlap`. Not included, as they carry no
 * ML data: `not_ml` (a collector may fan all metrics out to this processor; that is not an
 * error) and `no_recorded_value` (a staleness marker without a value).
 */
export const REJECTING_REASONS: ReadonlySet<DropReason> = new Set<DropReason>(
  DROP_REASONS.filter((r) => r !== 'not_ml' && r !== 'no_recorded_value'),
);

/** Drop counters by reason, all reasons present (zero when none). */
export type DropCounts = Record<DropReason, number>;

export function emptyDropCounts(): DropCounts {
  const out = {} as DropCounts;
  for (const r of DROP_REASONS) out[r] = 0;
  return out;
}
