/**
 * Live-check: compares exported telemetry with the conventions registry.
 *
 * Give it what in-memory exporters collected (spans with their events, `ResourceMetrics`, log
 * records) and it reports every `ml.*` name, unit, instrument kind, attribute or enum value that
 * the registry does not define, every attribute that is not allowed where it is used, and every required
 * attribute that is missing. Inputs are typed structurally, so the OpenTelemetry SDK's own
 * objects (sdk-trace-base `ReadableSpan`, sdk-metrics `ResourceMetrics`, sdk-logs
 * `ReadableLogRecord`) and the processor's decoded OTLP form are all accepted without a
 * dependency on the SDK.
 */
import { REGISTRY } from './generated/registry.js';
import type { InstrumentKind, Registry, RegistryAttributeRef } from './registry-types.js';

export type { Registry } from './registry-types.js';

/** One disagreement between telemetry and the registry. */
export interface Violation {
  readonly kind:
    | 'unknown_metric'
    | 'wrong_unit'
    | 'wrong_instrument'
    | 'unknown_attribute'
    | 'attribute_not_allowed'
    | 'not_for_metrics'
    | 'undefined_enum_value'
    | 'wrong_type'
    | 'missing_required_attribute'
    | 'unknown_event'
    | 'unknown_span';
  /** The metric, span or event the problem was found on. */
  readonly signal: string;
  /** The attribute concerned, when there is one. */
  readonly attribute?: string;
  readonly message: string;
}

export interface LiveCheckReport {
  readonly violations: readonly Violation[];
  /** `ml.*` metric names seen, with how many points each had. */
  readonly metricsSeen: Readonly<Record<string, number>>;
  readonly spansSeen: number;
  readonly eventsSeen: number;
}

type Attrs = Readonly<Record<string, unknown>>;

/** A span, as sdk-trace-base's `ReadableSpan` (only the fields used). */
export interface SpanLike {
  readonly name: string;
  /** SpanKind: 0 internal, 1 server, 2 client, 3 producer, 4 consumer. */
  readonly kind: number;
  readonly attributes: Attrs;
  /** Span events; those named `ml.*` are checked like events recorded as log records. */
  readonly events?: readonly { readonly name: string; readonly attributes?: Attrs }[];
}

/** A metric point with its attributes. */
interface PointLike {
  readonly attributes: Attrs;
}

/** A metric as sdk-metrics exports it (`MetricData`). */
export interface SdkMetricLike {
  readonly descriptor: { readonly name: string; readonly unit: string; readonly type?: string };
  /** DataPointType: 0 histogram, 1 exponential histogram, 2 gauge, 3 sum. */
  readonly dataPointType: number;
  readonly isMonotonic?: boolean;
  readonly dataPoints: readonly PointLike[];
}

/** A metric in the processor's decoded OTLP form. */
export interface DecodedMetricLike {
  readonly name: string;
  readonly unit: string;
  readonly data:
    | { readonly type: 'gauge' | 'histogram' | 'exponential_histogram'; readonly points: readonly PointLike[] }
    | { readonly type: 'sum'; readonly isMonotonic: boolean; readonly points: readonly PointLike[] }
    | { readonly type: 'summary' };
}

export interface ResourceMetricsLike {
  readonly scopeMetrics: readonly { readonly metrics: readonly (SdkMetricLike | DecodedMetricLike)[] }[];
}

/** A log record, as sdk-logs' `ReadableLogRecord` (only the fields used). */
export interface LogRecordLike {
  readonly eventName?: string;
  readonly attributes: Attrs;
}

export interface TelemetryToCheck {
  readonly spans?: readonly SpanLike[];
  readonly metrics?: readonly ResourceMetricsLike[];
  readonly logs?: readonly LogRecordLike[];
}

const SPAN_KINDS = ['internal', 'server', 'client', 'producer', 'consumer'];

/** The instrument kinds a given exported shape can come from. */
function instrumentOf(m: SdkMetricLike | DecodedMetricLike): {
  kinds: InstrumentKind[];
  name: string;
  unit: string;
  points: readonly PointLike[];
} {
  if ('descriptor' in m) {
    const kinds: InstrumentKind[] =
      m.dataPointType === 0 || m.dataPointType === 1
        ? ['histogram']
        : m.dataPointType === 2
          ? ['gauge']
          : m.isMonotonic === false
            ? ['updowncounter']
            : ['counter'];
    // An asynchronous up-down counter exported as a non-monotonic sum is also a fair
    // representation of a gauge-like value; the descriptor's type disambiguates when present.
    return { kinds, name: m.descriptor.name, unit: m.descriptor.unit, points: m.dataPoints };
  }
  const d = m.data;
  if (d.type === 'summary') return { kinds: [], name: m.name, unit: m.unit, points: [] };
  const kinds: InstrumentKind[] =
    d.type === 'sum'
      ? d.isMonotonic
        ? ['counter']
        : ['updowncounter']
      : d.type === 'gauge'
        ? ['gauge']
        : ['histogram'];
  return { kinds, name: m.name, unit: m.unit, points: d.points };
}

function typeMatches(expected: string, value: unknown): boolean {
  switch (expected) {
    case 'string':
      return typeof value === 'string';
    case 'int':
      return (typeof value === 'number' && Number.isInteger(value)) || typeof value === 'bigint';
    case 'double':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    default:
      if (expected.endsWith('[]'))
        return Array.isArray(value) && value.every((v) => typeMatches(expected.slice(0, -2), v));
      return true;
  }
}

/** Finds the registry definition of an attribute name, including template attributes. */
function lookup(registry: Registry, name: string): { id: string; def: Registry['attributes'][string] } | undefined {
  const def = registry.attributes[name];
  if (def && !def.template) return { id: name, def };
  for (const [id, d] of Object.entries(registry.attributes)) {
    if (d.template && name.startsWith(`${id}.`) && name.length > id.length + 1) return { id, def: d };
  }
  return undefined;
}

function checkAttributes(
  registry: Registry,
  signal: string,
  attrs: Attrs,
  allowed: readonly RegistryAttributeRef[] | undefined,
  onMetric: boolean,
  out: Violation[],
): void {
  for (const [name, value] of Object.entries(attrs)) {
    const found = lookup(registry, name);
    if (!found) {
      if (name.startsWith('ml.'))
        out.push({
          kind: 'unknown_attribute',
          signal,
          attribute: name,
          message: `attribute "${name}" on ${signal} is not defined in the registry`,
        });
      continue;
    }
    const { id, def } = found;
    if (allowed && !allowed.some((r) => r.id === id)) {
      out.push({
        kind: 'attribute_not_allowed',
        signal,
        attribute: name,
        message: `attribute "${name}" is defined but not listed for ${signal}`,
      });
    }
    if (onMetric && !def.onMetrics) {
      out.push({
        kind: 'not_for_metrics',
        signal,
        attribute: name,
        message: `attribute "${name}" has unbounded values and must not be used on metrics (${signal})`,
      });
    }
    if (def.type === 'enum') {
      if (!def.openEnum && def.values && !def.values.includes(value as string | number)) {
        out.push({
          kind: 'undefined_enum_value',
          signal,
          attribute: name,
          message: `value ${JSON.stringify(value)} of "${name}" on ${signal} is not one of ${def.values.join(', ')}`,
        });
      }
    } else if (!typeMatches(def.type, value)) {
      out.push({
        kind: 'wrong_type',
        signal,
        attribute: name,
        message: `attribute "${name}" on ${signal} should be ${def.type}, got ${typeof value}`,
      });
    }
  }
  for (const ref of allowed ?? []) {
    if (ref.requirement !== 'required') continue;
    const def = registry.attributes[ref.id];
    const present = def?.template
      ? Object.keys(attrs).some((k) => k.startsWith(`${ref.id}.`))
      : attrs[ref.id] !== undefined;
    if (!present)
      out.push({
        kind: 'missing_required_attribute',
        signal,
        attribute: ref.id,
        message: `required attribute "${ref.id}" is missing on ${signal}`,
      });
  }
}

/** Checks telemetry against the registry (the generated one unless another is given). */
export function liveCheck(telemetry: TelemetryToCheck, registry: Registry = REGISTRY): LiveCheckReport {
  const violations: Violation[] = [];
  const metricsSeen: Record<string, number> = {};
  for (const rm of telemetry.metrics ?? []) {
    for (const sm of rm.scopeMetrics) {
      for (const m of sm.metrics) {
        const { kinds, name, unit, points } = instrumentOf(m);
        const def = registry.metrics[name];
        if (!def) {
          if (name.startsWith('ml.'))
            violations.push({
              kind: 'unknown_metric',
              signal: name,
              message: `metric "${name}" is not defined in the registry`,
            });
          for (const p of points)
            checkAttributes(registry, `metric ${name}`, p.attributes, undefined, true, violations);
          continue;
        }
        metricsSeen[name] = (metricsSeen[name] ?? 0) + points.length;
        if (unit !== def.unit)
          violations.push({
            kind: 'wrong_unit',
            signal: name,
            message: `metric "${name}" has unit "${unit}", the registry says "${def.unit}"`,
          });
        if (kinds.length > 0 && !kinds.includes(def.instrument)) {
          violations.push({
            kind: 'wrong_instrument',
            signal: name,
            message: `metric "${name}" was exported as ${kinds.join('/')}, the registry says ${def.instrument}`,
          });
        }
        for (const p of points)
          checkAttributes(registry, `metric ${name}`, p.attributes, def.attributes, true, violations);
      }
    }
  }
  let spansSeen = 0;
  for (const span of telemetry.spans ?? []) {
    const isMl = Object.keys(span.attributes).some((k) => k.startsWith('ml.'));
    if (!isMl) continue;
    spansSeen++;
    const kind = SPAN_KINDS[span.kind] ?? 'internal';
    const def = registry.spans.find((s) => s.kind === kind);
    const signal = `span "${span.name}" (${kind})`;
    if (!def) {
      violations.push({
        kind: 'unknown_span',
        signal,
        message: `no ML span of kind ${kind} is defined in the registry`,
      });
      continue;
    }
    checkAttributes(registry, signal, span.attributes, def.attributes, false, violations);
    const op = span.attributes['ml.operation.name'];
    const model = span.attributes['ml.model.name'];
    if (typeof op === 'string' && typeof model === 'string' && span.name !== `${op} ${model}`) {
      violations.push({
        kind: 'unknown_span',
        signal,
        message: `span name should be "${op} ${model}" ({ml.operation.name} {ml.model.name})`,
      });
    }
  }
  let eventsSeen = 0;
  const checkEvent = (name: string | undefined, attrs: Attrs): void => {
    if (!name || !name.startsWith('ml.')) return;
    eventsSeen++;
    const def = registry.events[name];
    if (!def)
      violations.push({
        kind: 'unknown_event',
        signal: name,
        message: `event "${name}" is not defined in the registry`,
      });
    else checkAttributes(registry, `event ${name}`, attrs, def.attributes, false, violations);
  };
  for (const span of telemetry.spans ?? []) for (const e of span.events ?? []) checkEvent(e.name, e.attributes ?? {});
  for (const log of telemetry.logs ?? []) {
    const name =
      log.eventName ??
      (typeof log.attributes['event.name'] === 'string' ? (log.attributes['event.name'] as string) : undefined);
    checkEvent(name, Object.fromEntries(Object.entries(log.attributes).filter(([k]) => k !== 'event.name')));
  }
  return { violations, metricsSeen, spansSeen, eventsSeen };
}

/** Throws an error listing every violation; returns the report when there are none. */
export function assertConforms(telemetry: TelemetryToCheck, registry: Registry = REGISTRY): LiveCheckReport {
  const report = liveCheck(telemetry, registry);
  if (report.violations.length > 0) {
    const lines = report.violations.map((v) => `  - ${v.message}`);
    throw new Error(
      `telemetry does not conform to the otel-ml conventions (${report.violations.length} violations):\n${lines.join('\n')}`,
    );
  }
  return report;
}
