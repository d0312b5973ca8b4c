/**
 * The window's verdicts beyond drift (performance, calibration, predicted-class shares, missing
 * values; the tests are in statistics/verdicts.ts), every verdict of the window as one list of
 * checks, and how many consecutive windows each has held. Pure: the caller passes the model's
 * previous report.
 */
import type { ExplicitHistogram } from '@otel-ml/conventions';
import {
  FLAGGING_VERDICTS,
  VERDICT_DEFAULTS,
  accuracyTest,
  calibrationVerdict,
  missingTest,
  rocAucTest,
  shareTest,
  type ChangeTest,
  type ChangeVerdict,
  type LabelSplitScores,
  type Proportion,
  type VerdictLimits,
  resolveLimits,
} from '../statistics/index.js';
import type { CalibrationReport, CheckEntry, CheckName, ModelReport, VerdictsReport } from './report-types.js';
import { numericValueCount, type WindowSnapshot } from '../windows/snapshot.js';

/** What the evaluator already computed for the window and its reference. */
export interface VerdictInputs {
  readonly performance: {
    readonly current: { count: number; accuracy: number | null } | null;
    readonly reference: { count: number; accuracy: number | null } | null;
  };
  readonly scores: { readonly current: LabelSplitScores | null; readonly reference: LabelSplitScores | null };
  readonly calibration: { readonly current: CalibrationReport | null; readonly reference: CalibrationReport | null };
  /** Binary decision threshold (a row is flagged when its score is above it). */
  readonly threshold: number;
  /** The positive class of binary classifiers. */
  readonly positiveLabel: string;
}

const total = (h: ExplicitHistogram | undefined): number => (h ? h.counts.reduce((a, b) => a + b, 0) : 0);

/**
 * Rows predicted as each class: from `ml.predictions` by class when the points carry it, else, for
 * a binary classifier's score histogram, the rows scored above the threshold (the positive class)
 * out of all scored rows.
 */
export function classCounts(
  v: WindowSnapshot,
  threshold: number,
  positiveLabel: string,
): { readonly byClass: Readonly<Record<string, number>>; readonly total: number } | null {
  const byClass = v.predictions.byClass;
  const n = Object.values(byClass).reduce((a, b) => a + b, 0);
  if (n > 0) return { byClass, total: n };
  const s = v.score;
  if (!s || total(s) <= 0) return null;
  const cut = s.boundaries.findIndex((b) => Math.abs(b - threshold) <= 1e-12);
  if (cut < 0) return null;
  const above = s.counts.slice(cut + 1).reduce((a, b) => a + b, 0);
  return { byClass: { [positiveLabel]: above }, total: total(s) };
}

/** Missing and total rows of a feature in a window (null when the window never reported it). */
function missingOf(v: WindowSnapshot, feature: string): Proportion | null {
  const f = v.features[feature];
  if (!f) return null;
  const values = numericValueCount(f) + Object.values(f.categories ?? {}).reduce((a, b) => a + b, 0);
  return { count: f.missing, total: values + f.missing };
}

/** The window's verdicts against the reference (checks with windows = 1; see {@link withHistory}). */
export function windowVerdicts(
  reference: WindowSnapshot,
  current: WindowSnapshot,
  inputs: VerdictInputs,
  limits: Partial<VerdictLimits>,
  drift: Pick<ModelReport, 'features' | 'prediction' | 'window'>,
): VerdictsReport {
  const l = { ...VERDICT_DEFAULTS, ...limits };
  const { performance: perf, scores, calibration: cal } = inputs;
  const correct = (p: { count: number; accuracy: number | null }) => Math.round((p.accuracy ?? 0) * p.count);
  const accuracy =
    perf.current && perf.current.accuracy !== null
      ? accuracyTest(
          { correct: correct(perf.current), count: perf.current.count },
          perf.reference && perf.reference.accuracy !== null
            ? { correct: correct(perf.reference), count: perf.reference.count }
            : { correct: 0, count: 0 },
          l,
        )
      : null;
  const rocAuc =
    scores.current && scores.reference && scores.current.boundaries.length === scores.reference.boundaries.length
      ? rocAucTest(scores.current, scores.reference, l)
      : null;
  const calibration = cal.current
    ? calibrationVerdict(
        cal.current.bins.map(bin),
        (cal.reference?.bins ?? cal.current.bins.map((b) => ({ ...b, count: 0 }))).map(bin),
        cal.reference?.ece ?? null,
        l,
      )
    : null;

  const predictedShare: Record<string, ChangeTest> = {};
  const cur = classCounts(current, inputs.threshold, inputs.positiveLabel);
  const ref = classCounts(reference, inputs.threshold, inputs.positiveLabel);
  if (cur) {
    const classes =
      Object.keys(cur.byClass).length === 1 || !ref
        ? Object.keys(cur.byClass)
        : [...new Set([...Object.keys(cur.byClass), ...Object.keys(ref.byClass)])];
    for (const c of classes.sort())
      predictedShare[c] = shareTest(
        { count: cur.byClass[c] ?? 0, total: cur.total },
        ref ? { count: ref.byClass[c] ?? 0, total: ref.total } : { count: 0, total: 0 },
        l,
      );
  }
  const missing: Record<string, ChangeTest> = {};
  let resolved: VerdictLimits | undefined; // checked once, when the first feature needs it
  for (const name of Object.keys(drift.features)) {
    const c = missingOf(current, name);
    if (c)
      missing[name] = missingTest(
        c,
        missingOf(reference, name) ?? { count: 0, total: 0 },
        (resolved ??= resolveLimits(l)),
      );
  }
  const partial = { alpha: l.alpha, accuracy, rocAuc, calibration, predictedShare, missing };
  return { ...partial, checks: checksOf(drift, partial) };
}

const bin = (b: CalibrationReport['bins'][number]) => ({
  lower: b.lower,
  upper: b.upper,
  count: b.count,
  ...(b.meanPredicted !== null && b.observedRate !== null
    ? { meanPredicted: b.meanPredicted, observedRate: b.observedRate }
    : {}),
});

const flaggedOf = (verdict: string): boolean | null =>
  verdict === 'insufficient_data' || verdict === 'insufficient_resolution'
    ? null
    : verdict === 'drift' || FLAGGING_VERDICTS.includes(verdict as ChangeVerdict);

/** Every verdict of the window as one list (features and classes sorted by name). */
function checksOf(
  drift: Pick<ModelReport, 'features' | 'prediction' | 'window'>,
  v: Omit<VerdictsReport, 'checks'>,
): CheckEntry[] {
  const since = drift.window?.start ?? null;
  const out: CheckEntry[] = [];
  const add = (check: CheckName, verdict: string, feature: string | null = null, cls: string | null = null) =>
    out.push(checkEntry(check, verdict, since, { feature, class: cls }));
  for (const [name, f] of Object.entries(drift.features).sort(([a], [b]) => (a < b ? -1 : 1)))
    add('feature_drift', f.drift.verdict, name);
  if (drift.prediction.score) add('score_drift', drift.prediction.score.drift.verdict);
  if (drift.prediction.classes) add('class_drift', drift.prediction.classes.drift.verdict);
  if (v.accuracy) add('accuracy', v.accuracy.verdict);
  if (v.rocAuc) add('roc_auc', v.rocAuc.verdict);
  if (v.calibration) add('calibration', v.calibration.verdict);
  for (const [c, t] of Object.entries(v.predictedShare)) add('predicted_share', t.verdict, null, c);
  for (const [name, t] of Object.entries(v.missing).sort(([a], [b]) => (a < b ? -1 : 1)))
    add('missing', t.verdict, name);
  return out;
}

/** One check of a window (windows = 1; see {@link withHistory}). */
export function checkEntry(
  check: CheckName,
  verdict: string,
  since: string | null,
  subject: { feature?: string | null; class?: string | null; metric?: string | null },
): CheckEntry {
  return {
    check,
    feature: subject.feature ?? null,
    class: subject.class ?? null,
    metric: subject.metric ?? null,
    verdict,
    flagged: flaggedOf(verdict),
    windows: 1,
    since,
  };
}

/** `v` with more checks of the window (business values, data quality) at the end of its list. */
export function withChecks(v: VerdictsReport, more: readonly CheckEntry[]): VerdictsReport {
  return more.length === 0 ? v : { ...v, checks: [...v.checks, ...more] };
}

const keyOf = (c: CheckEntry) => `${c.check}\u0000${c.feature ?? ''}\u0000${c.class ?? ''}\u0000${c.metric ?? ''}`;

/**
 * `report` with each check's `windows` and `since` continued from the model's previous report:
 * a check whose verdict is the same as in the previous window has held one window longer since
 * the same start; any other verdict (insufficient_data included) starts a new run. An unknown
 * feature flagged in the previous window and absent from this one gets a `no_spike` check.
 */
export function withHistory(report: ModelReport, previous: ModelReport | undefined): ModelReport {
  if (!report.verdicts) return report;
  const before = new Map((previous?.verdicts?.checks ?? []).map((c) => [keyOf(c), c] as const));
  const now = new Set(report.verdicts.checks.map(keyOf));
  // An unknown feature that is gone is the clean state of its check: say so once, so that the
  // flag clears on every path (a vanished series would linger in Prometheus for minutes).
  const gone = [...before.values()].filter((c) => c.check === 'unknown_feature' && c.flagged && !now.has(keyOf(c)));
  const all = [
    ...report.verdicts.checks,
    ...gone.map((c) => checkEntry('unknown_feature', 'no_spike', report.window?.start ?? null, { feature: c.feature })),
  ];
  const checks = all.map((c) => {
    const p = before.get(keyOf(c));
    return p && p.verdict === c.verdict ? { ...c, windows: p.windows + 1, since: p.since ?? c.since } : c;
  });
  return { ...report, verdicts: { ...report.verdicts, checks } };
}
