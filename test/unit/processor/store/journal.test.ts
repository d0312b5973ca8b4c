import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeCounts, decodeExponential, encodeCounts } from '../../../../processor/src/store/codec.js';
import {
  applyRecord,
  nullable,
  OP_COUNTER_INSERT,
  OP_COUNTER_UPDATE,
  OP_CURSOR_DELETE,
  OP_CURSOR_INSERT,
  OP_CURSOR_UPDATE,
  OP_EXPONENTIAL_INSERT,
  OP_HISTOGRAM_INSERT,
  OP_HISTOGRAM_UPDATE,
  OP_SLOT_DELETE,
  RecordWriter,
  type RowStatements,
} from '../../../../processor/src/store/journal.js';

// the two tables a record writes, as the state file declares them (`sqlite.ts`)
const TABLES = `
CREATE TABLE cursors (id INTEGER PRIMARY KEY, stream_key TEXT NOT NULL UNIQUE, body BLOB NOT NULL);
CREATE TABLE slots (
  id INTEGER PRIMARY KEY, model_key TEXT NOT NULL, slot_key TEXT NOT NULL, value REAL, count REAL, sum REAL, min REAL, max REAL, bounds_id INTEGER, counts BLOB,
  UNIQUE (model_key, slot_key));`;

let db: Database.Database;
let rows: RowStatements;

beforeEach(() => {
  db = new Database(':memory:');
  db.exec(TABLES);
  rows = {
    upsertCursor: db.prepare(
      'INSERT INTO cursors (id, stream_key, body) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body',
    ),
    updateCursor: db.prepare('UPDATE cursors SET body = ? WHERE id = ?'),
    deleteCursorRow: db.prepare('DELETE FROM cursors WHERE id = ?'),
    upsertSlot: db.prepare(
      'INSERT INTO slots (id, model_key, slot_key, value, count, sum, min, max, bounds_id, counts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ' +
        'ON CONFLICT (id) DO UPDATE SET value = excluded.value, count = excluded.count, sum = excluded.sum, min = excluded.min, max = excluded.max, counts = excluded.counts',
    ),
    updateCounter: db.prepare('UPDATE slots SET value = ? WHERE id = ?'),
    updateHistogram: db.prepare('UPDATE slots SET count = ?, sum = ?, min = ?, max = ?, counts = ? WHERE id = ?'),
    deleteSlotRow: db.prepare('DELETE FROM slots WHERE id = ?'),
  };
});
afterEach(() => db.close());

const slot = (id: number) =>
  db.prepare('SELECT * FROM slots WHERE id = ?').get(id) as Record<string, unknown> | undefined;
const cursor = (id: number) =>
  db.prepare('SELECT stream_key, body FROM cursors WHERE id = ?').get(id) as
    { stream_key: string; body: Buffer } | undefined;

describe('applyRecord', () => {
  it('inserts, updates and deletes the rows a record names, NaN as NULL', () => {
    const r = new RecordWriter();
    r.u8(OP_CURSOR_INSERT)
      .u32(1)
      .str('stream-a')
      .bytes(Buffer.from([1, 2, 3]));
    r.u8(OP_COUNTER_INSERT).u32(7).str('model').str('rows').f64(5);
    r.u8(OP_HISTOGRAM_INSERT).u32(8).str('model').str('amount').f64(3).f64(Number.NaN).f64(1).f64(9).u32(2);
    r.counts([1, 0, 2]);
    applyRecord(rows, r.view());
    expect(cursor(1)).toEqual({ stream_key: 'stream-a', body: Buffer.from([1, 2, 3]) });
    expect(slot(7)).toMatchObject({ model_key: 'model', slot_key: 'rows', value: 5, counts: null });
    expect(slot(8)).toMatchObject({ count: 3, sum: null, min: 1, max: 9, bounds_id: 2 });
    expect([...decodeCounts(slot(8)!.counts as Buffer)]).toEqual([1, 0, 2]);

    r.reset();
    r.u8(OP_CURSOR_UPDATE)
      .u32(1)
      .bytes(Buffer.from([4]));
    r.u8(OP_COUNTER_UPDATE).u32(7).f64(6);
    r.u8(OP_HISTOGRAM_UPDATE).u32(8).f64(4).f64(12).f64(1).f64(9);
    r.counts([2, 0, 2]);
    applyRecord(rows, r.view());
    expect(cursor(1)!.body).toEqual(Buffer.from([4]));
    expect(slot(7)!.value).toBe(6);
    expect(slot(8)).toMatchObject({ count: 4, sum: 12, bounds_id: 2 });
    expect(slot(8)!.counts).toEqual(encodeCounts([2, 0, 2]));

    r.reset();
    r.u8(OP_CURSOR_DELETE).u32(1);
    r.u8(OP_SLOT_DELETE).u32(7);
    applyRecord(rows, r.view());
    expect(cursor(1)).toBeUndefined();
    expect(slot(7)).toBeUndefined();
    expect(slot(8)).toBeDefined();
  });

  it('stores an exponential slot as its row blob, without boundaries', () => {
    const r = new RecordWriter();
    r.u8(OP_EXPONENTIAL_INSERT).u32(3).str('model').str('latency');
    // count, sum, min, max, scale, zero count, zero threshold, positive offset, negative offset
    r.f64(4).f64(10).f64(0).f64(6).f64(2).f64(1).f64(0).f64(-1).f64(0);
    r.counts([1, 2]);
    r.counts([]);
    applyRecord(rows, r.view());
    const row = slot(3)!;
    expect(row).toMatchObject({ count: 4, sum: 10, min: 0, max: 6, bounds_id: null });
    const b = decodeExponential(row.counts as Buffer);
    expect(b).toMatchObject({ scale: 2, zeroCount: 1, zeroThreshold: 0 });
    expect(b.positive.offset).toBe(-1);
    expect([...b.positive.bucketCounts]).toEqual([1, 2]);
  });

  it('refuses an update or deletion of a row that does not exist', () => {
    const r = new RecordWriter();
    r.u8(OP_COUNTER_UPDATE).u32(42).f64(1);
    expect(() => applyRecord(rows, r.view())).toThrow('operation 4 on row 42, which does not exist');
    r.reset();
    r.u8(OP_CURSOR_DELETE).u32(5);
    expect(() => applyRecord(rows, r.view())).toThrow('row 5');
  });
});

describe('nullable', () => {
  it('maps NaN and undefined to SQL NULL and keeps numbers', () => {
    expect(nullable(Number.NaN)).toBeNull();
    expect(nullable(undefined)).toBeNull();
    expect(nullable(0)).toBe(0);
    expect(nullable(-2.5)).toBe(-2.5);
  });
});
