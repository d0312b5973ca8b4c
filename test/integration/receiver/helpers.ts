import type { ConsumeResult, MetricsExport } from '../../../processor/src/otlp/index.js';
import type { MetricsConsumer, ReceiveContext } from '../../../processor/src/receiver/index.js';
import { ExportMetricsServiceRequest } from '../../../processor/src/otlp/schema.js';

/** Consumer that records what it receives; `behaviour` decides the answer. */
export class RecordingConsumer implements MetricsConsumer {
  readonly received: { exp: MetricsExport; ctx: ReceiveContext }[] = [];
  behaviour: (exp: MetricsExport) => ConsumeResult | Promise<ConsumeResult> = () => ({ rejectedDataPoints: 0 });

  consume(exp: MetricsExport, ctx: ReceiveContext): ConsumeResult | Promise<ConsumeResult> {
    this.received.push({ exp, ctx });
    return this.behaviour(exp);
  }

  /** Waits (bounded) until `n` exports were received. */
  async waitFor(n: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < n) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} exports (got ${this.received.length})`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/** A small valid request (one histogram point, one gauge point) in OTLP/JSON object form. */
export function sampleRequest(extraHistogramPoints: object[] = []): object {
  return {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
        scopeMetrics: [
          {
            scope: { name: 'test' },
            metrics: [
              {
                name: 'ml.prediction.score',
                unit: '1',
                histogram: {
                  aggregationTemporality: 1,
                  dataPoints: [
                    {
                      startTimeUnixNano: '1000',
                      timeUnixNano: '2000',
                      count: 3,
                      sum: 1.2,
                      bucketCounts: [1, 2],
                      explicitBounds: [0.5],
                    },
                    ...extraHistogramPoints,
                  ],
                },
              },
              { name: 'g', gauge: { dataPoints: [{ timeUnixNano: '2000', asDouble: 4 }] } },
            ],
          },
        ],
      },
    ],
  };
}

export const BAD_POINT = {
  startTimeUnixNano: '1000',
  timeUnixNano: '2000',
  count: 9,
  bucketCounts: [1, 2],
  explicitBounds: [0.5],
};

export function encodeRequest(req: object): Buffer {
  return Buffer.from(ExportMetricsServiceRequest.encode(ExportMetricsServiceRequest.fromObject(req)).finish());
}
