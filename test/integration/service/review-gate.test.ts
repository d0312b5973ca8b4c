/**
 * The retraining review gate, running the real service (startService, simulated clock): drift
 * recommends retraining, the recommendation waits as `pending`, and only an approval over the
 * authenticated API (or the status page's form) sends the signed webhook to a local receiver.
 * Rejection and expiry send nothing; decisions need the token; a pending recommendation survives
 * a restart on the same state file, and an approved one whose webhook was not delivered is sent
 * at the next start. Every transition is an `ml.retrain.review` event under the conventions.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AggregationTemporality, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { InMemoryLogRecordExporter, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import type { BaselineFile } from '@otel-ml/conventions';
import { liveCheck } from '@otel-ml/conventions/live-check';
import { createModelMonitor } from '@otel-ml/instrumentation';
import { buildBaseline } from '../../../processor/src/offline/baseline.js';
import {
  ConfigError,
  DEFAULT_CONFIG,
  validateConfig,
  type ServiceConfig,
} from '../../../processor/src/service/config.js';
import { verifyWebhook } from '../../../processor/src/service/webhook.js';
import { startService, type RunningService } from '../../../processor/src/service/service.js';
import type { RetrainingRecord } from '../../../processor/src/store/retraining.js';
import { syntheticRows, toCsv } from '../../helpers/synthetic.js';

const TOKEN = 'review-token-4f1c';
const SECRET = 'hook-secret';
const HOUR = 3_600_000;
const COLS = { scoreColumn: 'score', labelColumn: 'label', exclude: ['id'] };
let dir: string;
let baseline: BaselineFile;
let baselinePath: string;
let hookServer: Server;
let hookUrl: string;
let hookStatus = 202;
const hooks: { headers: IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'otel-ml-review-'));
  writeFileSync(join(dir, 'train.csv'), toCsv(syntheticRows({ rows: 5_000, seed: 41 })));
  baseline = (
    await buildBaseline({
      data: join(dir, 'train.csv'),
      model: 'fraud',
      modelVersion: '3',
      task: 'binary_classification',
      ...COLS,
      progress: false,
    })
  ).baseline;
  baselinePath = join(dir, 'fraud.baseline.json');
  writeFileSync(baselinePath, JSON.stringify(baseline));
  // the retraining pipeline: records every delivery, answers `hookStatus`
  hookServer = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hooks.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(hookStatus).end();
    });
  });
  await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/retrain`;
});

afterAll(async () => {
  await new Promise<void>((r) => hookServer.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  hooks.length = 0;
  hookStatus = 202;
});

interface Harness {
  svc: RunningService;
  logs: InMemoryLogRecordExporter;
}

let now = Date.UTC(2026, 10, 25, 12, 0, 30);

async function start(path: string, over: Partial<ServiceConfig> = {}): Promise<Harness> {
  const logs = new InMemoryLogRecordExporter();
  const svc = await startService(
    {
      ...DEFAULT_CONFIG,
      receivers: {
        http: { ...DEFAULT_CONFIG.receivers.http, port: 0 },
        grpc: { ...DEFAULT_CONFIG.receivers.grpc, enabled: false },
      },
      auth: { token: TOKEN, protectStatusPage: false },
      storage: { path, durability: 'normal' },
      windows: { lengthMs: 60_000, minRows: 50, maxExtensions: 3 },
      models: [{ name: 'fraud', baseline: baselinePath }],
      exporters: { otlp: { enabled: false, intervalMs: HOUR }, prometheus: { enabled: false } },
      retrain: { driftWindows: 1, review: 'required', reviewExpiryMs: HOUR, webhook: { url: hookUrl, secret: SECRET } },
      ...over,
    },
    {
      clock: () => now,
      manualEvaluation: true,
      logRecordProcessors: [new SimpleLogRecordProcessor({ exporter: logs })],
    },
  );
  return { svc, logs };
}

/** A window of drifted rows (amount shifted), exported with the token; then the window closes and is evaluated. */
async function driftedWindow(svc: RunningService): Promise<void> {
  const monitor = createModelMonitor({
    model: { name: 'fraud', version: '3', task: 'binary_classification' },
    baseline,
  });
  const reader = new PeriodicExportingMetricReader({
    exporter: new OTLPMetricExporter({
      url: `${svc.httpUrl}/v1/metrics`,
      headers: { authorization: `Bearer ${TOKEN}` },
      temporalityPreference: AggregationTemporality.DELTA,
    }),
    exportIntervalMillis: HOUR,
    metricProducers: [monitor.metricProducer],
  });
  const provider = new MeterProvider({ readers: [reader] });
  for (const r of syntheticRows({ rows: 2_000, seed: 43, amountShift: 0.8 })) {
    const score = Number(r.score.toFixed(6));
    monitor.observe({ features: { amount: r.amount, age: r.age, country: r.country }, score });
    monitor.recordOutcome({ score, label: r.label });
  }
  await reader.forceFlush();
  await provider.shutdown();
  monitor.shutdown?.();
  now += 120_000;
  const reports = svc.evaluateNow(now);
  expect(reports).toHaveLength(1);
  expect(reports[0]!.retrain).toMatchObject({ recommended: true, reasons: ['drift'] });
}

async function call(
  svc: RunningService,
  method: string,
  path: string,
  opts: { token?: string; json?: unknown; form?: Record<string, string> } = {},
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(opts.form).toString();
  }
  const res = await fetch(`${svc.httpUrl}${path}`, { method, headers, body, redirect: 'manual' });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON (a redirect, the status page)
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

async function recommendations(svc: RunningService, state?: string): Promise<RetrainingRecord[]> {
  const r = await call(svc, 'GET', `/api/retraining${state ? `?state=${state}` : ''}`);
  expect(r.status).toBe(200);
  return (r.body as { recommendations: RetrainingRecord[] }).recommendations;
}

/** Polls until `f` holds (bounded: at most 400 tries, 25 ms apart). */
async function until(f: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await f()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('condition not reached');
}

const reviewEvents = (logs: InMemoryLogRecordExporter) =>
  logs
    .getFinishedLogRecords()
    .filter((l) => l.eventName === 'ml.retrain.review')
    .map((l) => ({ state: l.attributes['ml.retrain.review.state'], id: l.attributes['ml.retrain.recommendation.id'] }));

const dbPath = () => join(dir, `state-${randomUUID()}.db`);

describe('retraining review gate', () => {
  it('keeps a recommendation pending; only an authenticated approval sends the signed webhook', async () => {
    const { svc, logs } = await start(dbPath());
    try {
      await driftedWindow(svc);
      const [rec] = await recommendations(svc);
      expect(rec).toMatchObject({
        state: 'pending',
        reasons: ['drift'],
        model: { name: 'fraud', version: '3', role: 'primary' },
      });
      expect(rec!.expiresAt - rec!.createdAt).toBe(HOUR);
      const id = rec!.id;
      const approve = `/api/retraining/${id}/approve`;

      // authentication comes first, and only the configured token passes
      expect((await call(svc, 'POST', approve)).status).toBe(401);
      const wrong = await call(svc, 'POST', approve, { token: 'not-the-token' });
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get('www-authenticate')).toBe('Bearer');
      expect(
        (await call(svc, 'POST', `/api/retraining/${randomUUID()}/approve`, { token: 'not-the-token' })).status,
      ).toBe(401);
      expect((await call(svc, 'POST', approve, { form: { token: 'not-the-token' } })).status).toBe(401);
      expect((await call(svc, 'POST', `/api/retraining/${randomUUID()}/approve`, { token: TOKEN })).status).toBe(404);
      expect((await call(svc, 'POST', '/api/retraining/not-an-id/reject', { token: TOKEN })).status).toBe(404);
      expect((await call(svc, 'GET', approve, { token: TOKEN })).status).toBe(405);
      expect((await recommendations(svc))[0]!.state).toBe('pending');
      expect(hooks).toHaveLength(0);

      const ok = await call(svc, 'POST', approve, {
        token: TOKEN,
        json: { reviewer: 'ana', comment: 'retrain on November data' },
      });
      expect(ok.status).toBe(200);
      expect((ok.body as { recommendation: RetrainingRecord }).recommendation).toMatchObject({
        id,
        state: 'approved',
        decision: { reviewer: 'ana', comment: 'retrain on November data' },
      });
      // decided once: approving again or rejecting now is a conflict
      const again = await call(svc, 'POST', approve, { token: TOKEN });
      expect(again.status).toBe(409);
      expect((again.body as { state: string }).state).toMatch(/^(approved|sent)$/);
      expect((await call(svc, 'POST', `/api/retraining/${id}/reject`, { token: TOKEN })).status).toBe(409);

      await until(async () => (await recommendations(svc))[0]!.state === 'sent');
      expect(hooks).toHaveLength(1);
      const h = hooks[0]!;
      expect(
        verifyWebhook(
          SECRET,
          Number(h.headers['x-otel-ml-timestamp']),
          h.body,
          String(h.headers['x-otel-ml-signature']),
        ),
      ).toBe(true);
      expect(h.headers['x-otel-ml-delivery']).toBe(id);
      expect(JSON.parse(h.body)).toMatchObject({
        type: 'ml.retrain.recommended',
        reasons: ['drift'],
        reviewRequired: false,
        review: { id, state: 'approved', reviewer: 'ana' },
      });
      expect(await recommendations(svc, 'sent')).toHaveLength(1);
      expect(await recommendations(svc, 'pending')).toHaveLength(0);

      expect(reviewEvents(logs)).toEqual([
        { state: 'pending', id },
        { state: 'approved', id },
        { state: 'sent', id },
      ]);
      expect(liveCheck({ logs: logs.getFinishedLogRecords() }).violations).toEqual([]);
    } finally {
      await svc.close();
    }
    expect(hooks).toHaveLength(1);
  });

  it('a rejected recommendation sends nothing', async () => {
    const { svc, logs } = await start(dbPath());
    let id = '';
    try {
      await driftedWindow(svc);
      id = (await recommendations(svc))[0]!.id;
      const res = await call(svc, 'POST', `/api/retraining/${id}/reject`, {
        token: TOKEN,
        json: { reviewer: 'bo', comment: 'seasonal, expected' },
      });
      expect(res.status).toBe(200);
      expect((res.body as { recommendation: RetrainingRecord }).recommendation).toMatchObject({
        state: 'rejected',
        decision: { reviewer: 'bo' },
      });
      expect((await call(svc, 'POST', `/api/retraining/${id}/approve`, { token: TOKEN })).status).toBe(409);
      expect((await recommendations(svc, 'rejected')).map((r) => r.id)).toEqual([id]);
      expect(reviewEvents(logs)).toEqual([
        { state: 'pending', id },
        { state: 'rejected', id },
      ]);
    } finally {
      await svc.close(); // drains anything the webhook had queued
    }
    expect(hooks).toHaveLength(0);
  });

  it('a pending recommendation expires after retrain.reviewExpiry, with an event, and can no longer be approved', async () => {
    const { svc, logs } = await start(dbPath());
    try {
      await driftedWindow(svc);
      const [rec] = await recommendations(svc);
      now = rec!.expiresAt - 1;
      svc.evaluateNow(now);
      expect((await recommendations(svc))[0]!.state).toBe('pending');
      now = rec!.expiresAt;
      svc.evaluateNow(now);
      expect((await recommendations(svc))[0]).toMatchObject({ id: rec!.id, state: 'expired' });
      const late = await call(svc, 'POST', `/api/retraining/${rec!.id}/approve`, { token: TOKEN });
      expect(late.status).toBe(409);
      expect((late.body as { state: string }).state).toBe('expired');
      expect(reviewEvents(logs).map((e) => e.state)).toEqual(['pending', 'expired']);
      expect(liveCheck({ logs: logs.getFinishedLogRecords() }).violations).toEqual([]);
    } finally {
      await svc.close();
    }
    expect(hooks).toHaveLength(0);
  });

  it('a pending recommendation survives a restart and is approved from the status page form', async () => {
    const path = dbPath();
    const first = await start(path);
    let id: string;
    try {
      await driftedWindow(first.svc);
      id = (await recommendations(first.svc))[0]!.id;
    } finally {
      await first.svc.close();
    }
    expect(hooks).toHaveLength(0);

    const second = await start(path);
    try {
      expect(await recommendations(second.svc)).toMatchObject([{ id, state: 'pending' }]);
      const page = await call(second.svc, 'GET', '/');
      expect(page.status).toBe(200);
      const html = String(page.body);
      expect(html).toContain(`action="api/retraining/${id}/approve"`);
      expect(html).toContain(`formaction="api/retraining/${id}/reject"`);
      expect(html).not.toContain('http-equiv="refresh"'); // a half-typed token is not lost
      expect(html).not.toContain(TOKEN);

      expect(
        (await call(second.svc, 'POST', `/api/retraining/${id}/approve`, { form: { token: 'wrong', reviewer: 'cy' } }))
          .status,
      ).toBe(401);
      const posted = await call(second.svc, 'POST', `/api/retraining/${id}/approve`, {
        form: { token: TOKEN, reviewer: 'cy', comment: 'go' },
      });
      expect(posted.status).toBe(303);
      expect(posted.headers.get('location')).toBe('../../../#retraining');
      await until(async () => (await recommendations(second.svc))[0]!.state === 'sent');
      expect(hooks).toHaveLength(1);
      expect(JSON.parse(hooks[0]!.body)).toMatchObject({
        reviewRequired: false,
        review: { id, reviewer: 'cy', comment: 'go' },
      });
      expect(reviewEvents(second.logs)).toEqual([
        { state: 'approved', id },
        { state: 'sent', id },
      ]);
      const after = String((await call(second.svc, 'GET', '/')).body);
      expect(after).toContain('Nothing awaits a decision.');
      expect(after).toContain('http-equiv="refresh"');
    } finally {
      await second.svc.close();
    }
  });

  it('an approved recommendation whose webhook was not delivered before a stop is sent at the next start, with the same delivery id', async () => {
    const path = dbPath();
    hookStatus = 503; // the pipeline is down: retried with backoff until the service stops
    const first = await start(path);
    let id: string;
    try {
      await driftedWindow(first.svc);
      id = (await recommendations(first.svc))[0]!.id;
      expect((await call(first.svc, 'POST', `/api/retraining/${id}/approve`, { token: TOKEN })).status).toBe(200);
      await until(async () => hooks.length >= 1);
      // (the in-memory exporter forgets its records when the service shuts it down)
      expect(reviewEvents(first.logs).map((e) => e.state)).toEqual(['pending', 'approved']);
    } finally {
      await first.svc.close();
    }
    hookStatus = 202;
    const attemptsBefore = hooks.length;
    const second = await start(path);
    try {
      await until(async () => (await recommendations(second.svc))[0]!.state === 'sent');
      const delivered = hooks.slice(attemptsBefore);
      expect(delivered).toHaveLength(1);
      expect(delivered[0]!.headers['x-otel-ml-delivery']).toBe(id);
      expect((await recommendations(second.svc))[0]!.transitions.map((t) => t.state)).toEqual([
        'pending',
        'approved',
        'sent',
      ]);
      expect(reviewEvents(second.logs).map((e) => e.state)).toEqual(['sent']);
    } finally {
      await second.svc.close();
    }
  });

  it('a model with review: none sends the webhook at once, as without the gate', async () => {
    const { svc, logs } = await start(dbPath(), {
      models: [{ name: 'fraud', baseline: baselinePath, review: 'none' }],
    });
    try {
      await driftedWindow(svc);
      await until(async () => hooks.length === 1);
      expect(JSON.parse(hooks[0]!.body)).toMatchObject({ reasons: ['drift'], reviewRequired: true });
      expect(await recommendations(svc)).toEqual([]);
      expect(reviewEvents(logs)).toEqual([]);
    } finally {
      await svc.close();
    }
  });

  it('refuses to start with review required and no token; reads and checks the review settings', async () => {
    await expect(
      startService(
        {
          ...DEFAULT_CONFIG,
          storage: { path: ':memory:', durability: 'normal' },
          retrain: { driftWindows: 3, review: 'required' },
        },
        { manualEvaluation: true },
      ),
    ).rejects.toThrow(ConfigError);
    await expect(
      startService(
        {
          ...DEFAULT_CONFIG,
          storage: { path: ':memory:', durability: 'normal' },
          models: [{ name: 'm', review: 'required' }],
          retrain: { driftWindows: 3 },
        },
        { manualEvaluation: true },
      ),
    ).rejects.toThrow(/auth\.token/);
    const c = validateConfig({
      retrain: { review: 'required', reviewExpiry: '2d' },
      models: [{ name: 'm', review: 'none' }],
    });
    expect(c.retrain).toMatchObject({ review: 'required', reviewExpiryMs: 2 * 86_400_000 });
    expect(c.models[0]!.review).toBe('none');
    expect(validateConfig({}).retrain?.review).toBeUndefined();
    expect(() => validateConfig({ retrain: { review: 'maybe' } })).toThrow(
      /retrain\.review: must be one of required, none/,
    );
    expect(() => validateConfig({ retrain: { reviewExpiry: '10s' } })).toThrow(/retrain\.reviewExpiry/);
    expect(() => validateConfig({ models: [{ name: 'm', review: true }] })).toThrow(/models\[0\]\.review/);
  });
});
