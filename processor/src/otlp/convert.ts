/**
 * Converts a loosely typed OTLP message tree into the processor model (model.ts), checking
 * every field's shape. It accepts both
 *  - OTLP/JSON (`JSON.parse` output): lowerCamelCase or snake_case keys, 64-bit integers as
 *    decimal strings or numbers, enums as integers or names, AnyValue.bytes_value as base64
 *    (proto3 JSON; only trace/span ids are hex in OTLP/JSON, and those sit in exemplars, which
 *    are not read at all), and
 *  - protobufjs message objects decoded with ./schema.ts: 64-bit integers as Long, bytes as
 *    Uint8Array.
 * Shape errors throw DecodeError (whole request refused); semantically invalid points are
 * dropped and recorded in a RejectionLog (see validate.ts).
 */
import { DecodeError } from './errors.js';
import type {
  AttributeValue,
  Attributes,
  ExponentialHistogramPoint,
  HistogramPoint,
  Metric,
  MetricData,
  MetricsExport,
  NumberPoint,
  ResourceMetrics,
  ResourceSpans,
  ScopeMetrics,
  SpanEvent,
  SpanRecord,
  Temporality,
  TracesExport,
} from './model.js';
import {
  checkExponentialHistogramPoint,
  checkHistogramPoint,
  checkNumberPoint,
  type RejectionLog,
  type RejectionReason,
} from './validate.js';
import { bytesToHex, intAttribute, kvlistText } from './values.js';

type Obj = Record<string, unknown>;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const snakeCache = new Map<string, string>();
function snake(key: string): string {
  let s = snakeCache.get(key);
  if (s === undefined) {
    s = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    snakeCache.set(key, s);
  }
  return s;
}

const hasOwn = Object.prototype.hasOwnProperty;

/** The value of `key` (lowerCamelCase) or its snake_case spelling; undefined when absent or null. */
function get(o: Obj, key: string): unknown {
  if (hasOwn.call(o, key)) {
    const v = o[key];
    if (v !== null && v !== undefined) return v;
  }
  const s = snake(key);
  if (s !== key && hasOwn.call(o, s)) {
    const v = o[s];
    if (v !== null && v !== undefined) return v;
  }
  // protobufjs message objects keep unset scalars on the prototype (defaults).
  const v = o[key];
  return v === null ? undefined : v;
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function obj(v: unknown, path: string): Obj | undefined {
  if (v === undefined) return undefined;
  if (!isObj(v)) throw new DecodeError('expected an object', path);
  return v;
}

function arr(v: unknown, path: string): readonly unknown[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new DecodeError('expected an array', path);
  return v;
}

function str(v: unknown, path: string): string {
  if (v === undefined) return '';
  if (typeof v !== 'string') throw new DecodeError('expected a string', path);
  return v;
}

function bool(v: unknown, path: string): boolean {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw new DecodeError('expected a boolean', path);
  return v;
}

/** proto3 JSON doubles may be numbers or the strings "NaN", "Infinity", "-Infinity" (or numeric strings). */
function dbl(v: unknown, path: string): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    const n = Number(v);
    if (v.trim() !== '' && !Number.isNaN(n)) return n;
  }
  throw new DecodeError('expected a number', path);
}

function int32(v: unknown, path: string): number {
  if (v === undefined) return 0;
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < -(2 ** 31) || n > 2 ** 32 - 1) {
    throw new DecodeError('expected a 32-bit integer', path);
  }
  return n;
}

interface LongLike {
  low: number;
  high: number;
  unsigned?: boolean;
}

function isLong(v: unknown): v is LongLike {
  return isObj(v) && typeof v.low === 'number' && typeof v.high === 'number';
}

const INT_STRING = /^-?\d+$/;

/** 64-bit integer (fixed64, sfixed64, int64, uint64) as bigint, lossless. */
function big(v: unknown, path: string): bigint {
  if (v === undefined) return 0n;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'string' && INT_STRING.test(v)) return BigInt(v);
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (isLong(v)) {
    const hi = v.unsigned ? BigInt(v.high >>> 0) : BigInt(v.high | 0);
    return (hi << 32n) | BigInt(v.low >>> 0);
  }
  throw new DecodeError('expected a 64-bit integer (number or decimal string)', path);
}

/** 64-bit count as a number; validation later rejects values that are not exact. */
function count(v: unknown, path: string): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (isLong(v)) return (v.unsigned ? v.high >>> 0 : v.high | 0) * 4294967296 + (v.low >>> 0);
  return Number(big(v, path));
}

function counts(v: unknown, path: string): number[] {
  const a = arr(v, path);
  const out = new Array<number>(a.length);
  for (let i = 0; i < a.length; i++) out[i] = count(a[i], path);
  return out;
}

function doubles(v: unknown, path: string): number[] {
  const a = arr(v, path);
  const out = new Array<number>(a.length);
  for (let i = 0; i < a.length; i++) out[i] = dbl(a[i], path);
  return out;
}

const TEMPORALITY_NAMES: Record<string, Temporality> = {
  AGGREGATION_TEMPORALITY_UNSPECIFIED: 'unspecified',
  AGGREGATION_TEMPORALITY_DELTA: 'delta',
  AGGREGATION_TEMPORALITY_CUMULATIVE: 'cumulative',
};

function temporality(v: unknown, path: string): Temporality {
  if (v === undefined || v === 0) return 'unspecified';
  if (v === 1) return 'delta';
  if (v === 2) return 'cumulative';
  if (typeof v === 'string' && hasOwn.call(TEMPORALITY_NAMES, v)) return TEMPORALITY_NAMES[v];
  // An unknown enum number is legal proto3 (newer sender); treat it as unspecified.
  if (typeof v === 'number' && Number.isInteger(v)) return 'unspecified';
  throw new DecodeError('expected an AggregationTemporality', path);
}

/**
 * AnyValue -> AttributeValue. bytes become a lowercase hex string, a key/value list becomes its
 * JSON text (the model's attribute values are flat), an empty AnyValue becomes null.
 */
function anyValue(v: unknown, path: string, depth: number): AttributeValue {
  const o = obj(v, path);
  if (o === undefined) return null;
  if (depth > 32) throw new DecodeError('attribute value nested too deeply', path);
  let x: unknown;
  if ((x = get(o, 'stringValue')) !== undefined && hasOwnSet(o, 'stringValue')) return str(x, `${path}.stringValue`);
  if ((x = get(o, 'boolValue')) !== undefined && hasOwnSet(o, 'boolValue')) return bool(x, `${path}.boolValue`);
  if ((x = get(o, 'intValue')) !== undefined && hasOwnSet(o, 'intValue'))
    return intAttribute(big(x, `${path}.intValue`));
  if ((x = get(o, 'doubleValue')) !== undefined && hasOwnSet(o, 'doubleValue')) return dbl(x, `${path}.doubleValue`);
  if ((x = get(o, 'arrayValue')) !== undefined && hasOwnSet(o, 'arrayValue')) {
    const values = arr(get(obj(x, `${path}.arrayValue`) ?? {}, 'values'), `${path}.arrayValue.values`);
    return values.map((e, i) => anyValue(e, `${path}.arrayValue.values[${i}]`, depth + 1));
  }
  if ((x = get(o, 'kvlistValue')) !== undefined && hasOwnSet(o, 'kvlistValue')) {
    const inner = attributes(
      get(obj(x, `${path}.kvlistValue`) ?? {}, 'values'),
      `${path}.kvlistValue.values`,
      depth + 1,
    );
    return kvlistText(inner);
  }
  if ((x = get(o, 'bytesValue')) !== undefined && hasOwnSet(o, 'bytesValue')) {
    if (x instanceof Uint8Array) return bytesToHex(x);
    if (typeof x === 'string' && /^[A-Za-z0-9+/_-]*={0,2}$/.test(x)) return bytesToHex(Buffer.from(x, 'base64'));
    throw new DecodeError('expected base64 bytes', `${path}.bytesValue`);
  }
  return null;
}

/** Whether a oneof member is really present (own property, in either key spelling). */
function hasOwnSet(o: Obj, key: string): boolean {
  return (hasOwn.call(o, key) && o[key] != null) || (hasOwn.call(o, snake(key)) && o[snake(key)] != null);
}

function attributes(v: unknown, path: string, depth = 0): Attributes {
  const list = arr(v, path);
  const out: Record<string, AttributeValue> = {};
  for (let i = 0; i < list.length; i++) {
    const kv = obj(list[i], `${path}[${i}]`) ?? {};
    const key = str(get(kv, 'key'), `${path}[${i}].key`);
    const value = anyValue(get(kv, 'value'), `${path}[${i}].value`, depth);
    if (key === '__proto__')
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    else out[key] = value;
  }
  return out;
}

function flags(o: Obj, path: string): number {
  return int32(get(o, 'flags'), `${path}.flags`) >>> 0;
}

function optionalDbl(o: Obj, key: string, path: string): number | undefined {
  return hasOwnSet(o, key) ? dbl(get(o, key), `${path}.${key}`) : undefined;
}

function numberPoint(o: Obj, path: string): { point: NumberPoint; hasValue: boolean } {
  let value = NaN;
  let hasValue = false;
  if (hasOwnSet(o, 'asDouble')) {
    value = dbl(get(o, 'asDouble'), `${path}.asDouble`);
    hasValue = true;
  } else if (hasOwnSet(o, 'asInt')) {
    value = Number(big(get(o, 'asInt'), `${path}.asInt`));
    hasValue = true;
  }
  return {
    point: {
      attributes: attributes(get(o, 'attributes'), `${path}.attributes`),
      startTimeUnixNano: big(get(o, 'startTimeUnixNano'), `${path}.startTimeUnixNano`),
      timeUnixNano: big(get(o, 'timeUnixNano'), `${path}.timeUnixNano`),
      flags: flags(o, path),
      value,
    },
    hasValue,
  };
}

/** Fields common to histogram-like points: attributes, times, flags, count. */
function histogramBase(o: Obj, path: string) {
  return {
    attributes: attributes(get(o, 'attributes'), `${path}.attributes`),
    startTimeUnixNano: big(get(o, 'startTimeUnixNano'), `${path}.startTimeUnixNano`),
    timeUnixNano: big(get(o, 'timeUnixNano'), `${path}.timeUnixNano`),
    flags: flags(o, path),
    count: count(get(o, 'count') ?? 0, `${path}.count`),
  };
}

/** Copies the proto3 `optional double` fields sum, min, max when present. */
function withSumMinMax<P extends { sum?: number; min?: number; max?: number }>(p: P, o: Obj, path: string): P {
  for (const key of ['sum', 'min', 'max'] as const) {
    const v = optionalDbl(o, key, path);
    if (v !== undefined) p[key] = v as P[typeof key];
  }
  return p;
}

function histogramPoint(o: Obj, path: string): HistogramPoint {
  const p: Mutable<HistogramPoint> = {
    ...histogramBase(o, path),
    bucketCounts: counts(get(o, 'bucketCounts'), `${path}.bucketCounts`),
    explicitBounds: doubles(get(o, 'explicitBounds'), `${path}.explicitBounds`),
  };
  return withSumMinMax(p, o, path);
}

function buckets(v: unknown, path: string): { offset: number; bucketCounts: number[] } {
  const o = obj(v, path) ?? {};
  return {
    offset: int32(get(o, 'offset'), `${path}.offset`),
    bucketCounts: counts(get(o, 'bucketCounts'), `${path}.bucketCounts`),
  };
}

function exponentialPoint(o: Obj, path: string): ExponentialHistogramPoint {
  const p: Mutable<ExponentialHistogramPoint> = {
    ...histogramBase(o, path),
    scale: int32(get(o, 'scale'), `${path}.scale`),
    zeroCount: count(get(o, 'zeroCount') ?? 0, `${path}.zeroCount`),
    zeroThreshold: dbl(get(o, 'zeroThreshold'), `${path}.zeroThreshold`),
    positive: buckets(get(o, 'positive'), `${path}.positive`),
    negative: buckets(get(o, 'negative'), `${path}.negative`),
  };
  return withSumMinMax(p, o, path);
}

/** Converts each data point with `convert`, keeping those `check` accepts. */
function points<P>(
  list: readonly unknown[],
  path: string,
  metric: string,
  rejections: RejectionLog,
  convert: (o: Obj, path: string) => P,
  check: (p: P) => RejectionReason | undefined,
): P[] {
  const out: P[] = [];
  for (let i = 0; i < list.length; i++) {
    const pPath = `${path}[${i}]`;
    const p = convert(obj(list[i], pPath) ?? {}, pPath);
    const reason = metric === '' ? 'missing_metric_name' : check(p);
    if (reason === undefined) out.push(p);
    else rejections.add(reason, metric);
  }
  return out;
}

function metricData(m: Obj, path: string, name: string, rejections: RejectionLog): MetricData | undefined {
  let d: Obj | undefined;
  if ((d = obj(get(m, 'gauge'), `${path}.gauge`))) {
    const p = `${path}.gauge.dataPoints`;
    const pts = points(arr(get(d, 'dataPoints'), p), p, name, rejections, numberPoint, (x) =>
      checkNumberPoint(x.point, x.hasValue),
    );
    return { type: 'gauge', points: pts.map((x) => x.point) };
  }
  if ((d = obj(get(m, 'sum'), `${path}.sum`))) {
    const p = `${path}.sum.dataPoints`;
    const pts = points(arr(get(d, 'dataPoints'), p), p, name, rejections, numberPoint, (x) =>
      checkNumberPoint(x.point, x.hasValue),
    );
    return {
      type: 'sum',
      temporality: temporality(get(d, 'aggregationTemporality'), `${path}.sum.aggregationTemporality`),
      isMonotonic: bool(get(d, 'isMonotonic'), `${path}.sum.isMonotonic`),
      points: pts.map((x) => x.point),
    };
  }
  if ((d = obj(get(m, 'histogram'), `${path}.histogram`))) {
    const p = `${path}.histogram.dataPoints`;
    return {
      type: 'histogram',
      temporality: temporality(get(d, 'aggregationTemporality'), `${path}.histogram.aggregationTemporality`),
      points: points(arr(get(d, 'dataPoints'), p), p, name, rejections, histogramPoint, checkHistogramPoint),
    };
  }
  if ((d = obj(get(m, 'exponentialHistogram'), `${path}.exponentialHistogram`))) {
    const p = `${path}.exponentialHistogram.dataPoints`;
    return {
      type: 'exponential_histogram',
      temporality: temporality(get(d, 'aggregationTemporality'), `${path}.exponentialHistogram.aggregationTemporality`),
      points: points(
        arr(get(d, 'dataPoints'), p),
        p,
        name,
        rejections,
        exponentialPoint,
        checkExponentialHistogramPoint,
      ),
    };
  }
  if ((d = obj(get(m, 'summary'), `${path}.summary`))) {
    // Summaries are accepted but not used by the processor: only their number is kept.
    return { type: 'summary', pointCount: arr(get(d, 'dataPoints'), `${path}.summary.dataPoints`).length };
  }
  return undefined;
}

/** Converts an ExportMetricsServiceRequest-shaped tree (see the module comment). */
export function convertExportRequest(root: unknown, rejections: RejectionLog): MetricsExport {
  if (!isObj(root)) throw new DecodeError('expected an ExportMetricsServiceRequest object');
  const r = root;
  const rmList = arr(get(r, 'resourceMetrics'), 'resourceMetrics');
  const resourceMetrics: ResourceMetrics[] = [];
  for (let i = 0; i < rmList.length; i++) {
    const rmPath = `resourceMetrics[${i}]`;
    const rm = obj(rmList[i], rmPath) ?? {};
    const res = obj(get(rm, 'resource'), `${rmPath}.resource`) ?? {};
    const smList = arr(get(rm, 'scopeMetrics'), `${rmPath}.scopeMetrics`);
    const scopeMetrics: ScopeMetrics[] = [];
    for (let j = 0; j < smList.length; j++) {
      const smPath = `${rmPath}.scopeMetrics[${j}]`;
      const sm = obj(smList[j], smPath) ?? {};
      const scope = obj(get(sm, 'scope'), `${smPath}.scope`) ?? {};
      const mList = arr(get(sm, 'metrics'), `${smPath}.metrics`);
      const metrics: Metric[] = [];
      for (let k = 0; k < mList.length; k++) {
        const mPath = `${smPath}.metrics[${k}]`;
        const m = obj(mList[k], mPath) ?? {};
        const name = str(get(m, 'name'), `${mPath}.name`);
        const data = metricData(m, mPath, name, rejections);
        // A metric without a known data kind carries no points we could read; it is skipped.
        if (data === undefined) continue;
        metrics.push({
          name,
          description: str(get(m, 'description'), `${mPath}.description`),
          unit: str(get(m, 'unit'), `${mPath}.unit`),
          data,
        });
      }
      scopeMetrics.push({
        scope: {
          name: str(get(scope, 'name'), `${smPath}.scope.name`),
          version: str(get(scope, 'version'), `${smPath}.scope.version`),
          attributes: attributes(get(scope, 'attributes'), `${smPath}.scope.attributes`),
        },
        schemaUrl: str(get(sm, 'schemaUrl'), `${smPath}.schemaUrl`),
        metrics,
      });
    }
    resourceMetrics.push({
      resource: { attributes: attributes(get(res, 'attributes'), `${rmPath}.resource.attributes`) },
      schemaUrl: str(get(rm, 'schemaUrl'), `${rmPath}.schemaUrl`),
      scopeMetrics,
    });
  }
  return { resourceMetrics };
}

const HEX_ID = /^[0-9a-fA-F]*$/;

/**
 * A trace or span id: protobuf bytes, or OTLP/JSON's hex text (base64 text of the right length is
 * accepted too, as proto3's generic JSON mapping writes bytes). Undefined when absent, all zero or
 * not `bytes` long.
 */
function spanId(v: unknown, bytes: number): string | undefined {
  let hex: string | undefined;
  if (v instanceof Uint8Array) hex = v.length === bytes ? bytesToHex(v) : undefined;
  else if (typeof v === 'string') {
    if (v.length === 2 * bytes && HEX_ID.test(v)) hex = v.toLowerCase();
    else if (/^[A-Za-z0-9+/_-]*={0,2}$/.test(v)) {
      const b = Buffer.from(v, 'base64');
      hex = b.length === bytes ? b.toString('hex') : undefined;
    }
  }
  return hex === undefined || /^0+$/.test(hex) ? undefined : hex;
}

/**
 * Converts an ExportTraceServiceRequest-shaped tree (protobufjs message or OTLP/JSON) into
 * {@link TracesExport}. Shape errors throw DecodeError; a span without valid ids is left out and
 * counted in `rejectedSpans`.
 */
export function convertTracesRequest(root: unknown): TracesExport {
  if (!isObj(root)) throw new DecodeError('expected an ExportTraceServiceRequest object');
  const rsList = arr(get(root, 'resourceSpans'), 'resourceSpans');
  const resourceSpans: ResourceSpans[] = [];
  let rejectedSpans = 0;
  for (let i = 0; i < rsList.length; i++) {
    const rsPath = `resourceSpans[${i}]`;
    const rs = obj(rsList[i], rsPath) ?? {};
    const res = obj(get(rs, 'resource'), `${rsPath}.resource`) ?? {};
    const spans: SpanRecord[] = [];
    const ssList = arr(get(rs, 'scopeSpans'), `${rsPath}.scopeSpans`);
    for (let j = 0; j < ssList.length; j++) {
      const ssPath = `${rsPath}.scopeSpans[${j}]`;
      const ss = obj(ssList[j], ssPath) ?? {};
      const sList = arr(get(ss, 'spans'), `${ssPath}.spans`);
      for (let k = 0; k < sList.length; k++) {
        const path = `${ssPath}.spans[${k}]`;
        const s = obj(sList[k], path) ?? {};
        const traceId = spanId(get(s, 'traceId'), 16);
        const sid = spanId(get(s, 'spanId'), 8);
        if (traceId === undefined || sid === undefined) {
          rejectedSpans++;
          continue;
        }
        const eList = arr(get(s, 'events'), `${path}.events`);
        const events: SpanEvent[] = new Array<SpanEvent>(eList.length);
        for (let e = 0; e < eList.length; e++) {
          const ev = obj(eList[e], `${path}.events[${e}]`) ?? {};
          events[e] = {
            name: str(get(ev, 'name'), `${path}.events[${e}].name`),
            attributes: attributes(get(ev, 'attributes'), `${path}.events[${e}].attributes`),
          };
        }
        spans.push({
          traceId,
          spanId: sid,
          name: str(get(s, 'name'), `${path}.name`),
          startTimeUnixNano: big(get(s, 'startTimeUnixNano'), `${path}.startTimeUnixNano`),
          endTimeUnixNano: big(get(s, 'endTimeUnixNano'), `${path}.endTimeUnixNano`),
          attributes: attributes(get(s, 'attributes'), `${path}.attributes`),
          events,
        });
      }
    }
    resourceSpans.push({
      resource: { attributes: attributes(get(res, 'attributes'), `${rsPath}.resource.attributes`) },
      spans,
    });
  }
  return { resourceSpans, rejectedSpans };
}
