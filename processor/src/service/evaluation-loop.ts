/**
 * The evaluation loop of the live processor: closes due windows, chooses each one's reference
 * (analysis/reference-choice.ts), evaluates it, compares a canary or shadow with its primary,
 * decides on retraining (through the review gate or straight to the webhook), stores and
 * publishes the report; restores the recent reports after a restart; and runs itself on a timer
 * set for the next window end.
 */
import { diag } from '@opentelemetry/api';
import type { BaselineFile, ModelTask } from '@otel-ml/conventions';
import { evaluate } from '../analysis/evaluate.js';
import { compareDeployments, primaryFor } from '../analysis/compare.js';
import { chooseReference, primaryKeyOf, type ReferenceState } from '../analysis/reference-choice.js';
import { retrainDecision, retrainStarted } from '../analysis/retrain.js';
import { withHistory } from '../analysis/verdicts.js';
import { withTraceSamples } from '../analysis/trace-samples.js';
import type { ModelReport } from '../analysis/report-types.js';
import { parseModelKey, type StreamProcessor } from '../streams/processor.js';
import type { TraceSampler } from '../streams/spans.js';
import type { WindowSnapshot } from '../windows/snapshot.js';
import { modelConfigFor, type ModelConfig, type ServiceConfig } from './config.js';
import type { ProcessorHealth, ResultsEmitter } from './emit.js';
import type { MovedBins } from './exemplars.js';
import { retrainPayload, type RetrainWebhook } from './webhook.js';
import { DEFAULT_REVIEW_EXPIRY_MS, type ReviewGate } from './review.js';

/** Recent reports kept in memory per model (the state file keeps `retention.maxEvaluations`). */
const HISTORY = 48;

const modelLabel = (m: { readonly name: string; readonly version: string; readonly role: string }) =>
  `${m.name}${m.version ? ` v${m.version}` : ''} (${m.role})`;

/** What the reference choice reads of the stream processor's kept state. */
export function referenceStateOf(processor: StreamProcessor): ReferenceState {
  return {
    references: (k) => processor.references(k),
    history: (k) => processor.results.history(k),
    models: () => processor.models(),
    historyAt: (k, t) => processor.results.historyAt(k, t),
    historySpan: (k) => processor.results.historySpan(k),
  };
}

export interface EvaluationLoopOptions {
  readonly config: ServiceConfig;
  readonly processor: StreamProcessor;
  readonly emitter: ResultsEmitter;
  readonly gate: ReviewGate;
  readonly webhook: RetrainWebhook | undefined;
  /** Baselines by model name, and their decile boundaries per feature. */
  readonly baselines: ReadonlyMap<string, BaselineFile>;
  readonly baselineDeciles: ReadonlyMap<string, ReadonlyMap<string, readonly number[]>>;
  readonly clock: () => number;
  /** Trace samples per bin (config `traces`), named on the reports; absent when off. */
  readonly sampler: TraceSampler | undefined;
  /** The moved bins offered as exemplars on /metrics. */
  readonly moved: MovedBins;
  /** Called after each evaluated window. */
  readonly onReport?: (report: ModelReport) => void;
  /** Sends the results now (called after a pass that evaluated something). */
  readonly flush: () => void;
  /** Do not run on a timer (tests drive `evaluateNow`). */
  readonly manual?: boolean;
}

export interface EvaluationLoop {
  /** Closes due windows and evaluates them now; returns the new reports. */
  evaluateNow(now?: number): ModelReport[];
  /** Recent reports per model key, oldest first (bounded). */
  readonly history: ReadonlyMap<string, readonly ModelReport[]>;
  /** Evaluation lag and idle models at `now`. */
  health(now: number): ProcessorHealth;
  /** Publishes the recent evaluations kept in the state file (after a restart). */
  restore(): void;
  /** Starts the timer. */
  start(): void;
  /** A request was stored: a window it opened may end before the timer is due. */
  pointsStored(): void;
  /** Stops the timer. */
  stop(): void;
}

export function createEvaluationLoop(o: EvaluationLoopOptions): EvaluationLoop {
  const { config, processor, emitter, gate, webhook, baselines, baselineDeciles, clock, sampler, moved } = o;
  const rc0 = config.retrain;
  // The review gate: with `review: required` (retrain.review, or the model's own), a recommendation waits for a person.
  const reviewRequired = (mc: ModelConfig | undefined) => (mc?.review ?? rc0?.review) === 'required';

  const referenceState = referenceStateOf(processor);
  const history = new Map<string, ModelReport[]>();
  // models whose window closed without a reference to compare with (diagnosed once each)
  const collecting = new Set<string>();
  let evaluating = false;

  /** The primary's kept window of the same period as a candidate's (when it closed in an earlier pass). */
  const samePeriod = (primaryKey: string | undefined, snap: WindowSnapshot): WindowSnapshot | undefined => {
    const w = primaryKey === undefined ? undefined : processor.results.historyAt(primaryKey, snap.end - 1);
    return w?.end === snap.end ? w : undefined;
  };
  const owed: WindowSnapshot[] = processor.models().flatMap((k) => processor.unevaluatedWindows(k));

  /**
   * Evaluation lag: the oldest window due at `now` and not yet closed (the next pass closes it) or
   * owed from before a restart; idle windows per model since its last accepted point.
   */
  const health = (now: number): ProcessorHealth => {
    let due = processor.nextWindowEnd() ?? Infinity;
    for (const w of owed) due = Math.min(due, w.end);
    const length = processor.windowLengthMs();
    const idle = [...processor.lastPointTimes()].map(([key, t]) => ({
      ...parseModelKey(key),
      windows: Math.max(0, Math.floor((now - t) / length)),
    }));
    return { evaluationLagSeconds: Math.max(0, now - due) / 1000, idle };
  };

  let forgottenModels = processor.stats().pruned.models;
  const evaluateNow = (now: number = clock()): ModelReport[] => {
    if (evaluating) return [];
    evaluating = true;
    const out: ModelReport[] = [];
    try {
      // Windows owed from before a restart first, then the ones closing now.
      const closedNow = [...owed.splice(0), ...processor.closeDueWindows(now)];
      gate.expireDue(now);
      // models forgotten by retention leave the gauges and the status page too
      const forgotten = processor.stats().pruned.models;
      if (forgotten !== forgottenModels) {
        forgottenModels = forgotten;
        const kept = new Set(processor.models());
        for (const key of [...emitter.reports().keys()]) {
          if (kept.has(key)) continue;
          emitter.forget(key);
          moved.forget(key);
          history.delete(key);
        }
      }
      // Behind a load balancer (streams.handoffGap set, docs/scale-out.md): a model without a point
      // here for streams.staleAfter was routed to another instance (or stopped): its verdict gauges
      // become NaN here (no stale verdict keeps an alert firing from this instance) and it leaves
      // the status page; its idle gauge stays (MLModelStopped takes the least idle instance).
      if ((config.streams.handoffGapMs ?? 0) > 0) {
        const last = processor.lastPointTimes();
        for (const key of [...emitter.reports().keys()]) {
          const t = last.get(key);
          if (t !== undefined && now - t < config.streams.staleAfterMs) continue;
          emitter.retire(key);
          history.delete(key);
        }
      }
      // Primaries first: a canary or shadow uses the reference chosen for its primary in this pass.
      closedNow.sort(
        (a, b) => a.end - b.end || Number(a.model.role !== 'primary') - Number(b.model.role !== 'primary'),
      );
      // reservoirs of models whose windows stopped closing (at most a window and its extensions old)
      sampler?.reservoirs.prune(now - (config.windows.maxExtensions + 2) * config.windows.lengthMs);
      for (const snap of closedNow) {
        const started = performance.now();
        const samples = sampler?.reservoirs.take(snap.modelKey);
        const mc = modelConfigFor(config, snap);
        const primaryKey = primaryKeyOf(snap, closedNow, referenceState);
        const primary = primaryFor(snap, closedNow) ?? samePeriod(primaryKey, snap);
        const choice = chooseReference(referenceState, snap, primaryKey, {
          reference: mc?.reference,
          pin: mc?.pin,
          periodMs: mc?.periodMs,
          rollingWindows: config.references.rollingWindows,
        });
        if (choice.pin !== undefined) processor.pinReference(snap.modelKey, choice.pin);
        if (choice.snapshot === undefined) {
          if (choice.pinned) diag.info(`otel-ml: ${modelLabel(snap.model)}: ${choice.reason}`);
          else if (!collecting.has(snap.modelKey)) {
            // said once per model at the default level (the status page shows it as "collecting reference"), then per window at debug
            collecting.add(snap.modelKey);
            const collected = choice.requested === 'rolling' || choice.requested === 'pinned';
            diag.info(
              `otel-ml: ${modelLabel(snap.model)}: ${choice.reason} (window ${new Date(snap.start).toISOString()}, ${snap.rows} rows, not evaluated); ${collected ? 'collecting one from its windows, evaluation starts once there is one' : 'evaluation starts once there is a reference'}${choice.requested === 'rolling' ? ' (from the next window)' : ''}`,
            );
          } else {
            diag.debug(
              `otel-ml: ${modelLabel(snap.model)}: ${choice.reason}; window ${new Date(snap.start).toISOString()} not evaluated`,
            );
          }
          continue;
        }
        const { kind, snapshot: reference } = choice;
        const of =
          primaryKey === undefined ? null : { version: parseModelKey(primaryKey).version || null, role: 'primary' };
        const deciles = kind === 'baseline' ? baselineDeciles.get(snap.model.name) : undefined;
        const task = (snap.task || reference.task || undefined) as ModelTask | undefined;
        const evaluated = evaluate(
          reference,
          snap,
          {
            model: { name: snap.model.name, version: snap.model.version || undefined, task, role: snap.model.role },
            referenceKind: kind,
            referenceChoice: { requested: choice.requested, fallback: choice.fallback, of },
            window: {
              start: new Date(snap.start),
              end: new Date(snap.end),
              ...(snap.partial ? { partial: snap.partial } : {}),
            },
            decileBoundaries: deciles,
          },
          {
            alpha: config.evaluation.alpha,
            minRows: config.windows.minRows,
            minPsi: config.evaluation.minPsi,
            minJensenShannon: config.evaluation.minJensenShannon,
            threshold: config.evaluation.threshold,
            ...(config.evaluation.sliceMinRows !== undefined ? { sliceMinRows: config.evaluation.sliceMinRows } : {}),
            fairness: config.fairness,
            limits: { ...config.limits, ...mc?.limits },
          },
        );
        // Canary/shadow: compare with the primary window closed in this pass; then the retraining decision.
        const settings = {
          alpha: config.evaluation.alpha,
          minRows: config.windows.minRows,
          threshold: config.evaluation.threshold,
        };
        const compared = { ...evaluated, comparison: primary ? compareDeployments(primary, snap, settings) : null };
        const previous = history.get(snap.modelKey) ?? [];
        const retrain = retrainDecision(
          compared,
          previous,
          { baselineCreatedAt: baselines.get(snap.model.name)?.createdAt, now },
          { driftWindows: rc0?.driftWindows, minAccuracy: rc0?.minAccuracy, maxBaselineAgeMs: rc0?.maxBaselineAgeMs },
        );
        const report = withTraceSamples(withHistory({ ...compared, retrain }, previous[previous.length - 1]), samples);
        if (retrainStarted(previous[previous.length - 1]?.retrain, retrain)) {
          emitter.recommendRetraining(report);
          if (reviewRequired(mc)) {
            const window = { start: report.window?.start ?? '', end: report.window?.end ?? '' };
            const model = { name: snap.model.name, version: snap.model.version || null, role: snap.model.role };
            gate.recommend(
              snap.modelKey,
              model,
              window,
              retrain.reasons,
              retrainPayload(report),
              rc0?.reviewExpiryMs ?? DEFAULT_REVIEW_EXPIRY_MS,
            );
          } else webhook?.enqueue(retrainPayload(report));
        }
        processor.saveEvaluation(snap.modelKey, snap.end, report);
        emitter.publish(snap.modelKey, report, (performance.now() - started) / 1000);
        if (samples !== undefined) moved.record(snap.modelKey, report);
        const h = history.get(snap.modelKey) ?? [];
        h.push(report);
        if (h.length > HISTORY) h.shift();
        history.set(snap.modelKey, h);
        out.push(report);
        o.onReport?.(report);
      }
    } finally {
      evaluating = false;
    }
    // Results leave now, not at the next export interval: an alert is as late as its data.
    if (out.length > 0) o.flush();
    return out;
  };

  // Restore the recent evaluations of each model so that gauges, the status page and the
  // retraining decision (consecutive drifted windows) survive restarts.
  const restore = (): void => {
    for (const key of processor.models()) {
      let reports = processor.results.evaluationHistory(key) as ModelReport[];
      if (reports.length === 0) {
        // state files from before the evaluation history have only the last evaluation
        const last = processor.results.evaluation(key);
        if (last) reports = [last.body as ModelReport];
      }
      if (reports.length === 0) continue;
      reports = reports.slice(-HISTORY);
      emitter.publish(key, reports[reports.length - 1]!, 0);
      history.set(key, reports);
    }
  };

  // Windows are evaluated as soon as they close (a timer set for the next window end), and at
  // least every evaluation.interval (windows owed after a restart, extensions).
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let dueAt = Infinity;
  const schedule = (): void => {
    if (closed || o.manual) return;
    if (timer) clearTimeout(timer);
    const next = processor.nextWindowEnd();
    const wait =
      next === undefined
        ? config.evaluation.intervalMs
        : Math.min(config.evaluation.intervalMs, Math.max(0, next - clock()) + 50);
    dueAt = clock() + wait;
    timer = setTimeout(() => {
      try {
        evaluateNow();
      } catch (err) {
        diag.error(`otel-ml: evaluation failed: ${(err as Error).message}`);
      }
      schedule();
    }, wait);
    timer.unref();
  };

  return {
    evaluateNow,
    history,
    health,
    restore,
    start: schedule,
    pointsStored: () => {
      // A window opened by this request may end before the evaluation timer is due.
      if ((processor.nextWindowEnd() ?? Infinity) < dueAt - 50) schedule();
    },
    stop: () => {
      closed = true;
      if (timer) clearTimeout(timer);
    },
  };
}
