/**
 * OpenTelemetry SDK setup shared by both variants of the example service: metrics over OTLP/HTTP
 * (protobuf) to a Collector or straight to the otel-ml processor, traces over OTLP/HTTP, and an
 * optional Prometheus exposition of the service's own metrics on its HTTP port (for setups
 * without a Collector).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MeterProvider, PeriodicExportingMetricReader, type IMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { createMlMetricProducer } from '@otel-ml/instrumentation';

export interface TelemetryOptions {
  readonly serviceName: string;
  /** OTLP/HTTP base URL (a Collector, or the otel-ml processor for metrics only), e.g. http://127.0.0.1:4318. */
  readonly otlpEndpoint?: string;
  /** Also send spans to `otlpEndpoint` (the otel-ml processor keeps samples of them with `traces.enabled`). */
  readonly traces?: boolean;
  /** Metric export interval in ms (default 15 s). */
  readonly exportIntervalMs?: number;
  /** Serve the service's own metrics in Prometheus text format at GET /metrics. */
  readonly prometheus?: boolean;
  readonly environment?: string;
}

export interface Telemetry {
  readonly meterProvider: MeterProvider;
  readonly tracerProvider: BasicTracerProvider;
  /** GET /metrics handler when `prometheus` is on. */
  readonly metricsRoute?: (req: IncomingMessage, res: ServerResponse) => void;
  /** Exports pending metrics and spans now. */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export function createTelemetry(o: TelemetryOptions): Telemetry {
  const resource = resourceFromAttributes({
    'service.name': o.serviceName,
    'deployment.environment.name': o.environment ?? 'example',
  });
  const readers: IMetricReader[] = [];
  // One producer per reader: each reads every monitor of the process (cumulative points).
  if (o.otlpEndpoint) {
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: `${o.otlpEndpoint.replace(/\/$/, '')}/v1/metrics` }),
        exportIntervalMillis: o.exportIntervalMs ?? 15_000,
        metricProducers: [createMlMetricProducer()],
      }),
    );
  }
  let prom: PrometheusExporter | undefined;
  if (o.prometheus) {
    // the Prometheus text format has no native histograms: feature values as explicit buckets there
    prom = new PrometheusExporter({
      preventServerStart: true,
      metricProducers: [createMlMetricProducer({ exponentialAsExplicit: true })],
    });
    readers.push(prom);
  }
  const spanProcessors: SpanProcessor[] = [];
  if (o.otlpEndpoint && o.traces)
    spanProcessors.push(
      new BatchSpanProcessor(new OTLPTraceExporter({ url: `${o.otlpEndpoint.replace(/\/$/, '')}/v1/traces` })),
    );
  const meterProvider = new MeterProvider({ resource, readers });
  const tracerProvider = new BasicTracerProvider({ resource, spanProcessors });
  return {
    meterProvider,
    tracerProvider,
    metricsRoute: prom ? (req, res) => prom.getMetricsRequestHandler(req, res) : undefined,
    async flush() {
      await meterProvider.forceFlush();
      await tracerProvider.forceFlush();
    },
    async shutdown() {
      await meterProvider.shutdown();
      await tracerProvider.shutdown();
    },
  };
}
