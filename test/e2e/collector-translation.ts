/**
 * The OpenTelemetry Collector's OTLP -> Prometheus translation, reproduced for the end-to-end
 * tests (no Collector binary is packaged for this machine). It follows opentelemetry-collector-contrib
 * v0.147.0 (March 2026): the `prometheus` exporter (exporter/prometheusexporter: names by
 * prometheus/otlptranslator's MetricNamer, labels in collector.go getMetricMetadata) and the
 * `prometheusremotewrite` exporter (pkg/translator/prometheusremotewrite: names by the same rules,
 * labels in helper.go createAttributes). The rules, as in pkg/translator/prometheus/normalize_name.go:
 *
 * - `add_metric_suffixes: true` (the default of both exporters): the name is split into tokens of
 *   [A-Za-z0-9:] and joined with `_`; the unit is mapped (s -> seconds, By -> bytes, ms ->
 *   milliseconds, ... ; `1` -> nothing; a unit with `{...}` is an annotation and adds nothing; a
 *   `/x` part adds `per_<x>`) and appended unless the name already has that token; a monotonic sum
 *   gets `_total` (an existing `total` token moves to the end); a gauge with unit `1` gets `_ratio`
 *   (an existing `ratio` token moves to the end).
 * - `add_metric_suffixes: false`: only characters outside [A-Za-z0-9:_] become `_` (no unit, no
 *   `_total`: a counter keeps its bare name in the text format the exporter serves).
 * - Labels: attribute keys with every character outside [A-Za-z0-9_] replaced by `_`; then
 *   `otel_scope_name`, `otel_scope_version` (and, in the prometheus exporter, `otel_scope_schema_url`;
 *   empty values are no label in Prometheus); `job` = service.namespace/service.name (or
 *   service.name), `instance` = service.instance.id, when present; with
 *   `resource_to_telemetry_conversion.enabled`, every resource attribute as a label too. A
 *   `target_info` series carries the resource (job, instance and the other attributes).
 * - The prometheus exporter serves the latest point of each series (cumulative sums and histograms
 *   as sent) and forgets a series after `metric_expiration` (5 m); Prometheus, scraping it without
 *   `honor_labels`, renames the exposed `job`/`instance` to `exported_job`/`exported_instance`.
 *   Remote write sends each point with its own timestamp.
 */
import type { AttributeValue, Attributes, Metric, MetricsExport } from '../../processor/src/otlp/model.js';

export interface Translation {
  /** add_metric_suffixes (default true in both exporters). */
  readonly addMetricSuffixes: boolean;
  /** resource_to_telemetry_conversion.enabled (default false). */
  readonly resourceToTelemetry: boolean;
}

export const COLLECTOR_DEFAULTS: Translation = { addMetricSuffixes: true, resourceToTelemetry: false };

const UNITS: Readonly<Record<string, string>> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tibibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '1': '',
  '%': 'percent',
};
const PER_UNITS: Readonly<Record<string, string>> = {
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  y: 'year',
};

export type MetricKind = 'gauge' | 'counter' | 'updowncounter' | 'histogram';

const tokens = (s: string): string[] => s.split(/[^A-Za-z0-9:]+/).filter((t) => t !== '');
const cleanUnit = (s: string): string => tokens(s).join('_');

/** The Prometheus name of an OTLP metric. */
export function metricName(
  name: string,
  unit: string,
  kind: MetricKind,
  t: Pick<Translation, 'addMetricSuffixes'>,
): string {
  if (!t.addMetricSuffixes) {
    const n = name
      .split(/[^a-zA-Z0-9:_]+/)
      .filter((x) => x !== '')
      .join('_');
    return /^\d/.test(n) ? `_${n}` : n;
  }
  let out = tokens(name);
  const [main = '', per] = unit.split('/', 2);
  const mainUnit = main.trim();
  if (mainUnit !== '' && !/[{}]/.test(mainUnit)) {
    const u = cleanUnit(UNITS[mainUnit] ?? mainUnit);
    if (u !== '' && !out.includes(u)) out.push(u);
  }
  const perUnit = per?.trim() ?? '';
  if (perUnit !== '' && !/[{}]/.test(perUnit)) {
    const u = cleanUnit(PER_UNITS[perUnit] ?? perUnit);
    if (u !== '' && !out.includes(u)) out.push('per', u);
  }
  if (kind === 'counter') out = [...out.filter((x) => x !== 'total'), 'total'];
  if (unit === '1' && kind === 'gauge') out = [...out.filter((x) => x !== 'ratio'), 'ratio'];
  const n = out.join('_');
  return /^\d/.test(n) ? `_${n}` : n;
}

/** The Prometheus name of an attribute key. */
export function labelName(key: string): string {
  const n = key.replace(/[^A-Za-z0-9_]/g, '_');
  return /^\d/.test(n) ? `key_${n}` : n;
}

const str = (v: AttributeValue): string =>
  typeof v === 'string' ? v : typeof v === 'bigint' ? v.toString() : JSON.stringify(v);

function resourceLabels(resource: Attributes, t: Translation): Record<string, string> {
  const out: Record<string, string> = {};
  if (t.resourceToTelemetry) for (const [k, v] of Object.entries(resource)) out[labelName(k)] = str(v);
  const name = resource['service.name'];
  if (name !== undefined)
    out['job'] =
      resource['service.namespace'] !== undefined ? `${str(resource['service.namespace'])}/${str(name)}` : str(name);
  const instance = resource['service.instance.id'];
  if (instance !== undefined) out['instance'] = str(instance);
  return out;
}

export interface Sample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  /** ms since the epoch (the OTLP point's time). */
  readonly timestampMs: number;
}

function kindOf(m: Metric): MetricKind | undefined {
  const d = m.data;
  if (d.type === 'gauge') return 'gauge';
  if (d.type === 'sum') return d.isMonotonic ? 'counter' : 'updowncounter';
  if (d.type === 'histogram') return 'histogram';
  return undefined; // exponential histograms and summaries: not sent by otel-ml
}

const ms = (ns: bigint) => Number(ns / 1_000_000n);

/**
 * The samples of an export as one of the exporters would produce them (`scopeSchemaUrl`: the
 * prometheus exporter's extra scope label). `target_info` included.
 */
export function samples(exp: MetricsExport, t: Translation): Sample[] {
  const out: Sample[] = [];
  for (const rm of exp.resourceMetrics) {
    const res = resourceLabels(rm.resource.attributes, t);
    let latest = 0;
    for (const sm of rm.scopeMetrics) {
      const scope: Record<string, string> = {};
      if (sm.scope.name) scope['otel_scope_name'] = sm.scope.name;
      if (sm.scope.version) scope['otel_scope_version'] = sm.scope.version;
      for (const m of sm.metrics) {
        const kind = kindOf(m);
        if (!kind) continue;
        const name = metricName(m.name, m.unit, kind, t);
        const d = m.data;
        if (d.type === 'gauge' || d.type === 'sum') {
          for (const p of d.points) {
            const attrs = Object.fromEntries(Object.entries(p.attributes).map(([k, v]) => [labelName(k), str(v)]));
            out.push({
              labels: { ...attrs, ...scope, ...res, __name__: name },
              value: p.value,
              timestampMs: ms(p.timeUnixNano),
            });
            latest = Math.max(latest, ms(p.timeUnixNano));
          }
        } else if (d.type === 'histogram') {
          for (const p of d.points) {
            const attrs = {
              ...Object.fromEntries(Object.entries(p.attributes).map(([k, v]) => [labelName(k), str(v)])),
              ...scope,
              ...res,
            };
            const at = ms(p.timeUnixNano);
            latest = Math.max(latest, at);
            let cum = 0;
            p.explicitBounds.forEach((b, i) => {
              cum += p.bucketCounts[i] ?? 0;
              out.push({
                labels: { ...attrs, __name__: `${name}_bucket`, le: String(b) },
                value: cum,
                timestampMs: at,
              });
            });
            out.push({ labels: { ...attrs, __name__: `${name}_bucket`, le: '+Inf' }, value: p.count, timestampMs: at });
            if (p.sum !== undefined)
              out.push({ labels: { ...attrs, __name__: `${name}_sum` }, value: p.sum, timestampMs: at });
            out.push({ labels: { ...attrs, __name__: `${name}_count` }, value: p.count, timestampMs: at });
          }
        }
      }
    }
    if (latest > 0) {
      const info: Record<string, string> = { ...res };
      for (const [k, v] of Object.entries(rm.resource.attributes))
        if (!['service.name', 'service.namespace', 'service.instance.id'].includes(k)) info[labelName(k)] = str(v);
      out.push({ labels: { ...info, __name__: 'target_info' }, value: 1, timestampMs: latest });
    }
  }
  return out;
}

const seriesKey = (labels: Readonly<Record<string, string>>): string =>
  Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join('\u0000');

/** The prometheus exporter's state: the latest sample of every series, forgotten after `metric_expiration`. */
export class Accumulator {
  private readonly series = new Map<string, { sample: Sample; seen: number }>();

  constructor(
    private readonly t: Translation,
    private readonly expirationMs = 5 * 60_000,
  ) {}

  add(exp: MetricsExport, now = Date.now()): void {
    for (const s of samples(exp, this.t)) this.series.set(seriesKey(s.labels), { sample: s, seen: now });
  }

  /** The text exposition format (0.0.4) the exporter serves when Prometheus scrapes it. */
  exposition(now = Date.now()): string {
    const byName = new Map<string, Sample[]>();
    for (const [k, v] of this.series) {
      if (now - v.seen > this.expirationMs) {
        this.series.delete(k);
        continue;
      }
      const family = v.sample.labels.__name__!.replace(/_(bucket|sum|count)$/, '');
      const list = byName.get(family) ?? [];
      list.push(v.sample);
      byName.set(family, list);
    }
    const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
    let text = '';
    for (const [, list] of [...byName].sort(([a], [b]) => (a < b ? -1 : 1))) {
      for (const s of list) {
        const { __name__: name, ...labels } = s.labels;
        const body = Object.entries(labels)
          .map(([k, v]) => `${k}="${esc(v)}"`)
          .join(',');
        text += `${name}{${body}} ${s.value}\n`;
      }
    }
    return text;
  }
}
