import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StreamProcessor } from '../../../processor/src/streams/processor.js';
import { CorruptDatabaseError, DatabaseInUseError, SCHEMA_VERSION } from '../../../processor/src/store/sqlite.js';
import type { ExponentialHistogramPoint } from '../../../processor/src/otlp/model.js';
import {
  BOUNDS as B4,
  MODEL,
  MODEL_KEY,
  T0,
  expHistogramMetric,
  exportOf,
  feature,
  histogramMetric,
  hp,
  np,
  ns,
  resource,
  sumMetric,
} from '../../unit/processor/streams/fixtures.js';
import { CHILD_CLOCK, EXPONENTIAL_FEATURE, FEATURES, INSTANCES, RESCALE_AT, streamCount } from './batches.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'otel-ml-store-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const MIN = 60_000;
const age = (start: number, time: number, counts: number[]) =>
  exportOf(
    resource(
      { 'service.instance.id': 'a' },
      histogramMetric('ml.feature.value', 'cumulative', hp(feature('age'), start, time, B4, counts)),
    ),
  );

describe('state store across restarts', () => {
  it('restores cursors, open windows, layouts, references and evaluations; a replayed request is not counted twice', () => {
    const path = join(dir, 'state.db');
    const clock = { now: T0 };
    const open = () => StreamProcessor.open({ path, clock: () => clock.now, windows: { lengthMs: MIN, minRows: 1 } });
    let p = open();
    p.ingest(age(T0 + 1, T0 + 10, [1, 2, 0, 0, 0]));
    p.ingest(age(T0 + 1, T0 + 20, [1, 3, 0, 0, 1]));
    p.saveEvaluation(MODEL_KEY, T0, { psi: 0.1 });
    p.close();

    p = open();
    expect(p.stats().liveStreams).toBe(1);
    expect(p.openWindows()[0]!.features.age!.histogram!.counts).toEqual([1, 3, 0, 0, 1]);
    // the sender retries the last request (its acknowledgement was lost): a duplicate
    p.ingest(age(T0 + 1, T0 + 20, [1, 3, 0, 0, 1]));
    p.ingest(age(T0 + 1, T0 + 30, [2, 3, 0, 0, 1]));
    expect(p.openWindows()[0]!.features.age!.histogram!.counts).toEqual([2, 3, 0, 0, 1]);
    expect(p.stats().droppedPoints.duplicate).toBe(1);
    expect(p.results.evaluation(MODEL_KEY)).toMatchObject({ windowEnd: T0, body: { psi: 0.1 } });
    clock.now = T0 + MIN;
    const [closed] = p.closeDueWindows();
    // closed but not evaluated yet (as after a crash right after closing)
    expect(p.unevaluatedWindows(MODEL_KEY)).toEqual([closed]);
    p.saveEvaluation(MODEL_KEY, closed!.end, { psi: 0.2 });
    p.pinReference(MODEL_KEY, closed!);
    p.close();

    p = open();
    expect(p.models()).toEqual([MODEL_KEY]);
    // the evaluation saved earlier was for the window ending at T0 + MIN, which is the one closed
    expect(p.unevaluatedWindows(MODEL_KEY)).toEqual([]);
    expect(p.openWindows()).toEqual([]);
    expect(p.references(MODEL_KEY).pinned).toEqual(closed);
    // the rolling reference holds the windows before the one just closed: none yet
    expect(p.references(MODEL_KEY).rolling).toBeUndefined();
    expect(p.results.history(MODEL_KEY)).toEqual([closed]);
    // the layout survives: other boundaries are re-binned onto it in the new window
    clock.now = T0 + MIN + 1;
    p.ingest(
      exportOf(
        resource(
          {},
          histogramMetric(
            'ml.feature.value',
            'delta',
            hp(feature('age'), T0 + MIN, T0 + MIN + 1, [10], [2, 1], { min: 1, max: 29 }),
          ),
        ),
      ),
    );
    expect(p.openWindows()[0]!.features.age!.histogram!.boundaries).toEqual(B4);
    p.close();
  });

  it.each([
    ['the journal', undefined],
    ['checkpointed rows', 1],
  ])(
    'restores exponential slots from %s, with cursors across a lowered scale and references that hold exponential histograms',
    (_label, checkpointBytes) => {
      const path = join(dir, 'state.db');
      const clock = { now: T0 };
      const open = () =>
        StreamProcessor.open({ path, clock: () => clock.now, windows: { lengthMs: MIN, minRows: 1 }, checkpointBytes });
      const point = (
        time: number,
        scale: number,
        offset: number,
        counts: number[],
        neg: number[] = [],
        zero = 0,
        negOffset = -3,
      ): ExponentialHistogramPoint => ({
        attributes: feature('tenure'),
        startTimeUnixNano: ns(T0 + 1),
        timeUnixNano: ns(time),
        flags: 0,
        count: counts.reduce((a, b) => a + b, zero) + neg.reduce((a, b) => a + b, 0),
        sum: 10,
        scale,
        zeroCount: zero,
        zeroThreshold: 0,
        positive: { offset, bucketCounts: counts },
        negative: { offset: negOffset, bucketCounts: neg },
        min: -2,
        max: 40,
      });
      const send = (p: StreamProcessor, e: ExponentialHistogramPoint) =>
        p.ingest(
          exportOf(resource({ 'service.instance.id': 'a' }, expHistogramMetric('ml.feature.value', 'cumulative', e))),
        );
      let p = open();
      send(p, point(T0 + 10, 4, 80, [1, 2, 0, 5], [1], 2));
      send(p, point(T0 + 20, 4, 80, [1, 3, 0, 5, 1], [2], 2));
      const before = p.openWindows()[0]!.features.tenure!.exponential;
      expect(before).toMatchObject({
        scale: 4,
        count: 14,
        zeroCount: 2,
        positive: { offset: 80, bucketCounts: [1, 3, 0, 5, 1] },
        negative: { offset: -3, bucketCounts: [2] },
      });
      p.close();

      p = open();
      expect(p.openWindows()[0]!.features.tenure!.exponential).toEqual(before);
      // a retry of the last point is a duplicate; the next one comes at a lowered scale (indices
      // 80..84 -> 40..42, -3 -> -2): only its difference from the previous point is added
      send(p, point(T0 + 20, 4, 80, [1, 3, 0, 5, 1], [2], 2));
      send(p, point(T0 + 30, 3, 40, [5, 5, 1], [3], 2, -2));
      expect(p.stats().droppedPoints.duplicate).toBe(1);
      const after = p.openWindows()[0]!.features.tenure!.exponential;
      expect(after).toMatchObject({
        scale: 3,
        count: 16,
        positive: { offset: 40, bucketCounts: [5, 5, 1] },
        negative: { offset: -2, bucketCounts: [3] },
      });
      clock.now = T0 + MIN;
      const [closed] = p.closeDueWindows();
      p.pinReference(MODEL_KEY, closed!);
      p.close();

      p = open();
      expect(p.references(MODEL_KEY).pinned!.features.tenure!.exponential).toEqual(after);
      expect(p.results.history(MODEL_KEY)[0]!.features.tenure!.exponential).toEqual(after);
      p.close();
    },
  );

  it('reads state files of earlier schema versions and refuses later versions', () => {
    const path = join(dir, 'state.db');
    let p = StreamProcessor.open({ path, clock: () => T0 });
    p.ingest(age(T0 + 1, T0 + 2, [1, 0, 0, 0, 0]));
    p.close();
    const setVersion = (v: string) => {
      const db = new Database(path);
      db.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(v);
      db.close();
    };
    const version = () => {
      const db = new Database(path, { readonly: true });
      const v = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get();
      db.close();
      return v;
    };
    setVersion('3');
    p = StreamProcessor.open({ path, clock: () => T0 });
    expect(p.openWindows()[0]!.features.age!.histogram!.count).toBe(1);
    p.close();
    expect(version()).toBe(String(SCHEMA_VERSION));
    setVersion(String(SCHEMA_VERSION + 1));
    expect(() => StreamProcessor.open({ path, clock: () => T0 })).toThrow(
      `schema version ${SCHEMA_VERSION + 1}; this processor uses ${SCHEMA_VERSION}`,
    );
  });

  it('restores per-slice slots', () => {
    const path = join(dir, 'state.db');
    const p = StreamProcessor.open({ path, clock: () => T0 });
    p.ingest(
      exportOf(
        resource(
          {},
          sumMetric('ml.predictions', 'cumulative', np({ ...MODEL, 'ml.slice.region': 'eu' }, T0 + 1, T0 + 2, 7)),
        ),
      ),
    );
    p.close();
    const q = StreamProcessor.open({ path, clock: () => T0 });
    expect(q.openWindows()[0]!.slices).toEqual({ region: { eu: expect.objectContaining({ rows: 7 }) } });
    q.close();
  });

  it('does not count a series from its start when it began before the store existed', () => {
    const path = join(dir, 'new', 'sub', 'state.db'); // parent directories are created
    const p = StreamProcessor.open({ path, clock: () => T0 + 5000 });
    p.ingest(age(T0, T0 + 6000, [5, 0, 0, 0, 0]));
    p.ingest(age(T0, T0 + 7000, [7, 0, 0, 0, 0]));
    expect(p.openWindows()[0]!.features.age!.histogram!.count).toBe(2);
    p.close();
  });

  it('refuses a second processor on the same file until the first closes', () => {
    const path = join(dir, 'state.db');
    const a = StreamProcessor.open({ path, clock: () => T0 });
    expect(() => StreamProcessor.open({ path, clock: () => T0 })).toThrow(DatabaseInUseError);
    a.ingest(age(T0 + 1, T0 + 2, [1, 0, 0, 0, 0]));
    a.close();
    const b = StreamProcessor.open({ path, clock: () => T0 });
    expect(b.stats().liveStreams).toBe(1);
    b.close();
  });

  it('refuses a corrupt database with a clear error', () => {
    const garbage = join(dir, 'garbage.db');
    writeFileSync(garbage, Buffer.alloc(8192, 0x5a));
    expect(() => StreamProcessor.open({ path: garbage })).toThrow(CorruptDatabaseError);

    // a valid file whose index pages were damaged
    const path = join(dir, 'damaged.db');
    const p = StreamProcessor.open({ path, clock: () => T0 });
    for (let i = 0; i < 40; i++) {
      const points = Array.from({ length: 50 }, (_, f) =>
        hp(feature(`f${f}`), T0 + 1, T0 + 2 + i, B4, [i + 1, 0, 0, 0, 0]),
      );
      p.ingest(
        exportOf(
          resource({ 'service.instance.id': `x${i}` }, histogramMetric('ml.feature.value', 'cumulative', ...points)),
        ),
      );
    }
    p.close();
    const db = new Database(path);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const root = db
      .prepare("SELECT rootpage FROM sqlite_master WHERE name = 'sqlite_autoindex_cursors_1'")
      .pluck()
      .get() as number;
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    db.close();
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(pageSize, 0xff), 0, pageSize, (root - 1) * pageSize);
    closeSync(fd);
    let error: unknown;
    try {
      StreamProcessor.open({ path }).close();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CorruptDatabaseError);
    expect((error as Error).message).toMatch(/corrupt/);
    expect(readFileSync(path).length).toBeGreaterThan(0);
  });
});

const CHILD = fileURLToPath(new URL('./ingest-child.ts', import.meta.url));
const TSCONFIG = fileURLToPath(new URL('./tsconfig.child.json', import.meta.url));

/**
 * Runs the child from batch `from`; kills it with SIGKILL `delayMs` after the `killAfter`-th ack
 * arrived (never when undefined), so that the kill lands at different points of an ingest.
 * Returns the last acknowledged batch.
 */
function runChild(
  db: string,
  from: number,
  to: number,
  killAfter?: number,
  delayMs = 0,
  checkpointBytes?: number,
  commitWorker = false,
  checkpointRows?: number,
): Promise<{ lastAck: number; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const args = [
      '--import',
      'tsx',
      CHILD,
      db,
      String(from),
      String(to),
      ...(checkpointBytes === undefined ? [] : [String(checkpointBytes)]),
    ];
    const child = spawn(process.execPath, args, {
      env: {
        ...process.env,
        TSX_TSCONFIG_PATH: TSCONFIG,
        OTEL_ML_TEST_COMMIT_WORKER: commitWorker ? '1' : '0',
        OTEL_ML_TEST_CHECKPOINT_ROWS: checkpointRows === undefined ? '' : String(checkpointRows),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let lastAck = from - 1;
    let acks = 0;
    let buf = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) {
        const m = /^ack (\d+)$/.exec(l);
        if (!m) continue;
        lastAck = Number(m[1]);
        acks += 1;
        if (killAfter !== undefined && acks === killAfter) setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ lastAck, killed: true });
      else if (code === 0) resolve({ lastAck, killed: false });
      else reject(new Error(`child exited with ${code}: ${stderr}`));
    });
  });
}

/** Per-feature totals, the exponential feature's histogram and predicted rows as the reopened store sees them. */
function counted(db: string): {
  features: number[];
  rows: number;
  exponential: { count: number; scale: number; buckets: readonly number[] };
} {
  const p = StreamProcessor.open({ path: db, clock: () => CHILD_CLOCK, windows: { lengthMs: 86_400_000, minRows: 1 } });
  try {
    const w = p.openWindows()[0];
    const features = Array.from({ length: FEATURES }, (_, f) => w?.features[`f${f}`]?.histogram?.count ?? 0);
    const e = w?.features[EXPONENTIAL_FEATURE]?.exponential;
    return {
      features,
      rows: w?.predictions.rows ?? 0,
      exponential: { count: e?.count ?? 0, scale: e?.scale ?? 0, buckets: e?.positive.bucketCounts ?? [] },
    };
  } finally {
    p.close();
  }
}

/** The exponential feature's window after batches 0..k of INSTANCES senders, at the scale the window reached. */
function expectedExponential(k: number): { count: number; scale: number; buckets: number[] } {
  const n = INSTANCES * (k + 1);
  return k < RESCALE_AT
    ? { count: 15 * n, scale: 3, buckets: [1, 2, 3, 4, 5].map((c) => c * n) }
    : { count: 15 * n, scale: 2, buckets: [3, 7, 5].map((c) => c * n) };
}

describe('kill -9 during ingest', () => {
  // journal only (the default 64 MiB is never reached), and a checkpoint every few batches (at
  // once, or 7 rows per transaction: spread over several); commits on the event loop, and on the
  // commit worker with up to 4 batches in flight
  it.each([
    [undefined, false, undefined],
    [20_000, false, undefined],
    [undefined, true, undefined],
    [20_000, true, undefined],
    [20_000, false, 7],
    [20_000, true, 7],
  ])(
    'keeps every acknowledged batch and counts each exactly once after retries (checkpoint bytes %s, commit worker %s, checkpoint rows per transaction %s)',
    async (checkpointBytes, commitWorker, checkpointRows) => {
      const inFlight = commitWorker ? 4 : 1;
      const db = join(dir, 'kill.db');
      const TOTAL = 150;
      let next = 0;
      let committed = -1;
      for (const [killAfter, delayMs] of [
        [7, 0],
        [23, 1],
        [11, 3],
        [31, 0],
        [5, 2],
        [9, 1],
      ] as const) {
        const { lastAck, killed } = await runChild(
          db,
          next,
          TOTAL,
          killAfter,
          delayMs,
          checkpointBytes,
          commitWorker,
          checkpointRows,
        );
        expect(killed).toBe(true);
        const { features, rows, exponential } = counted(db);
        // committed batches: every acknowledged one, plus possibly those in flight at the kill
        const k = features[0]! / (INSTANCES * 15) - 1;
        if (process.env.OTEL_ML_DEBUG_KILL) console.log(`killed after ack ${lastAck}, committed ${k}`);
        expect(Number.isInteger(k)).toBe(true);
        expect(k).toBeGreaterThanOrEqual(lastAck);
        expect(k).toBeLessThanOrEqual(lastAck + inFlight);
        expect(k).toBeGreaterThanOrEqual(committed);
        for (const f of features) expect(f).toBe(INSTANCES * streamCount(k));
        expect(rows).toBe(INSTANCES * (k + 1));
        expect(exponential).toEqual(expectedExponential(k));
        committed = k;
        // the sender retries everything not acknowledged
        next = lastAck + 1;
      }
      const { killed } = await runChild(db, next, TOTAL, undefined, 0, checkpointBytes, commitWorker, checkpointRows);
      expect(killed).toBe(false);
      const { features, rows, exponential } = counted(db);
      for (const f of features) expect(f).toBe(INSTANCES * streamCount(TOTAL - 1));
      expect(rows).toBe(INSTANCES * TOTAL);
      expect(exponential).toEqual(expectedExponential(TOTAL - 1));
    },
  );
});
