/**
 * Service-level durability: `otel-ml serve` runs as a child process; an instrumented sender
 * exports through the official OTLP/HTTP protobuf exporter (cumulative temporality, as SDKs
 * default to); the processor is killed with SIGKILL while an export is in flight, restarted on
 * the same state file and port, and the sender carries on. Checked on the state file:
 * everything acknowledged before the kill is there, and at the end every recorded value is
 * counted exactly once. (The store-level kill -9 test, test/integration/store/durability.test.ts,
 * kills between transactions at many points; this one covers the receiver + service path.)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AggregationTemporality,
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { StreamProcessor } from '../../../processor/src/streams/processor.js';
import { freePort, kill9, serve } from './helpers.js';

const DAY = 86_400_000;
const MODEL = {
  'ml.model.name': 'kill-test',
  'ml.model.version': '1',
  'ml.model.task': 'regression',
  'ml.deployment.role': 'primary',
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'otel-ml-serve-kill-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Values of feature `f` counted in the state file (open and closed windows). */
function counted(db: string, feature: string): number {
  const p = StreamProcessor.open({ path: db, windows: { lengthMs: DAY, minRows: 1 } });
  try {
    let n = 0;
    for (const w of p.openWindows()) n += w.features[feature]?.histogram?.count ?? 0;
    for (const key of p.models())
      for (const w of p.results.history(key)) n += w.features[feature]?.histogram?.count ?? 0;
    return n;
  } finally {
    p.close();
  }
}

describe('otel-ml serve killed with SIGKILL mid-stream', () => {
  it('keeps acknowledged data and counts every value exactly once after restart and retries', async () => {
    const port = await freePort();
    const db = join(dir, 'state.db');
    const config = join(dir, 'serve.yaml');
    writeFileSync(
      config,
      [
        'receivers:',
        `  http: { port: ${port} }`,
        '  grpc: { enabled: false }',
        `storage: { path: ${JSON.stringify(db)}, durability: full }`,
        'windows: { length: 1d, minRows: 1 }',
        'evaluation: { interval: 1h }',
        'statusPage: { enabled: false }',
      ].join('\n'),
    );
    let child = await serve(config);
    // The sender starts after the processor, so the cumulative series starts after the store existed.
    const exporter = new OTLPMetricExporter({
      url: `http://127.0.0.1:${port}/v1/metrics`,
      timeoutMillis: 2_000,
      temporalityPreference: AggregationTemporality.CUMULATIVE,
    });
    // The reader swallows export failures; the wrapper records whether the last export was acknowledged.
    const last = { ok: false };
    const recording: PushMetricExporter = {
      export: (metrics, done) =>
        exporter.export(metrics, (result) => {
          last.ok = result.code === ExportResultCode.SUCCESS;
          done(result);
        }),
      forceFlush: () => exporter.forceFlush(),
      shutdown: () => exporter.shutdown(),
      selectAggregationTemporality: exporter.selectAggregationTemporality.bind(exporter),
    };
    const reader = new PeriodicExportingMetricReader({
      exporter: recording,
      exportIntervalMillis: 3_600_000,
      exportTimeoutMillis: 5_000,
    });
    const provider = new MeterProvider({ readers: [reader] });
    const h = provider
      .getMeter('kill-test')
      .createHistogram('ml.feature.value', { advice: { explicitBucketBoundaries: [1, 2, 5] } });
    let recorded = 0;
    const step = (n: number) => {
      for (let i = 0; i < n; i++) h.record((i % 7) * 0.9, { ...MODEL, 'ml.feature.name': 'x' });
      recorded += n;
    };
    const flush = async () => {
      last.ok = false;
      await reader.forceFlush().catch(() => undefined);
      return last.ok;
    };
    try {
      let acked = 0;
      for (let round = 0; round < 3; round++) {
        // a few acknowledged exports
        for (let k = 0; k < 4; k++) {
          step(25 + round);
          expect(await flush()).toBe(true);
          acked = recorded;
        }
        // one more export in flight when the processor dies
        step(40);
        const inFlight = flush();
        await new Promise((r) => setTimeout(r, round * 3));
        await kill9(child);
        await inFlight; // acknowledged or failed, depending on where the kill landed
        const after = counted(db, 'x');
        expect(after).toBeGreaterThanOrEqual(acked);
        expect(after).toBeLessThanOrEqual(recorded);
        // more values while the processor is down: the exporter fails them, cumulative carries them
        step(10);
        expect(await flush()).toBe(false);
        child = await serve(config);
      }
      step(5);
      expect(await flush()).toBe(true);
      // the same cumulative state sent again (a retry after a lost acknowledgement) is not counted again
      expect(await flush()).toBe(true);
    } finally {
      await kill9(child);
      await provider.shutdown().catch(() => undefined);
    }
    expect(counted(db, 'x')).toBe(recorded);
  });
});
