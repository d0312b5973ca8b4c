/**
 * Data quality and business impact through the real service: an instrumented sender's values of
 * the wrong type, undeclared features, new categories (named, except for a sensitive feature) and
 * business values reach the processor over OTLP; the window's report decides on them, the gauges,
 * the verdict checks and the ml.data_quality.detected event go out under the conventions.
 */
import { describe, expect, it } from 'vitest';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { InMemoryLogRecordExporter, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { liveCheck } from '@otel-ml/conventions/live-check';
import { createModelMonitor } from '@otel-ml/instrumentation';
import { DEFAULT_CONFIG, validateConfig } from '../../../../processor/src/service/config.js';
import { startService, type RunningService } from '../../../../processor/src/service/service.js';
import { renderText } from '../../../../processor/src/render/text.js';
import { renderHtml } from '../../../../processor/src/render/html.js';
import { renderStatusPage } from '../../../../processor/src/service/status-page.js';
import { syntheticRows } from '../../../helpers/synthetic.js';

async function send(svc: RunningService, seed: number, broken: boolean): Promise<void> {
  const monitor = createModelMonitor({
    model: { name: 'fraud', version: '1', task: 'binary_classification' },
    features: [
      { name: 'amount', type: 'numeric' },
      { name: 'age', type: 'numeric' },
      { name: 'country', type: 'categorical', categories: ['DE', 'FR', 'US', 'UK'] },
      { name: 'email_domain', type: 'categorical', categories: ['example.com'], sensitive: true },
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
  for (const [i, r] of syntheticRows({ rows: 600, seed }).entries()) {
    const bad = broken && i % 4 === 0;
    monitor.observe({
      features: {
        amount: r.amount,
        age: bad ? 'unknown' : r.age,
        country: bad ? 'NL' : r.country,
        email_domain: bad ? 'private.org' : 'example.com',
        ...(broken ? { coupon: 'X' } : {}),
      },
      score: r.score,
    });
    monitor.recordBusinessOutcome('revenue', broken ? 0 : r.score < 0.5 ? 1 : 0);
  }
  await reader.forceFlush();
  await provider.shutdown();
  await monitor.shutdown();
}

describe('data quality and business impact in the service', () => {
  it('decides, exports the gauges and the event under the conventions, and shows them', async () => {
    const metrics = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter: metrics, exportIntervalMillis: 3_600_000 });
    const logs = new InMemoryLogRecordExporter();
    let now = Date.UTC(2026, 2, 2, 0, 0, 30);
    const file = validateConfig({ windows: { length: '1m' }, models: [{ name: 'fraud', reference: 'rolling' }] });
    const svc = await startService(
      {
        ...file,
        receivers: {
          http: { ...DEFAULT_CONFIG.receivers.http, port: 0 },
          grpc: { ...DEFAULT_CONFIG.receivers.grpc, enabled: false },
        },
        storage: { path: ':memory:', durability: 'normal' },
      },
      {
        clock: () => now,
        manualEvaluation: true,
        metricReaders: [reader],
        logRecordProcessors: [new SimpleLogRecordProcessor({ exporter: logs })],
      },
    );
    try {
      await send(svc, 1, false);
      now += 60_000;
      expect(svc.evaluateNow(now)).toEqual([]); // the first window has no earlier one to compare with
      await send(svc, 2, true);
      now += 60_000;
      const [r] = svc.evaluateNow(now);
      const dq = r!.dataQuality!;
      expect(dq.features.age!.invalid.verdict).toBe('spike');
      expect(dq.features.age!.invalid.current).toBeCloseTo(0.25, 2);
      expect(dq.features.country!.newCategory).toMatchObject({
        count: 150,
        categories: [],
        unseen: [{ value: 'NL', count: 150 }],
      });
      expect(dq.features.country!.newCategory!.test.verdict).toBe('spike');
      expect(dq.features.email_domain!.newCategory).toMatchObject({ count: 150, unseen: [] });
      expect(dq.unknownFeatures).toEqual([{ name: 'coupon', rows: expect.any(Number) as number, source: 'sender' }]);
      expect(dq.features.amount!.invalid.verdict).toBe('no_spike');
      const revenue = r!.business!.metrics.revenue!;
      expect(revenue).toMatchObject({ mean: 0, total: 0, difference: expect.any(Number) as number });
      expect(revenue.test.verdict).toBe('degraded');
      const flagged = r!.verdicts!.checks.filter((c) => c.flagged).map((c) => `${c.check}:${c.feature ?? c.metric}`);
      expect(flagged).toEqual(
        expect.arrayContaining([
          'invalid_value:age',
          'new_category:country',
          'new_category:email_domain',
          'unknown_feature:coupon',
          'business_value:revenue',
        ]),
      );

      await reader.forceFlush();
      const check = liveCheck({ metrics: metrics.getMetrics(), logs: logs.getFinishedLogRecords() });
      expect(check.violations).toEqual([]);
      for (const m of [
        'ml.feature.invalid.ratio',
        'ml.feature.new_category.ratio',
        'ml.feature.out_of_range.ratio',
        'ml.business.sum',
        'ml.business.per_prediction',
        'ml.business.reference.per_prediction',
        'ml.business.relative_change',
        'ml.business.p_value',
      ]) {
        expect(check.metricsSeen[m], m).toBeGreaterThanOrEqual(1);
      }
      const points = metrics
        .getMetrics()
        .flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics))
        .find((m) => m.descriptor.name === 'ml.verdict.flagged')!.dataPoints;
      expect(points.find((p) => p.attributes['ml.verdict.check'] === 'business_value')?.attributes).toMatchObject({
        'ml.business.metric': 'revenue',
      });
      const event = logs.getFinishedLogRecords().find((l) => l.eventName === 'ml.data_quality.detected')!;
      expect(event.attributes['ml.data_quality.issues']).toEqual(
        expect.arrayContaining(['invalid_value:age', 'new_category:country', 'unknown_feature:coupon']),
      );
      const body = JSON.parse(String(event.body)) as Record<string, { unseen?: { value: string }[] }>;
      expect(body['new_category:country']!.unseen![0]!.value).toBe('NL');
      expect(JSON.stringify(body)).not.toContain('private.org');

      const text = renderText(r!);
      expect(text).toContain('Data quality');
      expect(text).toMatch(/country\s+new categories\s+spike.*NL \(150\)/);
      expect(text).toMatch(/Business impact[\s\S]*revenue\s+0\.000/);
      expect(renderHtml(r!)).toContain('data-check="new_category"');
      const page = renderStatusPage({
        reports: svc.reports(),
        history: svc.history(),
        stats: svc.processor.stats(),
        open: [],
        now,
      });
      expect(page).toContain(
        'data quality: age (missing; wrong type), country (new categories: NL), coupon (unknown feature), email_domain (new categories)',
      );
      expect(page).toContain('business value: revenue -100.0% per prediction against the reference');
    } finally {
      await svc.close();
    }
  });
});
