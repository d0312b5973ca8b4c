/**
 * Retention of the state file: how long, and how many of, the rows that accumulate per model are
 * kept. This module owns the defaults (`otel-ml serve` reads them here through its `retention`
 * configuration section).
 *
 * - Closed windows (the history that pinned, rolling and seasonal references are found in): those
 *   that ended more than `historyMs` ago are deleted, and at most `maxHistoryWindows` per model
 *   are kept (the newest).
 * - Evaluations (the results of past windows, restored at restart for the status page, the
 *   gauges and the retraining decision): those of windows that ended more than `evaluationsMs`
 *   ago are deleted, and at most `maxEvaluations` per model are kept.
 * - A model forgotten in this way (no open window, no closed window and no evaluation kept) also
 *   loses its last evaluation, its rolling reference and its histogram layouts. Baselines and
 *   pinned references stay until replaced or unpinned: they are configuration, not accumulation.
 *
 * Ages are measured on the processor's clock against the window end. Pruning runs with each
 * pass that closes windows, deleting at most `rowsPerPass` rows per pass (and the count limits
 * at most that many per closed window or saved evaluation), so that a lowered limit or a long
 * outage does not turn one pass into a long transaction; what is left is deleted by the next
 * passes.
 */

const DAY_MS = 86_400_000;

export interface Retention {
  /** Closed windows that ended longer ago than this are deleted. Default 30 days. */
  readonly historyMs: number;
  /** Closed windows kept per model at most (the newest). Default 100. */
  readonly maxHistoryWindows: number;
  /** Evaluations of windows that ended longer ago than this are deleted. Default 30 days. */
  readonly evaluationsMs: number;
  /** Evaluations kept per model at most (the newest). Default 48. */
  readonly maxEvaluations: number;
  /** Rows deleted at most per pass (time limits, forgotten models). Default 1,000. */
  readonly rowsPerPass: number;
}

export const DEFAULT_RETENTION: Retention = {
  historyMs: 30 * DAY_MS,
  maxHistoryWindows: 100,
  evaluationsMs: 30 * DAY_MS,
  maxEvaluations: 48,
  rowsPerPass: 1000,
};

/** What one pruning pass deleted. */
export interface Pruned {
  readonly history: number;
  readonly evaluations: number;
  /** Models forgotten (their last evaluation, rolling reference and layouts deleted). */
  readonly models: number;
}

/** Validated retention with defaults; throws RangeError naming the field. */
export function retentionOptions(r: Partial<Retention> | undefined, rollingWindows: number): Retention {
  const out: Retention = {
    ...DEFAULT_RETENTION,
    maxHistoryWindows: Math.max(DEFAULT_RETENTION.maxHistoryWindows, rollingWindows),
    ...r,
  };
  for (const k of ['historyMs', 'evaluationsMs'] as const)
    if (!(out[k] > 0)) throw new RangeError(`retention: ${k} must be > 0`);
  for (const k of ['maxHistoryWindows', 'maxEvaluations', 'rowsPerPass'] as const) {
    if (!Number.isInteger(out[k]) || out[k] < 1) throw new RangeError(`retention: ${k} must be an integer >= 1`);
  }
  return out;
}
