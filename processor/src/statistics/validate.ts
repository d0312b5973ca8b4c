/**
 * Input checks shared by the statistics modules. Every statistic rejects
 * malformed input with a {@link StatisticsInputError} whose message says what
 * is wrong, instead of returning NaN.
 */

/** Thrown when a statistic is given input it cannot use (NaN/Inf, negative counts, mismatched bins...). */
export class StatisticsInputError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'StatisticsInputError';
  }
}

/** Throws unless every entry is a finite, non-negative number; returns their sum. */
export function checkCounts(counts: ArrayLike<number>, what: string): number {
  let total = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (!Number.isFinite(c) || c < 0)
      throw new StatisticsInputError(`${what}: count ${i} is negative or not finite (${c})`);
    total += c;
  }
  return total;
}

/** Throws unless `p` and `q` are count vectors over the same bins, each with a positive total. */
export function checkCountPair(p: ArrayLike<number>, q: ArrayLike<number>): { readonly n: number; readonly m: number } {
  if (p.length !== q.length) {
    throw new StatisticsInputError(`mismatched bins: reference has ${p.length} bins, current has ${q.length}`);
  }
  if (p.length === 0) throw new StatisticsInputError('no bins');
  const n = checkCounts(p, 'reference');
  const m = checkCounts(q, 'current');
  if (n <= 0) throw new StatisticsInputError('reference counts add up to 0');
  if (m <= 0) throw new StatisticsInputError('current counts add up to 0');
  return { n, m };
}

/** Throws unless `x` is a finite number. */
export function checkFinite(x: number, what: string): void {
  if (!Number.isFinite(x)) throw new StatisticsInputError(`${what} is not finite (${x})`);
}

/** Throws unless `x` is in the open interval (0, 1). */
export function checkProbability(x: number, what: string): void {
  if (!(x > 0 && x < 1)) throw new StatisticsInputError(`${what} must be in (0, 1), got ${x}`);
}

/** Throws unless `b` is a strictly increasing array of finite numbers. */
export function checkBoundaries(b: readonly number[], what: string): void {
  for (let i = 0; i < b.length; i++) {
    if (!Number.isFinite(b[i]!)) throw new StatisticsInputError(`${what}: boundary ${i} is not finite (${b[i]})`);
    if (i > 0 && !(b[i]! > b[i - 1]!))
      throw new StatisticsInputError(`${what}: boundaries are not strictly increasing at index ${i}`);
  }
}
