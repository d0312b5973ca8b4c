/**
 * The official OpenTelemetry JS trace exporters (OTLP/HTTP JSON, OTLP/HTTP protobuf, OTLP/gRPC)
 * send a real prediction span to our receivers with a traces consumer: trace and span ids, name,
 * attributes and events arrive as the SDK recorded them. Without a consumer, both transports
 * accept trace exports and discard them; a broken body is refused as invalid.
 */
import * as grpcJs from '@grpc/grpc-js';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TracesExport } from '../../../processor/src/otlp/index.js';
import { TRACES_EXPORT_GRPC_PATH } from '../../../processor/src/otlp/schema.js';
import {
  createGrpcReceiver,
  createHttpReceiver,
  type GrpcReceiver,
  type HttpReceiver,
  type TracesConsumer,
} from '../../../processor/src/receiver/index.js';
import { RecordingConsumer } from './helpers.js';

const received: TracesExport[] = [];
const traces: TracesConsumer = { consumeTraces: (exp) => void received.push(exp) };
const metrics = new RecordingConsumer();
let http: HttpReceiver;
let grpc: GrpcReceiver;
let bare: HttpReceiver;
let bareGrpc: GrpcReceiver;
let httpBase = '';
let bareHttpPort = 0;
let bareGrpcPort = 0;
let grpcUrl = '';

beforeAll(async () => {
  http = createHttpReceiver({ consumer: metrics, traces, port: 0 });
  grpc = createGrpcReceiver({ consumer: metrics, traces, port: 0 });
  bare = createHttpReceiver({ consumer: metrics, port: 0 });
  bareGrpc = createGrpcReceiver({ consumer: metrics, port: 0 });
  httpBase = `http://127.0.0.1:${(await http.listen()).port}`;
  grpcUrl = `http://127.0.0.1:${(await grpc.listen()).port}`;
  bareHttpPort = (await bare.listen()).port;
  bareGrpcPort = (await bareGrpc.listen()).port;
});

afterAll(async () => {
  for (const r of [http, grpc, bare, bareGrpc]) await r.close(100);
});

/** Records one `predict` span with a score and a feature event through `exporter`; returns its ids. */
async function sendSpan(exporter: SpanExporter): Promise<{ traceId: string; spanId: string }> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'svc', 'deployment.environment.name': 'prod' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const span = provider.getTracer('t').startSpan('predict churn', {
    attributes: {
      'ml.operation.name': 'predict',
      'ml.model.name': 'churn',
      'ml.prediction.score': 0.75,
      'ml.prediction.id': 'p-1',
    },
  });
  span.addEvent('ml.features', {
    'ml.prediction.id': 'p-1',
    'ml.feature.input.amount': '12.5',
    'ml.feature.input.country': 'DE',
  });
  span.end();
  await provider.forceFlush();
  await provider.shutdown();
  return { traceId: span.spanContext().traceId, spanId: span.spanContext().spanId };
}

describe('trace exports into the receivers', () => {
  const exporters: Record<string, () => SpanExporter> = {
    'otlp-http (JSON)': () => new JsonExporter({ url: `${httpBase}/v1/traces` }),
    'otlp-proto': () => new ProtoExporter({ url: `${httpBase}/v1/traces` }),
    'otlp-grpc': () => new GrpcExporter({ url: grpcUrl }),
  };
  for (const [name, make] of Object.entries(exporters)) {
    it(`${name}: ids, name, times, attributes and events arrive`, async () => {
      const before = received.length;
      const ids = await sendSpan(make());
      expect(received.length).toBe(before + 1);
      const exp = received[received.length - 1]!;
      expect(exp.rejectedSpans).toBe(0);
      expect(exp.resourceSpans).toHaveLength(1);
      expect(exp.resourceSpans[0]!.resource.attributes['deployment.environment.name']).toBe('prod');
      const [s] = exp.resourceSpans[0]!.spans;
      expect(s!.traceId).toBe(ids.traceId);
      expect(s!.spanId).toBe(ids.spanId);
      expect(s!.name).toBe('predict churn');
      expect(s!.endTimeUnixNano).toBeGreaterThanOrEqual(s!.startTimeUnixNano);
      expect(s!.startTimeUnixNano).toBeGreaterThan(0n);
      expect(s!.attributes).toMatchObject({
        'ml.operation.name': 'predict',
        'ml.model.name': 'churn',
        'ml.prediction.score': 0.75,
        'ml.prediction.id': 'p-1',
      });
      expect(s!.events).toEqual([
        {
          name: 'ml.features',
          attributes: {
            'ml.prediction.id': 'p-1',
            'ml.feature.input.amount': '12.5',
            'ml.feature.input.country': 'DE',
          },
        },
      ]);
    });
  }

  it('without a traces consumer, both transports accept trace exports and discard them', async () => {
    const before = received.length;
    // not even decoded: an undecodable body is a success too, as before trace samples existed
    const res = await fetch(`http://127.0.0.1:${bareHttpPort}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: Buffer.from([0xff, 0xff]),
    });
    expect(res.status).toBe(200);
    const client = new grpcJs.Client(`127.0.0.1:${bareGrpcPort}`, grpcJs.credentials.createInsecure());
    const err = await new Promise<grpcJs.ServiceError | null>((resolve) =>
      client.makeUnaryRequest(
        TRACES_EXPORT_GRPC_PATH,
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.alloc(0),
        (e) => resolve(e),
      ),
    );
    client.close();
    expect(err).toBeNull();
    expect(received.length).toBe(before);
  });

  it('a broken trace body is refused as invalid (HTTP 400, gRPC INVALID_ARGUMENT)', async () => {
    const res = await fetch(`${httpBase}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"resourceSpans": 3}',
    });
    expect(res.status).toBe(400);
    const client = new grpcJs.Client(grpcUrl.replace('http://', ''), grpcJs.credentials.createInsecure());
    const err = await new Promise<grpcJs.ServiceError | null>((resolve) =>
      client.makeUnaryRequest(
        TRACES_EXPORT_GRPC_PATH,
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.from([0x0a, 0x05, 0x01]),
        (e) => resolve(e),
      ),
    );
    client.close();
    expect(err?.code).toBe(grpcJs.status.INVALID_ARGUMENT);
  });
});
