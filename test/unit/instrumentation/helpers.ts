/**
 * OpenTelemetry SDK test rig for the manual API: metrics through a PeriodicExportingMetricReader
 * into an InMemoryMetricExporter (flushed on demand), spans into an InMemorySpanExporter.
 */
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type ExponentialHistogram,
  type Histogram,
  type MetricProducer,
  type ViewOptions,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import type { MlMetricProducer } from '@otel-ml/instrumentation';

export interface Point {
  readonly name: string;
  readonly unit: string;
  readonly scope: string;
  readonly temporality: AggregationTemporality;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly startTime: [number, number];
  readonly endTime: [number, number];
  /** Counter value or histogram count. */
  readonly value: number;
  readonly histogram?: Histogram;
  readonly exponential?: ExponentialHistogram;
}

export interface Rig {
  /** Registers the producer read by this rig's reader (bound to the reader's temporality). */
  attach(producer: MlMetricProducer): void;
  readonly meterProvider: MeterProvider;
  readonly tracerProvider: BasicTracerProvider;
  readonly metricExporter: InMemoryMetricExporter;
  /** Flushes the reader and returns the ResourceMetrics exported by that flush. */
  flush(): Promise<ResourceMetrics>;
  points(rm: ResourceMetrics, name?: string): Point[];
  spans(): ReadableSpan[];
  shutdown(): Promise<void>;
}

let contextManager: AsyncLocalStorageContextManager | undefined;

export function createRig(
  options: { temporality?: AggregationTemporality; producer?: MlMetricProducer; views?: ViewOptions[] } = {},
): Rig {
  if (contextManager === undefined) {
    contextManager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(contextManager);
  }
  const metricExporter = new InMemoryMetricExporter(options.temporality ?? AggregationTemporality.CUMULATIVE);
  // The reader takes its producers at construction; this one forwards to the attached producer.
  let target: MlMetricProducer | undefined;
  const forward: MetricProducer = {
    async collect(opts) {
      if (target !== undefined) return target.collect(opts);
      return { resourceMetrics: { resource: undefined as never, scopeMetrics: [] }, errors: [] };
    },
  };
  const reader = new PeriodicExportingMetricReader({
    exporter: metricExporter,
    exportIntervalMillis: 3_600_000,
    metricProducers: [forward],
  });
  const attach = (p: MlMetricProducer): void => {
    target = p;
    p.bindReader(reader);
  };
  if (options.producer !== undefined) attach(options.producer);
  const meterProvider = new MeterProvider({ readers: [reader], ...(options.views ? { views: options.views } : {}) });
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
  return {
    attach,
    meterProvider,
    tracerProvider,
    metricExporter,
    async flush() {
      metricExporter.reset();
      await reader.forceFlush();
      const all = metricExporter.getMetrics();
      if (all.length !== 1) throw new Error(`expected one export, got ${all.length}`);
      return all[0]!;
    },
    points(rm, name) {
      const out: Point[] = [];
      for (const sm of rm.scopeMetrics) {
        for (const m of sm.metrics) {
          if (name !== undefined && m.descriptor.name !== name) continue;
          for (const dp of m.dataPoints) {
            const histogram = m.dataPointType === DataPointType.HISTOGRAM ? (dp.value as Histogram) : undefined;
            const exponential =
              m.dataPointType === DataPointType.EXPONENTIAL_HISTOGRAM ? (dp.value as ExponentialHistogram) : undefined;
            out.push({
              name: m.descriptor.name,
              unit: m.descriptor.unit,
              scope: sm.scope.name,
              temporality: m.aggregationTemporality,
              attributes: dp.attributes,
              startTime: dp.startTime,
              endTime: dp.endTime,
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
    spans: () => spanExporter.getFinishedSpans(),
    async shutdown() {
      await meterProvider.shutdown();
      await tracerProvider.shutdown();
    },
  };
}

/** Points whose attributes include `attrs`. */
export function where(points: readonly Point[], attrs: Record<string, unknown>): Point[] {
  return points.filter((p) => Object.entries(attrs).every(([k, v]) => p.attributes[k] === v));
}

export function total(points: readonly Point[]): number {
  return points.reduce((a, p) => a + p.value, 0);
}

/** Waits until queued setImmediate callbacks and their promise chains have run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}
