/**
 * `StreamProcessor`: the stateful core between the OTLP receivers and the evaluator.
 *
 * ingest(export) → per point: identity → cursor (cumulative→delta, order checks) → analysis slot
 * of the model's open window → write-through of everything the request changed in ONE SQLite
 * transaction, before returning. The receiver acknowledges only after `ingest` returned, so an
 * acknowledged point is durable, and since each cursor is committed together with the deltas it
 * produced, a retried or replayed cumulative point after a crash or restart finds its cursor and
 * is not counted twice.
 *
 * Hot state (cursors, open windows, layouts) lives in memory; SQLite is written through per
 * request and read only at open (and after a failed transaction, to drop uncommitted changes).
 * `ingestMany` commits several requests in one transaction (group commit: one fsync for all of
 * them), for a receiver that coalesces requests arriving while a commit runs.
 *
 * Explicit-bucket histograms are accumulated on reference boundaries per (model, slot): the
 * baseline's where it defines them, else the first boundaries seen (kept across windows); others
 * are re-binned with the statistics module's `rebinExplicit` or refused (`incompatible_boundaries`).
 * Exponential histograms of numeric features are merged as exponential histograms, in a slot
 * beside the feature's explicit one (`windows/accumulator.ts`: both kinds are kept); those of
 * other signals are re-binned onto the slot's layout (`rebinExponential`), the registry's
 * default buckets when no layout is known yet.
 * Predictions, scores and outcomes are also accumulated per `ml.slice.<key>` value.
 *
 * Limits (config, defaults in {@link DEFAULT_LIMITS}): maxStreams (new streams beyond it are
 * refused, reason `stream_limit`), staleAfterMs (cursors not updated for that long are removed,
 * swept by `closeDueWindows`), deltaIntervals (counted intervals remembered per delta stream, so
 * that delta points arriving out of order are counted once: `model/intervals.ts`). Every point
 * not accumulated is counted under one reason (`streams/reasons.ts`) and, except `not_ml` and
 * `no_recorded_value`, reported to the sender as rejected; `stats()` has the totals.
 *
 * A point is added to the model's window open when it arrives (processor time), whatever its
 * timestamps: a delta point that arrives late, out of order, is counted in the window open at its
 * arrival, as an in-order one would have been had it arrived then; a closed window is never
 * changed.
 */
import {
  ATTR_ML_PRIVACY_PART,
  CATEGORY_OVERFLOW,
  ML_PRIVACY_PART_VALUE_NEGATIVE,
  type BaselineFile,
  type ExplicitHistogram,
} from '@otel-ml/conventions';
import type {
  Attributes,
  ConsumeResult,
  ExponentialHistogramPoint,
  HistogramPoint,
  Metric,
  MetricsExport,
  NumberPoint,
} from '../otlp/model.js';
import { FLAG_NO_RECORDED_VALUE } from '../otlp/model.js';
import { isValidated } from '../otlp/decode.js';
import { rebinExplicit, rebinExponential } from '../statistics/binning.js';
import type { Durability } from '../store/sqlite.js';
import { StateDb } from '../store/sqlite.js';
import type { ResultReader, StreamStorage } from './storage.js';
import type { RetrainingStore } from '../store/retraining.js';
import type { CounterSlot, ExponentialSlot, HistogramSlot, OpenWindow, Slot } from '../windows/accumulator.js';
import { addToHistogram, boundsEqual, counterSlot, exponentialSlot, histogramSlot } from '../windows/accumulator.js';
import type { ReferenceKind, ReferenceOptions } from '../windows/references.js';
import { baselineApplies, baselineEdges, referenceOptions, rollingReference } from '../windows/references.js';
import type { WindowSnapshot } from '../windows/snapshot.js';
import { baselineSnapshot, snapshotOf } from '../windows/snapshot.js';
import type { WindowOptions } from '../windows/windows.js';
import { advanceWindow, alignedStart, windowOptions } from '../windows/windows.js';
import type { Cursor, ExpHistogramDelta, HistogramDelta, PartialReason, Step } from './delta.js';
import { exponentialStep, histogramStep, sumStep } from './delta.js';
import { DEFAULT_DELTA_INTERVALS } from '../model/intervals.js';
import { canonicalAttributes, hash64, metricIdentity, resourceIdentity } from './identity.js';
import type { DropCounts, DropReason } from './reasons.js';
import type { Pruned, Retention } from './retention.js';
import { retentionOptions } from './retention.js';
import { REJECTING_REASONS, emptyDropCounts } from './reasons.js';
import type { ModelIdentity, SignalSpec, SlotId } from '../model/signals.js';
import {
  ATTR,
  DEFAULT_LAYOUTS,
  EXPONENTIAL_SIGNALS,
  SIGNALS,
  attrString,
  exponentialSlotKey,
  modelKeyFrom,
  modelOf,
  parseSlotKey,
  resourceKeySuffix,
  resourcePart,
  sliceSlotKeys,
  slotKeyOf,
} from '../model/signals.js';

export interface Limits {
  /** Maximum live streams (cursors). Default 100,000. */
  readonly maxStreams: number;
  /** A stream not updated for this long (processor wall time, ms) is forgotten. Default 1 hour. */
  readonly staleAfterMs: number;
  /**
   * Counted intervals remembered per delta stream (`model/intervals.ts`): a delta point may
   * arrive up to this many intervals late and still be counted. Default 16.
   */
  readonly deltaIntervals: number;
  /**
   * Values kept per slice key and model (the first ones seen, those of the open window after a
   * restart); later ones are accumulated as `__other__`. Default 64 (above the instrumentation's
   * own bound of 32 plus its `__other__`, so that it only binds senders that do not bound theirs).
   */
  readonly maxSliceValues: number;
  /** Slice keys kept per model; points of later keys are not split by slice. Default 16. */
  readonly maxSliceKeys: number;
  /**
   * Handoff gap (ms, sender clock; 0 = off, the default): for instances behind a load balancer
   * whose routing may move a model between them (docs/scale-out.md). A cumulative series is
   * counted from its start only when it started at most this long before its first point here,
   * and a series seen again more than this long after its previous point is re-based, not
   * counted for the gap: what another instance counted is not counted twice. The windows
   * concerned are marked partial. Set it to about twice the senders' export interval.
   */
  readonly handoffGapMs: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxStreams: 100_000,
  staleAfterMs: 3_600_000,
  deltaIntervals: DEFAULT_DELTA_INTERVALS,
  maxSliceValues: 64,
  maxSliceKeys: 16,
  handoffGapMs: 0,
};

export interface StreamProcessorOptions {
  /** SQLite file; ':memory:' (default) keeps state for the life of the process only. */
  readonly path?: string;
  /** See `store/sqlite.ts`. Default 'full'. */
  readonly durability?: Durability;
  /** Wall clock in ms (injectable for tests). Default Date.now. */
  readonly clock?: () => number;
  readonly limits?: Partial<Limits>;
  /**
   * Resource attributes that are part of the model key (points whose resources differ in them do
   * not merge). Default ['deployment.environment.name'].
   */
  readonly resourceAttributes?: readonly string[];
  /**
   * Slice keys (the `<key>` of `ml.slice.<key>`) for which predictions, scores and outcomes are
   * also accumulated per slice value (`WindowSnapshot.slices`). Default: every slice key the
   * instrumentation sends (it bounds keys and values); [] turns slices off.
   */
  readonly sliceKeys?: readonly string[];
  readonly windows?: Partial<WindowOptions>;
  readonly references?: Partial<ReferenceOptions>;
  /**
   * How long and how many closed windows and evaluations are kept (`streams/retention.ts`).
   * Default: 30 days; at most max(100, rollingWindows) closed windows and 48 evaluations per model.
   */
  readonly retention?: Partial<Retention>;
  /** Journal size that triggers a checkpoint of the state tables (see `store/sqlite.ts`). Default 64 MiB. */
  readonly checkpointBytes?: number;
  /** Rows such a checkpoint writes per ingest transaction (it is spread over several). Default 2,000. */
  readonly checkpointRowsPerTransaction?: number;
  /**
   * Commit ingest transactions on a worker thread (`store/writer.ts`; state files only), so that
   * a slow disk write does not stall the event loop. Then {@link StreamProcessor.ingest} returns
   * before its transaction committed: acknowledge a request after {@link StreamProcessor.sync}.
   * Default false (the service turns it on).
   */
  readonly commitWorker?: boolean;
  /**
   * The storage to use instead of the SQLite state file (`streams/storage.ts`), which then owns
   * durability: `path`, `durability`, `checkpointBytes`, `checkpointRowsPerTransaction` and
   * `commitWorker` are not used. Closed with the processor.
   */
  readonly storage?: StreamStorage;
}

export interface ProcessorStats {
  /** Data points received (all metrics, including ignored ones). */
  readonly receivedPoints: number;
  /** Points that changed state (moved a cursor and/or added to a window). */
  readonly acceptedPoints: number;
  /** Points not accumulated, by reason. */
  readonly droppedPoints: Readonly<DropCounts>;
  /** Of the dropped points, those reported to senders as rejected. */
  readonly rejectedPoints: number;
  /** Live streams (cursors). */
  readonly liveStreams: number;
  readonly openWindows: number;
  readonly closedWindows: number;
  /** Streams forgotten by staleness. */
  readonly expiredStreams: number;
  /** Rows deleted by the time limits of retention (closed windows, evaluations) and models forgotten. */
  readonly pruned: Pruned;
  /** See `streams/delta.ts`: cumulative series starting before this instant (ns) are not counted from their start. */
  readonly horizonUnixNano: bigint;
}

/** What one request changed; written in one transaction. */
class Changes {
  /** Stream key → its new cursor. */
  readonly cursors = new Map<string, Cursor>();
  readonly windows = new Set<OpenWindow>();
  /** Slot → its model key. */
  readonly slots = new Map<Slot, string>();
  readonly layouts: [string, string, readonly number[]][] = [];
  readonly dropped = emptyDropCounts();
  received = 0;
  accepted = 0;
  rejected = 0;
  drop(reason: DropReason, n = 1): void {
    this.dropped[reason] += n;
    if (REJECTING_REASONS.has(reason)) this.rejected += n;
  }
}

type Point = NumberPoint | HistogramPoint | ExponentialHistogramPoint;

/** What a point's attributes resolve to (see `StreamProcessor.route`). */
interface Route {
  readonly streamKey: string;
  readonly modelKey: string;
  readonly slotKey: string;
  readonly sliceKeys: readonly string[];
  /** ml.model.task of the point, if any. */
  readonly task: string | undefined;
  /** The slot holds exponential histograms (a numeric feature's exponential points). */
  readonly exponential: boolean;
  /** Kept in the route cache (for the stream's next points). */
  shared: boolean;
  /**
   * The open window and its slot `slotKey` that the last point added to; cleared when a window
   * closes or the windows reload (`StreamProcessor.releaseRouteSlots`), so that no route keeps a
   * closed window alive.
   */
  window?: OpenWindow;
  slot?: Slot;
}

/** The route of points lacking the model name or a required slot attribute. */
const MISSING_ATTRIBUTE: Route = {
  streamKey: '',
  modelKey: '',
  slotKey: '',
  sliceKeys: [],
  task: undefined,
  exponential: false,
  shared: false,
};

/** Node of the route cache: attribute key → value → node; `route` where a point's attributes end. */
interface RouteNode {
  next?: Map<string, Map<string, RouteNode>>;
  route?: Route;
}

/** Routes cached at most (about 0.5 KB each). */
const MAX_ROUTES = 65_536;

/** Allow-listed resource values of one ResourceMetrics and their model-key suffix. */
interface Resource {
  readonly values: Record<string, string>;
  readonly suffix: string;
}

function pointCount(m: Metric): number {
  return m.data.type === 'summary' ? m.data.pointCount : m.data.points.length;
}

/** The accepted metric shapes of a signal, or undefined for a wrong type (e.g. a gauge). */
function temporalityFor(spec: SignalSpec, m: Metric): 'delta' | 'cumulative' | undefined {
  const d = m.data;
  if (spec.kind === 'counter') {
    if (d.type !== 'sum' || !d.isMonotonic) return undefined;
    return d.temporality === 'unspecified' ? undefined : d.temporality;
  }
  if (d.type !== 'histogram' && d.type !== 'exponential_histogram') return undefined;
  return d.temporality === 'unspecified' ? undefined : d.temporality;
}

function toExplicit(d: HistogramDelta): ExplicitHistogram {
  const h: { -readonly [K in keyof ExplicitHistogram]: ExplicitHistogram[K] } = {
    boundaries: d.bounds,
    counts: Array.from(d.counts),
    count: d.count,
    sum: d.sum,
  };
  if (d.min !== undefined) h.min = d.min;
  if (d.max !== undefined) h.max = d.max;
  return h;
}

export class StreamProcessor {
  private readonly db: StreamStorage;
  private readonly clock: () => number;
  private readonly limits: Limits;
  private readonly allow: readonly string[];
  private readonly sliceKeys: ReadonlySet<string> | undefined;
  private readonly windowOpts: WindowOptions;
  private readonly refOpts: ReferenceOptions;
  private readonly retention: Retention;

  private cursors = new Map<string, Cursor>();
  private windows = new Map<string, OpenWindow>();
  private layouts = new Map<string, Map<string, readonly number[]>>();
  private baselines: BaselineFile[] = [];
  private horizon = 0n;
  /** `limits.handoffGapMs` in ns. */
  private readonly gap: bigint;
  /**
   * Partial reasons of models whose window is not open yet (a point that only moved a cursor
   * opens no window), with the window start they belong to; taken by the window when it opens.
   */
  private readonly pendingPartial = new Map<string, { start: number; reasons: Set<PartialReason> }>();
  private lastSweep: number;
  /** Set when the committed state could not be reloaded after a failed commit. */
  private broken: Error | undefined;

  private received = 0;
  private accepted = 0;
  private rejected = 0;
  private closed = 0;
  private expired = 0;
  private pruned: Pruned = { history: 0, evaluations: 0, models: 0 };
  /** Model key → processor time (ms) of its last accepted point (see {@link lastPointTimes}). */
  private readonly lastPoint = new Map<string, number>();
  private readonly dropped = emptyDropCounts();
  private readonly intern = (b: readonly number[]): readonly number[] => this.db.internBounds(b);
  /** Slice values kept per model and slice key (see Limits.maxSliceValues). */
  private readonly sliceValues = new Map<string, Map<string, Set<string>>>();

  private constructor(opts: StreamProcessorOptions) {
    this.clock = opts.clock ?? Date.now;
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    if (!(this.limits.maxStreams >= 0) || !(this.limits.staleAfterMs > 0))
      throw new RangeError('limits: maxStreams must be >= 0 and staleAfterMs > 0');
    if (!Number.isInteger(this.limits.deltaIntervals) || this.limits.deltaIntervals < 1)
      throw new RangeError('limits: deltaIntervals must be an integer >= 1');
    if (!Number.isInteger(this.limits.handoffGapMs) || this.limits.handoffGapMs < 0)
      throw new RangeError('limits: handoffGapMs must be an integer >= 0');
    this.gap = BigInt(this.limits.handoffGapMs) * 1_000_000n;
    this.allow = opts.resourceAttributes ?? [ATTR.environment];
    this.sliceKeys = opts.sliceKeys === undefined ? undefined : new Set(opts.sliceKeys);
    this.windowOpts = windowOptions(opts.windows);
    this.refOpts = referenceOptions(opts.references);
    this.retention = retentionOptions(opts.retention, this.refOpts.rollingWindows);
    const now = this.clock();
    this.db =
      opts.storage ??
      StateDb.open(opts.path ?? ':memory:', {
        durability: opts.durability,
        now,
        checkpointBytes: opts.checkpointBytes,
        checkpointRowsPerTransaction: opts.checkpointRowsPerTransaction,
        commitWorker: opts.commitWorker,
      });
    this.db.onCommitFailure = () => this.reload();
    this.lastSweep = now;
    try {
      this.loadState();
    } catch (e) {
      this.db.close();
      throw e;
    }
  }

  /** Opens (or creates) the state at `opts.path` and loads it. Throws CorruptDatabaseError on a damaged file. */
  static open(opts: StreamProcessorOptions = {}): StreamProcessor {
    return new StreamProcessor(opts);
  }

  private loadState(): void {
    this.db.replayJournal();
    this.horizon = BigInt(this.db.meta('horizon') ?? BigInt(this.db.meta('created_at')!) * 1_000_000n);
    this.cursors = this.db.loadCursors();
    this.windows = new Map();
    this.releaseRouteSlots();
    for (const w of this.db.loadWindows()) {
      this.windows.set(w.modelKey, { ...w, slots: new Map(w.slots.map((s) => [s.key, s])) });
    }
    this.layouts = this.db.loadLayouts();
    this.baselines = this.db.results.loadBaselines();
    // not stored: after a restart, a model's last point is taken as its open window's start, else its newest closed window's end
    for (const w of this.windows.values()) if (!this.lastPoint.has(w.modelKey)) this.lastPoint.set(w.modelKey, w.start);
    for (const key of this.db.results.historyModels())
      if (!this.lastPoint.has(key)) this.lastPoint.set(key, this.db.results.historySpan(key)?.last ?? 0);
  }

  /**
   * Runs `fn` (which changes memory, then commits); on a throw, drops the uncommitted in-memory
   * changes by reloading the committed state and rethrows the original error.
   */
  private atomically<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      this.reload();
      throw e;
    }
  }

  /** Replaces the memory state with the committed one (after a failed commit). */
  private reload(): void {
    try {
      this.db.discardPendingBounds();
      this.loadState();
    } catch (reload) {
      // The database cannot even be read back: refuse further work rather than run on state
      // that differs from what was acknowledged.
      this.broken = reload as Error;
    }
  }

  private checkUsable(): void {
    if (this.broken !== undefined)
      throw new Error(`stream state unavailable after a failed commit: ${this.broken.message}`);
  }

  /**
   * Applies one export request. All state changes are committed in one transaction before this
   * returns (with `commitWorker`: handed to the worker; acknowledge after {@link sync}); if it
   * throws, nothing of the request was applied (the receiver must answer with an error so that
   * the sender retries).
   */
  ingest(exp: MetricsExport): ConsumeResult {
    return this.ingestMany([exp])[0]!;
  }

  /**
   * Resolves when every ingest so far is committed (with `commitWorker`) and on stable storage
   * (durability 'full': an fdatasync of the WAL off the event loop; see `store/sqlite.ts`). A
   * committed ingest already survives a crash of the process; acknowledge a request to its sender
   * after this. Rejects when a commit failed: the requests since the last successful one were
   * not applied (the memory state is reloaded from the database).
   */
  sync(): Promise<void> {
    return this.db.sync();
  }

  /**
   * Applies several export requests in ONE transaction (group commit), e.g. the requests that
   * arrived while the previous commit was running. Same contract as {@link ingest} for each of
   * them: acknowledge none before this returned; if it throws, none was applied.
   */
  ingestMany(exports: readonly MetricsExport[]): ConsumeResult[] {
    this.checkUsable();
    const now = this.clock();
    const changes = exports.map(() => new Changes());
    this.atomically(() => {
      const all = new Changes();
      exports.forEach((exp, i) => this.apply(exp, changes[i]!, all, now));
      this.db.ingestTransaction(() => this.db.writeIngest(all));
    });
    return changes.map((ch) => this.account(ch));
  }

  /** Applies one request to the in-memory state; `ch` gets its counters, `all` the rows to write. */
  private apply(exp: MetricsExport, ch: Changes, all: Changes, now: number): void {
    const validated = isValidated(exp);
    for (const rm of exp.resourceMetrics) {
      let resId: string | undefined;
      let res: Resource | undefined;
      for (const sm of rm.scopeMetrics) {
        for (const m of sm.metrics) {
          const n = pointCount(m);
          ch.received += n;
          const spec = SIGNALS.get(m.name);
          if (spec === undefined) {
            ch.drop('not_ml', n);
            continue;
          }
          const temporality = temporalityFor(spec, m);
          if (temporality === undefined || m.data.type === 'summary' || m.data.type === 'gauge') {
            ch.drop('unsupported_type', n);
            continue;
          }
          resId ??= resourceIdentity(rm.resource.attributes);
          if (res === undefined) {
            const values = resourcePart(rm.resource.attributes, this.allow);
            res = { values, suffix: resourceKeySuffix(values, this.allow) };
          }
          const d = m.data;
          const metricId = metricIdentity(resId, sm.scope, {
            name: m.name,
            unit: m.unit,
            type: d.type,
            temporality,
            isMonotonic: d.type === 'sum' ? d.isMonotonic : undefined,
          });
          for (const p of d.points as readonly Point[])
            this.point(ch, all, spec, d.type, temporality, metricId, res, p, now, validated);
        }
      }
    }
  }

  /** Adds a committed request's counters to the totals and builds its answer. */
  private account(ch: Changes): ConsumeResult {
    this.received += ch.received;
    this.accepted += ch.accepted;
    this.rejected += ch.rejected;
    for (const [r, n] of Object.entries(ch.dropped) as [DropReason, number][]) this.dropped[r] += n;
    if (ch.rejected === 0) return { rejectedDataPoints: 0 };
    const parts = (Object.entries(ch.dropped) as [DropReason, number][])
      .filter(([r, n]) => n > 0 && REJECTING_REASONS.has(r))
      .map(([r, n]) => `${r}: ${n}`);
    return { rejectedDataPoints: ch.rejected, errorMessage: `rejected data points (${parts.join(', ')})` };
  }

  /**
   * Everything derived from a point's identity (stream key, model key, slot keys), cached so
   * that the same strings are used request after request: map lookups by them hash nothing (V8
   * keeps a string's hash), and no key is built or hashed per point. Bounded: cleared when full.
   */
  private routes = new Map<string, RouteNode>();
  private routeCount = 0;
  /** Routes holding their window and slot (see {@link Route.window}). */
  private routesWithSlot: Route[] = [];

  private releaseRouteSlots(): void {
    for (const r of this.routesWithSlot) {
      r.window = undefined;
      r.slot = undefined;
    }
    this.routesWithSlot = [];
  }

  /**
   * The route of a point: looked up by metric identity, then attribute by attribute (key, then
   * value) in the order the attributes arrived, without building a key string. The order only
   * decides where a route is cached; the route itself comes from the canonical (sorted) identity,
   * so attributes in another order find an equal route. Attribute values that are not strings
   * are not cached.
   */
  private route(spec: SignalSpec, exponential: boolean, metricId: string, res: Resource, attrs: Attributes): Route {
    let node = this.routes.get(metricId);
    let cacheable = true;
    if (node !== undefined) {
      for (const k in attrs) {
        const v = attrs[k];
        if (typeof v !== 'string') {
          cacheable = false;
          node = undefined;
          break;
        }
        node = node.next?.get(k)?.get(v);
        if (node === undefined) break;
      }
      if (node?.route !== undefined) return node.route;
    }
    const canonical = metricId + canonicalAttributes(attrs);
    const modelKey = modelKeyFrom(attrs, res.suffix);
    const slotKey = modelKey === undefined ? undefined : slotKeyOf(spec, attrs);
    // (the metric identity includes the data type, so a cached route never mixes the two kinds)
    const expSlot = exponential && EXPONENTIAL_SIGNALS.has(spec.signal);
    const r: Route =
      modelKey === undefined || typeof slotKey !== 'string'
        ? MISSING_ATTRIBUTE
        : {
            streamKey: hash64(canonical),
            modelKey,
            slotKey: expSlot ? exponentialSlotKey(slotKey) : slotKey,
            sliceKeys: sliceSlotKeys(
              spec.signal,
              expSlot ? exponentialSlotKey(slotKey) : slotKey,
              attrs,
              this.sliceKeys,
              this.sliceBound(modelKey),
            ),
            task: attrString(attrs, ATTR.modelTask),
            exponential: expSlot,
            shared: false,
          };
    if (!cacheable) return r;
    if (this.routeCount >= MAX_ROUTES) {
      this.routes = new Map();
      this.routeCount = 0;
      this.releaseRouteSlots();
    }
    let at = this.routes.get(metricId);
    if (at === undefined) this.routes.set(metricId, (at = {}));
    for (const k in attrs) {
      const v = attrs[k] as string;
      at.next ??= new Map();
      let values = at.next.get(k);
      if (values === undefined) at.next.set(k, (values = new Map()));
      let child = values.get(v);
      if (child === undefined) values.set(v, (child = {}));
      at = child;
    }
    at.route = r;
    if (r !== MISSING_ATTRIBUTE) r.shared = true;
    this.routeCount++;
    return r;
  }

  private point(
    ch: Changes,
    all: Changes,
    spec: SignalSpec,
    type: 'sum' | 'histogram' | 'exponential_histogram',
    temporality: 'delta' | 'cumulative',
    metricId: string,
    res: Resource,
    p: Point,
    now: number,
    validated: boolean,
  ): void {
    if ((p.flags & FLAG_NO_RECORDED_VALUE) !== 0) return ch.drop('no_recorded_value');
    const route = this.route(spec, type === 'exponential_histogram', metricId, res, p.attributes);
    if (route === MISSING_ATTRIBUTE) return ch.drop('missing_attribute');
    const { modelKey, slotKey, streamKey: key } = route;
    const cursor = this.cursors.get(key);
    if (cursor === undefined && this.cursors.size >= this.limits.maxStreams) return ch.drop('stream_limit');
    let step: Step<number | HistogramDelta | ExpHistogramDelta>;
    const keep = this.limits.deltaIntervals;
    const gap = this.gap;
    if (type === 'sum') step = sumStep(cursor, p as NumberPoint, temporality, this.horizon, now, keep, gap);
    else if (type === 'histogram') {
      step = histogramStep(
        cursor,
        p as HistogramPoint,
        temporality,
        this.horizon,
        now,
        this.intern,
        validated,
        keep,
        gap,
      );
    } else
      step = exponentialStep(
        cursor,
        p as ExponentialHistogramPoint,
        temporality,
        this.horizon,
        now,
        validated,
        keep,
        gap,
      );
    if (step.cursor !== undefined) {
      this.cursors.set(key, step.cursor);
      all.cursors.set(key, step.cursor);
    }
    if (!step.ok) return ch.drop(step.reason);
    if (step.partial !== undefined) this.markPartial(all, modelKey, step.partial, now);
    if (step.delta !== undefined) {
      // the negative parts of a noisy series (differential privacy, docs/privacy.md) are subtracted from its slot
      const delta =
        p.attributes[ATTR_ML_PRIVACY_PART] === ML_PRIVACY_PART_VALUE_NEGATIVE ? negated(step.delta) : step.delta;
      const reason = this.accumulate(all, modelKey, res, slotKey, route, p, delta, now);
      if (reason !== undefined) return ch.drop(reason);
    }
    ch.accepted += 1;
  }

  /** The model's open window, opened (aligned at `now`) if there is none. */
  private window(ch: Changes, modelKey: string, p: Point, res: Resource, now: number): OpenWindow {
    let w = this.windows.get(modelKey);
    if (w === undefined) {
      const start = alignedStart(now, this.windowOpts.lengthMs);
      w = {
        modelKey,
        model: modelOf(p.attributes, res.values)!,
        task: '',
        start,
        end: start + this.windowOpts.lengthMs,
        extensions: 0,
        slots: new Map(),
      };
      const pending = this.pendingPartial.get(modelKey);
      if (pending !== undefined) {
        this.pendingPartial.delete(modelKey);
        if (pending.start === start) w.partial = [...pending.reasons].sort();
      }
      this.windows.set(modelKey, w);
      ch.windows.add(w);
    }
    return w;
  }

  /**
   * Marks the model's window of `now` partial (see `streams/delta.ts`, handoff): the open one, or
   * the one the model's next point opens if it opens in the same period.
   */
  private markPartial(ch: Changes, modelKey: string, reason: PartialReason, now: number): void {
    const w = this.windows.get(modelKey);
    if (w !== undefined) {
      if (w.partial?.includes(reason)) return;
      w.partial = [...(w.partial ?? []), reason].sort();
      ch.windows.add(w);
      return;
    }
    const start = alignedStart(now, this.windowOpts.lengthMs);
    let pending = this.pendingPartial.get(modelKey);
    if (pending === undefined || pending.start !== start)
      this.pendingPartial.set(modelKey, (pending = { start, reasons: new Set() }));
    pending.reasons.add(reason);
  }

  /**
   * The bound on a model's slice keys and values: a value beyond `maxSliceValues` of its key is
   * kept as `__other__`, a key beyond `maxSliceKeys` is left out. Seeded from the open window's
   * slots, so a restart keeps the values already in it.
   */
  private sliceBound(modelKey: string): (key: string, value: string) => string | undefined {
    return (key, value) => {
      let keys = this.sliceValues.get(modelKey);
      if (keys === undefined) {
        this.sliceValues.set(modelKey, (keys = new Map()));
        for (const slot of this.windows.get(modelKey)?.slots.values() ?? []) {
          const sl = slot.id.slice;
          if (sl === undefined) continue;
          let set = keys.get(sl.key);
          if (set === undefined) keys.set(sl.key, (set = new Set()));
          set.add(sl.value);
        }
      }
      let values = keys.get(key);
      if (values === undefined) {
        if (keys.size >= this.limits.maxSliceKeys) return undefined;
        keys.set(key, (values = new Set()));
      }
      if (values.has(value)) return value;
      if (values.size < this.limits.maxSliceValues) {
        values.add(value);
        return value;
      }
      return CATEGORY_OVERFLOW;
    };
  }

  /** Boundaries the model's baseline prescribes for a histogram slot, if any. */
  private baselineLayout(model: ModelIdentity, id: SlotId): readonly number[] | undefined {
    const b = this.baselineFor(model);
    const edges = b === undefined ? undefined : baselineEdges(b, id);
    return edges === undefined ? undefined : this.db.internBounds(edges);
  }

  private setLayout(ch: Changes, modelKey: string, key: string, bounds: readonly number[]): void {
    let m = this.layouts.get(modelKey);
    if (m === undefined) this.layouts.set(modelKey, (m = new Map()));
    if (m.get(key) === bounds) return;
    m.set(key, bounds);
    ch.layouts.push([modelKey, key, bounds]);
  }

  /**
   * Adds a delta to the slot `key` of the model's open window; returns the drop reason when the
   * delta cannot be added (then no window or slot is created). An unchanged slot (zero delta) is
   * not rewritten.
   */
  private accumulate(
    ch: Changes,
    modelKey: string,
    res: Resource,
    key: string,
    route: Route,
    p: Point,
    delta: number | HistogramDelta | ExpHistogramDelta,
    now: number,
  ): DropReason | undefined {
    // the route remembers its window and slot while no window was closed or reloaded
    const cached = route.window !== undefined;
    const open = cached ? route.window : this.windows.get(modelKey);
    let slot = cached ? route.slot : open?.slots.get(key);
    let h: number | HistogramDelta | ExplicitHistogram | ExpHistogramDelta;
    let newLayout: readonly number[] | undefined;
    if (typeof delta === 'number') {
      if (slot !== undefined && slot.kind !== 'counter') return 'unsupported_type';
      h = delta;
    } else if (route.exponential) {
      if (slot !== undefined && slot.kind !== 'exponential') return 'unsupported_type';
      h = delta;
      slot ??= exponentialSlot(key, parseSlotKey(key));
    } else {
      if (slot !== undefined && slot.kind !== 'histogram') return 'unsupported_type';
      // Target boundaries: the open slot's; else the slot's layout (kept across windows); else the
      // baseline's; else the first boundaries seen. The last two become the layout.
      // (an open slot has a layout: one is set when a slot is made, and layouts are never removed)
      const layout = slot === undefined ? this.layouts.get(modelKey)?.get(key) : slot.bounds;
      let target = layout ?? this.baselineLayout(open?.model ?? modelOf(p.attributes, res.values)!, parseSlotKey(key));
      const id = parseSlotKey(key);
      if ('bounds' in delta) {
        target ??= this.db.internBounds(delta.bounds);
        h = delta;
        if (!boundsEqual(target, delta.bounds)) {
          const t = target;
          const r = safeRebin(() => rebinExplicit(toExplicit(delta), t));
          if (r === undefined) return 'incompatible_boundaries';
          h = r;
        }
      } else {
        const fallback = DEFAULT_LAYOUTS.get(id.signal);
        target ??= fallback === undefined ? undefined : this.db.internBounds(fallback);
        if (target === undefined) return 'incompatible_boundaries';
        const t = target;
        const r = safeRebin(() => rebinExponential(delta, t));
        if (r === undefined) return 'incompatible_boundaries';
        h = r;
      }
      if (layout === undefined) newLayout = target;
      if (slot === undefined) slot = histogramSlot(key, id, target);
    }
    const w = open ?? this.window(ch, modelKey, p, res, now);
    const task = route.task;
    if (task !== undefined && task !== w.task) {
      w.task = task;
      ch.windows.add(w);
    }
    if (newLayout !== undefined) this.setLayout(ch, modelKey, key, newLayout);
    slot ??= counterSlot(key, parseSlotKey(key));
    this.addTo(ch, w, slot, h);
    this.lastPoint.set(modelKey, now);
    if (!cached && route.shared) {
      route.window = w;
      route.slot = slot;
      this.routesWithSlot.push(route);
    }
    // The same delta per slice value, on the plain slot's boundaries.
    for (const sk of route.sliceKeys) {
      let ss = w.slots.get(sk);
      if (ss === undefined)
        ss =
          slot.kind === 'counter'
            ? counterSlot(sk, parseSlotKey(sk))
            : slot.kind === 'histogram'
              ? histogramSlot(sk, parseSlotKey(sk), slot.bounds)
              : exponentialSlot(sk, parseSlotKey(sk));
      if (ss.kind !== slot.kind || (ss.kind === 'histogram' && !boundsEqual(ss.bounds, (slot as HistogramSlot).bounds)))
        continue;
      this.addTo(ch, w, ss, h);
    }
    return undefined;
  }

  /** Adds a delta to a slot of `w` (adding the slot if new); an unchanged slot is not rewritten. */
  private addTo(
    ch: Changes,
    w: OpenWindow,
    slot: Slot,
    h: number | HistogramDelta | ExplicitHistogram | ExpHistogramDelta,
  ): void {
    const isNew = !w.slots.has(slot.key);
    if (isNew) w.slots.set(slot.key, slot);
    if (typeof h === 'number') {
      if (h === 0 && !isNew) return;
      (slot as CounterSlot).value += h;
    } else if ('scale' in h) {
      if (h.count === 0 && !isNew) return;
      (slot as ExponentialSlot).histogram.add(h);
    } else {
      if (h.count === 0 && !isNew) return;
      addToHistogram(
        slot as HistogramSlot,
        'bounds' in h ? h : { count: h.count, sum: h.sum, counts: h.counts, min: h.min, max: h.max },
      );
    }
    ch.slots.set(slot, w.modelKey);
  }

  private baselineFor(model: { name: string; version: string }): BaselineFile | undefined {
    let fallback: BaselineFile | undefined;
    for (const b of this.baselines) {
      if (!baselineApplies(b, model.name, model.version)) continue;
      if (b.model.version === model.version) return b;
      fallback = b;
    }
    return fallback;
  }

  /**
   * Closes every window due at `now` (extending those short of `minRows`), expires stale streams,
   * refreshes rolling references; all in one transaction. Returns the closed windows' snapshots,
   * oldest end first.
   */
  closeDueWindows(now: number = this.clock()): WindowSnapshot[] {
    this.checkUsable();
    const closed: WindowSnapshot[] = [];
    this.atomically(() =>
      this.db.transaction(() => {
        for (const w of this.windows.values()) {
          const end = w.end;
          let snap = advanceWindow(w, now, this.windowOpts);
          if (snap !== undefined) {
            snap = this.withLeft(snap);
            closed.push(snap);
            this.windows.delete(w.modelKey);
            this.releaseRouteSlots();
            this.db.deleteWindow(w.modelKey);
            // The rolling reference is made of the windows BEFORE this one, which it is compared with.
            this.refreshRolling(w.modelKey, now);
            this.db.results.appendHistory(snap, this.retention.maxHistoryWindows, this.retention.rowsPerPass);
          } else if (w.end !== end) {
            this.db.writeWindow(w);
          }
        }
        this.prune(now);
        if (now - this.lastSweep >= Math.min(60_000, this.limits.staleAfterMs)) this.expireStale(now);
      }),
    );
    this.closed += closed.length;
    return closed.sort((a, b) => a.end - b.end);
  }

  /**
   * With a handoff gap: a window whose model sent its last point here more than the gap before the
   * window's end is partial ('left': routed to another instance, or stopped sending).
   */
  private withLeft(snap: WindowSnapshot): WindowSnapshot {
    const gap = this.limits.handoffGapMs;
    const last = this.lastPoint.get(snap.modelKey);
    if (gap === 0 || last === undefined || last >= snap.end - gap || snap.partial?.includes('left')) return snap;
    return { ...snap, partial: [...(snap.partial ?? []), 'left'].sort() };
  }

  /** One bounded pass of time retention (see `streams/retention.ts`), inside the caller's transaction. */
  private prune(now: number): void {
    const r = this.retention;
    const p = this.db.results.prune(now - r.historyMs, now - r.evaluationsMs, r.rowsPerPass);
    for (const key of p.forgotten) {
      if (this.windows.has(key)) continue;
      this.layouts.delete(key);
      this.lastPoint.delete(key);
    }
    // a model without layouts, evaluations or rolling reference is not in `forgotten`: silent for longer than the history kept and without windows left, it is forgotten too
    for (const [key, t] of this.lastPoint) {
      if (t < now - r.historyMs && !this.windows.has(key) && this.db.results.historySpan(key) === undefined)
        this.lastPoint.delete(key);
    }
    this.pruned = {
      history: this.pruned.history + p.history,
      evaluations: this.pruned.evaluations + p.evaluations,
      models: this.pruned.models + p.forgotten.length,
    };
  }

  /** Removes cursors not updated for `staleAfterMs` and raises the horizon (see `streams/delta.ts`). */
  private expireStale(now: number): void {
    this.lastSweep = now;
    const gone: string[] = [];
    let horizon = this.horizon;
    for (const [k, c] of this.cursors) {
      if (now - c.updatedAt < this.limits.staleAfterMs) continue;
      gone.push(k);
      if (c.temporality === 'cumulative' && c.time > horizon) horizon = c.time;
    }
    if (gone.length === 0) return;
    this.db.deleteCursors(gone);
    if (horizon !== this.horizon) this.db.setMeta('horizon', horizon.toString());
    for (const k of gone) this.cursors.delete(k);
    this.horizon = horizon;
    this.expired += gone.length;
  }

  private refreshRolling(modelKey: string, now: number): void {
    const current = this.db.results.reference(modelKey, 'rolling');
    if (current !== undefined && now - current.updatedAt < this.refOpts.rollingRefreshMs) return;
    const r = rollingReference(
      this.db.results.recentUsableHistory(modelKey, this.refOpts.rollingWindows),
      this.refOpts.rollingWindows,
    );
    if (r !== undefined) this.db.results.putReference(modelKey, 'rolling', r, now);
  }

  /** Stores a baseline (replacing one for the same model name and version); its boundaries become the layouts of that model's histograms from the next window on. */
  setBaseline(b: BaselineFile): void {
    this.checkUsable();
    const ch = new Changes();
    this.atomically(() =>
      this.db.transaction(() => {
        this.db.results.putBaseline(b);
        this.baselines = this.baselines.filter(
          (x) => !(x.model.name === b.model.name && (x.model.version ?? '') === (b.model.version ?? '')),
        );
        this.baselines.push(b);
        for (const [modelKey, m] of this.layouts) {
          const model = parseModelKey(modelKey);
          if (!baselineApplies(b, model.name, model.version)) continue;
          for (const slotKey of m.keys()) {
            const edges = baselineEdges(b, parseSlotKey(slotKey));
            if (edges !== undefined) this.setLayout(ch, modelKey, slotKey, this.db.internBounds(edges));
          }
        }
        this.db.writeIngest({ cursors: new Map(), windows: [], slots: new Map(), layouts: ch.layouts });
      }),
    );
  }

  /** Pins `snapshot` (e.g. one of {@link history}) as the model's 'pinned' reference. */
  pinReference(modelKey: string, snapshot: WindowSnapshot): void {
    this.db.transaction(() => this.db.results.putReference(modelKey, 'pinned', snapshot, this.clock()));
  }

  unpinReference(modelKey: string): void {
    this.db.transaction(() => this.db.results.deleteReference(modelKey, 'pinned'));
  }

  /** References of a model that exist: baseline, pinned, rolling. */
  references(modelKey: string): Partial<Record<ReferenceKind, WindowSnapshot>> {
    const out: Partial<Record<ReferenceKind, WindowSnapshot>> = {};
    const model = this.windows.get(modelKey)?.model ?? parseModelKey(modelKey);
    const b = this.baselineFor(model);
    if (b !== undefined) out.baseline = baselineSnapshot(b, modelKey, model);
    const pinned = this.db.results.reference(modelKey, 'pinned');
    if (pinned !== undefined) out.pinned = pinned.snapshot;
    const rolling = this.db.results.reference(modelKey, 'rolling');
    if (rolling !== undefined) out.rolling = rolling.snapshot;
    return out;
  }

  /**
   * The results kept per model, to read: closed-window history, references, evaluations (the
   * writes go through this processor, which keeps its memory state in step).
   */
  get results(): ResultReader {
    return this.db.results;
  }

  /**
   * Processor time (ms) of the last accepted point per model key (not stored: after a restart, the
   * start of the model's open window, else the end of its newest closed window). Models forgotten
   * by retention are not in it.
   */
  lastPointTimes(): ReadonlyMap<string, number> {
    return this.lastPoint;
  }

  /** Window length (ms). */
  windowLengthMs(): number {
    return this.windowOpts.lengthMs;
  }

  /** Earliest end of an open window (ms), for scheduling {@link closeDueWindows}; undefined when none is open. */
  nextWindowEnd(): number | undefined {
    let next: number | undefined;
    for (const w of this.windows.values()) if (next === undefined || w.end < next) next = w.end;
    return next;
  }

  /** Snapshots of the windows still open (a live view; nothing is closed). */
  openWindows(): WindowSnapshot[] {
    return [...this.windows.values()].map((w) => snapshotOf(w));
  }

  /**
   * Keeps the evaluation result of a model's window (any JSON value) as its last one, and in its
   * evaluation history (the newest `retention.maxEvaluations`; older than `retention.evaluationsMs`
   * is deleted by the passes that close windows).
   */
  saveEvaluation(modelKey: string, windowEnd: number, result: unknown): void {
    this.db.transaction(() =>
      this.db.results.putEvaluation(
        modelKey,
        windowEnd,
        result,
        this.clock(),
        this.retention.maxEvaluations,
        this.retention.rowsPerPass,
      ),
    );
  }

  /** The retention in force (with its defaults). */
  retentionSettings(): Retention {
    return this.retention;
  }

  /**
   * Closed windows of a model that ended after its last saved evaluation, oldest first: what a
   * restarted evaluator still owes (a crash between closing a window and saving its evaluation
   * loses no window).
   */
  unevaluatedWindows(modelKey: string): WindowSnapshot[] {
    const last = this.db.results.evaluation(modelKey)?.windowEnd ?? -Infinity;
    return this.db.results.history(modelKey).filter((s) => s.end > last);
  }

  /** The retraining recommendations under review, in the state file. */
  retraining(): RetrainingStore {
    return this.db.retraining();
  }

  /**
   * The model key a span with these attributes, from this resource, belongs to (the key its
   * metric points get); undefined without ml.model.name.
   */
  modelKeyOf(attributes: Attributes, resource: Attributes): string | undefined {
    return modelKeyFrom(attributes, resourceKeySuffix(resourcePart(resource, this.allow), this.allow));
  }

  /** Model keys with an open window or a closed-window history. */
  models(): string[] {
    return [...new Set([...this.windows.keys(), ...this.db.results.historyModels()])].sort();
  }

  stats(): ProcessorStats {
    return {
      receivedPoints: this.received,
      acceptedPoints: this.accepted,
      droppedPoints: { ...this.dropped },
      rejectedPoints: this.rejected,
      liveStreams: this.cursors.size,
      openWindows: this.windows.size,
      closedWindows: this.closed,
      expiredStreams: this.expired,
      pruned: this.pruned,
      horizonUnixNano: this.horizon,
    };
  }

  close(): void {
    this.db.close();
  }
}

function safeRebin(
  f: () => { ok: true; histogram: ExplicitHistogram } | { ok: false; reason: string },
): ExplicitHistogram | undefined {
  try {
    const r = f();
    return r.ok ? r.histogram : undefined;
  } catch {
    return undefined;
  }
}

/** Model identity from a model key (JSON [name, version, role, ...resource values]). */
export function parseModelKey(modelKey: string): ModelIdentity {
  const [name = '', version = '', role = 'primary'] = JSON.parse(modelKey) as string[];
  return { name, version, role, resource: {} };
}

/** A delta with every count negated (a fresh copy: a step's arrays may be shared with its cursor). */
function negated(d: number | HistogramDelta | ExpHistogramDelta): number | HistogramDelta | ExpHistogramDelta {
  if (typeof d === 'number') return -d;
  if ('scale' in d) {
    const side = (b: ExpHistogramDelta['positive']) => ({
      offset: b.offset,
      bucketCounts: Array.from(b.bucketCounts, (c) => -c),
    });
    return {
      ...d,
      count: -d.count,
      sum: Number.NaN,
      zeroCount: -d.zeroCount,
      positive: side(d.positive),
      negative: side(d.negative),
      min: undefined,
      max: undefined,
    };
  }
  return {
    ...d,
    count: -d.count,
    sum: Number.NaN,
    counts: Array.from(d.counts, (c) => -c),
    min: undefined,
    max: undefined,
  };
}
