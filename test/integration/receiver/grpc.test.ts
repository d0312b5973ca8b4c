import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ExportMetricsServiceResponse,
  METRICS_EXPORT_GRPC_PATH,
  RpcRetryInfo,
  RpcStatus,
} from '../../../processor/src/otlp/schema.js';
import {
  createGrpcReceiver,
  OverloadedError,
  type GrpcReceiver,
  type GrpcReceiverOptions,
} from '../../../processor/src/receiver/index.js';
import { BAD_POINT, RecordingConsumer, encodeRequest, sampleRequest } from './helpers.js';

let receiver: GrpcReceiver | undefined;
let client: grpc.Client | undefined;
afterEach(async () => {
  client?.close();
  client = undefined;
  await receiver?.close(100);
  receiver = undefined;
});

async function start(opts: Partial<GrpcReceiverOptions> = {}, channelOptions: grpc.ChannelOptions = {}) {
  const consumer = new RecordingConsumer();
  receiver = createGrpcReceiver({ consumer, port: 0, ...opts });
  const { host, port } = await receiver.listen();
  expect(host).toBe('127.0.0.1');
  client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), channelOptions);
  return { consumer, client };
}

interface CallResult {
  error: grpc.ServiceError | null;
  response: Buffer | undefined;
}

function exportCall(c: grpc.Client, body: Buffer): Promise<CallResult> {
  return new Promise((resolve) => {
    c.makeUnaryRequest<Buffer, Buffer>(
      METRICS_EXPORT_GRPC_PATH,
      (b) => b,
      (b) => b,
      body,
      { deadline: Date.now() + 10_000 },
      (error, response) => resolve({ error, response }),
    );
  });
}

function retryDelaySeconds(err: grpc.ServiceError): number {
  const [bin] = err.metadata.get('grpc-status-details-bin') as Buffer[];
  const status = RpcStatus.decode(bin) as unknown as {
    code: number;
    details: { typeUrl: string; value: Uint8Array }[];
  };
  expect(status.code).toBe(err.code);
  expect(status.details[0].typeUrl).toBe('type.googleapis.com/google.rpc.RetryInfo');
  return (
    RpcRetryInfo.toObject(RpcRetryInfo.decode(status.details[0].value), { longs: Number }) as {
      retryDelay: { seconds: number };
    }
  ).retryDelay.seconds;
}

describe('gRPC MetricsService/Export', () => {
  it('decodes the request (gzip-compressed by the client) and answers an empty response', async () => {
    const { consumer, client: c } = await start({}, { 'grpc.default_compression_algorithm': 2 /* gzip */ });
    const r = await exportCall(c, encodeRequest(sampleRequest()));
    expect(r.error).toBeNull();
    expect(r.response?.length).toBe(0);
    expect(consumer.received[0].ctx).toMatchObject({ transport: 'grpc', encoding: 'protobuf' });
    expect(consumer.received[0].exp.resourceMetrics[0].scopeMetrics[0].metrics[0].data).toMatchObject({
      type: 'histogram',
      points: [{ count: 3 }],
    });
  });

  it('partial_success for rejected points', async () => {
    const { consumer, client: c } = await start();
    consumer.behaviour = () => ({ rejectedDataPoints: 1, errorMessage: 'stream limit' });
    const r = await exportCall(c, encodeRequest(sampleRequest([BAD_POINT])));
    expect(r.error).toBeNull();
    const resp = ExportMetricsServiceResponse.toObject(ExportMetricsServiceResponse.decode(r.response!), {
      longs: Number,
    }) as {
      partialSuccess: { rejectedDataPoints: number; errorMessage: string };
    };
    expect(resp.partialSuccess.rejectedDataPoints).toBe(2);
    expect(resp.partialSuccess.errorMessage).toMatch(/bucket_counts_sum_mismatch.*stream limit/);
  });

  it('INVALID_ARGUMENT with the reason for undecodable requests', async () => {
    const { consumer, client: c } = await start();
    const r = await exportCall(c, Buffer.from([0x0a, 0xff, 0xff, 0x01]));
    expect(r.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(r.error?.details).toMatch(/invalid protobuf/);
    expect(consumer.received).toHaveLength(0);
  });

  it('RESOURCE_EXHAUSTED / UNAVAILABLE with RetryInfo when the consumer is overloaded', async () => {
    const { consumer, client: c } = await start();
    consumer.behaviour = () => {
      throw new OverloadedError(4, 'throttled');
    };
    const r1 = await exportCall(c, encodeRequest(sampleRequest()));
    expect(r1.error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(retryDelaySeconds(r1.error!)).toBe(4);
    consumer.behaviour = () => {
      throw new OverloadedError(9);
    };
    const r2 = await exportCall(c, encodeRequest(sampleRequest()));
    expect(r2.error?.code).toBe(grpc.status.UNAVAILABLE);
    expect(retryDelaySeconds(r2.error!)).toBe(9);
  });

  it('UNAVAILABLE above the in-flight limit', async () => {
    const { consumer, client: c } = await start({ maxInFlight: 1, inFlightRetryAfterSeconds: 2 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    consumer.behaviour = async () => {
      await gate;
      return { rejectedDataPoints: 0 };
    };
    const first = exportCall(c, encodeRequest(sampleRequest()));
    await consumer.waitFor(1);
    const second = await exportCall(c, encodeRequest(sampleRequest()));
    expect(second.error?.code).toBe(grpc.status.UNAVAILABLE);
    expect(retryDelaySeconds(second.error!)).toBe(2);
    release();
    expect((await first).error).toBeNull();
  });

  it('UNAVAILABLE when the messages held by calls in progress would exceed the byte budget', async () => {
    const body = encodeRequest(
      sampleRequest([{ ...BAD_POINT, attributes: [{ key: 'k', value: { stringValue: 'x'.repeat(40_000) } }] }]),
    );
    const { consumer, client: c } = await start({ maxBufferedBytes: 2.5 * body.length, inFlightRetryAfterSeconds: 3 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    consumer.behaviour = async () => {
      await gate;
      return { rejectedDataPoints: 0 };
    };
    const held = [exportCall(c, body), exportCall(c, body)];
    await consumer.waitFor(2);
    const third = await exportCall(c, body);
    expect(third.error?.code).toBe(grpc.status.UNAVAILABLE);
    expect(third.error?.details).toMatch(/receiver buffers are full/);
    expect(retryDelaySeconds(third.error!)).toBe(3);
    // a small message still fits
    const small = exportCall(c, encodeRequest(sampleRequest()));
    await consumer.waitFor(3);
    release();
    for (const r of await Promise.all([...held, small])) expect(r.error).toBeNull();
    // the budget is free again
    expect((await exportCall(c, body)).error).toBeNull();
  });

  it('RESOURCE_EXHAUSTED for messages above the receive limit', async () => {
    const { client: c } = await start({ maxReceiveMessageBytes: 100 });
    const r = await exportCall(
      c,
      encodeRequest(
        sampleRequest([{ ...BAD_POINT, attributes: [{ key: 'k'.repeat(200), value: { stringValue: 'v' } }] }]),
      ),
    );
    expect(r.error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  });

  it('the receive limit applies to the decompressed size of gzip-compressed messages', async () => {
    const { consumer, client: c } = await start(
      { maxReceiveMessageBytes: 64 * 1024 },
      { 'grpc.default_compression_algorithm': 2 },
    );
    const body = encodeRequest(
      sampleRequest([{ ...BAD_POINT, attributes: [{ key: 'k', value: { stringValue: 'x'.repeat(512 * 1024) } }] }]),
    );
    const r = await exportCall(c, body);
    expect(r.error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(consumer.received).toHaveLength(0);
  });
});
