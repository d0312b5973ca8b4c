/**
 * Drift per slice through the real service: an instrumented service with the allow-listed slice
 * key `region` (five values, 20% of the traffic each, 1,000 rows per slice and window; numeric
 * features as exponential histograms) exports over OTLP to the service, which compares each
 * one-minute window (simulated clock) with the pinned first window. Windows 2-4: nothing changes;
 * windows 5-6: x1 moves by 0.5 standard deviations in region `c` only. The overall features do
 * not drift; the slice does, and `c` is ranked first in the first drifted window.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { InMemoryLogRecordExporter, SimpleLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { liveCheck, type LiveCheckReport } from '@otel-ml/conventions/live-check';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { createModelMonitor } from '@otel-ml/instrumentation';
import type { ModelReport } from '../../../processor/src/analysis/report-types.js';
import { DEFAULT_CONFIG, type ServiceConfig } from '../../../processor/src/service/config.js';
import { startService } from '../../../processor/src/service/service.js';
import { FEATURES, REGIONS, sliceTraffic } from '../../helpers/slices.js';

const ROWS_PER_SLICE = 1_000;
const WINDOWS = 6;
const SHIFT_FROM = 5;

function config(): ServiceConfig {
  return {
    ...DEFAULT_CONFIG,
    receivers: {
      http: { ...DEFAULT_CONFIG.receivers.http, port: 0, host: '127.0.0.1' },
      grpc: { ...DEFAULT_CONFIG.receivers.grpc, enabled: false },
    },
    storage: { path: ':memory:', durability: 'normal' },
    windows: { lengthMs: 60_000, minRows: 50, maxExtensions: 3 },
    models: [{ name: 'pricing', reference: 'pinned' }],
    exporters: { otlp: { ...DEFAULT_CONFIG.exporters.otlp, enabled: false }, prometheus: { enabled: false } },
  };
}

describe('drift per slice through the service', () => {
  const reports = new Map<number, ModelReport>();
  let statusPage = '';
  let check: LiveCheckReport;
  let events: ReadableLogRecord[] = [];
  const gauges: { name: string; value: number; attributes: Record<string, unknown> }[] = [];
  beforeAll(async () => {
    let now = Date.UTC(2026, 11, 1, 12, 0, 30);
    const start = now;
    const metrics = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const results = new PeriodicExportingMetricReader({ exporter: metrics, exportIntervalMillis: 3_600_000 });
    const logs = new InMemoryLogRecordExporter();
    const svc = await startService(config(), {
      clock: () => now,
      manualEvaluation: true,
      metricReaders: [results],
      logRecordProcessors: [new SimpleLogRecordProcessor({ exporter: logs })],
    });
    const monitor = createModelMonitor({
      model: { name: 'pricing', version: '1', task: 'binary_classification' },
      features: FEATURES,
      slices: ['region'],
    });
    const reader = new PeriodicExportingMetricReader({
      exporter: new ProtoExporter({
        url: `${svc.httpUrl}/v1/metrics`,
        temporalityPreference: AggregationTemporality.DELTA,
      }),
      exportIntervalMillis: 3_600_000,
      metricProducers: [monitor.metricProducer],
    });
    const provider = new MeterProvider({ readers: [reader] });
    try {
      for (let w = 1; w <= WINDOWS; w++) {
        const rows = sliceTraffic({
          seed: 100 + w,
          rowsPerSlice: ROWS_PER_SLICE,
          ...(w >= SHIFT_FROM ? { shift: { region: 'c', x1: 0.5 } } : {}),
        });
        for (const r of rows) monitor.observe({ features: r.features, score: r.score, slices: { region: r.region } });
        await reader.forceFlush();
        now += 60_000;
        for (const report of svc.evaluateNow())
          reports.set(Math.round((Date.parse(report.window!.end) - start) / 60_000), report);
      }
      statusPage = await (await fetch(`${svc.httpUrl}/`)).text();
      await results.forceFlush();
      const rms = metrics.getMetrics();
      check = liveCheck({ metrics: rms, logs: logs.getFinishedLogRecords() });
      events = logs.getFinishedLogRecords().filter((l) => l.eventName === 'ml.drift.detected');
      // the latest export: gauges of window 6
      for (const sm of rms[rms.length - 1]?.scopeMetrics ?? []) {
        for (const m of sm.metrics) {
          if (!m.descriptor.name.startsWith('ml.drift.slice.')) continue;
          for (const dp of m.dataPoints)
            gauges.push({ name: m.descriptor.name, value: dp.value as number, attributes: dp.attributes });
        }
      }
    } finally {
      await provider.shutdown();
      await monitor.shutdown();
      await svc.close();
    }
  }, 120_000);
  afterAll(() => reports.clear());

  it('evaluates every slice value of every window against the same slice of the reference', () => {
    expect([...reports.keys()].sort()).toEqual([2, 3, 4, 5, 6]);
    for (const [w, r] of reports) {
      const k = r.sliceDrift!.keys.region!;
      expect(k.slices.map((s) => s.slice).sort(), `window ${w}`).toEqual([...REGIONS]);
      for (const s of k.slices) {
        expect(s.status).toBe('ok');
        expect(s.count).toBe(ROWS_PER_SLICE);
        expect(s.referenceCount).toBe(ROWS_PER_SLICE);
        expect(Object.keys(s.features).sort()).toEqual(['plan', 'x1', 'x2', 'x3', 'x4']);
        expect(s.score).not.toBeNull();
      }
      expect(k.tested).toBe(30);
    }
  });

  it('no slice is flagged before the shift', () => {
    for (const w of [2, 3, 4]) {
      const k = reports.get(w)!.sliceDrift!.keys.region!;
      expect(k.located, `window ${w}`).toBeNull();
      for (const s of k.slices) expect(s.drifted, `window ${w} ${s.slice}`).toEqual([]);
    }
  });

  it('the first drifted window locates the shift in region c, ranked first, where the overall features do not drift', () => {
    const r = reports.get(SHIFT_FROM)!;
    expect(r.features.x1!.drift.verdict).toBe('no_drift');
    const k = r.sliceDrift!.keys.region!;
    expect(k.located).toBe('c');
    expect(k.slices[0]!.slice).toBe('c');
    expect(k.slices[0]!.features.x1!.verdict).toBe('drift');
    for (const s of k.slices.slice(1)) expect(s.drifted).toEqual([]);
    expect(r.sliceDrift!.located).toEqual([expect.objectContaining({ key: 'region', slice: 'c' })]);
    expect(reports.get(6)!.sliceDrift!.keys.region!.located).toBe('c');
  });

  it('emits the per-slice gauges and the drift event under the conventions', () => {
    expect(check.violations).toEqual([]);
    for (const m of ['ml.drift.slice.detected', 'ml.drift.slice.psi', 'ml.drift.slice.share'])
      expect(check.metricsSeen[m], m).toBeGreaterThanOrEqual(1);
    const detected = gauges.filter(
      (g) => g.name === 'ml.drift.slice.detected' && g.attributes['ml.feature.name'] === 'x1',
    );
    expect(detected.map((g) => [g.attributes['ml.slice.region'], g.value]).sort()).toEqual([
      ['a', 0],
      ['b', 0],
      ['c', 1],
      ['d', 0],
      ['e', 0],
    ]);
    const share = gauges.filter((g) => g.name === 'ml.drift.slice.share').sort((a, b) => b.value - a.value);
    expect(share[0]!.attributes).toMatchObject({ 'ml.drift.slice.key': 'region', 'ml.slice.region': 'c' });
    // windows 5 and 6 drifted only within the slice: each emitted the event, naming where it moved
    expect(events).toHaveLength(2);
    for (const e of events) {
      expect(e.attributes['ml.drift.features']).toEqual([]);
      const body = JSON.parse(String(e.body)) as { whereItMoved: { key: string; slice: string }[] };
      expect(body.whereItMoved[0]).toMatchObject({ key: 'region', slice: 'c' });
    }
  });

  it('the status page says where it moved', () => {
    expect(statusPage).toContain('data-where-it-moved="region"');
    expect(statusPage).toMatch(/region: where it moved: c \(/);
    expect(statusPage).toContain('data-located="c"');
    expect(statusPage).toMatch(/<span class="drift" data-slice-drift>drift within region=c<\/span>/);
  });
});
