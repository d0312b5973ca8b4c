/**
 * Stream identity.
 *
 * A *stream* is one time series as the sender sees it: resource attributes + instrumentation
 * scope (name, version) + metric (name, unit, type, temporality, monotonicity) + point
 * attributes. Two points belong to the same stream exactly when all of these are equal, which is
 * what the OpenTelemetry data model calls the identity of a metric stream. Cursors of the
 * cumulative-to-delta conversion are kept per stream.
 *
 * The key is computed in two steps so that per-point work stays small: the resource, scope and
 * metric parts are folded once per metric into a prefix ({@link metricIdentity}); each point then
 * only encodes its own attributes ({@link streamKey}). The canonical encoding sorts attribute keys
 * and tags every value with its type (so the string "1", the double 1 and the int 1n differ, as
 * they do in OTLP) and is then hashed to 128 bits ({@link hash128}), rendered as 32 hex digits.
 */
import type { AttributeValue, Attributes, Metric, Scope } from '../otlp/model.js';

/** Canonical, type-tagged encoding of one attribute value. */
function encodeValue(v: AttributeValue): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return `d${v}`;
    case 'bigint':
      return `i${v}`;
    case 'boolean':
      return v ? 'T' : 'F';
    default:
      if (v === null) return 'N';
      return `[${(v as readonly AttributeValue[]).map(encodeValue).join(',')}]`;
  }
}

/** Canonical encoding of an attribute set: keys sorted, values type-tagged. Order-independent. */
export function canonicalAttributes(attrs: Attributes): string {
  const keys = Object.keys(attrs);
  if (keys.length === 0) return '{}';
  if (keys.length > 1) keys.sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (i > 0) out += ',';
    out += JSON.stringify(k) + ':' + encodeValue(attrs[k]!);
  }
  return out + '}';
}

/**
 * 128-bit non-cryptographic hash of a string, as 32 hex digits: four independent 32-bit
 * multiply-xorshift lanes over the UTF-16 code units (in the style of MurmurHash3's x86_128
 * mixing), each finished with the MurmurHash3 fmix32 avalanche. Stable across processes and
 * versions (no random seed), which the persisted stream cursors rely on. With 128 bits the chance
 * of any collision among 10^6 streams is about 10^-27.
 */
export function hash128(s: string): string {
  let h1 = 0x9747b28c | 0;
  let h2 = 0x85ebca6b | 0;
  let h3 = 0xc2b2ae35 | 0;
  let h4 = 0x27d4eb2f | 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0xcc9e2d51);
    h1 = (h1 << 15) | (h1 >>> 17);
    h2 = Math.imul(h2 ^ c, 0x1b873593);
    h2 = (h2 << 13) | (h2 >>> 19);
    h3 = Math.imul(h3 ^ c, 0x38b34ae5);
    h3 = (h3 << 17) | (h3 >>> 15);
    h4 = Math.imul(h4 ^ c, 0xa1e38b93);
    h4 = (h4 << 19) | (h4 >>> 13);
    h1 = (h1 + h2) | 0;
    h2 = (h2 ^ h3) | 0;
    h3 = (h3 + h4) | 0;
    h4 = (h4 ^ h1) | 0;
  }
  const n = s.length;
  h1 ^= n;
  h2 ^= n;
  h3 ^= n;
  h4 ^= n;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix32(h1);
  h2 = fmix32(h2);
  h3 = fmix32(h3);
  h4 = fmix32(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  return hex8(h1) + hex8(h2) + hex8(h3) + hex8(h4);
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

function hex8(h: number): string {
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** The metric-level part of a stream's identity, for {@link metricIdentity}. */
export interface MetricIdentityParts {
  readonly resource: Attributes;
  readonly scope: Pick<Scope, 'name' | 'version'>;
  readonly metric: Pick<Metric, 'name' | 'unit'> & { readonly type: string; readonly temporality?: string; readonly isMonotonic?: boolean };
}

/** Canonical encoding of the resource attributes (compute once per ResourceMetrics). */
export function resourceIdentity(resource: Attributes): string {
  return canonicalAttributes(resource);
}

/**
 * Prefix of every stream key of one metric: resource (as returned by {@link resourceIdentity}),
 * scope name and version, metric name, unit, type, temporality and monotonicity.
 */
export function metricIdentity(resourceId: string, scope: Pick<Scope, 'name' | 'version'>, m: MetricIdentityParts['metric']): string {
  return hash128(
    `${resourceId}\u001f${JSON.stringify(scope.name)}\u001f${JSON.stringify(scope.version)}\u001f${JSON.stringify(m.name)}\u001f${JSON.stringify(m.unit)}\u001f${m.type}\u001f${m.temporality ?? ''}\u001f${m.isMonotonic === undefined ? '' : m.isMonotonic ? 'm' : 'n'}`,
  );
}

/** Stable 32-hex-digit key of one stream: the metric identity prefix plus the point's attributes. */
export function streamKey(metricId: string, pointAttributes: Attributes): string {
  return hash128(metricId + '\u001e' + canonicalAttributes(pointAttributes));
}

/** Convenience: the full stream key from its parts (tests, tools); the hot path uses the two-step form. */
export function streamKeyOf(parts: MetricIdentityParts, pointAttributes: Attributes): string {
  return streamKey(metricIdentity(resourceIdentity(parts.resource), parts.scope, parts.metric), pointAttributes);
}
