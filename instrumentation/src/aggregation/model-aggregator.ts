import {
  subtractExponential,
  type BaselineFile,
  type ExplicitHistogram,
  type ExponentialHistogram,
} from '@otel-ml/conventions';
import * as N from '../names.js';
import { BoundedIndex } from './bounded-index.js';
import {
  BucketLocator,
  CounterCell,
  ExponentialCell,
  HistogramCell,
  type Cell,
  type MetricAttributes,
} from './cells.js';
import { METRIC_DEFINITIONS } from './metrics.js';
import { Projector } from './projector.js';
import { DEFAULT_MAX_UNSEEN_VALUES, MAX_UNSEEN_LENGTH, UnseenValues } from './unseen-values.js';
import { EXPONENTIAL_KEY_SUFFIX } from './types.js';
import type {
  AggregationSnapshot,
  AggregationStats,
  ClassScores,
  DeploymentRole,
  ExponentialHistogramPoint,
  FeatureRow,
  FeatureSpec,
  HistogramPoint,
  IssueKind,
  ModelAggregatorOptions,
  ModelTask,
  ObservedRow,
  OutcomeRow,
  SliceValues,
  SnapshotMetric,
  SumPoint,
  Temporality,
} from './types.js';

/** Reasons of `ml.outcome.unmatched`. */
export type UnmatchedReason = 'unknown_id' | 'expired' | 'duplicate' | 'evicted';
/** Values of `ml.shadow.result`. */
export type ShadowResult = 'agree' | 'disagree' | 'error';

const UNMATCHED_REASONS: readonly UnmatchedReason[] = ['unknown_id', 'expired', 'duplicate', 'evicted'];
const SHADOW_RESULTS: readonly ShadowResult[] = ['agree', 'disagree', 'error'];

const DEFAULT_LIMITS = {
  maxCategories: 32,
  maxClasses: 64,
  maxLabels: 64,
  maxSliceValues: 32,
  maxSeries: 256,
  maxStringLength: 256,
  maxBusinessMetrics: 32,
  maxErrorTypes: 16,
  maxUnseenValues: DEFAULT_MAX_UNSEEN_VALUES,
  maxUnknownFeatures: 16,
};

interface FeatureState {
  readonly spec: FeatureSpec;
  readonly index: number;
  readonly numeric: boolean;
  /** Numeric features: explicit boundaries, or undefined for an exponential histogram. */
  readonly boundaries: readonly number[] | undefined;
  readonly categories: BoundedIndex | undefined;
  /** Values of this feature are never named in metrics (unseen categories). */
  readonly sensitive: boolean;
}

/** Per attribute set (role x slice values) state. */
class Series {
  readonly numeric: (HistogramCell | ExponentialCell | undefined)[];
  readonly missing: CounterCell[];
  /** Values of the wrong type, per feature (created on the first one). */
  readonly invalid: (CounterCell | undefined)[];
  /** Unseen categories, per categorical feature (created on the first one). */
  readonly unseen: (UnseenValues | undefined)[];
  /** Rows with an undeclared feature name, by the name's index in the aggregator's bounded set. */
  readonly unknown = new Map<number, CounterCell>();
  readonly categories: CounterCell[][];
  readonly attributions: (HistogramCell | undefined)[];
  readonly predictions: CounterCell[] = [];
  /** Rows without a (determinable) class: regression, ranking, classification without output. */
  unclassified: CounterCell | undefined;
  readonly errorPredictions = new Map<string, CounterCell>();
  score: HistogramCell | undefined;
  readonly classScores: HistogramCell[] = [];
  value: HistogramCell | undefined;
  readonly outcomeScore = new Map<number, HistogramCell>();
  readonly outcomes = new Map<number, CounterCell>();
  error: HistogramCell | undefined;
  absError: HistogramCell | undefined;
  squaredError: HistogramCell | undefined;
  delay: HistogramCell | undefined;
  readonly unmatched: CounterCell[] = [];
  readonly shadow: CounterCell[] = [];
  readonly business: HistogramCell[] = [];
  readonly duration = new Map<string, HistogramCell>();
  /** `ml.feature.projection` cells, by projection index (created at the first projected row). */
  projections: HistogramCell[] | undefined;

  constructor(
    readonly agg: ModelAggregator,
    readonly attributes: MetricAttributes,
  ) {
    const n = agg.featureStates.length;
    this.numeric = new Array<HistogramCell | ExponentialCell | undefined>(n);
    this.missing = new Array<CounterCell>(n);
    this.invalid = new Array<CounterCell | undefined>(n);
    this.unseen = new Array<UnseenValues | undefined>(n);
    this.categories = new Array<CounterCell[]>(n);
    this.attributions = new Array<HistogramCell | undefined>(n);
    for (const f of agg.featureStates) {
      const fa = { ...attributes, [N.ATTR_ML_FEATURE_NAME]: f.spec.name };
      this.missing[f.index] = agg.counter(N.METRIC_ML_FEATURE_MISSING, fa);
      this.categories[f.index] = [];
      if (f.numeric)
        this.numeric[f.index] =
          f.boundaries === undefined
            ? agg.exponential(N.METRIC_ML_FEATURE_VALUE, fa)
            : agg.histogram(N.METRIC_ML_FEATURE_VALUE, fa, f.boundaries);
    }
  }

  invalidCell(f: FeatureState): CounterCell {
    let cell = this.invalid[f.index];
    if (cell === undefined) {
      cell = this.agg.counter(N.METRIC_ML_FEATURE_INVALID, {
        ...this.attributes,
        [N.ATTR_ML_FEATURE_NAME]: f.spec.name,
      });
      this.invalid[f.index] = cell;
    }
    return cell;
  }

  unseenOf(f: FeatureState): UnseenValues {
    let u = this.unseen[f.index];
    if (u === undefined) {
      const attrs = { ...this.attributes, [N.ATTR_ML_FEATURE_NAME]: f.spec.name };
      u = new UnseenValues(
        this.agg.maxUnseenValues,
        (value) =>
          this.agg.counter(N.METRIC_ML_FEATURE_CATEGORY_UNSEEN, { ...attrs, [N.ATTR_ML_FEATURE_CATEGORY]: value }),
        (cell) => this.agg.retire(cell),
      );
      this.unseen[f.index] = u;
    }
    return u;
  }

  unknownCell(idx: number): CounterCell {
    let cell = this.unknown.get(idx);
    if (cell === undefined) {
      cell = this.agg.counter(N.METRIC_ML_FEATURE_UNKNOWN, {
        ...this.attributes,
        [N.ATTR_ML_FEATURE_NAME]: this.agg.unknownNames.names[idx]!,
      });
      this.unknown.set(idx, cell);
    }
    return cell;
  }

  category(f: FeatureState, idx: number): CounterCell {
    const cells = this.categories[f.index]!;
    let cell = cells[idx];
    if (cell === undefined) {
      cell = this.agg.counter(N.METRIC_ML_FEATURE_CATEGORY_COUNT, {
        ...this.attributes,
        [N.ATTR_ML_FEATURE_NAME]: f.spec.name,
        [N.ATTR_ML_FEATURE_CATEGORY]: f.categories!.names[idx]!,
      });
      cells[idx] = cell;
    }
    return cell;
  }

  predictionCounter(classIdx: number): CounterCell {
    if (classIdx < 0) {
      if (this.unclassified === undefined)
        this.unclassified = this.agg.counter(N.METRIC_ML_PREDICTIONS, this.attributes);
      return this.unclassified;
    }
    let cell = this.predictions[classIdx];
    if (cell === undefined) {
      cell = this.agg.counter(N.METRIC_ML_PREDICTIONS, {
        ...this.attributes,
        [N.ATTR_ML_PREDICTION_CLASS]: this.agg.classes.names[classIdx]!,
      });
      this.predictions[classIdx] = cell;
    }
    return cell;
  }

  classScore(classIdx: number): HistogramCell {
    let cell = this.classScores[classIdx];
    if (cell === undefined) {
      cell = this.agg.histogram(
        N.METRIC_ML_PREDICTION_SCORE,
        { ...this.attributes, [N.ATTR_ML_PREDICTION_CLASS]: this.agg.classes.names[classIdx]! },
        N.SCORE_BOUNDARIES,
      );
      this.classScores[classIdx] = cell;
    }
    return cell;
  }

  /** `ml.outcome.score` by label, and by the class the score belongs to (multiclass, classIdx >= 0). */
  outcomeScoreCell(labelIdx: number, classIdx: number): HistogramCell {
    const key = (classIdx + 1) * 65536 + labelIdx;
    let cell = this.outcomeScore.get(key);
    if (cell === undefined) {
      const attrs: Record<string, string | number | boolean> = {
        ...this.attributes,
        [N.ATTR_ML_OUTCOME_LABEL]: this.agg.labels.names[labelIdx]!,
      };
      if (classIdx >= 0) attrs[N.ATTR_ML_PREDICTION_CLASS] = this.agg.classes.names[classIdx]!;
      cell = this.agg.histogram(N.METRIC_ML_OUTCOME_SCORE, attrs, N.SCORE_BOUNDARIES);
      this.outcomeScore.set(key, cell);
    }
    return cell;
  }

  outcomeCounter(classIdx: number, labelIdx: number): CounterCell {
    const key = (classIdx + 1) * 65536 + (labelIdx + 1);
    let cell = this.outcomes.get(key);
    if (cell === undefined) {
      const attrs: Record<string, string | number | boolean> = { ...this.attributes };
      if (classIdx >= 0) attrs[N.ATTR_ML_PREDICTION_CLASS] = this.agg.classes.names[classIdx]!;
      if (labelIdx >= 0) attrs[N.ATTR_ML_OUTCOME_LABEL] = this.agg.labels.names[labelIdx]!;
      cell = this.agg.counter(N.METRIC_ML_OUTCOMES, attrs);
      this.outcomes.set(key, cell);
    }
    return cell;
  }
}

/** 1 for the usual spellings of a positive binary value, 0 for negative ones, -1 otherwise. */
function binaryValue(v: unknown): 1 | 0 | -1 {
  if (v === true || v === 1 || v === '1' || v === 'true' || v === 'True') return 1;
  if (v === false || v === 0 || v === '0' || v === 'false' || v === 'False') return 0;
  return -1;
}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return v.trim() === '' ? NaN : Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return NaN;
}

function isArrayLike(row: FeatureRow): row is ArrayLike<unknown> {
  return Array.isArray(row) || ArrayBuffer.isView(row);
}

function validBoundaries(b: readonly number[] | undefined): b is readonly number[] {
  if (b === undefined || b.length === 0) return false;
  for (let i = 0; i < b.length; i++) {
    if (!Number.isFinite(b[i]) || (i > 0 && !(b[i]! > b[i - 1]!))) return false;
  }
  return true;
}

/**
 * Pre-aggregates the telemetry of one model in memory: feature value histograms, category
 * counts, missing counts, score/value histograms, predicted-class counts, outcome metrics,
 * shadow agreement, business values, attributions and inference durations, per role and per
 * allow-listed slice values. It needs no OpenTelemetry SDK: this is the path used by the offline
 * `otel-ml report` command and the processor; the monitor (`createModelMonitor`) exports it
 * through an OpenTelemetry `MetricProducer`.
 *
 * Memory is bounded: categories, classes, labels, slice values, business metric names and error
 * types are capped (overflow value `__other__`), as is the number of attribute sets. Input
 * problems are never thrown; they are counted in {@link ModelAggregator.stats}.
 */
export class ModelAggregator {
  readonly model: { readonly name: string; readonly version?: string; readonly task: ModelTask };
  readonly role: DeploymentRole;
  private readonly framework: string | undefined;
  /** Binary classification: [negative, positive] class names ('0', '1' unless two classes are declared). */
  private readonly binaryNames: readonly [string, string];
  /** @internal */
  readonly featureStates: FeatureState[] = [];
  private readonly featureIndex = new Map<string, number>();
  /** @internal */
  readonly classes: BoundedIndex;
  /** @internal */
  readonly labels: BoundedIndex;
  private readonly businessNames: BoundedIndex;
  /** @internal Undeclared feature names seen in rows (bounded). */
  readonly unknownNames: BoundedIndex;
  /** @internal */
  readonly maxUnseenValues: number;
  private readonly errorTypes: BoundedIndex;
  private readonly sliceKeys: readonly string[];
  private readonly sliceIndex = new Map<string, number>();
  private readonly sliceValues: BoundedIndex[];
  private readonly limits: typeof DEFAULT_LIMITS;
  private readonly threshold: number;
  private readonly valueBoundaries: readonly number[];
  private readonly businessBoundaries: readonly number[];
  private readonly exponentialMaxBuckets: number;
  private readonly clock: () => number;
  private readonly onCell: ((cell: Cell) => void) | undefined;
  private readonly onIssue: ((kind: IssueKind, detail: string) => void) | undefined;
  private readonly baseAttributes: Record<string, string>;
  private readonly series = new Map<string, Series>();
  private readonly roleSeries = new Map<DeploymentRole, Series>();
  private cells: Cell[] = [];
  private readonly retired = new Set<Cell>();
  private readonly locators = new Map<readonly number[], BucketLocator>();
  private readonly featureNames: string[] = [];
  private objectRows = 0;
  /** Random projections of the standardized numeric features (off unless `projections` is given). */
  private readonly projector: Projector | undefined;
  /** Feature-state index of each projected feature. */
  private readonly projectedIndex: Int32Array | undefined;
  /** Projections of the rows' `embedding` vectors instead of the features. */
  private readonly projectsEmbedding: boolean = false;
  private readonly projectionInput: Float64Array | undefined;
  private readonly issueCounts: Record<IssueKind, number> = {
    unknown_feature: 0,
    invalid_value: 0,
    invalid_score: 0,
    invalid_label: 0,
    string_too_long: 0,
    unknown_slice_key: 0,
    series_overflow: 0,
    invalid_input: 0,
    negative_not_exportable: 0,
  };
  private readonly defaultCursor: DeltaCursor;

  constructor(options: ModelAggregatorOptions) {
    const baseline: BaselineFile | undefined = options.baseline;
    this.model = {
      name: String(options.model.name),
      task: options.model.task,
      ...(options.model.version !== undefined || baseline?.model.version !== undefined
        ? { version: String(options.model.version ?? baseline?.model.version) }
        : {}),
    };
    this.role = options.role ?? 'primary';
    const fw = options.model.framework;
    this.framework = typeof fw === 'string' && fw !== '' ? fw.slice(0, 64) : undefined;
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.threshold = options.threshold ?? 0.5;
    this.clock = options.clock ?? Date.now;
    this.onCell = options.onCell;
    this.onIssue = options.onIssue;
    const maxBuckets = options.exponentialMaxBuckets;
    const validMax = maxBuckets !== undefined && Number.isInteger(maxBuckets) && maxBuckets >= 2;
    if (maxBuckets !== undefined && !validMax)
      this.issue(
        'invalid_input',
        `exponentialMaxBuckets must be an integer >= 2, got ${String(maxBuckets)}; using ${N.DEFAULT_EXPONENTIAL_MAX_BUCKETS}`,
      );
    this.exponentialMaxBuckets = validMax ? maxBuckets : N.DEFAULT_EXPONENTIAL_MAX_BUCKETS;
    this.baseAttributes = {
      [N.ATTR_ML_MODEL_NAME]: this.model.name,
      ...(this.model.version !== undefined ? { [N.ATTR_ML_MODEL_VERSION]: this.model.version } : {}),
      [N.ATTR_ML_MODEL_TASK]: this.model.task,
    };

    const specs: FeatureSpec[] = options.features
      ? [...options.features]
      : Object.entries(baseline?.features ?? {}).map(([name, fb]) => ({ name, type: fb.type }));
    for (const spec of specs) {
      if (
        typeof spec?.name !== 'string' ||
        (spec.type !== 'numeric' && spec.type !== 'categorical') ||
        this.featureIndex.has(spec.name)
      ) {
        this.issue('invalid_input', `ignoring feature spec ${JSON.stringify(spec?.name)}`);
        continue;
      }
      const fb = baseline?.features[spec.name];
      const index = this.featureStates.length;
      if (spec.type === 'numeric') {
        // Explicit boundaries only when the spec gives them; otherwise an exponential histogram.
        if (spec.boundaries !== undefined && !validBoundaries(spec.boundaries))
          this.issue(
            'invalid_input',
            `feature ${spec.name}: boundaries must be finite and strictly increasing; using an exponential histogram`,
          );
        const boundaries = validBoundaries(spec.boundaries) ? [...spec.boundaries] : undefined;
        this.featureStates.push({
          spec,
          index,
          numeric: true,
          boundaries,
          categories: undefined,
          sensitive: spec.sensitive === true,
        });
      } else {
        const known = spec.categories ?? (fb?.type === 'categorical' ? fb.categories : undefined);
        const categories = known
          ? new BoundedIndex(
              known.filter((c) => c !== N.OVERFLOW_VALUE),
              known.length,
              true,
            )
          : new BoundedIndex([], this.limits.maxCategories, false);
        this.featureStates.push({
          spec,
          index,
          numeric: false,
          boundaries: undefined,
          categories,
          sensitive: spec.sensitive === true,
        });
      }
      this.featureIndex.set(spec.name, index);
    }
    for (const f of this.featureStates) this.featureNames.push(f.spec.name);

    const baselineClasses = baseline?.prediction?.classes
      ? Object.keys(baseline.prediction.classes).filter((c) => c !== N.OVERFLOW_VALUE)
      : undefined;
    const presetClasses =
      options.classes ?? baselineClasses ?? (this.model.task === 'binary_classification' ? ['0', '1'] : []);
    const binaryTask = this.model.task === 'binary_classification' || this.model.task === 'ranking';
    this.binaryNames =
      binaryTask && presetClasses.length === 2 ? [String(presetClasses[0]), String(presetClasses[1])] : ['0', '1'];
    this.classes = new BoundedIndex(
      presetClasses.map(String),
      Math.max(this.limits.maxClasses, presetClasses.length),
      false,
    );
    this.labels = new BoundedIndex(presetClasses.map(String), presetClasses.length + this.limits.maxLabels, false);
    this.businessNames = new BoundedIndex([], this.limits.maxBusinessMetrics, false);
    this.unknownNames = new BoundedIndex([], this.limits.maxUnknownFeatures, false);
    this.maxUnseenValues = Math.max(0, Math.floor(this.limits.maxUnseenValues));
    this.errorTypes = new BoundedIndex([], this.limits.maxErrorTypes, false);
    this.sliceKeys = [...(options.slices ?? [])].map(String);
    this.sliceKeys.forEach((k, i) => this.sliceIndex.set(k, i));
    this.sliceValues = this.sliceKeys.map(() => new BoundedIndex([], this.limits.maxSliceValues, false));

    const baselineValue = baseline?.prediction?.value?.boundaries;
    this.valueBoundaries = validBoundaries(options.valueBoundaries)
      ? options.valueBoundaries
      : validBoundaries(baselineValue)
        ? baselineValue
        : N.METRIC_ML_PREDICTION_VALUE_BUCKETS;
    this.businessBoundaries = validBoundaries(options.businessBoundaries)
      ? options.businessBoundaries
      : N.DEFAULT_VALUE_BOUNDARIES;
    if (options.projections !== undefined) {
      const numeric = this.featureStates.filter((f) => f.numeric).map((f) => f.spec.name);
      const dim = options.projections.embedding?.dimension;
      try {
        if (dim !== undefined && !(Number.isInteger(dim) && dim >= 2 && dim <= 65_536))
          throw new RangeError(`projections.embedding.dimension must be an integer in [2, 65536], got ${String(dim)}`);
        const components = dim === undefined ? undefined : Array.from({ length: dim }, (_, i) => String(i));
        const p = new Projector(
          components === undefined ? options.projections : { ...options.projections, features: components },
          components ?? numeric,
          (d) => this.issue('invalid_input', d),
        );
        this.projector = p;
        this.projectsEmbedding = components !== undefined;
        this.projectedIndex = Int32Array.from(p.features, (f) => this.featureIndex.get(f) ?? -1);
        this.projectionInput = new Float64Array(p.features.length);
      } catch (err) {
        // a bad projections option costs the projections only, never the rest of the monitoring
        this.issue('invalid_input', `projections disabled: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    this.defaultCursor = new DeltaCursor(this, this.clock());
  }

  /**
   * The projection basis (seed, count, features, center, scale) once the standardization is
   * fixed; undefined without `projections` or while it is being learned. Persist it and pass its
   * center and scale back as options to keep the basis across restarts.
   */
  get projectionBasis():
    | {
        readonly id: string;
        readonly seed: number;
        readonly count: number;
        readonly features: readonly string[];
        readonly center: readonly number[];
        readonly scale: readonly number[];
      }
    | undefined {
    const b = this.projector?.basis;
    return b === undefined ? undefined : { id: this.projector!.basisId!, ...b };
  }

  /** The declared features, in order (array rows follow this order). */
  get features(): readonly FeatureSpec[] {
    return this.featureStates.map((f) => {
      const { boundaries: _b, categories: _c, ...spec } = f.spec;
      if (!f.numeric) return { ...spec, categories: [...f.categories!.names] };
      return f.boundaries === undefined ? spec : { ...spec, boundaries: f.boundaries };
    });
  }

  /** Input problems counted so far. */
  get stats(): AggregationStats {
    return { ...this.issueCounts };
  }

  /** @internal */
  issue(kind: IssueKind, detail: string): void {
    this.issueCounts[kind]++;
    if (this.onIssue !== undefined) this.onIssue(kind, detail);
  }

  /** @internal */
  histogram(metric: string, attributes: MetricAttributes, boundaries: readonly number[]): HistogramCell {
    let locator = this.locators.get(boundaries);
    if (locator === undefined) {
      locator = new BucketLocator(boundaries);
      this.locators.set(boundaries, locator);
    }
    const cell = new HistogramCell(metric, attributes, locator, this.clock());
    this.register(cell);
    return cell;
  }

  /** @internal A base-2 exponential histogram series (scale from 20, `exponentialMaxBuckets` per sign). */
  exponential(metric: string, attributes: MetricAttributes): ExponentialCell {
    const cell = new ExponentialCell(
      metric,
      attributes,
      this.exponentialMaxBuckets,
      N.EXPONENTIAL_START_SCALE,
      this.clock(),
    );
    this.register(cell);
    return cell;
  }

  /** @internal */
  counter(metric: string, attributes: MetricAttributes): CounterCell {
    const cell = new CounterCell(metric, attributes, this.clock());
    this.register(cell);
    return cell;
  }

  private register(cell: Cell): void {
    this.cells.push(cell);
    if (this.onCell !== undefined) this.onCell(cell);
  }

  /** @internal Ends a time series: it is no longer read or exported. */
  retire(cell: Cell): void {
    this.retired.add(cell);
  }

  /** Every live time series (creation order). */
  allCells(): readonly Cell[] {
    if (this.retired.size > 0) {
      this.cells = this.cells.filter((c) => !this.retired.has(c));
      this.retired.clear();
    }
    return this.cells;
  }

  private seriesFor(role: DeploymentRole | undefined, slices: SliceValues | undefined): Series {
    const r = role ?? this.role;
    if (slices === undefined || this.sliceKeys.length === 0) return this.plainSeries(r);
    const values: (string | undefined)[] = new Array<string | undefined>(this.sliceKeys.length);
    let any = false;
    for (const key in slices) {
      const i = this.sliceIndex.get(key);
      if (i === undefined) {
        this.issue('unknown_slice_key', key);
        continue;
      }
      const raw = slices[key];
      if (raw === undefined || raw === null || raw === '') continue;
      let v = String(raw);
      if (v.length > this.limits.maxStringLength) {
        this.issue('string_too_long', `slice ${key}`);
        v = N.OVERFLOW_VALUE;
      }
      values[i] = this.sliceValues[i]!.names[this.sliceValues[i]!.index(v)]!;
      any = true;
    }
    if (!any) return this.plainSeries(r);
    const key = r + '\u0000' + values.map((v) => v ?? '').join('\u0000');
    let s = this.series.get(key);
    if (s === undefined) {
      if (this.series.size >= this.limits.maxSeries) {
        this.issue('series_overflow', key);
        const overflowKey = r + '\u0000' + values.map(() => N.OVERFLOW_VALUE).join('\u0000');
        s = this.series.get(overflowKey);
        if (s !== undefined) return s;
        values.fill(N.OVERFLOW_VALUE);
        return this.createSeries(overflowKey, r, values);
      }
      s = this.createSeries(key, r, values);
    }
    return s;
  }

  private plainSeries(role: DeploymentRole): Series {
    let s = this.roleSeries.get(role);
    if (s === undefined) {
      s = new Series(this, { ...this.baseAttributes, [N.ATTR_ML_DEPLOYMENT_ROLE]: role });
      this.roleSeries.set(role, s);
    }
    return s;
  }

  private createSeries(key: string, role: DeploymentRole, values: readonly (string | undefined)[]): Series {
    const attrs: Record<string, string> = { ...this.baseAttributes, [N.ATTR_ML_DEPLOYMENT_ROLE]: role };
    values.forEach((v, i) => {
      if (v !== undefined) attrs[N.ATTR_ML_SLICE_PREFIX + this.sliceKeys[i]!] = v;
    });
    const s = new Series(this, attrs);
    this.series.set(key, s);
    return s;
  }

  /** Records one prediction row. Never throws. */
  observe(row: ObservedRow): void {
    try {
      if (row === null || typeof row !== 'object') {
        this.issue('invalid_input', 'observe() expects an object');
        return;
      }
      const s = this.seriesFor(row.role, row.slices);
      if (row.features !== undefined && row.features !== null) {
        this.recordFeatures(s, row.features);
        if (this.projector !== undefined && !this.projectsEmbedding) this.recordProjections(s, row.features);
      }
      if (this.projectsEmbedding && row.embedding !== undefined && row.embedding !== null)
        this.recordEmbedding(s, row.embedding);
      this.recordOutput(s, row);
      if (row.attributions !== undefined && row.attributions !== null) this.recordAttributions(s, row.attributions);
    } catch (err) {
      this.issue('invalid_input', `observe() failed: ${String(err)}`);
    }
  }

  private recordEmbedding(s: Series, v: ArrayLike<number>): void {
    const x = this.projectionInput!;
    if (typeof v !== 'object' || v.length !== x.length) {
      this.issue(
        'invalid_value',
        `embedding of length ${String((v as { length?: unknown })?.length)}, expected ${x.length}`,
      );
      return;
    }
    for (let j = 0; j < x.length; j++) x[j] = v[j]!;
    this.projectInput(s);
  }

  private recordProjections(s: Series, row: FeatureRow): void {
    const p = this.projector!;
    const idx = this.projectedIndex!;
    const x = this.projectionInput!;
    if (isArrayLike(row)) {
      for (let j = 0; j < idx.length; j++) {
        const i = idx[j]!;
        x[j] = i < row.length ? toNumber(row[i]) : NaN;
      }
    } else if (typeof row === 'object') {
      const obj = row as Readonly<Record<string, unknown>>;
      const names = p.features;
      for (let j = 0; j < names.length; j++) x[j] = toNumber(obj[names[j]!]);
    } else return;
    this.projectInput(s);
  }

  /** Projects `projectionInput` and records the projections (nothing while learning or for an incomplete row). */
  private projectInput(s: Series): void {
    const p = this.projector!;
    if (!p.project(this.projectionInput!)) return;
    let cells = s.projections;
    if (cells === undefined) {
      const basis = p.basisId!;
      cells = new Array<HistogramCell>(p.count);
      for (let i = 0; i < p.count; i++) {
        cells[i] = this.histogram(
          N.METRIC_ML_FEATURE_PROJECTION,
          { ...s.attributes, [N.ATTR_ML_FEATURE_PROJECTION_INDEX]: i, [N.ATTR_ML_FEATURE_PROJECTION_BASIS]: basis },
          N.METRIC_ML_FEATURE_PROJECTION_BUCKETS,
        );
      }
      s.projections = cells;
    }
    const out = p.out;
    for (let i = 0; i < cells.length; i++) cells[i]!.record(out[i]!);
  }

  private recordFeatures(s: Series, row: FeatureRow): void {
    const states = this.featureStates;
    if (isArrayLike(row)) {
      const n = Math.min(row.length, states.length);
      for (let i = 0; i < n; i++) this.recordFeature(s, states[i]!, row[i]);
      for (let i = n; i < states.length; i++) s.missing[i]!.add(1);
      if (row.length > states.length) {
        this.issue('unknown_feature', `${row.length - states.length} extra array values`);
        s.unknownCell(this.unknownNames.overflowIndex()).add(1);
      }
      return;
    }
    if (typeof row !== 'object') {
      this.issue('invalid_input', 'features must be an object or an array');
      return;
    }
    // Reading the declared names is several times faster than enumerating the row's keys, so
    // unknown keys are looked for on a sample of rows only (the first 64, then 1 in 64: a few
    // rows of every export interval, so a new key is reported in each window it persists in).
    const names = this.featureNames;
    const obj = row as Readonly<Record<string, unknown>>;
    for (let i = 0; i < states.length; i++) this.recordFeature(s, states[i]!, obj[names[i]!]);
    const n = ++this.objectRows;
    if (n <= 64 || (n & 63) === 0) this.checkUnknownKeys(s, obj);
  }

  private checkUnknownKeys(s: Series, row: Readonly<Record<string, unknown>>): void {
    for (const key in row) {
      if (this.featureIndex.has(key)) continue;
      this.issue('unknown_feature', key.length > 64 ? key.slice(0, 64) + '...' : key);
      s.unknownCell(
        key.length > MAX_UNSEEN_LENGTH ? this.unknownNames.overflowIndex() : this.unknownNames.index(key),
      ).add(1);
    }
  }

  private recordFeature(s: Series, f: FeatureState, v: unknown): void {
    if (v === undefined || v === null || v === '') {
      s.missing[f.index]!.add(1);
      return;
    }
    if (f.numeric) {
      const x = typeof v === 'number' ? v : toNumber(v);
      if (x === x && x !== Infinity && x !== -Infinity) {
        s.numeric[f.index]!.record(x);
        return;
      }
      if (typeof v !== 'number' || x === Infinity || x === -Infinity) {
        this.issue('invalid_value', f.spec.name);
        s.invalidCell(f).add(1);
      }
      s.missing[f.index]!.add(1);
      return;
    }
    let str: string;
    if (typeof v === 'string') str = v;
    else if (typeof v === 'number') {
      if (v !== v) {
        s.missing[f.index]!.add(1);
        return;
      }
      str = String(v);
    } else if (typeof v === 'boolean') str = v ? 'true' : 'false';
    else {
      this.issue('invalid_value', f.spec.name);
      s.invalidCell(f).add(1);
      s.missing[f.index]!.add(1);
      return;
    }
    const cats = f.categories!;
    let idx: number;
    if (str.length > this.limits.maxStringLength) {
      this.issue('string_too_long', f.spec.name);
      idx = cats.overflowIndex();
    } else idx = cats.index(str);
    s.category(f, idx).add(1);
    // a value outside the known categories: name the frequent ones (never for a sensitive feature)
    if (!f.sensitive && str !== N.OVERFLOW_VALUE && cats.names[idx] === N.OVERFLOW_VALUE) s.unseenOf(f).record(str);
  }

  /**
   * The predicted class of an output as it is exported in `ml.prediction.class` (bounded),
   * or undefined for regression/ranking or when it cannot be determined.
   */
  predictedClass(out: {
    score?: number;
    scores?: ClassScores;
    prediction?: string | number | boolean;
  }): string | undefined {
    const idx = this.classOf(out);
    return idx < 0 ? undefined : this.classes.names[idx];
  }

  /** Index of the predicted class of an output, or -1 when not applicable/unknown. */
  private classOf(out: { score?: number; scores?: ClassScores; prediction?: string | number | boolean }): number {
    const task = this.model.task;
    if (task === 'regression' || task === 'ranking') return -1;
    const p = out.prediction;
    if (p !== undefined && p !== null) {
      if (task === 'binary_classification') {
        const b = binaryValue(p);
        if (b !== -1) return this.classes.index(this.binaryNames[b]);
      }
      const str = String(p);
      if (str.length > this.limits.maxStringLength) {
        this.issue('string_too_long', 'prediction');
        return this.classes.overflowIndex();
      }
      return this.classes.index(str);
    }
    if (task === 'binary_classification') {
      const sc = out.score;
      if (typeof sc === 'number' && sc >= 0 && sc <= 1)
        return this.classes.index(this.binaryNames[sc >= this.threshold ? 1 : 0]);
      return -1;
    }
    const scores = out.scores;
    if (scores === undefined || scores === null) return -1;
    let best = -Infinity;
    let bestName: string | undefined;
    if (isArrayLike(scores as FeatureRow)) {
      const arr = scores as ArrayLike<number>;
      let bestIdx = -1;
      for (let i = 0; i < arr.length; i++) {
        const v = arr[i]!;
        if (v > best) {
          best = v;
          bestIdx = i;
        }
      }
      if (bestIdx < 0) return -1;
      bestName = this.classNameAt(bestIdx);
    } else {
      const rec = scores as Readonly<Record<string, number>>;
      for (const k in rec) {
        const v = rec[k]!;
        if (v > best) {
          best = v;
          bestName = k;
        }
      }
    }
    return bestName === undefined ? -1 : this.classes.index(bestName);
  }

  private recordOutput(s: Series, row: ObservedRow): void {
    const task = this.model.task;
    const cls = this.classOf(row);
    s.predictionCounter(cls).add(1);
    if (task === 'regression') {
      if (row.prediction !== undefined && row.prediction !== null) {
        const x = toNumber(row.prediction);
        if (Number.isFinite(x)) {
          if (s.value === undefined)
            s.value = this.histogram(N.METRIC_ML_PREDICTION_VALUE, s.attributes, this.valueBoundaries);
          s.value.record(x);
        } else this.issue('invalid_value', 'prediction');
      }
      return;
    }
    if (task === 'multiclass_classification') {
      if (row.scores !== undefined && row.scores !== null) this.recordClassScores(s, row.scores);
      return;
    }
    const sc = row.score;
    if (sc !== undefined && sc !== null) {
      if (typeof sc === 'number' && sc >= 0 && sc <= 1) {
        if (s.score === undefined)
          s.score = this.histogram(N.METRIC_ML_PREDICTION_SCORE, s.attributes, N.SCORE_BOUNDARIES);
        s.score.record(sc);
      } else this.issue('invalid_score', String(sc).slice(0, 32));
    }
  }

  private recordClassScores(s: Series, scores: ClassScores): void {
    this.forEachClassScore(scores, (classIdx, v) => s.classScore(classIdx).record(v));
  }

  /** Calls `fn` with (class index, score) for every valid per-class score. */
  private forEachClassScore(scores: ClassScores, fn: (classIdx: number, score: number) => void): void {
    if (isArrayLike(scores as FeatureRow)) {
      const arr = scores as ArrayLike<number>;
      const n = Math.min(arr.length, this.limits.maxClasses);
      for (let i = 0; i < n; i++) {
        const v = arr[i]!;
        if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
          this.issue('invalid_score', `class ${i}`);
          continue;
        }
        fn(this.classes.index(this.classNameAt(i)), v);
      }
      return;
    }
    const rec = scores as Readonly<Record<string, number>>;
    for (const k in rec) {
      const v = rec[k];
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
        this.issue('invalid_score', `class ${k.slice(0, 64)}`);
        continue;
      }
      fn(this.classes.index(k.length > this.limits.maxStringLength ? N.OVERFLOW_VALUE : k), v);
    }
  }

  /** Name of the class at position `i` of an array of scores: the declared class, else the index. */
  private classNameAt(i: number): string {
    return i < this.classes.size && this.classes.names[i] !== N.OVERFLOW_VALUE ? this.classes.names[i]! : String(i);
  }

  private recordAttributions(s: Series, attributions: Readonly<Record<string, number>>): void {
    for (const key in attributions) {
      const idx = this.featureIndex.get(key);
      const v = attributions[key];
      if (idx === undefined) {
        this.issue('unknown_feature', key.slice(0, 64));
        continue;
      }
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        this.issue('invalid_value', `attribution ${key}`);
        continue;
      }
      let cell = s.attributions[idx];
      if (cell === undefined) {
        cell = this.histogram(
          N.METRIC_ML_FEATURE_ATTRIBUTION,
          { ...s.attributes, [N.ATTR_ML_FEATURE_NAME]: key },
          N.METRIC_ML_FEATURE_ATTRIBUTION_BUCKETS,
        );
        s.attributions[idx] = cell;
      }
      cell.record(Math.abs(v));
    }
  }

  private labelIndex(label: unknown): number {
    if (this.model.task === 'binary_classification' || this.model.task === 'ranking') {
      const b = binaryValue(label);
      if (b !== -1) return this.labels.index(this.binaryNames[b]);
    }
    if (typeof label !== 'string' && typeof label !== 'number' && typeof label !== 'boolean') return -1;
    const str = String(label);
    if (str.length > this.limits.maxStringLength) {
      this.issue('string_too_long', 'label');
      return this.labels.overflowIndex();
    }
    return this.labels.index(str);
  }

  /**
   * Records one outcome (ground truth) together with the prediction's output: the score by
   * label (binary/ranking), prediction x label counts (classification), signed/absolute/squared
   * errors (regression) and the outcome delay. Never throws.
   */
  recordOutcome(row: OutcomeRow): void {
    try {
      if (row === null || typeof row !== 'object') {
        this.issue('invalid_input', 'recordOutcome() expects an object');
        return;
      }
      const s = this.seriesFor(row.role, row.slices);
      const task = this.model.task;
      if (task === 'regression') {
        const truth = toNumber(row.label);
        const pred = toNumber(row.prediction);
        if (!Number.isFinite(truth) || !Number.isFinite(pred)) {
          this.issue('invalid_label', 'regression outcome needs finite prediction and label');
          return;
        }
        const e = pred - truth;
        if (s.error === undefined) {
          s.error = this.histogram(N.METRIC_ML_OUTCOME_ERROR, s.attributes, N.METRIC_ML_OUTCOME_ERROR_BUCKETS);
          s.absError = this.histogram(
            N.METRIC_ML_OUTCOME_ERROR_ABSOLUTE,
            s.attributes,
            N.METRIC_ML_OUTCOME_ERROR_ABSOLUTE_BUCKETS,
          );
          s.squaredError = this.histogram(
            N.METRIC_ML_OUTCOME_ERROR_SQUARED,
            s.attributes,
            N.METRIC_ML_OUTCOME_ERROR_SQUARED_BUCKETS,
          );
        }
        s.error.record(e);
        s.absError!.record(Math.abs(e));
        s.squaredError!.record(e * e);
        s.outcomeCounter(-1, -1).add(1);
      } else {
        const labelIdx = this.labelIndex(row.label);
        if (labelIdx < 0) {
          this.issue('invalid_label', typeof row.label);
          return;
        }
        const cls = this.classOf(row);
        s.outcomeCounter(cls, labelIdx).add(1);
        const sc = row.score;
        if ((task === 'binary_classification' || task === 'ranking') && sc !== undefined && sc !== null) {
          if (typeof sc === 'number' && sc >= 0 && sc <= 1) s.outcomeScoreCell(labelIdx, -1).record(sc);
          else this.issue('invalid_score', String(sc).slice(0, 32));
        }
        if (task === 'multiclass_classification' && row.scores !== undefined && row.scores !== null) {
          this.forEachClassScore(row.scores, (classIdx, v) => s.outcomeScoreCell(labelIdx, classIdx).record(v));
        }
      }
      const d = row.delaySeconds;
      if (d !== undefined) {
        if (typeof d === 'number' && Number.isFinite(d) && d >= 0) {
          if (s.delay === undefined)
            s.delay = this.histogram(N.METRIC_ML_OUTCOME_DELAY, s.attributes, N.OUTCOME_DELAY_BOUNDARIES);
          s.delay.record(d);
        } else this.issue('invalid_value', 'delaySeconds');
      }
    } catch (err) {
      this.issue('invalid_input', `recordOutcome() failed: ${String(err)}`);
    }
  }

  /** Counts an outcome that could not be joined to a prediction (`ml.outcome.unmatched`). */
  recordUnmatched(reason: UnmatchedReason, role?: DeploymentRole): void {
    const i = UNMATCHED_REASONS.indexOf(reason);
    if (i < 0) return;
    const s = this.plainSeries(role ?? this.role);
    let cell = s.unmatched[i];
    if (cell === undefined) {
      cell = this.counter(N.METRIC_ML_OUTCOME_UNMATCHED, {
        ...s.attributes,
        [N.ATTR_ML_OUTCOME_UNMATCHED_REASON]: reason,
      });
      s.unmatched[i] = cell;
    }
    cell.add(1);
  }

  /** Counts `n` shadow comparisons (`ml.shadow.agreement`), recorded under role shadow. */
  recordShadowComparison(result: ShadowResult, n = 1): void {
    const i = SHADOW_RESULTS.indexOf(result);
    if (i < 0 || !(n > 0)) return;
    const s = this.plainSeries('shadow');
    let cell = s.shadow[i];
    if (cell === undefined) {
      cell = this.counter(N.METRIC_ML_SHADOW_AGREEMENT, { ...s.attributes, [N.ATTR_ML_SHADOW_RESULT]: result });
      s.shadow[i] = cell;
    }
    cell.add(n);
  }

  /** Records a business value (`ml.business.value`, by `ml.business.metric`). Never throws. */
  recordBusinessValue(
    name: string,
    value: number,
    options: { role?: DeploymentRole; slices?: SliceValues } = {},
  ): void {
    try {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        this.issue('invalid_value', `business value ${String(name).slice(0, 64)}`);
        return;
      }
      let str = String(name);
      if (str.length > this.limits.maxStringLength) {
        this.issue('string_too_long', 'business metric');
        str = N.OVERFLOW_VALUE;
      }
      const s = this.seriesFor(options.role, options.slices);
      const idx = this.businessNames.index(str);
      let cell = s.business[idx];
      if (cell === undefined) {
        cell = this.histogram(
          N.METRIC_ML_BUSINESS_VALUE,
          { ...s.attributes, [N.ATTR_ML_BUSINESS_METRIC]: this.businessNames.names[idx]! },
          this.businessBoundaries,
        );
        s.business[idx] = cell;
      }
      cell.record(value);
    } catch (err) {
      this.issue('invalid_input', `recordBusinessValue() failed: ${String(err)}`);
    }
  }

  /**
   * Records one inference call: its duration (`ml.inference.duration`) and, on failure,
   * `rows` failed predictions (`ml.predictions` with `error.type`).
   */
  recordInference(
    seconds: number,
    options: { operation?: 'predict' | 'load'; errorType?: string; rows?: number; role?: DeploymentRole } = {},
  ): void {
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
      this.issue('invalid_value', 'duration');
      return;
    }
    const op = options.operation ?? 'predict';
    const s = this.plainSeries(options.role ?? this.role);
    const errorType =
      options.errorType === undefined
        ? undefined
        : this.errorTypes.names[
            this.errorTypes.index(String(options.errorType).slice(0, this.limits.maxStringLength))
          ]!;
    const key = op + '\u0000' + (errorType ?? '');
    let cell = s.duration.get(key);
    if (cell === undefined) {
      const attrs: Record<string, string | number | boolean> = { ...s.attributes, [N.ATTR_ML_OPERATION_NAME]: op };
      if (this.framework !== undefined) attrs[N.ATTR_ML_MODEL_FRAMEWORK] = this.framework;
      if (errorType !== undefined) attrs[N.ATTR_ERROR_TYPE] = errorType;
      cell = this.histogram(N.METRIC_ML_INFERENCE_DURATION, attrs, N.DURATION_BOUNDARIES);
      s.duration.set(key, cell);
    }
    cell.record(seconds);
    if (errorType !== undefined && options.rows !== undefined && options.rows > 0) {
      let pc = s.errorPredictions.get(errorType);
      if (pc === undefined) {
        pc = this.counter(N.METRIC_ML_PREDICTIONS, { ...s.attributes, [N.ATTR_ERROR_TYPE]: errorType });
        s.errorPredictions.set(errorType, pc);
      }
      pc.add(options.rows);
    }
  }

  /**
   * Plain-data snapshot (series that recorded nothing yet are left out). Cumulative (default):
   * totals since each series was created. Delta:
   * changes since the previous delta snapshot of this aggregator's built-in cursor (use
   * {@link ModelAggregator.createDeltaCursor} for independent readers).
   */
  snapshot(options: { temporality?: Temporality } = {}): AggregationSnapshot {
    if (options.temporality === 'delta') return this.defaultCursor.read();
    return buildSnapshot(this, 'cumulative', this.clock(), undefined);
  }

  /** A delta reader with its own position, independent of other readers. */
  createDeltaCursor(): DeltaCursor {
    return new DeltaCursor(this, this.clock());
  }

  /** @internal */
  now(): number {
    return this.clock();
  }
}

interface PreviousState {
  count: number;
  sum: number;
  counts?: Float64Array;
  /** Exponential series: the previous reading. */
  exponential?: ExponentialHistogram;
}

/** Reads the changes of an aggregator since the previous read of this cursor. */
export class DeltaCursor {
  private readonly previous = new Map<number, PreviousState>();

  constructor(
    private readonly aggregator: ModelAggregator,
    private lastReadMs: number,
  ) {}

  /** Delta snapshot since the previous read; series without changes are left out. */
  read(): AggregationSnapshot {
    const now = this.aggregator.now();
    const snap = buildSnapshot(this.aggregator, 'delta', now, { previous: this.previous, sinceMs: this.lastReadMs });
    this.lastReadMs = now;
    return snap;
  }
}

function histogramOf(cell: HistogramCell, prev: PreviousState | undefined): ExplicitHistogram | undefined {
  if (prev === undefined) {
    return {
      boundaries: cell.boundaries,
      counts: Array.from(cell.counts),
      count: cell.count,
      sum: cell.sum,
      ...(cell.count > 0 ? { min: cell.min, max: cell.max } : {}),
    };
  }
  const count = cell.count - prev.count;
  if (count <= 0) return undefined;
  const counts = new Array<number>(cell.counts.length);
  for (let i = 0; i < counts.length; i++) counts[i] = cell.counts[i]! - prev.counts![i]!;
  return { boundaries: cell.boundaries, counts, count, sum: cell.sum - prev.sum };
}

/**
 * An exponential series' point: its cumulative histogram, or the change since `prev` (exact after
 * the scale was lowered: the previous reading is brought to the current scale first).
 */
function exponentialOf(
  cell: ExponentialCell,
  prev: ExponentialHistogram | undefined,
  isDelta: boolean,
): ExponentialHistogram | undefined {
  const now = cell.histogram();
  if (!isDelta) return now;
  if (prev === undefined) {
    const { min: _min, max: _max, ...rest } = now;
    return rest;
  }
  if (now.count <= prev.count) return undefined;
  // a cumulative series only grows and its scale only goes down: the difference always exists
  return subtractExponential(now, prev);
}

function buildSnapshot(
  agg: ModelAggregator,
  temporality: Temporality,
  timeMs: number,
  delta: { previous: Map<number, PreviousState>; sinceMs: number } | undefined,
): AggregationSnapshot {
  const byName = new Map<string, (HistogramPoint | SumPoint)[]>();
  const exponentialByName = new Map<string, ExponentialHistogramPoint[]>();
  for (const cell of agg.allCells()) {
    const prev = delta?.previous.get(cell.id);
    const startTimeMs = delta === undefined ? cell.startTimeMs : Math.max(cell.startTimeMs, delta.sinceMs);
    // Series that never recorded anything are left out, as the OpenTelemetry SDK does.
    if ((cell.kind === 'sum' ? cell.value : cell.count) === 0) continue;
    if (cell.kind === 'exponential') {
      const histogram = exponentialOf(cell, prev?.exponential, delta !== undefined);
      if (delta !== undefined)
        delta.previous.set(cell.id, { count: cell.count, sum: cell.sum, exponential: cell.histogram() });
      if (histogram === undefined) continue;
      let points = exponentialByName.get(cell.metric);
      if (points === undefined) exponentialByName.set(cell.metric, (points = []));
      points.push({ attributes: cell.attributes, startTimeMs, histogram });
      continue;
    }
    let points = byName.get(cell.metric);
    if (points === undefined) {
      points = [];
      byName.set(cell.metric, points);
    }
    if (cell.kind === 'histogram') {
      const histogram = histogramOf(
        cell,
        delta === undefined ? undefined : (prev ?? { count: 0, sum: 0, counts: new Float64Array(cell.counts.length) }),
      );
      if (delta !== undefined)
        delta.previous.set(cell.id, { count: cell.count, sum: cell.sum, counts: Float64Array.from(cell.counts) });
      if (histogram !== undefined) points.push({ attributes: cell.attributes, startTimeMs, histogram });
    } else {
      const value = cell.value - (delta === undefined ? 0 : (prev?.count ?? 0));
      if (delta !== undefined) {
        delta.previous.set(cell.id, { count: cell.value, sum: 0 });
        if (value <= 0) continue;
      }
      points.push({ attributes: cell.attributes, startTimeMs, value });
    }
  }
  if (delta !== undefined) forgetRetired(delta.previous, agg.allCells());
  const metrics: Record<string, SnapshotMetric> = {};
  for (const def of METRIC_DEFINITIONS) {
    const points = byName.get(def.name);
    if (points !== undefined && points.length > 0) {
      metrics[def.name] =
        def.kind === 'histogram'
          ? {
              name: def.name,
              kind: 'histogram',
              unit: def.unit,
              description: def.description,
              points: points as HistogramPoint[],
            }
          : { name: def.name, kind: 'sum', unit: def.unit, description: def.description, points: points as SumPoint[] };
    }
    const exp = exponentialByName.get(def.name);
    if (exp !== undefined && exp.length > 0) {
      const key = metrics[def.name] === undefined ? def.name : def.name + EXPONENTIAL_KEY_SUFFIX;
      metrics[key] = {
        name: def.name,
        kind: 'exponential_histogram',
        unit: def.unit,
        description: def.description,
        points: exp,
      };
    }
  }
  return { model: agg.model, temporality, timeMs, metrics, stats: agg.stats };
}

/** Drops the state kept for series that ended (retired cells), once it outgrows the live ones. */
export function forgetRetired(state: Map<number, unknown>, live: readonly Cell[]): void {
  if (state.size <= live.length + 64) return;
  const ids = new Set(live.map((c) => c.id));
  for (const id of state.keys()) if (!ids.has(id)) state.delete(id);
}
