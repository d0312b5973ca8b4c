import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeCounts } from '../../../processor/src/store/codec.js';
import {
  OP_COUNTER_INSERT,
  OP_COUNTER_UPDATE,
  OP_CURSOR_INSERT,
  OP_CURSOR_UPDATE,
  OP_HISTOGRAM_INSERT,
  OP_HISTOGRAM_UPDATE,
  RecordWriter,
  readRecord,
} from '../../../processor/src/store/journal.js';
import { CorruptDatabaseError, SCHEMA_VERSION } from '../../../processor/src/store/sqlite.js';
import { StreamProcessor, type StreamProcessorOptions } from '../../../processor/src/streams/processor.js';
import type { MetricsExport } from '../../../processor/src/otlp/model.js';
import {
  BOUNDS,
  MODEL,
  MODEL_KEY,
  T0,
  exportOf,
  feature,
  histogramMetric,
  hp,
  np,
  resource,
  sumMetric,
} from '../../unit/processor/streams/fixtures.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'otel-ml-journal-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const MIN = 60_000;

/** Request i: cumulative histograms of three features from two instances, and a prediction counter. */
function request(i: number): MetricsExport {
  const rms = ['a', 'b'].map((inst, j) =>
    resource(
      { 'service.instance.id': inst },
      histogramMetric(
        'ml.feature.value',
        'cumulative',
        ...['age', 'income', 'tenure'].map((f, k) =>
          hp(feature(f), T0 + 1, T0 + 10 * (i + 1), BOUNDS, [i + 1, 2 * i + j, k * i, 0, i % 3 === 0 ? 0 : i]),
        ),
      ),
      sumMetric(
        'ml.predictions',
        'delta',
        np({ ...MODEL, 'ml.prediction.class': i % 2 ? 'yes' : 'no' }, T0 + 10 * i, T0 + 10 * (i + 1), 3 + j),
      ),
    ),
  );
  return exportOf(...rms);
}

/** A copy of the state files as they are on disk now: what a process killed at this moment leaves. */
function crashCopy(path: string, to: string): string {
  copyFileSync(path, to);
  if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${to}-wal`);
  return to;
}

const opts = (path: string, extra: Partial<StreamProcessorOptions> = {}): StreamProcessorOptions => ({
  path,
  clock: () => T0,
  windows: { lengthMs: MIN, minRows: 1 },
  ...extra,
});

function journalRows(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT count(*) FROM journal').pluck().get() as number;
  } finally {
    db.close();
  }
}

describe('ingest journal', () => {
  // closing a window and expiring streams journal their deletions; the rows go at the next checkpoint
  // checkpoints never, every transaction, every few; written at once or a few rows per transaction
  it.each([
    [Number.MAX_SAFE_INTEGER, 2000],
    [1, 2000],
    [1500, 2000],
    [1, 3],
    [1500, 2],
  ])(
    'restores after a crash closed windows and expired streams, a stream that came back included (checkpoint bytes %s, rows per transaction %s)',
    (checkpointBytes, rows) => {
      const path = join(dir, 'state.db');
      const clock = { now: T0 };
      const o = opts(path, {
        checkpointBytes,
        checkpointRowsPerTransaction: rows,
        clock: () => clock.now,
        limits: { staleAfterMs: 30_000 },
      });
      const p = StreamProcessor.open(o);
      // instance c: a stream that stops, expires and comes back later
      const c = (i: number, start: number) =>
        exportOf(
          resource(
            { 'service.instance.id': 'c' },
            histogramMetric(
              'ml.feature.value',
              'cumulative',
              hp(feature('age'), start, T0 + 10 * (i + 1), BOUNDS, [i, 1, 0, 0, 0]),
            ),
          ),
        );
      for (let i = 0; i < 4; i++) p.ingest(request(i));
      p.ingest(c(3, T0 + 1));
      clock.now = T0 + MIN;
      // closes the first window and expires every stream (none updated for 60 s)
      expect(p.closeDueWindows()).toHaveLength(1);
      expect(p.stats().expiredStreams).toBe(11);
      expect(p.stats().liveStreams).toBe(0);
      for (let i = 4; i < 6; i++) p.ingest(request(i));
      clock.now = T0 + MIN + 40_000;
      p.ingest(request(6));
      // expired again: the 'yes' prediction streams of a and b (request 6 has only 'no')
      p.closeDueWindows();
      expect(p.stats().expiredStreams).toBe(13);
      const remaining = p.stats().liveStreams;
      // they come back, and c with a new start: new cursor rows for the same stream keys
      p.ingest(c(7, T0 + 65_000));
      p.ingest(request(7));
      expect(p.stats().liveStreams).toBe(remaining + 3);
      const copy = crashCopy(path, join(dir, 'crash.db'));
      const q = StreamProcessor.open({ ...o, path: copy });
      expect(q.openWindows()).toEqual(p.openWindows());
      expect(q.results.history(MODEL_KEY)).toEqual(p.results.history(MODEL_KEY));
      expect(q.stats().liveStreams).toBe(p.stats().liveStreams);
      // the second window's slots only: those of the closed one are gone from the table
      const db = new Database(copy, { readonly: true });
      const open = (p as unknown as { windows: Map<string, { slots: Map<string, unknown> }> }).windows.get(MODEL_KEY)!
        .slots.size;
      expect(db.prepare('SELECT count(*) FROM slots').pluck().get()).toBe(open);
      db.close();
      q.close();
      p.close();
    },
  );

  it('restores after a crash in the middle of a checkpoint spread over requests, after a window closed', () => {
    const path = join(dir, 'state.db');
    const clock = { now: T0 };
    const o = opts(path, { checkpointRowsPerTransaction: 1, clock: () => clock.now });
    const p = StreamProcessor.open(o);
    // the first window's rows in the tables (a checkpoint), then journal records that update them
    const db = (p as unknown as { db: { transaction(fn: () => void): void; checkpoint(): void } }).db;
    p.ingest(request(0));
    db.transaction(() => db.checkpoint());
    for (let i = 1; i < 4; i++) p.ingest(request(i));
    clock.now = T0 + MIN;
    expect(p.closeDueWindows()).toHaveLength(1);
    // the next request starts a checkpoint (one row per transaction): the crash comes after its
    // first row, before its last transaction (the one that deletes the closed window's slots)
    (p as unknown as { db: { checkpointBytes: number } }).db.checkpointBytes = 1;
    p.ingest(request(4));
    expect((p as unknown as { db: { progressive: unknown } }).db.progressive).toBeDefined();
    const copy = crashCopy(path, join(dir, 'crash.db'));
    // replay from the previous mark: the records that update the closed window's slots find them
    const q = StreamProcessor.open({ ...o, path: copy });
    expect(q.openWindows()).toEqual(p.openWindows());
    expect(q.results.history(MODEL_KEY)).toEqual(p.results.history(MODEL_KEY));
    q.close();
    // and once the checkpoint completed, the same
    for (let i = 5; i < 40 && (p as unknown as { db: { progressive: unknown } }).db.progressive !== undefined; i++)
      p.ingest(request(i));
    expect((p as unknown as { db: { progressive: unknown } }).db.progressive).toBeUndefined();
    const done = crashCopy(path, join(dir, 'crash-2.db'));
    const r = StreamProcessor.open({ ...o, path: done });
    expect(r.openWindows()).toEqual(p.openWindows());
    r.close();
    p.close();
  });

  it('restores after a crash exactly what was acknowledged, whatever the checkpoint interval', () => {
    // checkpoint never, every request, and every few requests (1,500 bytes of records); at once,
    // or 3 rows per transaction (a checkpoint then spans several requests)
    const runs = [
      [Number.MAX_SAFE_INTEGER, 2000],
      [1, 2000],
      [1500, 2000],
      [1, 3],
    ].map(([checkpointBytes, rows], n) => {
      const path = join(dir, `live-${n}.db`);
      const p = StreamProcessor.open(opts(path, { checkpointBytes, checkpointRowsPerTransaction: rows }));
      for (let i = 0; i < 12; i++) expect(p.ingest(request(i)).rejectedDataPoints).toBe(0);
      const live = p.openWindows();
      const copy = crashCopy(path, join(dir, `crash-${n}.db`));
      p.close();
      return { live, copy, checkpointBytes, rows };
    });
    // the same requests into a processor that never stopped
    const r = StreamProcessor.open(opts(':memory:'));
    for (let i = 0; i < 12; i++) r.ingest(request(i));
    r.ingest(request(11));
    r.ingest(request(12));
    const reference = r.openWindows();
    r.close();
    expect(reference[0]!.features.age!.histogram!.count).toBeGreaterThan(0);
    for (const { live, copy, checkpointBytes, rows } of runs) {
      if (checkpointBytes === Number.MAX_SAFE_INTEGER) expect(journalRows(copy)).toBe(12);
      // records made obsolete by checkpoints are deleted by the following requests, not all kept
      else if (rows! > 100) expect(journalRows(copy)).toBeLessThanOrEqual(3);
      else expect(journalRows(copy)).toBeLessThan(12);
      const q = StreamProcessor.open(opts(copy));
      expect(q.openWindows()).toEqual(runs[0]!.live);
      expect(q.openWindows()).toEqual(live);
      expect(q.stats().liveStreams).toBe(10);
      // the journal was replayed onto the tables and deleted
      expect((q as unknown as { db: { pendingJournalBytes(): number } }).db.pendingJournalBytes()).toBe(0);
      // a retried last request is a duplicate (reported as not counted again), the next one counts once
      const again = q.ingest(request(11));
      expect(again).toEqual({ rejectedDataPoints: 8, errorMessage: 'rejected data points (duplicate: 8)' });
      expect(q.stats().droppedPoints.duplicate).toBe(8);
      q.ingest(request(12));
      expect(q.openWindows()).toEqual(reference);
      q.close();
    }
  });

  it('does not bring back a window closed after journalled requests', () => {
    const path = join(dir, 'close.db');
    const clock = { now: T0 };
    const p = StreamProcessor.open(opts(path, { clock: () => clock.now }));
    for (let i = 0; i < 5; i++) p.ingest(request(i));
    clock.now = T0 + MIN;
    const [closed] = p.closeDueWindows();
    expect(closed!.features.age!.histogram!.count).toBeGreaterThan(0);
    // one request into the next window, journalled after the close
    p.ingest(request(5));
    const live = p.openWindows();
    const copy = crashCopy(path, join(dir, 'crash.db'));
    p.close();
    const q = StreamProcessor.open(opts(copy, { clock: () => clock.now }));
    expect(q.results.history(MODEL_KEY)).toEqual([closed]);
    expect(q.openWindows()).toEqual(live);
    expect(q.openWindows()[0]!.start).toBe(T0 + MIN);
    q.close();
  });

  it('refuses a damaged journal record with a clear error', () => {
    const path = join(dir, 'bad.db');
    const p = StreamProcessor.open(opts(path));
    p.ingest(request(0));
    p.close();
    const db = new Database(path);
    // after the records of the last checkpoint (those are skipped at replay)
    const mark = Number(db.prepare("SELECT value FROM meta WHERE key = 'journal_checkpoint_seq'").pluck().get());
    expect(mark).toBeGreaterThan(0);
    db.prepare('INSERT INTO journal (seq, body) VALUES (?, ?)').run(
      mark + 1,
      Buffer.from([OP_CURSOR_UPDATE, 1, 0, 0, 0, 200, 0]),
    );
    db.close();
    expect(() => StreamProcessor.open(opts(path))).toThrow(CorruptDatabaseError);
    expect(() => StreamProcessor.open(opts(path))).toThrow(
      new RegExp(`journal record ${mark + 1}: journal record truncated`),
    );
  });

  it('opens a state file of schema version 1 (before the journal)', () => {
    const path = join(dir, 'v1.db');
    const p = StreamProcessor.open(opts(path));
    p.ingest(request(0));
    p.close();
    const db = new Database(path);
    db.exec("DROP TABLE journal; UPDATE meta SET value = '1' WHERE key = 'schema_version'");
    db.close();
    const q = StreamProcessor.open(opts(path));
    expect(q.stats().liveStreams).toBe(8);
    q.ingest(request(1));
    q.close();
    const check = new Database(path, { readonly: true });
    expect(check.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get()).toBe(
      String(SCHEMA_VERSION),
    );
    check.close();
  });
});

describe('journal records', () => {
  it('round-trip every operation, count arrays of every width at any alignment', () => {
    const w = new RecordWriter();
    const u8 = [0, 1, 255];
    const u16 = [0, 256, 65535];
    const u32 = [70000, 0, 4294967295];
    const f64 = [0.5, 1, 2];
    w.u8(OP_CURSOR_INSERT)
      .u32(7)
      .str('stream-é')
      .bytes(Buffer.from([1, 2, 3]));
    w.u8(OP_COUNTER_INSERT).u32(8).str('["m"]').str('predictions').f64(4);
    w.u8(OP_HISTOGRAM_INSERT)
      .u32(9)
      .str('["m"]')
      .str('feature.value\u001fage')
      .f64(3)
      .f64(Number.NaN)
      .f64(undefined)
      .f64(9)
      .u32(2)
      .counts(u8);
    w.u8(OP_HISTOGRAM_UPDATE).u32(9).f64(4).f64(1).f64(0).f64(9).counts(u16);
    w.u8(OP_HISTOGRAM_UPDATE).u32(9).f64(4).f64(1).f64(0).f64(9).counts(u32);
    w.u8(OP_HISTOGRAM_UPDATE).u32(9).f64(3.5).f64(1).f64(0).f64(9).counts(Float64Array.from(f64));
    w.u8(OP_COUNTER_UPDATE).u32(8).f64(5);
    w.u8(OP_CURSOR_UPDATE)
      .u32(7)
      .bytes(Buffer.from([4]));
    // the record as SQLite returns it: a copy at another address
    const ops = [...readRecord(Buffer.from(w.view()))];
    expect(ops.map((o) => o.op)).toEqual([1, 3, 5, 6, 6, 6, 4, 2]);
    expect(ops[0]).toMatchObject({ id: 7, key: 'stream-é', body: Buffer.from([1, 2, 3]) });
    expect(ops[1]).toMatchObject({ id: 8, modelKey: '["m"]', slotKey: 'predictions', value: 4 });
    const h = ops[2] as Extract<(typeof ops)[number], { op: 5 }>;
    expect([h.count, h.sum, h.min, h.max, h.boundsId]).toEqual([3, Number.NaN, Number.NaN, 9, 2]);
    const arrays = ops.slice(2, 6).map((o) => Array.from(decodeCounts((o as { counts: Buffer }).counts)));
    expect(arrays).toEqual([u8, u16, u32, f64]);
    // narrowest width: 1, 2, 4 and 8 bytes per element
    expect(ops.slice(2, 6).map((o) => (o as { counts: Buffer }).counts[0])).toEqual([1, 2, 4, 8]);
  });

  it('writes counts at a hinted width only when every element fits it exactly', () => {
    const cases: [number[], number, number][] = [
      // values, hint, width expected
      [[0, 3, 200], 1, 1],
      [[0, 3, 200], 2, 2], // a wider hint is kept (valid, though not the narrowest)
      [[0, 300, 2], 1, 2], // 300 does not fit a byte
      [[1, 2, 70_000], 2, 4],
      [[1, 2, 2 ** 32], 4, 8],
      [[1, 0.5, 2], 1, 8], // a fraction
      [[1, -1, 2], 2, 8], // a negative count
      [[1, Number.NaN, 2], 4, 8],
      [[5, 6], 0, 1], // no hint: the narrowest
    ];
    for (const [values, hint, width] of cases) {
      const w = new RecordWriter();
      w.u8(OP_HISTOGRAM_UPDATE).u32(1).f64(1).f64(1).f64(0).f64(1);
      expect(w.counts(Float64Array.from(values), hint)).toBe(width);
      const [op] = [...readRecord(Buffer.from(w.view()))] as { counts: Buffer }[];
      expect(op!.counts[0]).toBe(width);
      expect(Array.from(decodeCounts(op!.counts))).toEqual(values);
    }
  });

  it('rejects an unknown operation and a truncated record', () => {
    expect(() => [...readRecord(Buffer.from([42]))]).toThrow(/unknown operation 42 at byte 0/);
    const w = new RecordWriter();
    w.u8(OP_COUNTER_UPDATE).u32(1).f64(2);
    expect(() => [...readRecord(Buffer.from(w.view()).subarray(0, 8))]).toThrow(/truncated/);
  });
});
