/**
 * Retention of the state file: the `retention` configuration (time and count limits, the floor the
 * references set), enforced by the running service over many windows on a simulated clock (rows
 * really deleted from the SQLite file, the seasonal reference still found, a model that stopped
 * sending forgotten), and bounded work per pass.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createModelMonitor } from '@otel-ml/instrumentation';
import { AggregationTemporality, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { DEFAULT_CONFIG, validateConfig, type ServiceConfig } from '../../../processor/src/service/config.js';
import { startService, type RunningService } from '../../../processor/src/service/service.js';
import { StreamProcessor } from '../../../processor/src/streams/processor.js';
import { DEFAULT_RETENTION } from '../../../processor/src/streams/retention.js';
import { syntheticRows } from '../../helpers/synthetic.js';

const MIN = 60_000;
const DAY = 86_400_000;

describe('retention configuration', () => {
  it('defaults come from streams/retention.ts; durations and counts are read and checked', () => {
    expect(validateConfig({}).retention).toEqual({
      historyMs: DEFAULT_RETENTION.historyMs,
      maxHistoryWindows: DEFAULT_RETENTION.maxHistoryWindows,
      evaluationsMs: DEFAULT_RETENTION.evaluationsMs,
      maxEvaluations: DEFAULT_RETENTION.maxEvaluations,
    });
    expect(DEFAULT_CONFIG.retention.historyMs).toBe(30 * DAY);
    const c = validateConfig({
      retention: { history: '14d', maxHistoryWindows: 500, evaluations: '7d', maxEvaluations: 200 },
    });
    expect(c.retention).toEqual({
      historyMs: 14 * DAY,
      maxHistoryWindows: 500,
      evaluationsMs: 7 * DAY,
      maxEvaluations: 200,
    });
    expect(() => validateConfig({ retention: { windows: '1d' } })).toThrow(
      /retention\.windows: unknown key; allowed here: history, maxHistoryWindows, evaluations, maxEvaluations/,
    );
    expect(() => validateConfig({ retention: { evaluations: 'soon' } })).toThrow(
      /retention\.evaluations: "soon" is not a duration/,
    );
    expect(() => validateConfig({ retention: { maxEvaluations: 0 } })).toThrow(
      /retention\.maxEvaluations: must be an integer in \[1, 1000000\]/,
    );
  });

  it('a seasonal period longer than the history kept is an error that says what to change', () => {
    const models = [{ name: 'a' }, { name: 'fraud', reference: 'seasonal', period: '7d' }];
    expect(() => validateConfig({ windows: { length: '1h' }, retention: { history: '5d' }, models })).toThrow(
      'config: retention.history: 5d is shorter than models[1] (fraud): its seasonal period 7d and two windows of 1h need; set retention.history to at least 7d2h, or shorten what needs it',
    );
    expect(() => validateConfig({ windows: { length: '1h' }, retention: { maxHistoryWindows: 100 }, models })).toThrow(
      'config: retention.maxHistoryWindows: 100 is fewer than models[1] (fraud): its seasonal period 7d and two windows of 1h need; set it to at least 170',
    );
    // unset limits are raised to what the references need
    const raised = validateConfig({
      windows: { length: '1h' },
      models: [{ name: 'fraud', reference: 'seasonal', period: '60d' }],
    });
    expect(raised.retention).toMatchObject({ historyMs: 60 * DAY + 2 * 3_600_000, maxHistoryWindows: 1442 });
    expect(() =>
      validateConfig({ windows: { length: '1h' }, references: { rollingWindows: 48 }, retention: { history: '1d' } }),
    ).toThrow(
      /retention\.history: 1d is shorter than references\.rollingWindows \(48 windows of 1h\) need; set retention\.history to at least 2d/,
    );
  });
});

async function send(svc: RunningService, name: string, rows: number, seed: number): Promise<void> {
  const monitor = createModelMonitor({
    model: { name, version: '1', task: 'binary_classification' },
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
  for (const r of syntheticRows({ rows, seed }))
    monitor.observe({ features: { amount: r.amount, country: r.country }, score: r.score });
  await reader.forceFlush();
  await provider.shutdown();
  await monitor.shutdown();
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'otel-ml-retention-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Rows of `table` per model key, read from the state file by a separate connection. */
function rowsByModel(path: string, table: string): Map<string, number> {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare(`SELECT model_key AS k, count(*) AS n FROM ${table} GROUP BY model_key`).all() as {
      k: string;
      n: number;
    }[];
    return new Map(rows.map((r) => [r.k, r.n]));
  } finally {
    db.close();
  }
}

const START = Date.UTC(2026, 2, 2, 0, 0, 30);
const FRAUD = JSON.stringify(['fraud', '1', 'primary', '']);
const CHURN = JSON.stringify(['churn', '1', 'primary', '']);

/** Samples of a model's verdict gauges on the service's /metrics that carry a number (not NaN). */
async function verdictsOf(svc: RunningService, model: string): Promise<number> {
  const text = await (await fetch(`${svc.httpUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('ml_verdict_flagged{') && l.includes(`ml_model_name="${model}"`) && !l.endsWith(' NaN'))
    .length;
}

describe('retention in the running service', () => {
  it('deletes old windows and evaluations from the state file over many windows, keeps the seasonal reference right, and forgets a model that stopped', async () => {
    const path = join(dir, 'state.db');
    const file = validateConfig({
      windows: { length: '1m', minRows: 50 },
      references: { rollingWindows: 3 },
      retention: { history: '6m', evaluations: '4m' },
      models: [
        { name: 'fraud', reference: 'seasonal', period: '3m' },
        { name: 'churn', reference: 'rolling' },
      ],
    });
    const config: ServiceConfig = {
      ...file,
      receivers: {
        http: { ...DEFAULT_CONFIG.receivers.http, port: 0 },
        grpc: { ...DEFAULT_CONFIG.receivers.grpc, enabled: false },
      },
      storage: { path, durability: 'normal' },
    };
    let now = START;
    const svc = await startService(config, { clock: () => now, manualEvaluation: true });
    const WINDOWS = 24;
    const seasonalChecked: number[] = [];
    try {
      for (let w = 1; w <= WINDOWS; w++) {
        await send(svc, 'fraud', 200, w);
        if (w <= 5) await send(svc, 'churn', 200, 100 + w); // churn stops after its fifth window
        now += MIN;
        const reports = svc.evaluateNow(now);
        // churn's verdict gauges carry numbers while it is kept
        if (w === 5) expect(await verdictsOf(svc, 'churn')).toBeGreaterThan(0);
        const fraud = reports.find((r) => r.model.name === 'fraud');
        const end = START - 30_000 + w * MIN; // windows are aligned on the minute
        if (w >= 4) {
          // the window one period (3 windows) earlier is still in the file and is the reference
          expect(fraud!.reference).toMatchObject({
            kind: 'seasonal',
            fallback: null,
            window: { start: new Date(end - MIN - 3 * MIN).toISOString(), end: new Date(end - 3 * MIN).toISOString() },
          });
          seasonalChecked.push(w);
        }
        const history = rowsByModel(path, 'history');
        const evaluations = rowsByModel(path, 'evaluation_history');
        // kept: closed windows that ended at most 6 minutes ago (the clock is 30 s past the last
        // window end: 6 of them), evaluations at most 4 minutes ago (4)
        expect(history.get(FRAUD)).toBe(Math.min(w, 6));
        expect(evaluations.get(FRAUD) ?? 0).toBe(Math.min(w - 1, 4)); // the first window has no reference
      }
      expect(seasonalChecked).toHaveLength(WINDOWS - 3);
      // churn's last window ended 19 minutes ago: everything of it is gone from the file
      for (const table of ['history', 'evaluation_history', 'evaluations', 'refs', 'layouts', 'windows']) {
        expect(rowsByModel(path, table).get(CHURN), table).toBeUndefined();
      }
      expect(rowsByModel(path, 'layouts').get(FRAUD)).toBeGreaterThan(0);
      const pruned = svc.processor.stats().pruned;
      expect(pruned.models).toBe(1);
      expect(pruned.history).toBe(WINDOWS - 6 + 5);
      expect(pruned.evaluations).toBe(WINDOWS - 1 - 4 + 4);
      expect(svc.processor.models()).toEqual([FRAUD]);
      expect([...svc.processor.lastPointTimes().keys()]).toEqual([FRAUD]); // no longer reported as idle
      expect([...svc.reports().keys()]).toEqual([FRAUD]); // nor its last verdicts
      expect([...svc.history().keys()]).toEqual([FRAUD]);
      // its verdict gauges no longer carry its last values (the SDK would keep exporting them): NaN
      expect(await verdictsOf(svc, 'churn')).toBe(0);
      expect(await verdictsOf(svc, 'fraud')).toBeGreaterThan(0);
    } finally {
      await svc.close();
    }

    // after a restart nothing kept is owed again, and the restored reports are the kept ones
    const again = await startService(config, { clock: () => now, manualEvaluation: true });
    try {
      expect(again.processor.unevaluatedWindows(FRAUD)).toEqual([]);
      expect(again.history().get(FRAUD)).toHaveLength(4);
      expect(again.history().has(CHURN)).toBe(false);
    } finally {
      await again.close();
    }
  });
});

describe('retention in the stream state', () => {
  it('count limits keep the newest; a pass deletes at most rowsPerPass rows, the next passes the rest', () => {
    const path = join(dir, 'state.db');
    const key = JSON.stringify(['m', '1', 'primary', '']);
    let now = START;
    const p1 = StreamProcessor.open({ path, clock: () => now, retention: { maxEvaluations: 40 } });
    for (let i = 1; i <= 40; i++) p1.saveEvaluation(key, START + i * MIN, { i });
    p1.close();
    expect(rowsByModel(path, 'evaluation_history').get(key)).toBe(40);

    // lowered to 5 kept and 10 rows per pass: one save deletes at most 10 of the 35 too many
    const p2 = StreamProcessor.open({ path, clock: () => now, retention: { maxEvaluations: 5, rowsPerPass: 10 } });
    try {
      const counts: number[] = [];
      for (let i = 41; i <= 45; i++) {
        p2.saveEvaluation(key, START + i * MIN, { i });
        counts.push(rowsByModel(path, 'evaluation_history').get(key)!);
      }
      expect(counts).toEqual([31, 22, 13, 5, 5]);
      expect(p2.results.evaluationHistory(key)).toEqual([41, 42, 43, 44, 45].map((i) => ({ i })));
    } finally {
      p2.close();
    }

    // time limit, 2 rows per pass: the 5 evaluations older than 30 days go over three passes,
    // then the model's last evaluation (nothing else of it is kept)
    now = START + 31 * DAY;
    const p3 = StreamProcessor.open({ path, clock: () => now, retention: { rowsPerPass: 2 } });
    try {
      const left: [number, number][] = [];
      for (let pass = 0; pass < 4; pass++) {
        p3.closeDueWindows(now);
        left.push([
          rowsByModel(path, 'evaluation_history').get(key) ?? 0,
          rowsByModel(path, 'evaluations').get(key) ?? 0,
        ]);
      }
      expect(left).toEqual([
        [3, 1],
        [1, 1],
        [0, 0],
        [0, 0],
      ]);
      expect(p3.stats().pruned).toEqual({ history: 0, evaluations: 5, models: 1 });
    } finally {
      p3.close();
    }
  });
});
