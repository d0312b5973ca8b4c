import type { CounterCell } from './cells.js';

/** Values tracked per feature at a time (default of `limits.maxUnseenValues`). */
export const DEFAULT_MAX_UNSEEN_VALUES = 8;
/** Characters kept of an unseen value. */
export const MAX_UNSEEN_LENGTH = 64;
/** Distinct recent candidates remembered before admission (the doorkeeper). */
const CANDIDATES = 64;

/**
 * Names the most frequent values of one categorical feature that fall outside its known
 * categories (they are counted as `__other__` in `ml.feature.category.count`), within a bound:
 * at most `capacity` values have a counter (`ml.feature.category.unseen`) at a time.
 *
 * - A value is admitted on its second occurrence among the last 64 distinct candidates (a
 *   doorkeeper), so a stream of one-off values (ids, typos) never creates a series; its counter
 *   starts at 2 (both occurrences).
 * - When all counters are taken, admitting a value retires the counter incremented least
 *   recently (its series ends): values still arriving keep theirs.
 * Counts are exact from admission on. Values are cut to 64 characters.
 */
export class UnseenValues {
  private readonly tracked = new Map<string, { cell: CounterCell; last: number }>();
  private readonly candidates = new Set<string>();
  private tick = 0;

  constructor(
    private readonly capacity: number,
    /** Creates the counter of a value (registered with the aggregator). */
    private readonly create: (value: string) => CounterCell,
    /** Ends the series of a counter. */
    private readonly retire: (cell: CounterCell) => void,
  ) {}

  record(raw: string): void {
    if (this.capacity <= 0) return;
    const value = raw.length > MAX_UNSEEN_LENGTH ? raw.slice(0, MAX_UNSEEN_LENGTH) : raw;
    this.tick++;
    const t = this.tracked.get(value);
    if (t !== undefined) {
      t.cell.add(1);
      t.last = this.tick;
      return;
    }
    if (!this.candidates.has(value)) {
      if (this.candidates.size >= CANDIDATES) this.candidates.delete(this.candidates.values().next().value as string);
      this.candidates.add(value);
      return;
    }
    this.candidates.delete(value);
    if (this.tracked.size >= this.capacity) {
      let oldest: string | undefined;
      let at = Infinity;
      for (const [v, e] of this.tracked) {
        if (e.last < at) {
          at = e.last;
          oldest = v;
        }
      }
      this.retire(this.tracked.get(oldest!)!.cell);
      this.tracked.delete(oldest!);
    }
    const cell = this.create(value);
    cell.add(2);
    this.tracked.set(value, { cell, last: this.tick });
  }
}
