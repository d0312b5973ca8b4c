import http from 'node:http';
import net from 'node:net';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ExportMetricsServiceResponse, RpcRetryInfo, RpcStatus } from '../../../processor/src/otlp/schema.js';
import {
  createHttpReceiver,
  OverloadedError,
  type HttpReceiver,
  type HttpReceiverOptions,
} from '../../../processor/src/receiver/index.js';
import { BAD_POINT, RecordingConsumer, encodeRequest, sampleRequest } from './helpers.js';

const PB = 'application/x-protobuf';
const JSON_CT = 'application/json';

let receiver: HttpReceiver | undefined;
afterEach(async () => {
  await receiver?.close(100);
  receiver = undefined;
});

async function start(opts: Partial<HttpReceiverOptions> = {}): Promise<{ base: string; consumer: RecordingConsumer }> {
  const consumer = new RecordingConsumer();
  receiver = createHttpReceiver({ consumer, port: 0, ...opts });
  const addr = await receiver.listen();
  expect(addr.address).toBe('127.0.0.1');
  return { base: `http://127.0.0.1:${addr.port}`, consumer };
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Plain node:http request (so no client-side behaviour hides what the server sent). */
function request(
  url: string,
  method: string,
  headers: Record<string, string | number>,
  body?: Buffer | string,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const post = (url: string, contentType: string, body: Buffer | string, headers: Record<string, string> = {}) =>
  request(url, 'POST', { 'content-type': contentType, ...headers }, body);

function pbStatus(body: Buffer): { code: number; message: string; details: { typeUrl: string; value: Uint8Array }[] } {
  return RpcStatus.toObject(RpcStatus.decode(body), { defaults: true }) as never;
}

describe('POST /v1/metrics', () => {
  it('200 for protobuf: empty response, consumer gets the decoded export', async () => {
    const { base, consumer } = await start();
    const r = await post(`${base}/v1/metrics`, PB, encodeRequest(sampleRequest()));
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe(PB);
    expect(r.body.length).toBe(0);
    expect(consumer.received).toHaveLength(1);
    expect(consumer.received[0].ctx).toMatchObject({
      transport: 'http',
      encoding: 'protobuf',
      decodeRejectedDataPoints: 0,
    });
    const m = consumer.received[0].exp.resourceMetrics[0].scopeMetrics[0].metrics;
    expect(m.map((x) => x.name)).toEqual(['ml.prediction.score', 'g']);
    expect(m[0].data).toMatchObject({
      type: 'histogram',
      temporality: 'delta',
      points: [{ bucketCounts: [1, 2], timeUnixNano: 2000n }],
    });
  });

  it('200 for JSON with charset parameter: {} response', async () => {
    const { base, consumer } = await start();
    const r = await post(`${base}/v1/metrics`, 'application/json; charset=utf-8', JSON.stringify(sampleRequest()));
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe(JSON_CT);
    expect(JSON.parse(r.body.toString())).toEqual({});
    expect(consumer.received[0].ctx.encoding).toBe('json');
  });

  it('partial success: invalid points are dropped, valid ones kept, both counts merged with the consumer', async () => {
    const { base, consumer } = await start();
    const req = sampleRequest([BAD_POINT]);
    const rJson = await post(`${base}/v1/metrics`, JSON_CT, JSON.stringify(req));
    expect(rJson.status).toBe(200);
    const ps = JSON.parse(rJson.body.toString()).partialSuccess;
    expect(ps.rejectedDataPoints).toBe('1');
    expect(ps.errorMessage).toContain('bucket_counts_sum_mismatch');
    const pts = consumer.received[0].exp.resourceMetrics[0].scopeMetrics[0].metrics[0].data;
    expect(pts.type === 'histogram' && pts.points.length).toBe(1);
    expect(consumer.received[0].ctx.decodeRejections).toEqual([
      { reason: 'bucket_counts_sum_mismatch', metric: 'ml.prediction.score', count: 1 },
    ]);

    consumer.behaviour = () => ({ rejectedDataPoints: 2, errorMessage: 'unknown model' });
    const rPb = await post(`${base}/v1/metrics`, PB, encodeRequest(req));
    expect(rPb.status).toBe(200);
    const resp = ExportMetricsServiceResponse.toObject(ExportMetricsServiceResponse.decode(rPb.body), {
      longs: Number,
    }) as {
      partialSuccess: { rejectedDataPoints: number; errorMessage: string };
    };
    expect(resp.partialSuccess.rejectedDataPoints).toBe(3);
    expect(resp.partialSuccess.errorMessage).toMatch(/bucket_counts_sum_mismatch.*; unknown model$/);
  });

  it('400 with a decodable google.rpc.Status in the request encoding', async () => {
    const { base, consumer } = await start();
    const rPb = await post(`${base}/v1/metrics`, PB, Buffer.from([0x0a, 0xff, 0xff, 0x01]));
    expect(rPb.status).toBe(400);
    expect(rPb.headers['content-type']).toBe(PB);
    const st = pbStatus(rPb.body);
    expect(st.code).toBe(3);
    expect(st.message).toMatch(/invalid protobuf/);

    const rJson = await post(`${base}/v1/metrics`, JSON_CT, '{"resourceMetrics": 5}');
    expect(rJson.status).toBe(400);
    expect(rJson.headers['content-type']).toBe(JSON_CT);
    expect(JSON.parse(rJson.body.toString())).toEqual({ code: 3, message: 'resourceMetrics: expected an array' });
    expect(consumer.received).toHaveLength(0);
  });

  it('gzip and deflate bodies are decoded; a corrupt gzip body is 400', async () => {
    const { base, consumer } = await start();
    const gz = await post(`${base}/v1/metrics`, PB, zlib.gzipSync(encodeRequest(sampleRequest())), {
      'content-encoding': 'gzip',
    });
    expect(gz.status).toBe(200);
    const df = await post(`${base}/v1/metrics`, JSON_CT, zlib.deflateSync(JSON.stringify(sampleRequest())), {
      'content-encoding': 'deflate',
    });
    expect(df.status).toBe(200);
    expect(consumer.received).toHaveLength(2);
    expect(consumer.received[1].exp).toStrictEqual(consumer.received[0].exp);
    const bad = await post(`${base}/v1/metrics`, JSON_CT, Buffer.from('not gzip at all'), {
      'content-encoding': 'gzip',
    });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body.toString()).message).toMatch(/invalid compressed body/);
  });

  it('413 for a gzip bomb, decided while inflating', async () => {
    const { base, consumer } = await start({ maxDecompressedBytes: 1024 * 1024 });
    const bomb = zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 }); // 64 MiB of zeros in ~64 KB
    expect(bomb.length).toBeLessThan(1024 * 1024);
    // counts what the receiver's gunzip stream produced
    const createGunzip = zlib.createGunzip;
    const inflaters: zlib.Gunzip[] = [];
    let inflated = 0;
    const spy = vi.spyOn(zlib, 'createGunzip').mockImplementation((o) => {
      const g = createGunzip(o);
      g.on('data', (c: Buffer) => (inflated += c.length));
      inflaters.push(g);
      return g;
    });
    let r;
    try {
      r = await post(`${base}/v1/metrics`, PB, bomb, { 'content-encoding': 'gzip' });
    } finally {
      spy.mockRestore();
    }
    expect(r.status).toBe(413);
    expect(pbStatus(r.body).message).toMatch(/decompressed request body exceeds the 1048576-byte limit/);
    // it stopped inflating at the limit (plus the chunk that crossed it), not after 64 MiB
    expect(inflaters).toHaveLength(1);
    expect(inflaters[0]!.destroyed).toBe(true);
    expect(inflated).toBeGreaterThan(1024 * 1024);
    expect(inflated).toBeLessThanOrEqual(1024 * 1024 + zlib.constants.Z_DEFAULT_CHUNK);
    expect(consumer.received).toHaveLength(0);
  });

  it('413 for a raw body over the limit, with or without Content-Length', async () => {
    const { base } = await start({ maxRequestBytes: 1000 });
    const big = Buffer.alloc(5000, 1);
    const declared = await post(`${base}/v1/metrics`, PB, big);
    expect(declared.status).toBe(413);
    expect(declared.headers.connection).toBe('close');
    const chunked = await request(
      `${base}/v1/metrics`,
      'POST',
      { 'content-type': PB, 'transfer-encoding': 'chunked' },
      big,
    );
    expect(chunked.status).toBe(413);
    expect(pbStatus(chunked.body).message).toMatch(/exceeds the 1000-byte limit/);
  });

  it('415 for other content types and content codings', async () => {
    const { base } = await start();
    const r = await post(`${base}/v1/metrics`, 'text/plain', 'hello');
    expect(r.status).toBe(415);
    expect(JSON.parse(r.body.toString()).message).toMatch(/unsupported Content-Type "text\/plain"/);
    const none = await request(`${base}/v1/metrics`, 'POST', {}, 'x');
    expect(none.status).toBe(415);
    const br = await post(`${base}/v1/metrics`, PB, Buffer.from('x'), { 'content-encoding': 'br' });
    expect(br.status).toBe(415);
  });

  it('429 and 503 with Retry-After when the consumer is overloaded', async () => {
    const { base, consumer } = await start();
    consumer.behaviour = () => {
      throw new OverloadedError(7, 'throttled');
    };
    const r429 = await post(`${base}/v1/metrics`, PB, encodeRequest(sampleRequest()));
    expect(r429.status).toBe(429);
    expect(r429.headers['retry-after']).toBe('7');
    const st = pbStatus(r429.body);
    expect(st.code).toBe(8);
    expect(st.details[0].typeUrl).toBe('type.googleapis.com/google.rpc.RetryInfo');
    expect(RpcRetryInfo.toObject(RpcRetryInfo.decode(st.details[0].value), { longs: Number })).toEqual({
      retryDelay: { seconds: 7 },
    });

    consumer.behaviour = async () => {
      throw new OverloadedError(3, 'unavailable', 'store is compacting');
    };
    const r503 = await post(`${base}/v1/metrics`, JSON_CT, JSON.stringify(sampleRequest()));
    expect(r503.status).toBe(503);
    expect(r503.headers['retry-after']).toBe('3');
    expect(JSON.parse(r503.body.toString())).toMatchObject({ code: 14, message: 'store is compacting' });
  });

  it('503 with Retry-After above the in-flight limit, 200 again once it drains', async () => {
    const { base, consumer } = await start({ maxInFlight: 1, inFlightRetryAfterSeconds: 2 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    consumer.behaviour = async () => {
      await gate;
      return { rejectedDataPoints: 0 };
    };
    const first = post(`${base}/v1/metrics`, PB, encodeRequest(sampleRequest()));
    await consumer.waitFor(1);
    expect(receiver?.inFlight).toBe(1);
    const second = await post(`${base}/v1/metrics`, PB, encodeRequest(sampleRequest()));
    expect(second.status).toBe(503);
    expect(second.headers['retry-after']).toBe('2');
    expect(pbStatus(second.body).code).toBe(14);
    release();
    expect((await first).status).toBe(200);
    expect(receiver?.inFlight).toBe(0);
    expect((await post(`${base}/v1/metrics`, PB, encodeRequest(sampleRequest()))).status).toBe(200);
  });

  it('500 when the consumer fails unexpectedly, reported to onError', async () => {
    const errors: unknown[] = [];
    const { base, consumer } = await start({ onError: (e) => errors.push(e) });
    consumer.behaviour = () => {
      throw new Error('disk full');
    };
    const r = await post(`${base}/v1/metrics`, JSON_CT, JSON.stringify(sampleRequest()));
    expect(r.status).toBe(500);
    expect(JSON.parse(r.body.toString()).code).toBe(13);
    expect(errors).toHaveLength(1);
  });
});

describe('other paths and methods', () => {
  it('/v1/traces and /v1/logs answer an empty success', async () => {
    const { base, consumer } = await start();
    for (const path of ['/v1/traces', '/v1/logs']) {
      const pb = await post(`${base}${path}`, PB, Buffer.from([0x0a, 0x00]));
      expect(pb.status).toBe(200);
      expect(pb.headers['content-type']).toBe(PB);
      expect(pb.body.length).toBe(0);
      const js = await post(`${base}${path}`, JSON_CT, '{"resourceSpans":[]}');
      expect(js.status).toBe(200);
      expect(js.body.toString()).toBe('{}');
    }
    expect(consumer.received).toHaveLength(0);
  });

  it('405 with Allow for wrong methods, 404 for unknown paths, extra routes and a fallback', async () => {
    const { base } = await start({
      routes: new Map([['/healthz', (_req: http.IncomingMessage, res: http.ServerResponse) => void res.end('ok')]]),
      fallback: (req, res) => {
        if (req.url !== '/custom') return false;
        res.statusCode = 204;
        res.end();
        return true;
      },
    });
    const get = await request(`${base}/v1/metrics`, 'GET', {});
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    expect((await request(`${base}/healthz`, 'GET', {})).body.toString()).toBe('ok');
    const postHealth = await request(`${base}/healthz`, 'POST', {}, '');
    expect(postHealth.status).toBe(405);
    expect(postHealth.headers.allow).toBe('GET, HEAD');
    expect((await request(`${base}/custom`, 'GET', {})).status).toBe(204);
    const missing = await request(`${base}/nope`, 'GET', {});
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body.toString()).code).toBe(5);
  });
});

/** Opens a raw socket, writes `data`, and resolves with what the server sent until it closed. */
function rawExchange(port: number, data: string, maxWaitMs: number): Promise<{ text: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(data));
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`server kept the slow connection open for ${maxWaitMs} ms`));
    }, maxWaitMs);
    socket.on('data', (c) => (text += c.toString()));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text });
    });
    socket.on('error', () => undefined);
  });
}

// The cut-off is the server's (its timeouts are the options given; Node's own defaults are 60 s and
// 300 s); the exchange is bounded at 30 s so that a server that never cuts off fails the test.
describe('slow clients', () => {
  it('incomplete headers are cut off after headersTimeoutMs', async () => {
    await start({ headersTimeoutMs: 200, requestTimeoutMs: 400 });
    expect(receiver!.server).toMatchObject({ headersTimeout: 200, requestTimeout: 400 });
    const port = (receiver!.server.address() as net.AddressInfo).port;
    const r = await rawExchange(port, 'POST /v1/metrics HTTP/1.1\r\nHost: x\r\n', 30_000);
    expect(r.text).toMatch(/^HTTP\/1\.1 408/);
  });

  it('a body that never completes is cut off after requestTimeoutMs', async () => {
    const { consumer } = await start({ headersTimeoutMs: 200, requestTimeoutMs: 400 });
    const port = (receiver!.server.address() as net.AddressInfo).port;
    const r = await rawExchange(
      port,
      'POST /v1/metrics HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"res',
      30_000,
    );
    expect(r.text).toMatch(/^HTTP\/1\.1 408/);
    expect(consumer.received).toHaveLength(0);
    for (let i = 0; i < 100 && receiver!.inFlight > 0; i++) await new Promise((res) => setTimeout(res, 10));
    expect(receiver!.inFlight).toBe(0);
  });
});
