/**
 * Retraining triggers: after each evaluated window, whether retraining is recommended and why.
 * Pure: the caller passes the model's recent reports and the clock.
 */
import type { ModelReport, RetrainReason, RetrainReport } from './report-types.js';

export interface RetrainSettings {
  /** Consecutive drifted windows that recommend retraining (default 3; 0 disables). */
  readonly driftWindows?: number;
  /** Accuracy below which retraining is recommended (realized when enough outcomes, else estimated); unset disables. */
  readonly minAccuracy?: number;
  /** Maximum baseline age in ms; unset disables. */
  readonly maxBaselineAgeMs?: number;
  /** Outcomes a window needs before its realized accuracy is used instead of the estimate (default 30). */
  readonly minOutcomes?: number;
}

export interface RetrainContext {
  /** The baseline's `createdAt` (RFC 3339) when the model has one. */
  readonly baselineCreatedAt?: string;
  /** Wall clock, ms since the epoch. */
  readonly now: number;
}

/** A window counts as drifted when a feature or the prediction score, classes or value drifted. */
export function windowDrifted(r: ModelReport): boolean {
  if (r.status !== 'ok') return false;
  const p = r.prediction;
  return r.drifted.length > 0 || [p.score, p.classes, p.value].some((d) => d?.drift.verdict === 'drift');
}

/**
 * Retraining recommendation after `report`, given the model's `previous` reports (oldest first,
 * not including `report`):
 * - drift: the last `driftWindows` evaluated windows (this one included) all drifted (a window
 *   with too few rows breaks the run);
 * - performance: accuracy < `minAccuracy`, realized when the window has at least `minOutcomes`
 *   outcomes, else the confidence-based estimate;
 * - baseline_age: now - baseline.createdAt > `maxBaselineAgeMs`.
 */
export function retrainDecision(
  report: ModelReport,
  previous: readonly ModelReport[],
  ctx: RetrainContext,
  settings: RetrainSettings = {},
): RetrainReport {
  const k = settings.driftWindows ?? 3;
  const minOutcomes = settings.minOutcomes ?? 30;
  let run = 0;
  const all = [...previous, report];
  for (let i = all.length - 1; i >= 0 && windowDrifted(all[i]!); i--) run++;
  const reasons: RetrainReason[] = [];
  const details: string[] = [];
  if (k > 0 && run >= k) {
    reasons.push('drift');
    details.push(
      `drift in ${run} consecutive windows (limit ${k})${report.drifted.length ? `: ${report.drifted.join(', ')}` : ''}`,
    );
  }
  let accuracy: number | null = null;
  let accuracySource: RetrainReport['accuracySource'] = null;
  if (report.performance && report.performance.accuracy !== null && report.performance.count >= minOutcomes) {
    accuracy = report.performance.accuracy;
    accuracySource = 'realized';
  } else if (report.estimated) {
    accuracy = report.estimated.accuracy;
    accuracySource = 'estimated';
  }
  if (settings.minAccuracy !== undefined && accuracy !== null && accuracy < settings.minAccuracy) {
    reasons.push('performance');
    details.push(`${accuracySource} accuracy ${accuracy.toFixed(3)} below ${settings.minAccuracy}`);
  }
  let baselineAgeMs: number | null = null;
  const created = ctx.baselineCreatedAt === undefined ? NaN : Date.parse(ctx.baselineCreatedAt);
  if (Number.isFinite(created)) {
    baselineAgeMs = Math.max(0, ctx.now - created);
    if (settings.maxBaselineAgeMs !== undefined && baselineAgeMs > settings.maxBaselineAgeMs) {
      reasons.push('baseline_age');
      details.push(
        `baseline is ${(baselineAgeMs / 86_400_000).toFixed(1)} days old (limit ${(settings.maxBaselineAgeMs / 86_400_000).toFixed(1)})`,
      );
    }
  }
  return {
    recommended: reasons.length > 0,
    reasons,
    details,
    driftWindows: run,
    accuracy,
    accuracySource,
    baselineAgeMs,
  };
}

/** True when `current` recommends retraining and `previous` did not, or for other reasons. */
export function retrainStarted(previous: RetrainReport | null | undefined, current: RetrainReport): boolean {
  if (!current.recommended) return false;
  if (!previous?.recommended) return true;
  return previous.reasons.join() !== current.reasons.join();
}
