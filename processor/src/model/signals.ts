/**
 * Which ML metrics the processor analyses and how each maps to analysis data.
 *
 * The ANALYSIS identity of a point is (model key, slot key):
 * - model key: ml.model.name, ml.model.version (default ''), ml.deployment.role (default
 *   'primary') and the values of the allow-listed resource attributes (default:
 *   deployment.environment.name). Every other resource attribute (service.instance.id, host.*,
 *   ...) is ignored, so the points of all instances of a service merge into one distribution.
 * - slot key: the signal (from the metric name), its subject (feature name or business metric)
 *   and its dimensions (category, predicted class, outcome label, ...), joined by U+001F.
 */
import {
  ATTR_DEPLOYMENT_ENVIRONMENT_NAME,
  ATTR_ERROR_TYPE,
  ATTR_ML_BUSINESS_METRIC,
  ATTR_ML_DEPLOYMENT_ROLE,
  ATTR_ML_FEATURE_CATEGORY,
  ATTR_ML_FEATURE_NAME,
  ATTR_ML_FEATURE_PROJECTION_BASIS,
  ATTR_ML_FEATURE_PROJECTION_INDEX,
  ATTR_ML_MODEL_NAME,
  ATTR_ML_MODEL_TASK,
  ATTR_ML_MODEL_VERSION,
  ATTR_ML_OPERATION_NAME,
  ATTR_ML_OUTCOME_LABEL,
  ATTR_ML_OUTCOME_UNMATCHED_REASON,
  ATTR_ML_PREDICTION_CLASS,
  ATTR_ML_SHADOW_RESULT,
  METRIC_ML_BUSINESS_VALUE,
  METRIC_ML_FEATURE_ATTRIBUTION,
  METRIC_ML_FEATURE_CATEGORY_COUNT,
  METRIC_ML_FEATURE_CATEGORY_UNSEEN,
  METRIC_ML_FEATURE_INVALID,
  METRIC_ML_FEATURE_MISSING,
  METRIC_ML_FEATURE_PROJECTION,
  METRIC_ML_FEATURE_UNKNOWN,
  METRIC_ML_FEATURE_VALUE,
  METRIC_ML_INFERENCE_DURATION,
  METRIC_ML_OUTCOMES,
  METRIC_ML_OUTCOME_DELAY,
  METRIC_ML_OUTCOME_ERROR,
  METRIC_ML_OUTCOME_ERROR_ABSOLUTE,
  METRIC_ML_OUTCOME_ERROR_SQUARED,
  METRIC_ML_OUTCOME_SCORE,
  METRIC_ML_OUTCOME_UNMATCHED,
  METRIC_ML_PREDICTIONS,
  METRIC_ML_PREDICTION_SCORE,
  METRIC_ML_PRIVACY_NOISE_VARIANCE,
  METRIC_ML_PREDICTION_VALUE,
  METRIC_ML_SHADOW_AGREEMENT,
  REGISTRY,
} from '@otel-ml/conventions';
import type { Attributes, AttributeValue } from '../otlp/model.js';

export type Signal =
  | 'feature.value'
  | 'feature.missing'
  | 'feature.category'
  | 'feature.invalid'
  | 'feature.unknown'
  | 'feature.unseen'
  | 'feature.attribution'
  | 'feature.projection'
  | 'predictions'
  | 'prediction.score'
  | 'prediction.value'
  | 'outcome.score'
  | 'outcomes'
  | 'outcome.error'
  | 'outcome.error.absolute'
  | 'outcome.error.squared'
  | 'outcome.delay'
  | 'outcome.unmatched'
  | 'inference.duration'
  | 'shadow.agreement'
  | 'business.value'
  | 'privacy.noise';

export interface SignalSpec {
  readonly signal: Signal;
  /** Counters are monotonic sums; histograms are explicit or exponential histograms. */
  readonly kind: 'counter' | 'histogram';
  /** Attribute naming the subject (feature, business metric); required when set. */
  readonly subject?: string;
  /** Dimension attributes, in slot-key order. */
  readonly dims: readonly string[];
  /** Dimensions that must be present. */
  readonly required: readonly string[];
}

export const ATTR = {
  modelName: ATTR_ML_MODEL_NAME,
  modelVersion: ATTR_ML_MODEL_VERSION,
  modelTask: ATTR_ML_MODEL_TASK,
  role: ATTR_ML_DEPLOYMENT_ROLE,
  featureName: ATTR_ML_FEATURE_NAME,
  projectionIndex: ATTR_ML_FEATURE_PROJECTION_INDEX,
  projectionBasis: ATTR_ML_FEATURE_PROJECTION_BASIS,
  featureCategory: ATTR_ML_FEATURE_CATEGORY,
  predictionClass: ATTR_ML_PREDICTION_CLASS,
  outcomeLabel: ATTR_ML_OUTCOME_LABEL,
  unmatchedReason: ATTR_ML_OUTCOME_UNMATCHED_REASON,
  operationName: ATTR_ML_OPERATION_NAME,
  shadowResult: ATTR_ML_SHADOW_RESULT,
  businessMetric: ATTR_ML_BUSINESS_METRIC,
  errorType: ATTR_ERROR_TYPE,
  environment: ATTR_DEPLOYMENT_ENVIRONMENT_NAME,
} as const;

const spec = (
  signal: Signal,
  kind: SignalSpec['kind'],
  subject?: string,
  dims: readonly string[] = [],
  required: readonly string[] = [],
): SignalSpec => ({
  signal,
  kind,
  subject,
  dims,
  required,
});

/** Metric name → signal. Metrics not listed are not analysed (`not_ml`). */
export const SIGNALS: ReadonlyMap<string, SignalSpec> = new Map<string, SignalSpec>([
  [METRIC_ML_FEATURE_VALUE, spec('feature.value', 'histogram', ATTR.featureName)],
  [METRIC_ML_FEATURE_MISSING, spec('feature.missing', 'counter', ATTR.featureName)],
  [
    METRIC_ML_FEATURE_CATEGORY_COUNT,
    spec('feature.category', 'counter', ATTR.featureName, [ATTR.featureCategory], [ATTR.featureCategory]),
  ],
  // data quality: values of the wrong type, undeclared feature names, named unseen categories
  [METRIC_ML_FEATURE_INVALID, spec('feature.invalid', 'counter', ATTR.featureName)],
  [METRIC_ML_FEATURE_UNKNOWN, spec('feature.unknown', 'counter', ATTR.featureName)],
  [
    METRIC_ML_FEATURE_CATEGORY_UNSEEN,
    spec('feature.unseen', 'counter', ATTR.featureName, [ATTR.featureCategory], [ATTR.featureCategory]),
  ],
  [METRIC_ML_FEATURE_ATTRIBUTION, spec('feature.attribution', 'histogram', ATTR.featureName)],
  // joint drift: random projections of the standardized numeric features, by basis
  [
    METRIC_ML_FEATURE_PROJECTION,
    spec('feature.projection', 'histogram', ATTR.projectionIndex, [ATTR.projectionBasis], [ATTR.projectionBasis]),
  ],
  [METRIC_ML_PREDICTIONS, spec('predictions', 'counter', undefined, [ATTR.predictionClass, ATTR.errorType])],
  [METRIC_ML_PREDICTION_SCORE, spec('prediction.score', 'histogram', undefined, [ATTR.predictionClass])],
  [METRIC_ML_PREDICTION_VALUE, spec('prediction.value', 'histogram')],
  // Multiclass: one outcome-score histogram per (true label, class the score belongs to).
  [
    METRIC_ML_OUTCOME_SCORE,
    spec('outcome.score', 'histogram', undefined, [ATTR.outcomeLabel, ATTR.predictionClass], [ATTR.outcomeLabel]),
  ],
  // Regression outcomes carry neither class nor label: they only count matched outcomes.
  [METRIC_ML_OUTCOMES, spec('outcomes', 'counter', undefined, [ATTR.predictionClass, ATTR.outcomeLabel])],
  [METRIC_ML_OUTCOME_ERROR, spec('outcome.error', 'histogram')],
  [METRIC_ML_OUTCOME_ERROR_ABSOLUTE, spec('outcome.error.absolute', 'histogram')],
  [METRIC_ML_OUTCOME_ERROR_SQUARED, spec('outcome.error.squared', 'histogram')],
  [METRIC_ML_OUTCOME_DELAY, spec('outcome.delay', 'histogram')],
  [METRIC_ML_OUTCOME_UNMATCHED, spec('outcome.unmatched', 'counter', undefined, [ATTR.unmatchedReason])],
  [
    METRIC_ML_INFERENCE_DURATION,
    spec('inference.duration', 'histogram', undefined, [ATTR.operationName, ATTR.errorType]),
  ],
  [
    METRIC_ML_SHADOW_AGREEMENT,
    spec('shadow.agreement', 'counter', undefined, [ATTR.shadowResult], [ATTR.shadowResult]),
  ],
  [METRIC_ML_BUSINESS_VALUE, spec('business.value', 'histogram', ATTR.businessMetric)],
  [METRIC_ML_PRIVACY_NOISE_VARIANCE, spec('privacy.noise', 'counter')],
]);

/**
 * The registry's default bucket boundaries of each histogram signal that has them: the layout
 * onto which exponential points of a signal other than a feature's value are re-binned while no
 * other layout (baseline, first explicit points) is known.
 */
export const DEFAULT_LAYOUTS: ReadonlyMap<Signal, readonly number[]> = new Map(
  [...SIGNALS].flatMap(([metric, s]) => {
    const b = REGISTRY.metrics[metric]?.buckets;
    return s.kind === 'histogram' && b !== undefined ? [[s.signal, b] as const] : [];
  }),
);

/** Separator of slot-key parts; cannot appear in well-formed attribute values we produce. */
export const SEP = '\u001f';

function str(v: AttributeValue | undefined): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
}

/** The parts of a slot key. */
export interface SlotId {
  readonly signal: Signal;
  readonly subject: string;
  readonly dims: readonly string[];
  /** Set on a per-slice slot: the `<key>` of `ml.slice.<key>` and the slice value. */
  readonly slice?: { readonly key: string; readonly value: string };
  /**
   * Set on the slot holding a signal's exponential histogram points (numeric feature values),
   * kept beside the slot of its explicit-bucket points: see `windows/accumulator.ts`.
   */
  readonly exponential?: true;
}

/** Marks a per-slice slot key: SLICE_MARK + slice key + SEP + slice value + SEP + plain slot key. */
const SLICE_MARK = '@';
/** Marks the slot key of exponential histogram points: EXPONENTIAL_MARK + plain slot key. */
const EXPONENTIAL_MARK = '^';

/** Signals whose exponential histogram points are kept as exponential histograms (the others are re-binned onto explicit boundaries). */
export const EXPONENTIAL_SIGNALS: ReadonlySet<Signal> = new Set<Signal>(['feature.value']);

/** The key of the slot holding the exponential points of the plain slot `key`. */
export function exponentialSlotKey(key: string): string {
  return EXPONENTIAL_MARK + key;
}

export function slotKey(id: SlotId): string {
  let k: string = id.signal + SEP + id.subject;
  for (const d of id.dims) k += SEP + d;
  if (id.exponential === true) k = EXPONENTIAL_MARK + k;
  return id.slice === undefined ? k : SLICE_MARK + id.slice.key + SEP + id.slice.value + SEP + k;
}

export function parseSlotKey(key: string): SlotId {
  const parts = key.split(SEP);
  let slice: SlotId['slice'];
  if (key.startsWith(SLICE_MARK)) {
    slice = { key: parts[0]!.slice(SLICE_MARK.length), value: parts[1] ?? '' };
    parts.splice(0, 2);
  }
  const exponential = parts[0]!.startsWith(EXPONENTIAL_MARK);
  if (exponential) parts[0] = parts[0]!.slice(EXPONENTIAL_MARK.length);
  const [signal, subject, ...dims] = parts;
  const id: SlotId = {
    signal: signal as Signal,
    subject: subject ?? '',
    dims,
    ...(exponential ? { exponential: true as const } : {}),
  };
  return slice === undefined ? id : { ...id, slice };
}

/** Attribute prefix of slices (`ml.slice.<key>`). */
export const SLICE_ATTRIBUTE_PREFIX = 'ml.slice.';

/**
 * Signals also accumulated per slice value: what per-slice performance and fairness need, and the
 * feature values, categories and missing counts that per-slice drift needs (analysis/slice-drift.ts).
 */
export const SLICED_SIGNALS: ReadonlySet<Signal> = new Set<Signal>([
  'predictions',
  'prediction.score',
  'outcome.score',
  'outcomes',
  'outcome.error.absolute',
  'outcome.error.squared',
  'feature.value',
  'feature.category',
  'feature.missing',
]);

/**
 * Per-slice slot keys of a point: one for every `ml.slice.<key>` attribute it carries whose
 * `<key>` is allowed (every key when `allowed` is undefined), for the signals in
 * {@link SLICED_SIGNALS}; empty otherwise. The instrumentation bounds slice keys and values;
 * `bound` maps a value to the one kept (the stream processor's own bound: `__other__` beyond it),
 * or to undefined to leave the key out.
 */
export function sliceSlotKeys(
  signal: Signal,
  slotKey: string,
  attrs: Attributes,
  allowed?: ReadonlySet<string>,
  bound?: (key: string, value: string) => string | undefined,
): readonly string[] {
  if (!SLICED_SIGNALS.has(signal)) return NO_KEYS;
  let out: string[] | undefined;
  for (const a in attrs) {
    if (!a.startsWith(SLICE_ATTRIBUTE_PREFIX)) continue;
    const key = a.slice(SLICE_ATTRIBUTE_PREFIX.length);
    if (key === '' || (allowed !== undefined && !allowed.has(key))) continue;
    const raw = str(attrs[a]) ?? '';
    const value = bound === undefined ? raw : bound(key, raw);
    if (value === undefined) continue;
    (out ??= []).push(SLICE_MARK + key + SEP + value + SEP + slotKey);
  }
  return out ?? NO_KEYS;
}

const NO_KEYS: readonly string[] = [];

/**
 * Slot key of a point (see {@link slotKey}), or the attribute it misses. Hot path: builds the key
 * string only; {@link parseSlotKey} gives the parts when a slot is created.
 */
export function slotKeyOf(s: SignalSpec, attrs: Attributes): string | { missing: string } {
  let key: string = s.signal + SEP;
  if (s.subject !== undefined) {
    const v = str(attrs[s.subject]);
    if (v === undefined || v === '') return { missing: s.subject };
    key += v;
  }
  for (const d of s.dims) {
    const v = str(attrs[d]);
    if (v === undefined && s.required.includes(d)) return { missing: d };
    key += SEP + (v ?? '');
  }
  return key;
}

/** Slot of a point, or the name of the missing attribute. */
export function slotOf(s: SignalSpec, attrs: Attributes): { id: SlotId; key: string } | { missing: string } {
  const key = slotKeyOf(s, attrs);
  return typeof key === 'string' ? { id: parseSlotKey(key), key } : key;
}

/** Who a window belongs to. */
export interface ModelIdentity {
  readonly name: string;
  readonly version: string;
  readonly role: string;
  /** Values of the allow-listed resource attributes ('' when absent). */
  readonly resource: Readonly<Record<string, string>>;
}

/** Stable string key of a model identity (JSON of the ordered tuple [name, version, role, ...resource values]). */
export function modelKeyOf(m: ModelIdentity, resourceAllowList: readonly string[]): string {
  const parts: string[] = [m.name, m.version, m.role];
  for (const k of resourceAllowList) parts.push(m.resource[k] ?? '');
  return JSON.stringify(parts);
}

/** The resource values' part of model keys, computed once per resource (see {@link modelKeyFrom}). */
export function resourceKeySuffix(resource: Readonly<Record<string, string>>, allowList: readonly string[]): string {
  let out = '';
  for (const k of allowList) out += ',' + JSON.stringify(resource[k] ?? '');
  return out;
}

/**
 * The model key of a point, equal to {@link modelKeyOf} of its {@link modelOf}, without building
 * the identity object; undefined when the point has no ml.model.name.
 */
export function modelKeyFrom(attrs: Attributes, suffix: string): string | undefined {
  const name = str(attrs[ATTR.modelName]);
  if (name === undefined || name === '') return undefined;
  const version = str(attrs[ATTR.modelVersion]) ?? '';
  const role = str(attrs[ATTR.role]) || 'primary';
  return `[${JSON.stringify(name)},${JSON.stringify(version)},${JSON.stringify(role)}${suffix}]`;
}

/** Resource part of the model identity: allow-listed resource attribute values. */
export function resourcePart(resource: Attributes, allowList: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of allowList) out[k] = str(resource[k]) ?? '';
  return out;
}

/** Model identity of a point, or undefined when it has no ml.model.name. */
export function modelOf(attrs: Attributes, resource: Readonly<Record<string, string>>): ModelIdentity | undefined {
  const name = str(attrs[ATTR.modelName]);
  if (name === undefined || name === '') return undefined;
  return { name, version: str(attrs[ATTR.modelVersion]) ?? '', role: str(attrs[ATTR.role]) || 'primary', resource };
}

export function attrString(attrs: Attributes, key: string): string | undefined {
  return str(attrs[key]);
}
