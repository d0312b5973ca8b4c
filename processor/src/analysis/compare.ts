/**
 * Canary and shadow verdicts: a candidate deployment of a model (ml.deployment.role canary or
 * shadow) against the primary, on the windows of both that closed together. Pure: no I/O.
 */
import type { ExplicitHistogram } from '@otel-ml/conventions';
import {
  aucStandardError,
  binaryMetricsAtThreshold,
  binnedDrift,
  categoricalDrift,
  groupHistogram,
  independentDifference,
  ksTest,
  labelSplitScores,
  multiclassMetrics,
  rebinExplicit,
  rocAuc,
  StatisticsInputError,
  twoProportionTest,
} from '../statistics/index.js';
import type { WindowSnapshot } from '../windows/snapshot.js';
import { decilesFromHistogram, histogramQuantile } from '../statistics/index.js';
import type { ComparisonReport, ComparisonVerdict } from './report-types.js';
import { DEFAULT_ALPHA, DEFAULT_MIN_ROWS, DEFAULT_THRESHOLD } from '../statistics/defaults.js';
import { statisticalView } from '../windows/noisy.js';

export interface ComparisonSettings {
  /** Family-wise significance level of the decisive tests, Bonferroni-split among them (default 0.01). */
  readonly alpha?: number;
  /** Rows each side needs for a verdict (default 50). */
  readonly minRows?: number;
  /** Outcomes each side needs before performance is compared (default 30). */
  readonly minOutcomes?: number;
  /** Smallest accuracy/AUC difference that counts (default 0.01). */
  readonly minPerformanceDelta?: number;
  /** Smallest error-rate difference that counts (default 0.005). */
  readonly minErrorRateDelta?: number;
  /** Relative change of mean latency that counts (default 0.1 = 10%). */
  readonly latencyTolerance?: number;
  readonly threshold?: number;
  readonly positiveLabel?: string;
}

const DEFAULTS = {
  alpha: DEFAULT_ALPHA,
  minRows: DEFAULT_MIN_ROWS,
  minOutcomes: 30,
  minPerformanceDelta: 0.01,
  minErrorRateDelta: 0.005,
  latencyTolerance: 0.1,
  threshold: DEFAULT_THRESHOLD,
  positiveLabel: '1',
};

/** Runs `f`, returning null when the statistics reject the input (empty, mismatched...). */
function guarded<T>(f: () => T): T | null {
  try {
    return f();
  } catch (err) {
    if (err instanceof StatisticsInputError) return null;
    throw err;
  }
}

function onBoundaries(h: ExplicitHistogram, like: ExplicitHistogram): ExplicitHistogram | null {
  if (h.boundaries.length === like.boundaries.length && h.boundaries.every((b, i) => b === like.boundaries[i]))
    return h;
  const r = rebinExplicit(h, like.boundaries);
  return r.ok ? r.histogram : null;
}

function scoreComparison(
  p: ExplicitHistogram | undefined,
  c: ExplicitHistogram | undefined,
): ComparisonReport['score'] {
  if (!p || !c || p.count <= 0 || c.count <= 0) return null;
  return guarded(() => {
    const cur = onBoundaries(c, p);
    if (!cur) return null;
    const deciles = decilesFromHistogram(p);
    const d = binnedDrift(groupHistogram(p, deciles).counts, groupHistogram(cur, deciles).counts);
    return { jensenShannon: d.jensenShannon, psi: d.psi, ks: ksTest(p, cur).statistic, pValue: d.chiSquare.pValue };
  });
}

interface Outcomes {
  readonly correct: number;
  readonly total: number;
  readonly auc: { readonly value: number; readonly se: number } | null;
}

/** Realized correct/total (and AUC with its Hanley-McNeil error) of a window's outcomes. */
function outcomesOf(v: WindowSnapshot, s: typeof DEFAULTS): Outcomes | null {
  const byLabel = v.outcomes.scoreByLabel;
  const scored = Object.values(byLabel).reduce((a, h) => a + h.count, 0);
  if (scored > 0) {
    return guarded(() => {
      const split = labelSplitScores(byLabel, s.positiveLabel);
      const m = binaryMetricsAtThreshold(split, s.threshold);
      const pos = m.tp + m.fn;
      const neg = m.tn + m.fp;
      const auc = pos > 0 && neg > 0 ? rocAuc(split) : null;
      return {
        correct: m.tp + m.tn,
        total: pos + neg,
        auc: auc === null ? null : { value: auc, se: aucStandardError(auc, pos, neg) },
      };
    });
  }
  const total = Object.values(v.outcomes.confusion).reduce(
    (a, row) => a + Object.values(row).reduce((x, y) => x + y, 0),
    0,
  );
  if (total <= 0) return null;
  return guarded(() => ({ correct: multiclassMetrics(v.outcomes.confusion).accuracy * total, total, auc: null }));
}

const latencyOf = (v: WindowSnapshot) => v.inferenceDuration['predict'] ?? v.inferenceDuration[''];
const errorsOf = (v: WindowSnapshot) => Object.values(v.predictions.errors).reduce((a, b) => a + b, 0);
const f3 = (x: number) => x.toFixed(3);
const pv = (p: number) => (p < 1e-4 ? 'p < 1e-4' : `p = ${p.toFixed(4)}`);

/**
 * Compares a candidate window with the primary's window of the same model and period.
 *
 * Decisive tests (each significant at alpha / m, Bonferroni over the m available):
 * accuracy (two-proportion z-test), ROC AUC (difference of independent AUCs with Hanley-McNeil
 * errors), error rate (two-proportion z-test) and mean latency (KS test of the latency
 * histograms). A decisive difference also needs an effect beyond its minimum. Verdict:
 * `insufficient_data` when either side has fewer than `minRows` rows; `candidate_worse` when any
 * decisive test finds the candidate worse; `candidate_better` when some find it better and none
 * worse; else `no_difference`. Score and class distributions and row agreement are reported
 * alongside (a changed model is expected to score differently) but do not decide.
 * Shadow traffic is the same rows as the primary's, so its samples are not independent; the
 * independent-sample tests are then conservative for accuracy and AUC.
 */
export function compareDeployments(
  noisyPrimary: WindowSnapshot,
  noisyCandidate: WindowSnapshot,
  settings: ComparisonSettings = {},
): ComparisonReport {
  // windows of senders with differential privacy on may hold negative counts (windows/noisy.ts)
  const primary = statisticalView(noisyPrimary);
  const candidate = statisticalView(noisyCandidate);
  const s = { ...DEFAULTS, ...settings };
  const side = (v: WindowSnapshot) => ({ version: v.model.version || null, role: v.model.role, count: v.rows });
  const reasons: string[] = [];
  const score = scoreComparison(primary.score, candidate.score);
  const classes = guarded(() => {
    const p = primary.predictions.byClass;
    const c = candidate.predictions.byClass;
    if (Object.keys(p).length === 0 || Object.keys(c).length === 0) return null;
    const d = categoricalDrift(p, c);
    return { jensenShannon: d.jensenShannon, pValue: d.chiSquare.pValue };
  });
  const sh = Object.keys(candidate.shadow).length > 0 ? candidate.shadow : primary.shadow;
  const agree = sh['agree'] ?? 0;
  const disagree = sh['disagree'] ?? 0;
  const agreement =
    agree + disagree > 0
      ? { rate: agree / (agree + disagree), count: agree + disagree, errors: sh['error'] ?? 0 }
      : null;

  const pl = latencyOf(primary);
  const cl = latencyOf(candidate);
  const latency =
    pl && cl && pl.count > 0 && cl.count > 0
      ? guarded(() => {
          const c = onBoundaries(cl, pl);
          if (!c) return null;
          const primaryMean = pl.sum / pl.count;
          const candidateMean = cl.sum / cl.count;
          return {
            primaryMean,
            candidateMean,
            difference: candidateMean - primaryMean,
            primaryP95: histogramQuantile(pl, 0.95),
            candidateP95: histogramQuantile(cl, 0.95),
            pValue: ksTest(pl, c).pValue,
          };
        })
      : null;
  const pe = errorsOf(primary);
  const ce = errorsOf(candidate);
  const errors =
    pe + ce > 0 && primary.rows + pe > 0 && candidate.rows + ce > 0
      ? (() => {
          const t = twoProportionTest(pe, primary.rows + pe, ce, candidate.rows + ce);
          return { primaryRate: t.p1, candidateRate: t.p2, difference: t.difference, pValue: t.pValue };
        })()
      : null;
  const po = outcomesOf(primary, s);
  const co = outcomesOf(candidate, s);
  let performance: ComparisonReport['performance'] = null;
  if (po && co && po.total >= s.minOutcomes && co.total >= s.minOutcomes) {
    const t = twoProportionTest(po.correct, po.total, co.correct, co.total);
    const auc = po.auc && co.auc ? independentDifference(po.auc.value, po.auc.se, co.auc.value, co.auc.se) : null;
    performance = {
      accuracy: { primary: t.p1, candidate: t.p2, difference: t.difference, pValue: t.pValue },
      rocAuc:
        auc && po.auc && co.auc
          ? { primary: po.auc.value, candidate: co.auc.value, difference: auc.difference, pValue: auc.pValue }
          : null,
    };
  }

  // Decisive findings: [name, signed "candidate better" effect, p-value, minimum effect].
  const tests: [string, number, number, number][] = [];
  if (performance?.accuracy)
    tests.push(['accuracy', performance.accuracy.difference, performance.accuracy.pValue, s.minPerformanceDelta]);
  if (performance?.rocAuc)
    tests.push(['ROC AUC', performance.rocAuc.difference, performance.rocAuc.pValue, s.minPerformanceDelta]);
  if (errors) tests.push(['error rate', -errors.difference, errors.pValue, s.minErrorRateDelta]);
  if (latency)
    tests.push(['mean latency', -latency.difference / latency.primaryMean, latency.pValue, s.latencyTolerance]);
  let verdict: ComparisonVerdict;
  if (primary.rows < s.minRows || candidate.rows < s.minRows) {
    verdict = 'insufficient_data';
    reasons.push(`fewer than ${s.minRows} rows (primary ${primary.rows}, ${candidate.model.role} ${candidate.rows})`);
  } else {
    const level = s.alpha / Math.max(1, tests.length);
    let worse = false;
    let better = false;
    for (const [name, effect, p, min] of tests) {
      if (!(p < level) || Math.abs(effect) < min) continue;
      const what = name === 'mean latency' ? `${(Math.abs(effect) * 100).toFixed(1)}%` : f3(Math.abs(effect));
      reasons.push(`${name} ${effect > 0 ? 'better' : 'worse'} by ${what} (${pv(p)})`);
      if (effect > 0) better = true;
      else worse = true;
    }
    verdict = worse ? 'candidate_worse' : better ? 'candidate_better' : 'no_difference';
    if (verdict === 'no_difference')
      reasons.push(
        tests.length > 0
          ? `no significant difference in ${tests.map((t) => t[0]).join(', ')}`
          : 'nothing decisive to compare (no outcomes, errors or latency)',
      );
  }
  if (score && score.pValue < s.alpha)
    reasons.push(`score distribution differs (JS ${f3(score.jensenShannon)}, ${pv(score.pValue)})`);
  if (agreement) reasons.push(`rows agree ${(agreement.rate * 100).toFixed(1)}% of ${agreement.count}`);
  return {
    primary: side(primary),
    candidate: side(candidate),
    verdict,
    reasons,
    alpha: s.alpha,
    score,
    classes,
    agreement,
    latency,
    errors,
    performance,
  };
}

/**
 * The primary window that a candidate window (role other than primary) is compared with: the
 * same model name and resource values, role primary, closed at the same end. Undefined otherwise.
 */
export function primaryFor(candidate: WindowSnapshot, closed: readonly WindowSnapshot[]): WindowSnapshot | undefined {
  if (candidate.model.role === 'primary') return undefined;
  const res = JSON.stringify(candidate.model.resource);
  return closed.find(
    (s) =>
      s.model.role === 'primary' &&
      s.model.name === candidate.model.name &&
      s.end === candidate.end &&
      JSON.stringify(s.model.resource) === res,
  );
}
