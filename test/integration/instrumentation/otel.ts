/**
 * In-memory OpenTelemetry for the instrumentation tests: spans in an
 * InMemorySpanExporter, metrics read on demand by a pull reader.
 */
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AggregationTemporality, DataPointType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { ExponentialHistogram, Histogram, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { assertConforms } from '@otel-ml/conventions/live-check';
import { createMlMetricProducer } from '@otel-ml/instrumentation';

/** A reader whose collect() the test calls; cumulative temporality. */
class PullReader extends MetricReader {
  constructor() {
    // The ML metrics' producer (default export mode of the monitors), next to the SDK's own instruments.
    super({
      aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE,
      metricProducers: [createMlMetricProducer()],
    });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

export interface MetricPoint {
  readonly name: string;
  readonly unit: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  /** Counter value, or histogram count. */
  readonly value: number;
  readonly histogram?: Histogram;
  /** Exponential histograms (numeric feature values). */
  readonly exponential?: ExponentialHistogram;
}

export interface TestOtel {
  readonly tracerProvider: BasicTracerProvider;
  readonly meterProvider: MeterProvider;
  spans(): ReadableSpan[];
  resetSpans(): void;
  collect(): Promise<ResourceMetrics>;
  points(name?: string): Promise<MetricPoint[]>;
  /** Runs the conventions live-check over the spans and metrics so far; throws on any violation. */
  liveCheck(): Promise<void>;
  shutdown(): Promise<void>;
}

export function createTestOtel(): TestOtel {
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new PullReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const collect = async (): Promise<ResourceMetrics> => {
    const { resourceMetrics, errors } = await reader.collect();
    if (errors.length > 0) throw new Error(`metric collection failed: ${errors.map(String).join('; ')}`);
    return resourceMetrics;
  };
  return {
    tracerProvider,
    meterProvider,
    spans: () => exporter.getFinishedSpans(),
    resetSpans: () => exporter.reset(),
    collect,
    async points(name?: string): Promise<MetricPoint[]> {
      const rm = await collect();
      const out: MetricPoint[] = [];
      for (const sm of rm.scopeMetrics) {
        for (const m of sm.metrics) {
          if (name !== undefined && m.descriptor.name !== name) continue;
          for (const dp of m.dataPoints) {
            const isHistogram = m.dataPointType === DataPointType.HISTOGRAM;
            const histogram = isHistogram ? (dp.value as Histogram) : undefined;
            const exponential =
              m.dataPointType === DataPointType.EXPONENTIAL_HISTOGRAM ? (dp.value as ExponentialHistogram) : undefined;
            out.push({
              name: m.descriptor.name,
              unit: m.descriptor.unit,
              attributes: dp.attributes,
              value:
                histogram !== undefined
                  ? histogram.count
                  : exponential !== undefined
                    ? exponential.count
                    : (dp.value as number),
              ...(histogram !== undefined ? { histogram } : {}),
              ...(exponential !== undefined ? { exponential } : {}),
            });
          }
        }
      }
      return out;
    },
    async liveCheck(): Promise<void> {
      assertConforms({ spans: exporter.getFinishedSpans(), metrics: [await collect()] });
    },
    async shutdown(): Promise<void> {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
      contextManager.disable();
      context.disable();
    },
  };
}

/** Points whose attributes include every entry of `attrs`. */
export function withAttributes(
  points: readonly MetricPoint[],
  attrs: Readonly<Record<string, unknown>>,
): MetricPoint[] {
  return points.filter((p) => Object.entries(attrs).every(([k, v]) => p.attributes[k] === v));
}
