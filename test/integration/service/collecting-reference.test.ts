/**
 * A model without a reference (no baseline: a rolling or pinned reference made of its own
 * windows) is on the status page from its first window as "collecting reference (n rows)", and
 * the processor says so once at the default (info) level, not once per window.
 */
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { createModelMonitor } from '@otel-ml/instrumentation';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type ModelConfig } from '../../../processor/src/service/config.js';
import { startService, type RunningService } from '../../../processor/src/service/service.js';
import { syntheticRows } from '../../helpers/synthetic.js';

const WINDOW_MS = 60_000;
const T0 = Date.UTC(2026, 10, 25, 12, 0, 30);

/** Predictions of model churn v2 (`rows` rows, seeded; the primary unless `role` says), exported to the processor over OTLP/HTTP. */
async function send(
  svc: RunningService,
  rows: number,
  seed: number,
  role: 'primary' | 'canary' = 'primary',
): Promise<void> {
  const monitor = createModelMonitor({
    model: { name: 'churn', version: role === 'canary' ? '3' : '2', task: 'binary_classification' },
    role,
  });
  const reader = new PeriodicExportingMetricReader({
    exporter: new OTLPMetricExporter({ url: `${svc.httpUrl}/v1/metrics` }),
    exportIntervalMillis: 3_600_000,
    metricProducers: [monitor.metricProducer],
  });
  const provider = new MeterProvider({
    readers: [reader],
    resource: resourceFromAttributes({ 'service.name': 'churn-api' }),
  });
  for (const r of syntheticRows({ rows, seed }))
    monitor.observe({ features: { age: r.age, country: r.country }, score: r.score });
  await reader.forceFlush();
  await provider.shutdown();
  monitor.shutdown?.();
}

let messages: { level: string; text: string }[] = [];
const logger: DiagLogger = Object.fromEntries(
  (['error', 'warn', 'info', 'debug', 'verbose'] as const).map((level) => [
    level,
    (text: string) => void messages.push({ level, text }),
  ]),
) as unknown as DiagLogger;

async function withService(
  models: ModelConfig[],
  fn: (svc: RunningService, advance: () => void, page: (query?: string) => Promise<string>) => Promise<void>,
): Promise<void> {
  let now = T0;
  const svc = await startService(
    {
      ...DEFAULT_CONFIG,
      receivers: {
        http: { ...DEFAULT_CONFIG.receivers.http, port: 0 },
        grpc: { ...DEFAULT_CONFIG.receivers.grpc, enabled: false },
      },
      storage: { path: ':memory:', durability: 'normal' },
      windows: { lengthMs: WINDOW_MS, minRows: 50, maxExtensions: 3 },
      models,
      exporters: { otlp: { enabled: false, intervalMs: 60_000 }, prometheus: { enabled: false } },
    },
    { clock: () => now, manualEvaluation: true },
  );
  try {
    await fn(
      svc,
      () => (now += WINDOW_MS),
      async (query = '') => (await fetch(`${svc.httpUrl}/${query}`)).text(),
    );
  } finally {
    await svc.close();
  }
}

const heading = (html: string) =>
  /<section class="model[^"]*"[^>]*>\n<h2>(.*?)<\/h2>/.exec(html)?.[1]?.replace(/<[^>]+>/g, '');
const noReferenceInfo = () => messages.filter((m) => /no (rolling|pinned) reference yet/.test(m.text));

describe('a model without a reference yet', () => {
  beforeEach(() => {
    messages = [];
    diag.setLogger(logger, { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true });
  });
  afterEach(() => diag.disable());

  it('is "collecting reference (n rows)" from its first window, said once, then compared with a rolling reference', async () => {
    await withService([], async (svc, advance, page) => {
      expect(await page()).toContain('No model has sent anything yet.');
      await send(svc, 300, 1);
      // the first window, still open
      expect(heading(await page())).toBe('churn v2 · primary — collecting reference (300 rows)');
      expect(await page()).toContain(
        'No reference to compare with yet: 300 rows in its first window (open until 2026-11-25T12:01:00.000Z). Its windows are compared with its own previous windows (a rolling reference): the first window is the reference, the one after it the first compared.',
      );
      // found by name, as every model
      expect(heading(await page('?model=churn&version=2&role=primary'))).toBe(
        'churn v2 · primary — collecting reference (300 rows)',
      );
      advance();
      expect(svc.evaluateNow()).toEqual([]);
      // its first window makes the rolling reference of the next one
      await send(svc, 200, 2);
      const next = await page();
      expect(heading(next)).toBe('churn v2 · primary — awaiting first comparison (200 rows)');
      expect(next).toContain(
        'Nothing evaluated yet: 300 rows in 1 closed window and 200 in the open one (open until 2026-11-25T12:02:00.000Z). The rolling reference is ready (made of its closed windows); the open window is compared with it when it closes.',
      );
      advance();
      const [report] = svc.evaluateNow();
      expect(report!.reference).toMatchObject({ kind: 'rolling', count: 300 });
      const evaluated = await page();
      expect(heading(evaluated)).toMatch(/^churn v2 · primary — (no drift|drift: .*)$/);
      expect(evaluated).not.toContain('collecting reference');
      // one window went unevaluated: said once, at info
      expect(noReferenceInfo()).toEqual([
        {
          level: 'info',
          text: expect.stringMatching(
            /^otel-ml: churn v2 \(primary\): no rolling reference yet \(window 2026-11-25T12:00:00\.000Z, 300 rows, not evaluated\); collecting one from its windows/,
          ),
        },
      ]);
    });
  });

  it('waiting for a pinned window: every window before it is collected, said once at info, then at debug', async () => {
    const pin = new Date(T0 + 2 * WINDOW_MS).toISOString();
    await withService([{ name: 'churn', reference: 'pinned', pin }], async (svc, advance, page) => {
      for (let w = 0; w < 2; w++) {
        await send(svc, 100, 10 + w);
        advance();
        expect(svc.evaluateNow()).toEqual([]);
      }
      const html = await page();
      expect(heading(html)).toBe('churn v2 · primary — collecting reference (200 rows)');
      expect(html).toContain(
        'No reference to compare with yet: 200 rows in 2 closed windows. A window of its own is pinned as the reference',
      );
      expect(noReferenceInfo().map((m) => m.level)).toEqual(['info', 'debug']);
      // the window containing the pin becomes the reference (not compared with itself); the model then waits for its first comparison
      await send(svc, 100, 12);
      advance();
      expect(svc.evaluateNow()).toEqual([]);
      await send(svc, 50, 13);
      expect(heading(await page())).toBe('churn v2 · primary — awaiting first comparison (50 rows)');
      advance();
      const [report] = svc.evaluateNow();
      expect(report!.reference).toMatchObject({ kind: 'pinned', count: 100 });
      expect(report!.window!.start).toBe(new Date(T0 - 30_000 + 3 * WINDOW_MS).toISOString());
    });
  });

  it('a canary without references of its own awaits its first comparison once its primary has a reference', async () => {
    await withService([], async (svc, advance, page) => {
      await send(svc, 200, 20);
      // fewer rows than a window needs: the canary's window is extended, not closed
      await send(svc, 20, 21, 'canary');
      expect(heading(await page('?model=churn&role=canary'))).toBe(
        'churn v3 · canary — collecting reference (20 rows)',
      );
      advance();
      expect(svc.evaluateNow()).toEqual([]);
      expect(await page('?model=churn&role=canary')).toContain(
        '20 rows in its first window (open until 2026-11-25T12:02:00.000Z, extended: fewer rows than a window needs)',
      );
      // the primary's first window is the rolling reference of the next windows, the canary's too
      expect(heading(await page('?model=churn&role=canary'))).toBe(
        'churn v3 · canary — awaiting first comparison (20 rows)',
      );
    });
  });

  it('a first window short of rows, closed at its last extension, makes no rolling reference', async () => {
    await withService([], async (svc, advance, page) => {
      await send(svc, 20, 30);
      for (let i = 0; i < 4; i++) {
        advance();
        expect(svc.evaluateNow()).toEqual([]);
      }
      const html = await page();
      expect(heading(html)).toBe('churn v2 · primary — collecting reference (20 rows)');
      expect(html).toContain(
        'No reference to compare with yet: 20 rows in 1 closed window. Its windows are compared with its own previous windows (a rolling reference): its closed windows had fewer rows than a window needs; the first one with enough becomes the reference.',
      );
    });
  });
});
