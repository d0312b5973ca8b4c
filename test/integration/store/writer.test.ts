import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StreamProcessor } from '../../../processor/src/streams/processor.js';
import { CommitFailedError, CommitWriter } from '../../../processor/src/store/writer.js';
import type { StateDb } from '../../../processor/src/store/sqlite.js';
import {
  BOUNDS,
  MODEL_KEY,
  T0,
  exportOf,
  feature,
  histogramMetric,
  hp,
  resource,
} from '../../unit/processor/streams/fixtures.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'otel-ml-writer-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const MIN = 60_000;
/** A cumulative histogram point of feature `name` from instance `a`. */
const point = (name: string, time: number, counts: number[], bounds: readonly number[] = BOUNDS) =>
  exportOf(
    resource(
      { 'service.instance.id': 'a' },
      histogramMetric('ml.feature.value', 'cumulative', hp(feature(name), T0 + 1, time, bounds, counts)),
    ),
  );

const open = (path: string, commitWorker = true) =>
  StreamProcessor.open({
    path,
    clock: () => T0,
    windows: { lengthMs: MIN, minRows: 1 },
    durability: 'normal',
    commitWorker,
  });

const dbOf = (p: StreamProcessor) => (p as unknown as { db: StateDb }).db;

const counts = (p: StreamProcessor, name: string) =>
  p.openWindows().find((w) => w.modelKey === MODEL_KEY)?.features[name]?.histogram?.counts;

/**
 * A switch in the state file that makes every journal append fail (as a full disk would), set
 * from a second connection.
 */
function faultSwitch(path: string): { on(): void; off(): void; close(): void } {
  const side = new Database(path);
  side.pragma('busy_timeout = 5000');
  side.exec(`CREATE TABLE fault (on_ INTEGER);
    CREATE TRIGGER journal_fault BEFORE INSERT ON journal WHEN EXISTS (SELECT 1 FROM fault) BEGIN SELECT RAISE(ABORT, 'database or disk is full (test)'); END;`);
  return {
    on: () => side.exec('INSERT INTO fault VALUES (1)'),
    off: () => side.exec('DELETE FROM fault'),
    close: () => side.close(),
  };
}

describe('ingest commits on the commit worker', () => {
  it('commit off the event loop in order; sync resolves after the commit; a reopen sees every acknowledged request', async () => {
    const path = join(dir, 'state.db');
    let p = open(path);
    for (let i = 1; i <= 40; i++) {
      p.ingest(point('age', T0 + 10 * i, [i, 0, 0, 0, 0]));
      p.ingest(point(`f${i % 5}`, T0 + 10 * i, [0, i, 0, 0, 0]));
    }
    // applied in memory at once
    expect(counts(p, 'age')).toEqual([40, 0, 0, 0, 0]);
    await p.sync();
    const s = dbOf(p).writerStats()!;
    expect(s.batches).toBe(80);
    // what the worker committed is readable from another connection before close
    const side = new Database(path, { readonly: true });
    expect(side.prepare('SELECT count(*) FROM journal').pluck().get()).toBe(80);
    side.close();
    p.close();

    // reopened without the worker: the same state
    p = open(path, false);
    expect(counts(p, 'age')).toEqual([40, 0, 0, 0, 0]);
    expect(counts(p, 'f0')).toEqual([0, 40, 0, 0, 0]);
    expect(p.stats().liveStreams).toBe(6);
    p.close();
  });

  it('the event loop goes on while a commit is slow', async () => {
    const path = join(dir, 'state.db');
    const p = open(path);
    p.ingest(point('age', T0 + 10, [1, 0, 0, 0, 0]));
    await p.sync();
    // a journal append that takes long on the worker (a join of 4 million rows in a trigger), as a write blocked by a busy disk would
    const side = new Database(path);
    side.exec(`CREATE TABLE big (x INTEGER); INSERT INTO big WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000) SELECT x FROM c;
      CREATE TRIGGER journal_slow BEFORE INSERT ON journal BEGIN SELECT count(*) FROM big a, big b WHERE a.x + b.x = -1; END;`);
    side.close();
    p.ingest(point('age', T0 + 20, [2, 0, 0, 0, 0]));
    let committed = false;
    const synced = p.sync().then(() => (committed = true));
    // timers fire while the worker commits
    let ticks = 0;
    let ticksBeforeCommit = 0;
    const timer = setInterval(() => {
      ticks++;
      if (!committed) ticksBeforeCommit = ticks;
    }, 1);
    await synced;
    clearInterval(timer);
    expect(ticksBeforeCommit).toBeGreaterThan(3);
    expect(dbOf(p).writerStats()!.maxMs).toBeGreaterThan(20);
    p.close();
  });

  it('a failed commit fails every request after it, reloads the committed state, and the retries count once', async () => {
    const path = join(dir, 'state.db');
    let p = open(path);
    p.ingest(point('age', T0 + 10, [1, 0, 0, 0, 0]));
    await p.sync();
    const fault = faultSwitch(path);
    fault.on();
    // b: a new boundary list (interned in memory, written by the failing batch); c: on top of b
    const b = point('income', T0 + 20, [0, 2, 0], [0, 5]);
    const c = exportOf(
      ...point('age', T0 + 30, [3, 0, 0, 0, 0]).resourceMetrics,
      ...point('income', T0 + 30, [0, 3, 0], [0, 5]).resourceMetrics,
    );
    p.ingest(b);
    const syncB = p.sync();
    p.ingest(c);
    const syncC = p.sync();
    await expect(syncB).rejects.toThrow(CommitFailedError);
    await expect(syncC).rejects.toThrow(/disk is full/);
    // the memory state is the committed one again
    expect(counts(p, 'age')).toEqual([1, 0, 0, 0, 0]);
    expect(counts(p, 'income')).toBeUndefined();
    expect(p.stats().liveStreams).toBe(1);

    // the fault clears; the senders retry b and c: each counted once
    fault.off();
    p.ingest(b);
    p.ingest(c);
    await p.sync();
    expect(counts(p, 'age')).toEqual([3, 0, 0, 0, 0]);
    expect(counts(p, 'income')).toEqual([0, 3, 0]);
    expect(p.stats().droppedPoints.duplicate).toBe(0);
    p.close();
    fault.close();

    // and the committed state (with its boundary lists) reopens
    p = open(path, false);
    expect(counts(p, 'age')).toEqual([3, 0, 0, 0, 0]);
    expect(counts(p, 'income')).toEqual([0, 3, 0]);
    p.close();
  });

  it('a failure seen by a transaction on the event loop throws there and reloads the committed state', async () => {
    const path = join(dir, 'state.db');
    const p = open(path);
    p.ingest(point('age', T0 + 10, [1, 0, 0, 0, 0]));
    await p.sync();
    const fault = faultSwitch(path);
    fault.on();
    p.ingest(point('age', T0 + 20, [2, 0, 0, 0, 0]));
    const synced = p.sync();
    // before the worker's answer reached the event loop: the window-close transaction waits for it
    expect(() => p.closeDueWindows(T0 + MIN)).toThrow(CommitFailedError);
    await expect(synced).rejects.toThrow(CommitFailedError);
    expect(counts(p, 'age')).toEqual([1, 0, 0, 0, 0]);
    fault.off();
    // works again, on the committed state
    const [closed] = p.closeDueWindows(T0 + MIN);
    expect(closed!.features.age!.histogram!.counts).toEqual([1, 0, 0, 0, 0]);
    p.close();
    fault.close();
  });

  it('the service answers a failed commit with 503 and Retry-After (OTLP senders retry it)', async () => {
    const { startService } = await import('../../../processor/src/service/service.js');
    const { DEFAULT_CONFIG } = await import('../../../processor/src/service/config.js');
    const path = join(dir, 'svc.db');
    const svc = await startService(
      {
        ...DEFAULT_CONFIG,
        receivers: {
          http: { ...DEFAULT_CONFIG.receivers.http, port: 0 },
          grpc: { ...DEFAULT_CONFIG.receivers.grpc, enabled: false },
        },
        storage: { path, durability: 'normal' },
        exporters: {
          otlp: { ...DEFAULT_CONFIG.exporters.otlp, enabled: false },
          prometheus: { ...DEFAULT_CONFIG.exporters.prometheus, enabled: false },
        },
      },
      { clock: () => T0 },
    );
    const fault = faultSwitch(path);
    try {
      const kv = (key: string, v: string) => ({ key, value: { stringValue: v } });
      // OTLP/JSON: one cumulative ml.feature.value point of feature 'age'
      const send = (time: number, counts: number[]) =>
        fetch(`${svc.httpUrl!}/v1/metrics`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            resourceMetrics: [
              {
                resource: { attributes: [kv('service.instance.id', 'a')] },
                scopeMetrics: [
                  {
                    metrics: [
                      {
                        name: 'ml.feature.value',
                        histogram: {
                          aggregationTemporality: 2,
                          dataPoints: [
                            {
                              attributes: Object.entries(feature('age')).map(([k, v]) => kv(k, String(v))),
                              startTimeUnixNano: String(BigInt(T0 + 1) * 1_000_000n),
                              timeUnixNano: String(BigInt(time) * 1_000_000n),
                              count: counts.reduce((a, b) => a + b, 0),
                              bucketCounts: counts,
                              explicitBounds: BOUNDS,
                            },
                          ],
                        },
                      },
                    ],
                  },
                ],
              },
            ],
          }),
        });
      expect((await send(T0 + 10, [1, 0, 0, 0, 0])).status).toBe(200);
      fault.on();
      const r = await send(T0 + 20, [2, 0, 0, 0, 0]);
      expect(r.status).toBe(503);
      expect(r.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(((await r.json()) as { message: string }).message).toMatch(/not stored: .*disk is full/);
      fault.off();
      expect((await send(T0 + 20, [2, 0, 0, 0, 0])).status).toBe(200);
      expect(svc.processor.openWindows()[0]!.features.age!.histogram!.counts).toEqual([2, 0, 0, 0, 0]);
    } finally {
      fault.close();
      await svc.close();
    }
  });
});

describe('CommitWriter', () => {
  it('carries blobs through its shared ring intact, wrapping around and falling back to copies when full', async () => {
    const path = join(dir, 'ring.db');
    const setup = new Database(path);
    setup.pragma('journal_mode = WAL');
    setup.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB NOT NULL)');
    const w = new CommitWriter(path, [{ sql: 'INSERT INTO t (id, b) VALUES (?, ?)', params: 2 }], { ringBytes: 4096 });
    // one scratch buffer reused for every blob: the writer must copy
    const scratch = new Uint8Array(2000);
    const fill = (id: number, n: number) => {
      for (let i = 0; i < n; i++) scratch[i] = (id * 31 + i) & 0xff;
      return scratch.subarray(0, n);
    };
    const sizes = new Map<number, number>();
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    let id = 0;
    let waits: Promise<void>[] = [];
    let [copies, wraps, lastOffset] = [0, 0, 0];
    for (let b = 0; b < 400; b++) {
      const batch = [];
      for (let k = 1 + Math.floor(rand() * 3); k > 0; k--) {
        // up to 1,500 bytes: blobs over a quarter of the ring go in the message
        const n = 1 + Math.floor(rand() * 1500);
        sizes.set(++id, n);
        const ref = w.blob(fill(id, n));
        if (ref instanceof Uint8Array) copies++;
        else {
          if (ref.o < lastOffset) wraps++;
          lastOffset = ref.o;
        }
        batch.push(0, id, ref);
      }
      waits.push(w.committed(w.post(batch)));
      // sometimes let the worker catch up, sometimes keep the ring full
      if (rand() < 0.2) {
        await Promise.all(waits);
        waits = [];
      }
    }
    await Promise.all(waits);
    w.stop();
    expect(copies).toBeGreaterThan(10);
    expect(wraps).toBeGreaterThan(10);
    const rows = setup.prepare('SELECT id, b FROM t ORDER BY id').all() as { id: number; b: Buffer }[];
    setup.close();
    expect(rows.length).toBe(id);
    for (const r of rows) {
      const n = sizes.get(r.id)!;
      expect(r.b.length).toBe(n);
      const expected = Buffer.from(Array.from({ length: n }, (_, i) => (r.id * 31 + i) & 0xff));
      expect(r.b.equals(expected)).toBe(true);
    }
  });

  it('a worker thread that dies fails the batches in flight and every later one, and stops at once', async () => {
    const path = join(dir, 'dies.db');
    const setup = new Database(path);
    setup.pragma('journal_mode = WAL');
    setup.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
    setup.close();
    const w = new CommitWriter(path, [{ sql: 'INSERT INTO t (id) VALUES (?)', params: 1 }]);
    const failures: Error[] = [];
    w.onFailure = (e) => failures.push(e);
    await w.committed(w.post([0, 1]));
    // the thread goes away (as if it crashed)
    await (w as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await expect(w.committed(w.post([0, 2]))).rejects.toThrow(/commit worker exited/);
    expect(failures).toHaveLength(1);
    w.reset();
    expect(w.failure).toBeInstanceOf(CommitFailedError);
    w.drain();
    // stop() does not wait for a thread that is gone: no blocking wait at all
    const wait = vi.spyOn(Atomics, 'wait');
    try {
      w.stop();
      expect(wait).not.toHaveBeenCalled();
    } finally {
      wait.mockRestore();
    }
  });

  it('refuses to start, with the reason, when it cannot open the database', () => {
    expect(() => new CommitWriter(join(dir, 'missing.db'), [{ sql: 'SELECT 1', params: 0 }])).toThrow(
      /could not open .*missing\.db/,
    );
  });
});
