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
 * they do in OTLP) and is then hashed to 64 bits ({@link hash64}), rendered as 16 hex digits.
 */
import type { AttributeValue, Attributes, Metric, Scope } from '../otlp/model.js';

/**
 * Canonical, type-tagged encoding of one attribute value. Strings are length-prefixed, which
 * keeps the encoding injective without escaping.
 */
function encodeValue(v: AttributeValue): string {
  switch (typeof v) {
    case 'string':
      return `s${v.length}:${v}`;
    case 'number':
      return `d${v};`;
    case 'bigint':
      return `i${v};`;
    case 'boolean':
      return v ? 'T' : 'F';
    default:
      if (v === null) return 'N';
      return `[${(v as readonly AttributeValue[]).map(encodeValue).join('')}]`;
  }
}

/** Canonical encoding of an attribute set: keys sorted, length-prefixed, values type-tagged. Order-independent. */
export function canonicalAttributes(attrs: Attributes): string {
  const keys = Object.keys(attrs);
  if (keys.length > 1) keys.sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    out += `${k.length}:${k}${encodeValue(attrs[k]!)}`;
  }
  return out + '}';
}

/**
 * 64-bit non-cryptographic hash of a string, as 16 hex digits: two independent 32-bit
 * multiply-rotate lanes over the UTF-16 code units (MurmurHash3-style constants), cross-mixed and
 * finished with the MurmurHash3 fmix32 avalanche. Stable across processes and versions (no random
 * seed), which the persisted stream cursors rely on. Collision odds among n streams are about
 * n²/2^65: 3·10^-10 for 10^5 streams, 3·10^-8 for 10^6.
 */
export function hash64(s: string): string {
  let h1 = 0x9747b28c | 0;
  let h2 = 0x85ebca6b | 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0xcc9e2d51);
    h1 = (h1 << 15) | (h1 >>> 17);
    h2 = Math.imul(h2 ^ c, 0x1b873593);
    h2 = (h2 << 13) | (h2 >>> 19);
    h1 = (h1 + h2) | 0;
    h2 = (h2 ^ h1) | 0;
  }
  h1 ^= s.length;
  h2 ^= s.length;
  h1 = (h1 + h2) | 0;
  h2 = (h2 + h1) | 0;
  h1 = fmix32(h1);
  h2 = fmix32(h2);
  h1 = (h1 + h2) | 0;
  h2 = (h2 + h1) | 0;
  return hex8(h1) + hex8(h2);
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hex8(h: number): string {
  return HEX[(h >>> 24) & 255]! + HEX[(h >>> 16) & 255]! + HEX[(h >>> 8) & 255]! + HEX[h & 255]!;
}

/** The metric-level part of a stream's identity, for {@link metricIdentity}. */
export interface MetricIdentityParts {
  readonly resource: Attributes;
  readonly scope: Pick<Scope, 'name' | 'version'>;
  readonly metric: Pick<Metric, 'name' | 'unit'> & {
    readonly type: string;
    readonly temporality?: string;
    readonly isMonotonic?: boolean;
  };
}

/** Canonical encoding of the resource attributes (compute once per ResourceMetrics). */
export function resourceIdentity(resource: Attributes): string {
  return canonicalAttributes(resource);
}

/**
 * Prefix of every stream key of one metric: resource (as returned by {@link resourceIdentity}),
 * scope name and version, metric name, unit, type, temporality and monotonicity.
 */
export function metricIdentity(
  resourceId: string,
  scope: Pick<Scope, 'name' | 'version'>,
  m: MetricIdentityParts['metric'],
): string {
  const mono = m.isMonotonic === undefined ? '' : m.isMonotonic ? 'm' : 'n';
  return hash64(
    `${resourceId}${encodeValue(scope.name)}${encodeValue(scope.version)}${encodeValue(m.name)}${encodeValue(m.unit)}${m.type};${m.temporality ?? ''};${mono}`,
  );
}

/** Stable 16-hex-digit key of one stream: the metric identity prefix plus the point's attributes. */
export function streamKey(metricId: string, pointAttributes: Attributes): string {
  return hash64(metricId + canonicalAttributes(pointAttributes));
}

/** Convenience: the full stream key from its parts (tests, tools); the hot path uses the two-step form. */
export function streamKeyOf(parts: MetricIdentityParts, pointAttributes: Attributes): string {
  return streamKey(metricIdentity(resourceIdentity(parts.resource), parts.scope, parts.metric), pointAttributes);
}
