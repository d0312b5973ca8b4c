import { chiSquareTest } from './chi-square.js';
import type { ChiSquareTest } from './chi-square.js';
import { hellingerOfProportions } from './hellinger.js';
import { jensenShannonOfProportions } from './jensen-shannon.js';
import { klOfProportions } from './kl.js';
import { psiOfProportions } from './psi.js';
import { DEFAULT_EPSILON, rawProportions, smoothRawProportions } from './smoothing.js';
import { checkCountPair } from './validate.js';

/** The binned drift statistics of one current window against its reference, on the same bins. */
export interface BinnedDrift {
  readonly psi: number;
  /** KL(reference || current), nats. */
  readonly kl: number;
  /** Jensen-Shannon distance (natural log). */
  readonly jensenShannon: number;
  readonly hellinger: number;
  readonly chiSquare: ChiSquareTest;
  readonly bins: number;
  readonly referenceCount: number;
  readonly currentCount: number;
}

export interface BinnedDriftOptions {
  /** Pseudo-proportion of the empty-bin rule for PSI and KL (default 1e-4; see smoothing.ts). */
  readonly epsilon?: number;
}

/**
 * All binned statistics (PSI, KL, Jensen-Shannon, Hellinger, chi-square
 * homogeneity) of current counts `q` against reference counts `p` over the
 * same bins; see the individual functions for formulas and references.
 */
export function binnedDrift(p: ArrayLike<number>, q: ArrayLike<number>, opts: BinnedDriftOptions = {}): BinnedDrift {
  const { n, m } = checkCountPair(p, q);
  const eps = opts.epsilon ?? DEFAULT_EPSILON;
  // Each proportion vector once (the statistics' own entry points would each recompute them).
  const pr = rawProportions(p);
  const qr = rawProportions(q);
  const ps = smoothRawProportions(pr, eps);
  const qs = smoothRawProportions(qr, eps);
  return {
    psi: psiOfProportions(ps, qs),
    kl: klOfProportions(ps, qs),
    jensenShannon: jensenShannonOfProportions(pr, qr),
    hellinger: hellingerOfProportions(pr, qr),
    chiSquare: chiSquareTest(p, q),
    bins: p.length,
    referenceCount: n,
    currentCount: m,
  };
}
