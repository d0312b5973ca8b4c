/**
 * Semantic checks of single OTLP data points. A point failing a check is dropped on its own
 * (the rest of the request is kept) and counted under a stable reason code, so the receiver
 * can answer an OTLP partial success. Rules follow the OTLP metrics data model
 * (opentelemetry-proto metrics.proto comments and the "Metrics Data Model" specification).
 */
import {
  FLAG_NO_RECORDED_VALUE,
  type ExponentialHistogramPoint,
  type HistogramPoint,
  type NumberPoint,
} from './model.js';

/** Stable reason codes with their human explanation (used in partial_success.error_message). */
export const REJECTION_REASONS = {
  missing_metric_name: 'metric has an empty name',
  missing_time: 'time_unix_nano is 0 or missing',
  negative_time: 'a timestamp is negative',
  start_after_time: 'start_time_unix_nano is after time_unix_nano',
  missing_value: 'number data point has neither as_double nor as_int',
  non_finite_value: 'number data point value is NaN or infinite',
  negative_count: 'a count is negative',
  count_not_exact: 'a count is not an integer below 2^53',
  bucket_counts_length_mismatch: 'histogram bucket_counts length is not explicit_bounds length + 1',
  bucket_counts_sum_mismatch: 'bucket counts do not add up to count',
  non_finite_bound: 'histogram explicit_bounds contains NaN or an infinity',
  bounds_not_increasing: 'histogram explicit_bounds are not strictly increasing',
  min_greater_than_max: 'min is greater than max',
  non_finite_sum: 'histogram sum, min or max is NaN or infinite',
  scale_out_of_range: 'exponential histogram scale is outside [-10, 20]',
  invalid_zero_threshold: 'exponential histogram zero_threshold is negative or not finite',
  offset_out_of_range: 'exponential histogram bucket offset range exceeds int32',
} as const;

export type RejectionReason = keyof typeof REJECTION_REASONS;

export interface Rejection {
  readonly reason: RejectionReason;
  readonly metric: string;
  readonly count: number;
}

/** Accumulates dropped points per (reason, metric). */
export class RejectionLog {
  private readonly counts = new Map<string, { reason: RejectionReason; metric: string; count: number }>();
  total = 0;

  add(reason: RejectionReason, metric: string, n = 1): void {
    if (n <= 0) return;
    const key = `${reason}\u0000${metric}`;
    const entry = this.counts.get(key);
    if (entry) entry.count += n;
    else this.counts.set(key, { reason, metric, count: n });
    this.total += n;
  }

  list(): Rejection[] {
    return [...this.counts.values()].map((e) => ({ ...e }));
  }

  /** One line for partial_success.error_message, e.g. `rejected 2 data points: ...`. */
  message(maxEntries = 10): string | undefined {
    if (this.total === 0) return undefined;
    const parts = this.list()
      .sort((a, b) => b.count - a.count)
      .map((r) => `${r.count} of metric "${r.metric}": ${REJECTION_REASONS[r.reason]} (${r.reason})`);
    const shown = parts.slice(0, maxEntries).join('; ');
    const more = parts.length > maxEntries ? `; and ${parts.length - maxEntries} more kinds` : '';
    return `rejected ${this.total} data point${this.total === 1 ? '' : 's'}: ${shown}${more}`;
  }
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

function checkTimes(p: { startTimeUnixNano: bigint; timeUnixNano: bigint }): RejectionReason | undefined {
  if (p.timeUnixNano < 0n || p.startTimeUnixNano < 0n) return 'negative_time';
  if (p.timeUnixNano === 0n) return 'missing_time';
  if (p.startTimeUnixNano > p.timeUnixNano) return 'start_after_time';
  return undefined;
}

function checkCount(c: number): RejectionReason | undefined {
  if (c < 0) return 'negative_count';
  if (!Number.isSafeInteger(c)) return 'count_not_exact';
  return undefined;
}

/** Checks every count of `counts` and returns their sum, or a reason. */
function sumCounts(counts: readonly number[]): number | RejectionReason {
  let total = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i];
    if (c < 0) return 'negative_count';
    if (!Number.isSafeInteger(c)) return 'count_not_exact';
    total += c;
  }
  return total;
}

/**
 * min <= max, and sum, min and max finite when present: a NaN or infinite sum would turn every
 * mean, MAE and RMSE of the window it is added to into NaN or Infinity.
 */
function checkMinMax(p: { sum?: number; min?: number; max?: number }): RejectionReason | undefined {
  if (
    (p.sum !== undefined && !Number.isFinite(p.sum)) ||
    (p.min !== undefined && !Number.isFinite(p.min)) ||
    (p.max !== undefined && !Number.isFinite(p.max))
  )
    return 'non_finite_sum';
  if (p.min !== undefined && p.max !== undefined && p.min > p.max) return 'min_greater_than_max';
  return undefined;
}

/** Value presence is encoded as NaN by the decoders when neither as_double nor as_int is set. */
export function checkNumberPoint(p: NumberPoint, hasValue: boolean): RejectionReason | undefined {
  const t = checkTimes(p);
  if (t) return t;
  if ((p.flags & FLAG_NO_RECORDED_VALUE) !== 0) return undefined;
  if (!hasValue) return 'missing_value';
  if (!Number.isFinite(p.value)) return 'non_finite_value';
  return undefined;
}

/**
 * Bounds arrays already found valid. The protobuf reader shares one frozen array between points
 * with byte-identical bounds, so each distinct layout is checked once per request.
 */
const validBounds = new WeakSet<readonly number[]>();

function checkBounds(bounds: readonly number[]): RejectionReason | undefined {
  if (validBounds.has(bounds)) return undefined;
  for (let i = 0; i < bounds.length; i++) {
    const b = bounds[i];
    if (!Number.isFinite(b)) return 'non_finite_bound';
    if (i > 0 && !(b > bounds[i - 1])) return 'bounds_not_increasing';
  }
  if (Object.isFrozen(bounds)) validBounds.add(bounds);
  return undefined;
}

/**
 * `countsTotal`, when given, is the sum of `p.bucketCounts` already computed by the caller,
 * which also checked that every count is an integer in [0, 2^53): the counts are then not
 * read again (the protobuf reader adds them up while decoding them).
 */
export function checkHistogramPoint(p: HistogramPoint, countsTotal?: number): RejectionReason | undefined {
  const t = checkTimes(p) ?? checkCount(p.count);
  if (t) return t;
  const bounds = p.explicitBounds;
  const counts = p.bucketCounts;
  if (counts.length === 0) {
    // Allowed by OTLP: a histogram carrying only count/sum must then have no bounds either.
    if (bounds.length !== 0) return 'bucket_counts_length_mismatch';
    return checkMinMax(p);
  }
  if (counts.length !== bounds.length + 1) return 'bucket_counts_length_mismatch';
  const b = checkBounds(bounds);
  if (b) return b;
  const total = countsTotal ?? sumCounts(counts);
  if (typeof total === 'string') return total;
  if (total !== p.count) return 'bucket_counts_sum_mismatch';
  return checkMinMax(p);
}

export function checkExponentialHistogramPoint(p: ExponentialHistogramPoint): RejectionReason | undefined {
  const t = checkTimes(p) ?? checkCount(p.count) ?? checkCount(p.zeroCount);
  if (t) return t;
  if (!Number.isInteger(p.scale) || p.scale < -10 || p.scale > 20) return 'scale_out_of_range';
  if (!(p.zeroThreshold >= 0) || !Number.isFinite(p.zeroThreshold)) return 'invalid_zero_threshold';
  let total = p.zeroCount;
  for (const side of [p.positive, p.negative]) {
    const n = side.bucketCounts.length;
    if (!Number.isInteger(side.offset) || side.offset < INT32_MIN || side.offset + Math.max(n - 1, 0) > INT32_MAX) {
      return 'offset_out_of_range';
    }
    const s = sumCounts(side.bucketCounts);
    if (typeof s === 'string') return s;
    total += s;
  }
  if (total !== p.count) return 'bucket_counts_sum_mismatch';
  return checkMinMax(p);
}
