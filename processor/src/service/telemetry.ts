/**
 * Where the processor's results go: the OpenTelemetry meter and logger providers of the service,
 * with its resource (service.instance.id = the host name, so that several processors behind a load
 * balancer stay apart in a shared backend, docs/scale-out.md; OTEL_RESOURCE_ATTRIBUTES overrides
 * it), the OTLP metric and log exporters (config `exporters.otlp`), the Prometheus exporter whose
 * text `/metrics` serves (`exporters.prometheus`), and the count and the occasional warning of
 * failed results exports.
 */
import { diag } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider, type LogRecordProcessor } from '@opentelemetry/sdk-logs';
import {
  MeterProvider,
  PeriodicExportingMetricReader,
  type IMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import { hostname } from 'node:os';
import type { ServiceConfig } from './config.js';

/** Longest wait for one results export (the SDK's default), and for the last one at shutdown. */
const EXPORT_TIMEOUT_MS = 30_000;
const SHUTDOWN_EXPORT_TIMEOUT_MS = 5_000;
/** At most one console warning about failed results exports per this interval. */
const EXPORT_WARNING_EVERY_MS = 60_000;

export interface Telemetry {
  readonly meterProvider: MeterProvider;
  readonly loggerProvider: LoggerProvider;
  /** The Prometheus exporter (`exporters.prometheus.enabled`), for `/metrics`. */
  readonly prometheus: PrometheusExporter | undefined;
  /** Called with each failed results export (after the exporter's own retries). */
  onExportFailure(count: (error: unknown) => void): void;
  /** Sends what is pending now, not at the next export interval (OTLP only). */
  flush(): void;
  /** Exports what is pending once, bounded in time: a backend that is down must not hold the exit. */
  shutdown(): Promise<void>;
}

/** Wraps an exporter to count failed exports (after the exporter's own retries). */
function counting(exporter: PushMetricExporter, failed: (error: unknown) => void): PushMetricExporter {
  return {
    export: (metrics, done) =>
      exporter.export(metrics, (result) => {
        if (result.code !== ExportResultCode.SUCCESS) failed(result.error);
        done(result);
      }),
    forceFlush: () => exporter.forceFlush(),
    shutdown: () => exporter.shutdown(),
    selectAggregationTemporality: exporter.selectAggregationTemporality?.bind(exporter),
    selectAggregation: exporter.selectAggregation?.bind(exporter),
  };
}

export function createTelemetry(
  config: ServiceConfig,
  extra: { metricReaders?: readonly IMetricReader[]; logRecordProcessors?: readonly LogRecordProcessor[] },
): Telemetry {
  const otlp = config.exporters.otlp;
  const resource = resourceFromAttributes({
    'service.name': 'otel-ml-processor',
    'service.version': '0.1.0',
    'service.instance.id': hostname(),
  }).merge(detectResources({ detectors: [envDetector] }));

  let count: (error: unknown) => void = () => undefined;
  let failedExports = 0;
  let lastWarnedAt = -Infinity;
  const failed = (error: unknown) => {
    count(error);
    failedExports++;
    // one line now and then, not one per export: a results backend that is down is an expected condition
    const now = Date.now();
    if (now - lastWarnedAt < EXPORT_WARNING_EVERY_MS) return;
    lastWarnedAt = now;
    const detail = error instanceof Error ? error.message : String(error);
    diag.warn(
      `results export over OTLP failed (${detail}); ${failedExports} failed so far, counted in ml.processor.export.failures; check OTEL_EXPORTER_OTLP_ENDPOINT and that the Collector is up`,
    );
  };

  const readers: IMetricReader[] = [...(extra.metricReaders ?? [])];
  if (otlp.enabled) {
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: counting(new OTLPMetricExporter(otlp.endpoint ? { url: otlp.endpoint } : {}), failed),
        exportIntervalMillis: otlp.intervalMs,
        exportTimeoutMillis: Math.min(otlp.intervalMs, EXPORT_TIMEOUT_MS),
      }),
    );
  }
  const prometheus = config.exporters.prometheus.enabled
    ? new PrometheusExporter({ preventServerStart: true })
    : undefined;
  if (prometheus) readers.push(prometheus);
  const meterProvider = new MeterProvider({ resource, readers });

  const logProcessors: LogRecordProcessor[] = [...(extra.logRecordProcessors ?? [])];
  if (otlp.enabled) {
    const endpoint = otlp.endpoint?.replace(/\/v1\/metrics$/, '/v1/logs');
    logProcessors.push(
      new BatchLogRecordProcessor({
        exporter: new OTLPLogExporter(endpoint ? { url: endpoint } : {}),
        exportTimeoutMillis: SHUTDOWN_EXPORT_TIMEOUT_MS,
      }),
    );
  }
  const loggerProvider = new LoggerProvider({ resource, processors: logProcessors });

  return {
    meterProvider,
    loggerProvider,
    prometheus,
    onExportFailure: (c) => {
      count = c;
    },
    flush: () => {
      if (!otlp.enabled) return;
      meterProvider.forceFlush().catch(() => undefined);
      loggerProvider.forceFlush().catch(() => undefined);
    },
    shutdown: async () => {
      await meterProvider.shutdown({ timeoutMillis: SHUTDOWN_EXPORT_TIMEOUT_MS }).catch(() => undefined);
      await loggerProvider.shutdown().catch(() => undefined);
    },
  };
}
