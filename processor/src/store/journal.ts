/**
 * The ingest journal: one record per ingest transaction holding the row writes of that
 * transaction's changed cursors and window slots, appended as ONE blob (see `sqlite.ts`, "Journal").
 *
 * Record = sequence of operations, each starting with an op byte (little-endian numbers):
 *
 *   1 cursor insert   u32 id, str stream_key, bytes body
 *   2 cursor update   u32 id, bytes body
 *   3 counter insert  u32 id, str model_key, str slot_key, f64 value
 *   4 counter update  u32 id, f64 value
 *   5 histogram insert  u32 id, str model_key, str slot_key, f64 count, sum, min, max, u32 bounds_id, bytes counts
 *   6 histogram update  u32 id, f64 count, sum, min, max, bytes counts
 *   7 cursor delete   u32 id
 *   8 slot delete     u32 id (a counter, histogram or exponential slot)
 *   9 exponential insert  u32 id, str model_key, str slot_key, f64 count, sum, min, max, scale, zero count,
 *                         zero threshold, positive offset, negative offset, bytes positive counts, bytes negative counts
 *  10 exponential update  u32 id, f64 count, sum, min, max, scale, zero count, zero threshold, positive offset,
 *                         negative offset, bytes positive counts, bytes negative counts
 *
 * where `str` = u32 byte length + UTF-8, `bytes` = u32 length + data (a cursor body as
 * `codec.encodeCursor`, a count array as `codec.encodeCounts`, an exponential slot's row blob being
 * `codec.encodeExponential` of the fields of its operation; a count array's length field is
 * preceded by zero padding so that its data starts 8-byte aligned in the record, which lets the
 * writer store the elements through typed arrays), and NaN stands for SQL NULL
 * (unknown sum, min or max). Every operation sets (or deletes) a whole row, so replaying a record
 * after a later state of the same rows was already written is harmless: the last record wins.
 * Row ids are not reused while records may refer to them (new ids continue from the tables'
 * largest only after a replay emptied the journal), so no record after a row's deletion refers to it.
 */

import type Database from 'better-sqlite3';
import { countWidth, decodeCounts, encodeExponential } from './codec.js';

export const OP_CURSOR_INSERT = 1;
export const OP_CURSOR_UPDATE = 2;
export const OP_COUNTER_INSERT = 3;
export const OP_COUNTER_UPDATE = 4;
export const OP_HISTOGRAM_INSERT = 5;
export const OP_HISTOGRAM_UPDATE = 6;
export const OP_CURSOR_DELETE = 7;
export const OP_SLOT_DELETE = 8;
export const OP_EXPONENTIAL_INSERT = 9;
export const OP_EXPONENTIAL_UPDATE = 10;

/** Zero bytes before a count array's length field (see module doc). */
export function countsPadding(pos: number): number {
  return (8 - ((pos + 4) % 8)) % 8;
}

const INITIAL = 1 << 20;

/** Growable little-endian writer of one record; `reset()` starts the next one. */
export class RecordWriter {
  private buf: Buffer<ArrayBuffer> = Buffer.from(new ArrayBuffer(INITIAL));
  private u16 = new Uint16Array(this.buf.buffer);
  private u32a = new Uint32Array(this.buf.buffer);
  private f64a = new Float64Array(this.buf.buffer);
  private pos = 0;

  get length(): number {
    return this.pos;
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    // a multiple of 8 bytes, so that every typed view covers it
    const next = Buffer.from(new ArrayBuffer(8 * Math.ceil(Math.max(this.pos + n, 2 * this.buf.length) / 8)));
    this.buf.copy(next, 0, 0, this.pos);
    this.setBuffer(next);
  }

  private setBuffer(b: Buffer<ArrayBuffer>): void {
    this.buf = b;
    this.u16 = new Uint16Array(b.buffer);
    this.u32a = new Uint32Array(b.buffer);
    this.f64a = new Float64Array(b.buffer);
  }

  /**
   * A count array as `codec.encodeCounts` encodes it (narrowest exact element type), written in
   * place; returns the element width used. `hint` is a width to try first, in one pass that
   * stores and checks each element (a typed-array store that does not read back the same value
   * did not fit): the width the same slot had at its previous write, which stays right while its
   * counts only grow. Without a hint, or when an element does not fit, the width is computed
   * first (one more pass).
   */
  counts(a: ArrayLike<number>, hint = 0): number {
    const n = a.length;
    const pad = countsPadding(this.pos);
    this.room(pad + 12 + 8 * n);
    const b = this.buf;
    for (let i = 0; i < pad; i++) b[this.pos++] = 0;
    const at = this.pos + 12;
    let tag = hint === 1 || hint === 2 || hint === 4 ? this.tryStore(a, at, hint) : 0;
    if (tag === 0) {
      tag = countWidth(a);
      this.store(a, at, tag);
    }
    // blob length, then blob: tag, 3 zero bytes, u32 n, data (at an 8-aligned position of the record)
    b.writeUInt32LE(8 + tag * n, this.pos);
    b.writeUInt32LE(tag, this.pos + 4);
    b.writeUInt32LE(n, this.pos + 8);
    this.pos = at + tag * n;
    return tag;
  }

  /** Stores `a` at `at` with element width `tag` if every element fits exactly; returns `tag`, or 0. */
  private tryStore(a: ArrayLike<number>, at: number, tag: 1 | 2 | 4): number {
    const n = a.length;
    if (tag === 1) {
      const u = this.buf;
      for (let i = 0; i < n; i++) {
        const v = a[i]!;
        u[at + i] = v;
        if (u[at + i] !== v) return 0;
      }
    } else if (tag === 2) {
      const u = this.u16;
      const j = at >> 1;
      for (let i = 0; i < n; i++) {
        const v = a[i]!;
        u[j + i] = v;
        if (u[j + i] !== v) return 0;
      }
    } else {
      const u = this.u32a;
      const j = at >> 2;
      for (let i = 0; i < n; i++) {
        const v = a[i]!;
        u[j + i] = v;
        if (u[j + i] !== v) return 0;
      }
    }
    return tag;
  }

  private store(a: ArrayLike<number>, at: number, tag: number): void {
    const n = a.length;
    if (tag === 1) for (let i = 0; i < n; i++) this.buf[at + i] = a[i]!;
    else if (tag === 2) {
      const u = this.u16;
      const j = at >> 1;
      for (let i = 0; i < n; i++) u[j + i] = a[i]!;
    } else if (tag === 4) {
      const u = this.u32a;
      const j = at >> 2;
      for (let i = 0; i < n; i++) u[j + i] = a[i]!;
    } else {
      const f = this.f64a;
      const j = at >> 3;
      for (let i = 0; i < n; i++) f[j + i] = a[i]!;
    }
  }

  u8(v: number): this {
    this.room(1);
    this.buf[this.pos++] = v;
    return this;
  }

  u32(v: number): this {
    this.room(4);
    this.buf.writeUInt32LE(v, this.pos);
    this.pos += 4;
    return this;
  }

  f64(v: number | undefined): this {
    this.room(8);
    this.buf.writeDoubleLE(v ?? Number.NaN, this.pos);
    this.pos += 8;
    return this;
  }

  str(s: string): this {
    const max = 3 * s.length;
    this.room(4 + max);
    const n = this.buf.write(s, this.pos + 4, max, 'utf8');
    this.buf.writeUInt32LE(n, this.pos);
    this.pos += 4 + n;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.room(4 + b.length);
    this.buf.writeUInt32LE(b.length, this.pos);
    this.buf.set(b, this.pos + 4);
    this.pos += 4 + b.length;
    return this;
  }

  /** The record written so far, as a view valid until the next write (SQLite copies bound blobs). */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  reset(): void {
    this.pos = 0;
    // do not keep a buffer grown for one huge request
    if (this.buf.length > 64 << 20) this.setBuffer(Buffer.from(new ArrayBuffer(INITIAL)));
  }
}

/** Row writes decoded from a record, in order. */
export type JournalOp =
  | { readonly op: typeof OP_CURSOR_INSERT; readonly id: number; readonly key: string; readonly body: Buffer }
  | { readonly op: typeof OP_CURSOR_UPDATE; readonly id: number; readonly body: Buffer }
  | {
      readonly op: typeof OP_COUNTER_INSERT;
      readonly id: number;
      readonly modelKey: string;
      readonly slotKey: string;
      readonly value: number;
    }
  | { readonly op: typeof OP_COUNTER_UPDATE; readonly id: number; readonly value: number }
  | {
      readonly op: typeof OP_HISTOGRAM_INSERT;
      readonly id: number;
      readonly modelKey: string;
      readonly slotKey: string;
      readonly count: number;
      readonly sum: number;
      readonly min: number;
      readonly max: number;
      readonly boundsId: number;
      readonly counts: Buffer;
    }
  | {
      readonly op: typeof OP_HISTOGRAM_UPDATE;
      readonly id: number;
      readonly count: number;
      readonly sum: number;
      readonly min: number;
      readonly max: number;
      readonly counts: Buffer;
    }
  | { readonly op: typeof OP_CURSOR_DELETE | typeof OP_SLOT_DELETE; readonly id: number }
  | ({
      readonly op: typeof OP_EXPONENTIAL_INSERT;
      readonly id: number;
      readonly modelKey: string;
      readonly slotKey: string;
    } & ExponentialFields)
  | ({ readonly op: typeof OP_EXPONENTIAL_UPDATE; readonly id: number } & ExponentialFields);

/** The values of an exponential slot row in its journal operations (counts as `codec.encodeCounts` blobs). */
export interface ExponentialFields {
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
  readonly scale: number;
  readonly zeroCount: number;
  readonly zeroThreshold: number;
  readonly positiveOffset: number;
  readonly negativeOffset: number;
  readonly positive: Buffer;
  readonly negative: Buffer;
}

/** Decodes a record; throws on a truncated or unknown operation. */
export function* readRecord(buf: Buffer): Generator<JournalOp> {
  let pos = 0;
  const need = (n: number) => {
    if (pos + n > buf.length) throw new Error(`journal record truncated at byte ${pos}`);
  };
  const u32 = () => {
    need(4);
    const v = buf.readUInt32LE(pos);
    pos += 4;
    return v;
  };
  const f64 = () => {
    need(8);
    const v = buf.readDoubleLE(pos);
    pos += 8;
    return v;
  };
  const bytes = () => {
    const n = u32();
    need(n);
    const v = buf.subarray(pos, pos + n);
    pos += n;
    return v;
  };
  const str = () => bytes().toString('utf8');
  const counts = () => {
    pos += countsPadding(pos);
    return bytes();
  };
  const exponentialFields = (): ExponentialFields => ({
    count: f64(),
    sum: f64(),
    min: f64(),
    max: f64(),
    scale: f64(),
    zeroCount: f64(),
    zeroThreshold: f64(),
    positiveOffset: f64(),
    negativeOffset: f64(),
    positive: counts(),
    negative: counts(),
  });
  while (pos < buf.length) {
    const op = buf[pos++];
    switch (op) {
      case OP_CURSOR_INSERT:
        yield { op, id: u32(), key: str(), body: bytes() };
        break;
      case OP_CURSOR_UPDATE:
        yield { op, id: u32(), body: bytes() };
        break;
      case OP_COUNTER_INSERT:
        yield { op, id: u32(), modelKey: str(), slotKey: str(), value: f64() };
        break;
      case OP_COUNTER_UPDATE:
        yield { op, id: u32(), value: f64() };
        break;
      case OP_HISTOGRAM_INSERT:
        yield {
          op,
          id: u32(),
          modelKey: str(),
          slotKey: str(),
          count: f64(),
          sum: f64(),
          min: f64(),
          max: f64(),
          boundsId: u32(),
          counts: counts(),
        };
        break;
      case OP_HISTOGRAM_UPDATE:
        yield { op, id: u32(), count: f64(), sum: f64(), min: f64(), max: f64(), counts: counts() };
        break;
      case OP_CURSOR_DELETE:
      case OP_SLOT_DELETE:
        yield { op, id: u32() };
        break;
      case OP_EXPONENTIAL_INSERT:
        yield { op, id: u32(), modelKey: str(), slotKey: str(), ...exponentialFields() };
        break;
      case OP_EXPONENTIAL_UPDATE:
        yield { op, id: u32(), ...exponentialFields() };
        break;
      default:
        throw new Error(`journal record has unknown operation ${String(op)} at byte ${pos - 1}`);
    }
  }
}

/** NaN (unknown sum, min or max, as the journal holds it) as SQL NULL. */
export function nullable(v: number | undefined): number | null {
  return v === undefined || Number.isNaN(v) ? null : v;
}

/** The row blob (`codec.encodeExponential`) of an exponential slot's journal operation. */
function exponentialRowBlob(op: ExponentialFields): Buffer {
  return encodeExponential({
    scale: op.scale,
    zeroCount: op.zeroCount,
    zeroThreshold: op.zeroThreshold,
    positive: { offset: op.positiveOffset, bucketCounts: decodeCounts(op.positive) },
    negative: { offset: op.negativeOffset, bucketCounts: decodeCounts(op.negative) },
  });
}

/** The statements on the `cursors` and `slots` tables that replaying a record runs. */
export interface RowStatements {
  readonly upsertCursor: Database.Statement;
  readonly updateCursor: Database.Statement;
  readonly deleteCursorRow: Database.Statement;
  readonly upsertSlot: Database.Statement;
  readonly updateCounter: Database.Statement;
  readonly updateHistogram: Database.Statement;
  readonly deleteSlotRow: Database.Statement;
}

/**
 * Replays one record onto the tables (at open, the records a crash left after the checkpoint
 * mark). Throws when an update or deletion finds no row: the journal and the tables disagree.
 */
export function applyRecord(rows: RowStatements, record: Buffer): void {
  for (const op of readRecord(record)) {
    let changes = 1;
    switch (op.op) {
      case OP_CURSOR_INSERT:
        rows.upsertCursor.run(op.id, op.key, op.body);
        break;
      case OP_CURSOR_UPDATE:
        changes = rows.updateCursor.run(op.body, op.id).changes;
        break;
      case OP_COUNTER_INSERT:
        rows.upsertSlot.run(op.id, op.modelKey, op.slotKey, op.value, null, null, null, null, null, null);
        break;
      case OP_COUNTER_UPDATE:
        changes = rows.updateCounter.run(op.value, op.id).changes;
        break;
      case OP_HISTOGRAM_INSERT:
        rows.upsertSlot.run(
          op.id,
          op.modelKey,
          op.slotKey,
          null,
          op.count,
          nullable(op.sum),
          nullable(op.min),
          nullable(op.max),
          op.boundsId,
          op.counts,
        );
        break;
      case OP_HISTOGRAM_UPDATE:
        changes = rows.updateHistogram.run(
          op.count,
          nullable(op.sum),
          nullable(op.min),
          nullable(op.max),
          op.counts,
          op.id,
        ).changes;
        break;
      case OP_EXPONENTIAL_INSERT:
        rows.upsertSlot.run(
          op.id,
          op.modelKey,
          op.slotKey,
          null,
          op.count,
          nullable(op.sum),
          nullable(op.min),
          nullable(op.max),
          null,
          exponentialRowBlob(op),
        );
        break;
      case OP_EXPONENTIAL_UPDATE:
        changes = rows.updateHistogram.run(
          op.count,
          nullable(op.sum),
          nullable(op.min),
          nullable(op.max),
          exponentialRowBlob(op),
          op.id,
        ).changes;
        break;
      case OP_CURSOR_DELETE:
        changes = rows.deleteCursorRow.run(op.id).changes;
        break;
      case OP_SLOT_DELETE:
        changes = rows.deleteSlotRow.run(op.id).changes;
        break;
    }
    if (changes !== 1) throw new Error(`operation ${op.op} on row ${op.id}, which does not exist`);
  }
}
