/**
 * Joint drift on the real path: an instrumented service records k = 16 random projections of its
 * standardized numeric features (`ml.feature.projection`), exports them over OTLP to the service,
 * which compares each one-minute window (simulated clock) with window 1 (pinned reference).
 * Windows 1-3: x and y independent standard normals; windows 4-6: correlation 0.8, the same
 * marginals, 1,000 rows per window. Every per-feature test says no_drift throughout; the joint
 * verdict is no_drift in windows 2-3 and drift in windows 4-6, and it reaches the metrics, the
 * checks and the drift event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AggregationTemporality, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { createModelMonitor } from '@otel-ml/instrumentation';
import type { ModelReport } from '../../../processor/src/analysis/report-types.js';
import { DEFAULT_CONFIG, type ServiceConfig } from '../../../processor/src/service/config.js';
import { driftEvent, reportPoints } from '../../../processor/src/service/emit.js';
import { startService } from '../../../processor/src/service/service.js';
import { renderHtml } from '../../../processor/src/render/html.js';
import { renderText } from '../../../processor/src/render/text.js';
import { driftedNames } from '../../../processor/src/analysis/run.js';

const ROWS = 1_000;

let seed = 424242;
const rand = (): number => {
  seed = (seed * 48271) % 2147483647;
  return seed / 2147483647;
};
const normal = (): number => Math.sqrt(-2 * Math.log(rand())) * Math.cos(2 * Math.PI * rand());

function rowsOf(window: number): { x: number; y: number; z: number }[] {
  const rho = window >= 4 ? 0.8 : 0;
  return Array.from({ length: ROWS }, () => {
    const x = normal();
    return { x, y: rho * x + Math.sqrt(1 - rho * rho) * normal(), z: normal() };
  });
}

function config(reference: 'pinned' | 'rolling'): ServiceConfig {
  return {
    ...DEFAULT_CONFIG,
    receivers: {
      http: { ...DEFAULT_CONFIG.receivers.http, port: 0 },
      grpc: { ...DEFAULT_CONFIG.receivers.grpc, port: 0 },
    },
    storage: { path: ':memory:', durability: 'normal' },
    windows: { lengthMs: 60_000, minRows: 50, maxExtensions: 3 },
    models: [{ name: 'pricing', reference }],
    // the rolling reference is refreshed at every window close: windows 1..n-1 merged
    references: { rollingWindows: 12, rollingRefreshMs: 0 },
    exporters: { otlp: { ...DEFAULT_CONFIG.exporters.otlp, enabled: false }, prometheus: { enabled: false } },
  };
}

async function run(reference: 'pinned' | 'rolling' = 'pinned'): Promise<Map<number, ModelReport>> {
  let now = Date.UTC(2026, 10, 25, 12, 0, 30);
  const start = now;
  const svc = await startService(config(reference), { clock: () => now, manualEvaluation: true });
  const monitor = createModelMonitor({
    model: { name: 'pricing', version: '1', task: 'regression' },
    features: [
      { name: 'x', type: 'numeric' },
      { name: 'y', type: 'numeric' },
      { name: 'z', type: 'numeric' },
    ],
    projections: { count: 16, seed: 7, center: { x: 0, y: 0, z: 0 }, scale: { x: 1, y: 1, z: 1 } },
  });
  const exporter = new OTLPMetricExporter({
    url: `${svc.httpUrl}/v1/metrics`,
    temporalityPreference: AggregationTemporality.DELTA,
  });
  const reader = new PeriodicExportingMetricReader({
    exporter,
    exportIntervalMillis: 3_600_000,
    metricProducers: [monitor.metricProducer],
  });
  const provider = new MeterProvider({ readers: [reader] });
  const reports = new Map<number, ModelReport>();
  try {
    for (let w = 1; w <= 6; w++) {
      for (const r of rowsOf(w)) monitor.observe({ features: r, prediction: r.x + r.y });
      await reader.forceFlush();
      now += 60_000;
      for (const report of svc.evaluateNow())
        reports.set(Math.round((Date.parse(report.window!.end) - start) / 60_000), report);
    }
  } finally {
    await provider.shutdown();
    await monitor.shutdown();
    await svc.close();
  }
  return reports;
}

describe('joint drift from random projections, through the service', () => {
  let reports: Map<number, ModelReport>;
  beforeAll(async () => {
    reports = await run();
  });
  afterAll(() => reports.clear());

  it('a rolling reference (merged windows, projections included) flags the first correlated window too', async () => {
    const rolling = await run('rolling');
    for (const w of [2, 3]) expect(rolling.get(w)!.joint!.drift.verdict, `window ${w}`).toBe('no_drift');
    const w4 = rolling.get(4)!;
    expect(w4.reference.kind).toBe('rolling');
    expect(w4.joint!.referenceCount).toBe(3 * ROWS);
    expect(w4.joint!.drift.verdict).toBe('drift');
  });

  it('per-feature tests see nothing; the joint verdict is no_drift before and drift after the correlation change', () => {
    expect([...reports.keys()].sort()).toEqual([2, 3, 4, 5, 6]);
    for (const [w, r] of reports) {
      for (const f of ['x', 'y', 'z']) expect(r.features[f]!.drift.verdict, `window ${w} ${f}`).toBe('no_drift');
      expect(r.joint, `window ${w}`).toBeTruthy();
      expect(r.joint!.projections).toBe(16);
      expect(r.joint!.count).toBe(ROWS);
      expect(r.joint!.basis).toMatch(/^s7-k16-[0-9a-f]{8}$/);
      expect(r.joint!.drift.verdict, `window ${w}: ${r.joint!.drift.reasons.join('; ')}`).toBe(
        w >= 4 ? 'drift' : 'no_drift',
      );
    }
    const before = reports.get(3)!.joint!;
    const after = reports.get(4)!.joint!;
    expect(after.slicedWasserstein!).toBeGreaterThan(before.slicedWasserstein!);
    expect(after.maxWasserstein!).toBeGreaterThan(before.maxWasserstein!);
    expect(after.drifted.length).toBeGreaterThan(0);
  });

  it('the joint verdict is a check, a metric and part of the drift event', () => {
    const r = reports.get(4)!;
    const check = r.verdicts!.checks.find((c) => c.check === 'joint_drift');
    expect(check).toMatchObject({ verdict: 'drift', flagged: true });
    expect(reports.get(5)!.verdicts!.checks.find((c) => c.check === 'joint_drift')!.windows).toBe(2);
    const joint = reportPoints(r).filter((p) => p.attributes['ml.drift.signal'] === 'joint');
    expect(joint.find((p) => p.metric === 'ml.drift.detected')?.value).toBe(1);
    expect(joint.find((p) => p.metric === 'ml.drift.wasserstein')?.value).toBeCloseTo(r.joint!.slicedWasserstein!, 12);
    expect(
      reportPoints(reports.get(2)!).find(
        (p) => p.attributes['ml.drift.signal'] === 'joint' && p.metric === 'ml.drift.detected',
      )?.value,
    ).toBe(0);
    const details = JSON.parse(driftEvent(r).body) as {
      joint?: { drifted: { projection: number }[]; slicedWasserstein: number };
    };
    expect(details.joint!.drifted.length).toBeGreaterThan(0);
    expect(details.joint!.slicedWasserstein).toBe(r.joint!.slicedWasserstein);
  });

  it('the text and HTML reports (and so the status page) show the joint verdict', () => {
    const text = renderText(reports.get(4)!);
    expect(text).toMatch(/Joint drift: drift \(16 projections of basis s7-k16-[0-9a-f]{8}, 1000 rows against 1000\)/);
    expect(text).toMatch(/moved most: projection \d+ \(W1 /);
    expect(renderHtml(reports.get(2)!)).toContain('data-joint="no_drift"');
    // the prediction x + y moves too (its variance grows from 2 to 3.6)
    expect(driftedNames(reports.get(4)!)).toEqual(['prediction value', 'joint (feature relationships)']);
  });
});
