/**
 * The processor's `/metrics` with exemplars: the OpenTelemetry Prometheus exporter's text, plus
 * the `ml.drift.bin.moved` counter, whose series carry the trace of a sampled prediction of the
 * moved bin as an OpenMetrics exemplar when the scraper asks for OpenMetrics
 * (`Accept: application/openmetrics-text`, as Prometheus does with exemplar storage on).
 *
 * Why a counter of its own: the JS SDK's metric data points carry no exemplars, and OpenMetrics
 * allows exemplars on counter `_total` and histogram `_bucket` samples only; the bin shift is a
 * gauge. One series per moved bin (model, signal, feature, bin) counts the windows in which the
 * bin moved most, and its exemplar is a prediction of the latest such window in that bin, so a
 * panel with `increase(ml_drift_bin_moved_total[...])` jumps to that trace.
 *
 * The counter is not exported over OTLP (nor through the SDK at all): its only purpose is the
 * exemplar, which OTLP export from the JS SDK cannot carry.
 *
 * OpenMetrics 1.0: https://github.com/OpenObservability/OpenMetrics/blob/main/specification/OpenMetrics.md
 * (exemplars: "Exemplars" section; label set at most 128 UTF-8 characters).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { diag } from '@opentelemetry/api';
import { PrometheusSerializer, type PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import {
  ATTR_ML_DEPLOYMENT_ROLE,
  ATTR_ML_DRIFT_BIN,
  ATTR_ML_DRIFT_SIGNAL,
  ATTR_ML_FEATURE_NAME,
  ATTR_ML_MODEL_NAME,
  ATTR_ML_MODEL_VERSION,
  METRIC_ML_DRIFT_BIN_MOVED,
  ML_DRIFT_SIGNAL_VALUE_FEATURE,
  ML_DRIFT_SIGNAL_VALUE_SCORE,
} from '@otel-ml/conventions';
import type { DistributionReport, ModelReport, TraceRef } from '../analysis/report-types.js';

/** Series of the moved-bin counter kept at most (bins move as rolling references change; the oldest go). */
export const MAX_MOVED_BIN_SERIES = 10_000;

const OPENMETRICS_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
const PROMETHEUS_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
const FAMILY = METRIC_ML_DRIFT_BIN_MOVED.replace(/\./g, '_');

interface Series {
  readonly modelKey: string;
  readonly labels: string;
  value: number;
  exemplar: TraceRef | undefined;
}

const escapeLabel = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const labelName = (attr: string): string => attr.replace(/[^a-zA-Z0-9_]/g, '_');

function labelsOf(pairs: readonly (readonly [string, string | undefined])[]): string {
  return pairs
    .filter((p): p is readonly [string, string] => p[1] !== undefined && p[1] !== '')
    .map(([k, v]) => `${labelName(k)}="${escapeLabel(v)}"`)
    .join(',');
}

/** The OpenMetrics exemplar of a sampled prediction: trace and span id (the 128-character label budget holds both). */
function exemplarText(t: TraceRef): string {
  const n = Number(t.value);
  return ` # {trace_id="${t.traceId}",span_id="${t.spanId}"} ${Number.isFinite(n) ? n : 1} ${(t.timeMs / 1000).toFixed(3)}`;
}

/** The `ml.drift.bin.moved` counter and its exemplars. */
export class MovedBins {
  private readonly series = new Map<string, Series>();

  /** Counts the moved bins of an evaluated report that have trace samples (exemplar: the first, stamped with its span's end). */
  record(modelKey: string, r: ModelReport): void {
    const base: [string, string | undefined][] = [
      [ATTR_ML_MODEL_NAME, r.model.name],
      [ATTR_ML_MODEL_VERSION, r.model.version ?? undefined],
      [ATTR_ML_DEPLOYMENT_ROLE, r.model.role],
    ];
    const add = (d: DistributionReport | null, signal: string, feature: string | undefined) => {
      for (const b of d?.topMovers ?? []) {
        const trace = b.traces?.[0];
        if (trace === undefined) continue;
        const labels = labelsOf([
          ...base,
          [ATTR_ML_DRIFT_SIGNAL, signal],
          [ATTR_ML_FEATURE_NAME, feature],
          [ATTR_ML_DRIFT_BIN, b.label],
        ]);
        let s = this.series.get(labels);
        if (s === undefined) {
          if (this.series.size >= MAX_MOVED_BIN_SERIES) this.series.delete(this.series.keys().next().value!);
          this.series.set(labels, (s = { modelKey, labels, value: 0, exemplar: undefined }));
        }
        s.value++;
        s.exemplar = trace;
      }
    };
    add(r.prediction.score, ML_DRIFT_SIGNAL_VALUE_SCORE, undefined);
    for (const [name, d] of Object.entries(r.features)) add(d, ML_DRIFT_SIGNAL_VALUE_FEATURE, name);
  }

  /** Drops a model's series (a model forgotten by retention). */
  forget(modelKey: string): void {
    for (const [k, s] of this.series) if (s.modelKey === modelKey) this.series.delete(k);
  }

  /** The counter family as exposition text; with exemplars in OpenMetrics. Empty without series. */
  render(openMetrics: boolean): string {
    if (this.series.size === 0) return '';
    let out = `# HELP ${openMetrics ? FAMILY : `${FAMILY}_total`} Evaluated windows in which the bin moved most and had sampled predictions (exemplar: one of them)\n`;
    out += `# TYPE ${openMetrics ? FAMILY : `${FAMILY}_total`} counter\n`;
    for (const s of this.series.values()) {
      out += `${FAMILY}_total{${s.labels}} ${s.value}${openMetrics && s.exemplar ? exemplarText(s.exemplar) : ''}\n`;
    }
    return out;
  }
}

/** True when the scraper accepts OpenMetrics (Prometheus with exemplar storage on, among others). */
export function wantsOpenMetrics(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => {
    const [type, ...params] = part.split(';').map((x) => x.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    return type === 'application/openmetrics-text' && (q === undefined || Number(q.slice(2)) > 0);
  });
}

/**
 * The Prometheus text exposition of the OpenTelemetry exporter as OpenMetrics text: counter
 * families lose their `_total` (samples keep it), `untyped` is `unknown`, `# UNIT` lines (whose
 * units are not name suffixes here) and blank lines are dropped; `extra` and `# EOF` end it.
 */
export function toOpenMetrics(prometheusText: string, extra: string): string {
  const lines = prometheusText.split('\n');
  const counters = new Set<string>();
  for (const l of lines) {
    const m = /^# TYPE (\S+) counter$/.exec(l);
    if (m && m[1]!.endsWith('_total')) counters.add(m[1]!);
  }
  let out = '';
  for (const l of lines) {
    if (l === '' || l.startsWith('# UNIT ')) continue;
    const m = /^# (HELP|TYPE) (\S+)(.*)$/.exec(l);
    if (m) {
      const name = counters.has(m[2]!) ? m[2]!.slice(0, -'_total'.length) : m[2]!;
      out += `# ${m[1]} ${name}${m[1] === 'TYPE' && m[3] === ' untyped' ? ' unknown' : m[3]}\n`;
    } else out += `${l}\n`;
  }
  return `${out}${extra}# EOF\n`;
}

/** GET /metrics: the exporter's metrics and the moved-bin counter, as OpenMetrics (with exemplars) or Prometheus text. */
export function metricsHandler(
  prom: PrometheusExporter,
  moved: MovedBins,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  // the exporter's own defaults (no prefix, no timestamps, target_info and scope labels)
  const serializer = new PrometheusSerializer('', false);
  return async (req, res) => {
    const openMetrics = wantsOpenMetrics(req.headers.accept);
    let text: string;
    try {
      const { resourceMetrics, errors } = await prom.collect();
      if (errors.length > 0) diag.error('otel-ml: metrics collection errors', ...errors);
      text = serializer.serialize(resourceMetrics);
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`# failed to export metrics: ${String(err)}\n`);
      return;
    }
    const body = openMetrics ? toOpenMetrics(text, moved.render(true)) : text + moved.render(false);
    res.writeHead(200, { 'content-type': openMetrics ? OPENMETRICS_TYPE : PROMETHEUS_TYPE });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}
