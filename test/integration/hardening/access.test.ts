/**
 * Access control of the processor: bearer-token authentication (HTTP, gRPC, status page and
 * Prometheus endpoint), TLS on both receivers from configured PEM files, loopback by default, and
 * secrets kept out of answers and configuration errors. The positive path goes through the
 * official OTLP exporters (HTTPS + Authorization header, gRPC over TLS + metadata).
 */
import https from 'node:https';
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPMetricExporter as GrpcExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { BearerTokenAuthenticator, resolveAuthToken } from '../../../processor/src/service/auth.js';
import {
  DEFAULT_CONFIG,
  applyEnv,
  loadConfig,
  validateConfig,
  type ServiceConfig,
} from '../../../processor/src/service/config.js';
import { startService, type RunningService } from '../../../processor/src/service/service.js';
import { METRICS_EXPORT_GRPC_PATH } from '../../../processor/src/otlp/schema.js';
import { encodeRequest, sampleRequest } from '../receiver/helpers.js';

const TLS_DIR = join(import.meta.dirname, 'tls');
const CA = readFileSync(join(TLS_DIR, 'cert.pem'));
const TOKEN = 's3cret-Token_0123456789';

describe('BearerTokenAuthenticator', () => {
  it('accepts exactly "Bearer <token>" (scheme case-insensitive) and nothing else', () => {
    const a = new BearerTokenAuthenticator(TOKEN);
    expect(a.check(`Bearer ${TOKEN}`)).toBe(true);
    expect(a.check(`bearer ${TOKEN}`)).toBe(true);
    expect(a.check(`  Bearer   ${TOKEN} `)).toBe(true);
    for (const bad of [
      undefined,
      '',
      TOKEN,
      `Basic ${TOKEN}`,
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      'Bearer',
      `Bearer ${TOKEN} extra`,
      `Bearer ${TOKEN.toUpperCase()}`,
    ]) {
      expect(a.check(bad)).toBe(false);
    }
    expect(() => new BearerTokenAuthenticator('')).toThrow(RangeError);
  });
});

describe('auth configuration', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'otel-ml-auth-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('token, token file and OTEL_ML_AUTH_TOKEN; errors never show the secret', () => {
    writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
    const c = validateConfig(
      {
        auth: { tokenFile: 'token', protectStatusPage: true },
        receivers: { http: { tls: { cert: 'c.pem', key: 'k.pem' } } },
      },
      'x.yaml',
      dir,
    );
    expect(c.auth).toEqual({ token: undefined, tokenFile: join(dir, 'token'), protectStatusPage: true });
    expect(c.receivers.http.tls).toEqual({ cert: join(dir, 'c.pem'), key: join(dir, 'k.pem') });
    expect(c.receivers.grpc.tls).toBeUndefined();
    expect(resolveAuthToken(c.auth)).toBe(TOKEN);
    expect(resolveAuthToken(applyEnv(c, { OTEL_ML_AUTH_TOKEN: 'from-env' }).auth)).toBe('from-env');
    expect(applyEnv(DEFAULT_CONFIG, { OTEL_ML_AUTH_TOKEN: 'from-env' }).auth).toEqual({
      protectStatusPage: false,
      token: 'from-env',
    });
    expect(resolveAuthToken(DEFAULT_CONFIG.auth)).toBeUndefined();

    const messageOf = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        return (e as Error).message;
      }
      throw new Error('expected an error');
    };
    let m = messageOf(() => validateConfig({ auth: { token: 'has space-987654' } }, 'x.yaml', dir));
    expect(m).toMatch(/auth\.token: must be a non-empty string without whitespace \(value not shown\)/);
    expect(m).not.toContain('987654');
    m = messageOf(() => validateConfig({ auth: { token: 987654 } }, 'x.yaml', dir));
    expect(m).not.toContain('987654');
    m = messageOf(() => resolveAuthToken({ tokenFile: join(dir, 'missing'), protectStatusPage: false }));
    expect(m).toBe(`${join(dir, 'missing')}: cannot read the auth token file (ENOENT)`);
    writeFileSync(join(dir, 'spaced'), 'abc def-987654\n');
    m = messageOf(() => resolveAuthToken({ tokenFile: join(dir, 'spaced'), protectStatusPage: false }));
    expect(m).not.toContain('987654');
    m = messageOf(() => validateConfig({ receivers: { grpc: { tls: { cert: 'c.pem' } } } }, 'x.yaml', dir));
    expect(m).toBe('x.yaml: receivers.grpc.tls.key: is required with tls.cert');
    writeFileSync(join(dir, 'c.yaml'), 'auth:\n  token: 987654\n');
    expect(() => loadConfig(join(dir, 'c.yaml'), {})).toThrow(/value not shown/);
  });
});

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function httpsRequest(url: string, method: string, headers: Record<string, string>, body?: Buffer): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, headers, ca: CA, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('latin1') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function grpcCall(
  address: string,
  creds: grpc.ChannelCredentials,
  md: grpc.Metadata,
): Promise<grpc.ServiceError | null> {
  const client = new grpc.Client(address, creds);
  return new Promise((resolve) => {
    client.makeUnaryRequest<Buffer, Buffer>(
      METRICS_EXPORT_GRPC_PATH,
      (b) => b,
      (b) => b,
      encodeRequest(sampleRequest()),
      md,
      { deadline: Date.now() + 10_000 },
      (error) => {
        client.close();
        resolve(error);
      },
    );
  });
}

describe('processor service with a token and TLS', () => {
  let svc: RunningService;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'otel-ml-access-'));
    writeFileSync(join(dir, 'token'), TOKEN);
    const tls = { cert: join(TLS_DIR, 'cert.pem'), key: join(TLS_DIR, 'key.pem') };
    const config: ServiceConfig = {
      ...DEFAULT_CONFIG,
      receivers: {
        http: { ...DEFAULT_CONFIG.receivers.http, port: 0, tls },
        grpc: { ...DEFAULT_CONFIG.receivers.grpc, port: 0, tls },
      },
      storage: { path: ':memory:', durability: 'normal' },
      exporters: { otlp: { enabled: false, intervalMs: 3_600_000 }, prometheus: { enabled: true } },
      auth: { tokenFile: join(dir, 'token'), protectStatusPage: true },
    };
    svc = await startService(config, { manualEvaluation: true });
  });
  afterAll(async () => {
    await svc.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('binds to loopback and speaks TLS only', async () => {
    expect(svc.httpUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(svc.grpcAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    const plain = svc.httpUrl!.replace('https:', 'http:');
    // a plaintext request to the TLS port gets no HTTP answer
    const outcome = await new Promise<string>((resolve) => {
      const req = http.request(`${plain}/healthz`, { agent: false }, (res) => resolve(`status ${res.statusCode}`));
      req.on('error', () => resolve('error'));
      req.end();
    });
    expect(outcome).not.toBe('status 200');
    expect(await grpcCall(svc.grpcAddress!, grpc.credentials.createInsecure(), new grpc.Metadata())).toMatchObject({
      code: grpc.status.UNAVAILABLE,
    });
  });

  it('HTTP: 401 without or with a wrong token (the answer does not echo it), health checks open', async () => {
    const body = encodeRequest(sampleRequest());
    for (const headers of [
      {},
      { authorization: 'Bearer wrong-token-555' },
      { authorization: `Basic ${TOKEN}` },
    ] as Record<string, string>[]) {
      const r = await httpsRequest(
        `${svc.httpUrl}/v1/metrics`,
        'POST',
        { 'content-type': 'application/x-protobuf', ...headers },
        body,
      );
      expect(r.status).toBe(401);
      expect(r.headers['www-authenticate']).toBe('Bearer');
      expect(r.body).toContain('missing or invalid bearer token');
      expect(r.body).not.toContain('555');
      expect(r.body).not.toContain(TOKEN);
    }
    for (const path of ['/', '/metrics', '/api/reports']) {
      expect((await httpsRequest(`${svc.httpUrl}${path}`, 'GET', {})).status).toBe(401);
      expect((await httpsRequest(`${svc.httpUrl}${path}`, 'GET', { authorization: `Bearer ${TOKEN}` })).status).toBe(
        200,
      );
    }
    for (const path of ['/healthz', '/readyz'])
      expect((await httpsRequest(`${svc.httpUrl}${path}`, 'GET', {})).status).toBe(200);
    expect(svc.processor.stats().receivedPoints).toBe(0);
  });

  /**
   * The gRPC receiver by the certificate's DNS name: grpc-js sends the target's host as the TLS
   * server name, and an IP address is not a valid one (RFC 6066; Node warns about it).
   */
  const tlsTarget = (): string => svc.grpcAddress!.replace(/^127\.0\.0\.1:/, 'localhost:');

  it('gRPC: UNAUTHENTICATED without or with a wrong token', async () => {
    const target = tlsTarget();
    const creds = grpc.credentials.createSsl(CA);
    const wrong = new grpc.Metadata();
    wrong.set('authorization', 'Bearer nope-555');
    for (const md of [new grpc.Metadata(), wrong]) {
      const err = await grpcCall(target, creds, md);
      expect(err?.code).toBe(grpc.status.UNAUTHENTICATED);
      expect(err?.details).not.toContain('555');
    }
    const ok = new grpc.Metadata();
    ok.set('authorization', `Bearer ${TOKEN}`);
    expect(await grpcCall(target, creds, ok)).toBeNull();
  });

  it('the official exporters get through with the token over TLS', async () => {
    const before = svc.processor.stats().receivedPoints;
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${TOKEN}`);
    const exporters = [
      new ProtoExporter({
        url: `${svc.httpUrl}/v1/metrics`,
        headers: { authorization: `Bearer ${TOKEN}` },
        httpAgentOptions: { ca: CA },
      }),
      new GrpcExporter({ url: `https://${tlsTarget()}`, credentials: grpc.credentials.createSsl(CA), metadata: md }),
    ];
    for (const exporter of exporters) {
      const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
      const provider = new MeterProvider({ readers: [reader] });
      const h = provider
        .getMeter('t')
        .createHistogram('ml.prediction.score', { advice: { explicitBucketBoundaries: [0.5] } });
      h.record(0.2, {
        'ml.model.name': 'm',
        'ml.model.version': '1',
        'ml.model.task': 'binary_classification',
        'ml.deployment.role': 'primary',
      });
      await provider.shutdown(); // one final collection and export
    }
    expect(svc.processor.stats().receivedPoints - before).toBe(2);
  });
});
