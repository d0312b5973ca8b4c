/**
 * The routing of the OpenTelemetry Collector's `loadbalancing` exporter (opentelemetry-collector-contrib,
 * exporter/loadbalancingexporter), reimplemented from its documented behaviour so that tests can
 * route exports the way a gateway would without a Collector binary. Read from:
 * - `consistent_hashing.go`: the ring. Each endpoint takes 100 positions on a ring of 36,000
 *   (CRC-32/IEEE of the endpoint's bytes followed by one byte, the position's index, modulo
 *   36,000); a position already taken by an earlier endpoint is skipped; the items are sorted by
 *   position. A routing key goes to the endpoint of the first item at or after CRC-32(key) modulo
 *   36,000, wrapping to the first item.
 * - `resolver_static.go` (and the DNS and k8s resolvers): the ring is built from the endpoints
 *   sorted as strings, so their order in the configuration does not matter.
 * - `metrics_exporter.go` and `attribute_routing.go` (`routing_key: attributes`, metrics since
 *   contrib PR #45708, first in v0.147.0): a metrics request is split into batches by routing key; with
 *   `routing_attributes` each listed attribute is looked up on the resource, then the scope,
 *   then the data point, and the key is `name=value|` per attribute in the configured order
 *   (`name=|` when absent). Points of one key go to one endpoint.
 */
import { crc32 } from 'node:zlib';
import type {
  AttributeValue,
  Attributes,
  Metric,
  MetricsExport,
  ResourceMetrics,
} from '../../processor/src/otlp/model.js';

/** Positions of the ring (360 degrees with two decimals). */
export const RING_POSITIONS = 36_000;
/** Positions per endpoint (the exporter's fixed weight). */
export const POSITIONS_PER_ENDPOINT = 100;

export class HashRing {
  /** Positions in increasing order, each with its endpoint. */
  private readonly items: { readonly pos: number; readonly endpoint: string }[] = [];

  constructor(endpoints: readonly string[]) {
    const taken = new Set<number>();
    for (const endpoint of [...endpoints].sort()) {
      const bytes = Buffer.from(endpoint);
      for (let i = 0; i < POSITIONS_PER_ENDPOINT; i++) {
        const pos = crc32(Buffer.concat([bytes, Buffer.from([i])])) % RING_POSITIONS;
        if (taken.has(pos)) continue;
        taken.add(pos);
        this.items.push({ pos, endpoint });
      }
    }
    this.items.sort((a, b) => a.pos - b.pos);
    if (this.items.length === 0) throw new Error('a ring needs at least one endpoint');
  }

  /** The endpoint a routing key goes to. */
  endpointFor(key: string): string {
    const pos = crc32(Buffer.from(key)) % RING_POSITIONS;
    // the first item at or after `pos` (binary search), else the first item
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.items[mid]!.pos < pos) lo = mid + 1;
      else hi = mid;
    }
    return (this.items[lo] ?? this.items[0]!).endpoint;
  }
}

/** A value as `attribute_routing.go` writes it into a key (strings as they are; the others as Go formats them for the types used here). */
function keyValue(v: AttributeValue): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (v === null) return '';
  return `[${v.map(keyValue).join(',')}]`;
}

/** The routing key of `routing_key: attributes` for one point. */
export function attributesRoutingKey(
  names: readonly string[],
  resource: Attributes,
  scope: Attributes,
  point: Attributes,
): string {
  let key = '';
  for (const n of names) {
    const v = resource[n] ?? scope[n] ?? point[n];
    key += v === undefined ? `${n}=|` : `${n}=${keyValue(v)}|`;
  }
  return key;
}

/**
 * Splits an export the way the exporter with `routing_key: attributes` and `routing_attributes:
 * names` does, and returns each endpoint's part (endpoints that get nothing are absent).
 */
export function routeByAttributes(
  exp: MetricsExport,
  ring: HashRing,
  names: readonly string[],
): Map<string, MetricsExport> {
  const parts = new Map<string, Map<ResourceMetrics, Map<number, Map<Metric, unknown[]>>>>();
  for (const rm of exp.resourceMetrics) {
    rm.scopeMetrics.forEach((sm, si) => {
      for (const m of sm.metrics) {
        if (m.data.type === 'summary') continue;
        for (const p of m.data.points) {
          const endpoint = ring.endpointFor(
            attributesRoutingKey(names, rm.resource.attributes, sm.scope.attributes, p.attributes),
          );
          let byResource = parts.get(endpoint);
          if (byResource === undefined) parts.set(endpoint, (byResource = new Map()));
          let byScope = byResource.get(rm);
          if (byScope === undefined) byResource.set(rm, (byScope = new Map()));
          let byMetric = byScope.get(si);
          if (byMetric === undefined) byScope.set(si, (byMetric = new Map()));
          let points = byMetric.get(m);
          if (points === undefined) byMetric.set(m, (points = []));
          points.push(p);
        }
      }
    });
  }
  const out = new Map<string, MetricsExport>();
  for (const [endpoint, byResource] of parts) {
    const resourceMetrics: ResourceMetrics[] = [...byResource].map(([rm, byScope]) => ({
      ...rm,
      scopeMetrics: [...byScope].map(([si, byMetric]) => ({
        ...rm.scopeMetrics[si]!,
        metrics: [...byMetric].map(([m, points]) => ({ ...m, data: { ...m.data, points } }) as Metric),
      })),
    }));
    out.set(endpoint, { resourceMetrics });
  }
  return out;
}
