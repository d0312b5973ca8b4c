/**
 * The choice of reference: `reference: seasonal` with `period` (configuration, history kept, the
 * window one period earlier, the fallback and its reason in the report, the text report and the
 * status page), and a canary judged against its primary's reference in every window.
 */
import { describe, expect, it } from 'vitest';
import { createModelMonitor } from '@otel-ml/instrumentation';
import { AggregationTemporality, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { DEFAULT_CONFIG, validateConfig, type ServiceConfig } from '../../../../processor/src/service/config.js';
import { startService, type RunningService } from '../../../../processor/src/service/service.js';
import { renderStatusPage } from '../../../../processor/src/service/status-page.js';
import { renderText } from '../../../../processor/src/render/text.js';
import { syntheticRows } from '../../../helpers/synthetic.js';

describe('configuration of the seasonal reference', () => {
  it('reads period as a duration that is a whole number of windows', () => {
    const c = validateConfig({
      windows: { length: '5m' },
      models: [{ name: 'm', reference: 'seasonal', period: '1d' }],
    });
    expect(c.models[0]).toMatchObject({ reference: 'seasonal', periodMs: 86_400_000 });
    expect(() => validateConfig({ models: [{ name: 'm', reference: 'seasonal' }] })).toThrow(
      /models\[0\]\.reference: "seasonal" needs models\[0\]\.period, e\.g\. 1d or 7d/,
    );
    expect(() => validateConfig({ models: [{ name: 'm', reference: 'rolling', period: '1d' }] })).toThrow(
      /models\[0\]\.period: only applies with reference: seasonal/,
    );
    expect(() =>
      validateConfig({ windows: { length: '5m' }, models: [{ name: 'm', reference: 'seasonal', period: '7m' }] }),
    ).toThrow(/period: must be a whole number of windows \(windows\.length 300s\)/);
    expect(() =>
      validateConfig({ windows: { length: '1m' }, models: [{ name: 'm', reference: 'seasonal', period: '30d' }] }),
    ).toThrow(/43200 windows of history per model; at most 20000/);
  });

  it('keeps a period of closed windows (and two more) for a seasonal model', () => {
    const c = validateConfig({
      windows: { length: '5m' },
      models: [{ name: 'a', reference: 'seasonal', period: '7d' }, { name: 'b' }],
    });
    expect(c.retention.maxHistoryWindows).toBe(2016 + 2);
    expect(validateConfig({}).retention.maxHistoryWindows).toBe(100);
  });
});

const START = Date.UTC(2026, 2, 2, 0, 0, 30);

async function send(
  svc: RunningService,
  version: string,
  role: 'primary' | 'canary',
  rows: number,
  seed: number,
  amountShift = 0,
): Promise<void> {
  const monitor = createModelMonitor({
    model: { name: 'fraud', version, task: 'binary_classification' },
    role,
    features: [
      { name: 'amount', type: 'numeric' },
      { name: 'country', type: 'categorical' },
    ],
  });
  const reader = new PeriodicExportingMetricReader({
    exporter: new OTLPMetricExporter({
      url: `${svc.httpUrl}/v1/metrics`,
      temporalityPreference: AggregationTemporality.DELTA,
    }),
    exportIntervalMillis: 3_600_000,
    metricProducers: [monitor.metricProducer],
  });
  const provider = new MeterProvider({ readers: [reader] });
  for (const r of syntheticRows({ rows, seed, amountShift }))
    monitor.observe({ features: { amount: r.amount, country: r.country }, score: r.score });
  await reader.forceFlush();
  await provider.shutdown();
  await monitor.shutdown();
}

function config(models: unknown[]): ServiceConfig {
  const file = validateConfig({ windows: { length: '1m', minRows: 50 }, models });
  return {
    ...file,
    receivers: {
      http: { ...DEFAULT_CONFIG.receivers.http, port: 0 },
      grpc: { ...DEFAULT_CONFIG.receivers.grpc, enabled: false },
    },
    storage: { path: ':memory:', durability: 'normal' },
  };
}

describe('seasonal reference in the service', () => {
  it('compares each window with the one a period earlier, and says why it falls back before', async () => {
    let now = START;
    const svc = await startService(config([{ name: 'fraud', reference: 'seasonal', period: '3m' }]), {
      clock: () => now,
      manualEvaluation: true,
    });
    try {
      const reports = [];
      for (let w = 1; w <= 5; w++) {
        await send(svc, '1', 'primary', 300, w);
        now += 60_000;
        reports.push(svc.evaluateNow(now)[0]);
      }
      // window 1: no earlier window at all; 2-3: the rolling reference stands in; 4-5: one period earlier
      expect(reports[0]).toBeUndefined();
      expect(reports[1]!.reference).toMatchObject({
        kind: 'rolling',
        requested: 'seasonal',
        fallback: 'history shorter than the period (3m): no window at 2026-03-01T23:58:00.000Z yet',
      });
      expect(reports[2]!.reference.kind).toBe('rolling');
      expect(reports[3]!.reference).toMatchObject({
        kind: 'seasonal',
        requested: 'seasonal',
        fallback: null,
        window: { start: '2026-03-02T00:00:00.000Z', end: '2026-03-02T00:01:00.000Z' },
      });
      expect(reports[4]!.reference.window).toEqual({
        start: '2026-03-02T00:01:00.000Z',
        end: '2026-03-02T00:02:00.000Z',
      });
      expect(renderText(reports[1]!)).toContain(
        'reference  rolling, 300 rows; windows 2026-03-02T00:00:00.000Z – 2026-03-02T00:01:00.000Z; in place of seasonal: history shorter than the period (3m)',
      );
      const page = renderStatusPage({
        reports: new Map([['k', reports[1]!]]),
        history: new Map(),
        stats: svc.processor.stats(),
        open: [],
        now,
      });
      expect(page).toContain(
        'in place of seasonal: history shorter than the period (3m): no window at 2026-03-01T23:58:00.000Z yet',
      );
    } finally {
      await svc.close();
    }
  });

  it('a window missing one period earlier falls back with that reason', async () => {
    let now = START;
    const svc = await startService(config([{ name: 'fraud', reference: 'seasonal', period: '2m' }]), {
      clock: () => now,
      manualEvaluation: true,
    });
    try {
      await send(svc, '1', 'primary', 300, 1);
      now += 60_000;
      svc.evaluateNow(now);
      now += 60_000; // nothing sent in the second minute
      await send(svc, '1', 'primary', 300, 3);
      now += 60_000;
      svc.evaluateNow(now);
      await send(svc, '1', 'primary', 300, 4);
      now += 60_000;
      const [r] = svc.evaluateNow(now);
      expect(r!.reference).toMatchObject({
        kind: 'rolling',
        fallback: 'no window at 2026-03-02T00:01:00.000Z (the model sent nothing then)',
      });
    } finally {
      await svc.close();
    }
  });
});

describe('canary reference', () => {
  it("a canary is judged against its primary's rolling reference in every window, not its own past", async () => {
    let now = START;
    const svc = await startService(config([{ name: 'fraud', reference: 'rolling' }]), {
      clock: () => now,
      manualEvaluation: true,
    });
    try {
      const canary = [];
      for (let w = 1; w <= 4; w++) {
        await send(svc, '1', 'primary', 400, 10 + w);
        await send(svc, '2', 'canary', 400, 20 + w, 1); // the canary's inputs differ from the start
        now += 60_000;
        canary.push(svc.evaluateNow(now).find((r) => r.model.role === 'canary'));
      }
      expect(canary[0]).toBeUndefined(); // the primary has no earlier window yet
      for (const r of canary.slice(1)) {
        expect(r!.reference).toMatchObject({ kind: 'rolling', of: { version: '1', role: 'primary' } });
        expect(r!.drifted).toEqual(['amount']);
        expect(r!.comparison?.primary.version).toBe('1');
      }
    } finally {
      await svc.close();
    }
  });
});
