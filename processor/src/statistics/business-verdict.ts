/**
 * Business value per prediction of a window against the reference's (revenue, cost, ... recorded
 * as `ml.business.value`): Welch's t-test (welch.ts) of the two means per prediction, each from
 * its histogram's exact sum and a bucket-based variance (histogram-moments.ts), predictions
 * without a value counting as 0. `degraded` when the one-sided p-value (H1: lower) is <= alpha
 * AND the (1 - 2 alpha) interval of the relative change lies below -maxBusinessValueDrop: the
 * value per prediction is, with confidence, more than the limit below the reference's.
 * The relative change divides by |reference mean| (taken as known: a reference of many windows or
 * a baseline has a far smaller error than one window; the difference's interval carries both).
 */
import { decided, fmt, insufficient, pct, resolveLimits, type ChangeTest, type VerdictLimits } from './change-test.js';
import type { Moments } from './histogram-moments.js';
import { welchTest } from './welch.js';

export function businessValueTest(
  current: Moments | null,
  reference: Moments | null,
  l: Partial<VerdictLimits> = {},
): ChangeTest {
  const o = resolveLimits(l);
  const limit = o.maxBusinessValueDrop;
  const count = current?.count ?? 0;
  if (reference === null || reference.count <= 0)
    return insufficient(limit, count, 'the reference has no business values', current?.mean ?? null);
  if (current === null || count < o.minCount)
    return insufficient(
      limit,
      count,
      `${count} predictions < minimum ${o.minCount}`,
      current?.mean ?? null,
      reference.mean,
    );
  if (reference.count < 2)
    return insufficient(limit, count, 'the reference has a single prediction', current.mean, reference.mean);
  if (reference.mean === 0)
    return insufficient(limit, count, "the reference's value per prediction is 0: no relative change", current.mean, 0);
  const w = welchTest(reference, current, 2 * o.alpha);
  const scale = Math.abs(reference.mean);
  const rel: readonly [number, number] = [w.interval[0] / scale, w.interval[1] / scale];
  const large = rel[1] <= -limit;
  const relative = w.difference / scale;
  return decided(
    'degraded',
    'no_degradation',
    {
      current: current.mean,
      reference: reference.mean,
      difference: w.difference,
      interval: w.interval,
      pValue: w.pLess,
      significant: w.pLess <= o.alpha,
      largeEffect: large,
      limit,
      count,
    },
    o.alpha,
    `value per prediction ${fmt(current.mean)} vs ${fmt(reference.mean)} (${relative >= 0 ? '+' : ''}${pct(relative)}), relative interval [${pct(rel[0])}, ${pct(rel[1])}] ${large ? 'beyond' : 'not beyond'} a drop of ${pct(limit)}`,
  );
}
