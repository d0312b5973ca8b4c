/**
 * Compact binary encodings of the numeric state kept in SQLite (little-endian).
 *
 * Count arrays: tag byte (the element width: 1 = Uint8, 2 = Uint16, 4 = Uint32, 8 = Float64), u32
 * length, padding to 8 bytes, data. They are written in the narrowest unsigned integer type that
 * holds every element when all are non-negative integers below 2^32 (the usual case: bucket
 * counts; narrower rows mean fewer database pages written per commit), else as Float64
 * (fractional counts after re-binning, or very large counts). Data is 8-byte aligned so that it
 * is copied with one typed-array operation.
 *
 * Cursor: u8 temporality (1 delta, 2 cumulative), u8 state kind (0 none, 1 sum, 2 histogram,
 * 3 exponential, 4 counted intervals of a delta stream), padding, i64 start, i64 time, f64
 * updatedAt, then the state. Histogram boundaries are not repeated per cursor: the state holds
 * the id of the interned boundary list. Counted intervals (`model/intervals.ts`): i64 floor,
 * u32 n, padding to 8, n × (i64 start, i64 time), oldest first.
 *
 * Exponential slot body (the `counts` column of a slot row without boundaries): u8 tag 0xE5,
 * padding, i32 scale, f64 zero count, f64 zero threshold, i32 positive offset, i32 negative
 * offset, positive counts, padding to 8, negative counts. Count, sum, min and max are columns.
 */
import { endianness } from 'node:os';
import type { CumulativeState, Cursor } from '../model/cursor.js';
import { CountedIntervals } from '../model/intervals.js';
import type { ExponentialBuckets } from '@otel-ml/conventions';

const LITTLE_ENDIAN = endianness() === 'LE';
const TAG_U8 = 1;
const TAG_U16 = 2;
const TAG_U32 = 4;
const TAG_F64 = 8;

/** Narrowest element width (the tag: 1, 2, 4 or 8 bytes) that holds every element of `a` exactly. */
export function countWidth(a: ArrayLike<number>): number {
  let max = 0;
  let exact = true;
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (v > max) max = v;
    // false for fractions, negatives and NaN
    if (!(v >= 0 && v === Math.floor(v))) exact = false;
  }
  if (!exact || !(max < 4294967296)) return TAG_F64;
  return max <= 0xff ? TAG_U8 : max <= 0xffff ? TAG_U16 : TAG_U32;
}

/**
 * Writer over an ArrayBuffer starting at offset 0 (so positions are absolute alignments). One
 * module-level instance is reused for every encoding (see {@link transient}).
 */
class Writer {
  private ab = new ArrayBuffer(64 * 1024);
  private view = new DataView(this.ab);
  private pos = 0;
  /** Starts a new encoding of at most `capacity` bytes. */
  reset(capacity: number): this {
    if (capacity > this.ab.byteLength) {
      this.ab = new ArrayBuffer(Math.max(capacity, 2 * this.ab.byteLength));
      this.view = new DataView(this.ab);
    }
    this.pos = 0;
    return this;
  }
  align(n: number): void {
    this.pos = Math.ceil(this.pos / n) * n;
  }
  u8(v: number): void {
    this.view.setUint8(this.pos, v);
    this.pos += 1;
  }
  u16(v: number): void {
    this.view.setUint16(this.pos, v, true);
    this.pos += 2;
  }
  i32(v: number): void {
    this.view.setInt32(this.pos, v, true);
    this.pos += 4;
  }
  u32(v: number): void {
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
  }
  i64(v: bigint): void {
    this.view.setBigInt64(this.pos, v, true);
    this.pos += 8;
  }
  f64(v: number): void {
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }
  /** 8-byte aligned i64 array. */
  i64s(a: BigInt64Array): void {
    this.align(8);
    if (LITTLE_ENDIAN) {
      new BigInt64Array(this.ab, this.pos, a.length).set(a);
      this.pos += 8 * a.length;
    } else for (let i = 0; i < a.length; i++) this.i64(a[i]!);
  }
  counts(a: ArrayLike<number>): void {
    const n = a.length;
    const tag = countWidth(a);
    this.u8(tag);
    this.align(4);
    this.u32(n);
    this.align(8);
    if (LITTLE_ENDIAN) {
      const view =
        tag === TAG_U8
          ? new Uint8Array(this.ab, this.pos, n)
          : tag === TAG_U16
            ? new Uint16Array(this.ab, this.pos, n)
            : tag === TAG_U32
              ? new Uint32Array(this.ab, this.pos, n)
              : new Float64Array(this.ab, this.pos, n);
      view.set(a);
      this.pos += tag * n;
    } else {
      for (let i = 0; i < n; i++) {
        if (tag === TAG_U8) this.u8(a[i]!);
        else if (tag === TAG_U16) this.u16(a[i]!);
        else if (tag === TAG_U32) this.u32(a[i]!);
        else this.f64(a[i]!);
      }
    }
  }
  /** The encoded bytes: a view of the shared buffer, valid until the next encoding. */
  bytes(): Buffer {
    return Buffer.from(this.ab, 0, this.pos);
  }
}

const writer = new Writer();

/**
 * Whether encoders return a copy (default) or a view of the shared scratch buffer, which is valid
 * only until the next encoding. The store binds views directly: SQLite copies bound blobs
 * (SQLITE_TRANSIENT), so no per-row allocation is needed.
 */
export type Ownership = 'copy' | 'transient';

function finish(w: Writer, ownership: Ownership): Buffer {
  const v = w.bytes();
  return ownership === 'copy' ? Buffer.from(v) : v;
}

/** Upper bound of the encoded size of a count array. */
const countsSize = (n: number): number => 16 + 8 * n;

class Reader {
  private pos = 0;
  private readonly view: DataView;
  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  align(n: number): void {
    this.pos = Math.ceil(this.pos / n) * n;
  }
  u8(): number {
    return this.view.getUint8(this.pos++);
  }
  i32(): number {
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  u32(): number {
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  i64(): bigint {
    const v = this.view.getBigInt64(this.pos, true);
    this.pos += 8;
    return v;
  }
  f64(): number {
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }
  /** `n` 8-byte aligned i64 values (a copy). */
  i64s(n: number): BigInt64Array {
    this.align(8);
    if (this.pos + 8 * n > this.buf.byteLength) throw new Error('corrupt i64 array (truncated)');
    const out = new BigInt64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.view.getBigInt64(this.pos + 8 * i, true);
    this.pos += 8 * n;
    return out;
  }
  counts(): Float64Array {
    const tag = this.u8();
    if (tag !== TAG_U8 && tag !== TAG_U16 && tag !== TAG_U32 && tag !== TAG_F64)
      throw new Error(`corrupt count array (tag ${tag})`);
    this.align(4);
    const n = this.u32();
    this.align(8);
    if (this.pos + tag * n > this.buf.byteLength) throw new Error('corrupt count array (truncated)');
    const out = new Float64Array(n);
    const v = this.view;
    const at = this.pos;
    if (tag === TAG_U8) for (let i = 0; i < n; i++) out[i] = v.getUint8(at + i);
    else if (tag === TAG_U16) for (let i = 0; i < n; i++) out[i] = v.getUint16(at + 2 * i, true);
    else if (tag === TAG_U32) for (let i = 0; i < n; i++) out[i] = v.getUint32(at + 4 * i, true);
    else for (let i = 0; i < n; i++) out[i] = v.getFloat64(at + 8 * i, true);
    this.pos += tag * n;
    return out;
  }
}

/** Encodes a count array (see module doc). */
export function encodeCounts(a: ArrayLike<number>, ownership: Ownership = 'copy'): Buffer {
  const w = writer.reset(countsSize(a.length));
  w.counts(a);
  return finish(w, ownership);
}

export function decodeCounts(b: Uint8Array): Float64Array {
  return new Reader(b).counts();
}

/** Boundaries are always written as Float64 (exact). */
export function encodeBounds(b: readonly number[]): Buffer {
  const out = Buffer.allocUnsafe(8 * b.length);
  for (let i = 0; i < b.length; i++) out.writeDoubleLE(b[i]!, 8 * i);
  return out;
}

export function decodeBounds(buf: Buffer): number[] {
  const out = new Array<number>(buf.length / 8);
  for (let i = 0; i < out.length; i++) out[i] = buf.readDoubleLE(8 * i);
  return out;
}

const KIND_NONE = 0;
const KIND_SUM = 1;
const KIND_HIST = 2;
const KIND_EXP = 3;
const KIND_INTERVALS = 4;
const TEMPORALITY = { delta: 1, cumulative: 2 } as const;

function stateSize(s: CumulativeState | undefined): number {
  if (s === undefined) return 0;
  if (s.kind === 'sum') return 8;
  if (s.kind === 'histogram') return 40 + countsSize(s.counts.length);
  return 48 + countsSize(s.pos.length) + countsSize(s.neg.length);
}

/** Encodes a cursor with its cumulative state. `boundsId` gives the id of an interned boundary list. */
export function encodeCursor(
  c: Cursor,
  boundsId: (b: readonly number[]) => number,
  ownership: Ownership = 'copy',
): Buffer {
  const s = c.state;
  const counted = s === undefined ? c.counted : undefined;
  const w = writer.reset(32 + (counted === undefined ? stateSize(s) : 16 + 16 * counted.size));
  w.u8(TEMPORALITY[c.temporality]);
  w.u8(
    counted !== undefined
      ? KIND_INTERVALS
      : s === undefined
        ? KIND_NONE
        : s.kind === 'sum'
          ? KIND_SUM
          : s.kind === 'histogram'
            ? KIND_HIST
            : KIND_EXP,
  );
  w.align(8);
  w.i64(c.start);
  w.i64(c.time);
  w.f64(c.updatedAt);
  if (counted !== undefined) {
    w.i64(counted.floor);
    w.u32(counted.size);
    w.i64s(counted.raw());
    return finish(w, ownership);
  }
  if (s === undefined) return finish(w, ownership);
  switch (s.kind) {
    case 'sum':
      w.f64(s.value);
      break;
    case 'histogram':
      w.f64(s.count);
      w.f64(s.sum);
      w.f64(s.min ?? Number.NaN);
      w.f64(s.max ?? Number.NaN);
      w.u32(boundsId(s.bounds));
      w.counts(s.counts);
      break;
    case 'exponential':
      w.f64(s.count);
      w.f64(s.sum);
      w.f64(s.zeroCount);
      w.f64(s.zeroThreshold);
      w.i32(s.scale);
      w.i32(s.posOffset);
      w.i32(s.negOffset);
      w.counts(s.pos);
      w.align(8);
      w.counts(s.neg);
      break;
  }
  return finish(w, ownership);
}

function opt(v: number): number | undefined {
  return Number.isNaN(v) ? undefined : v;
}

export function decodeCursor(buf: Uint8Array, bounds: (id: number) => readonly number[]): Cursor {
  const r = new Reader(buf);
  const t = r.u8();
  const kind = r.u8();
  if ((t !== TEMPORALITY.delta && t !== TEMPORALITY.cumulative) || kind > KIND_INTERVALS)
    throw new Error(`corrupt cursor (temporality ${t}, kind ${kind})`);
  r.align(8);
  const start = r.i64();
  const time = r.i64();
  const updatedAt = r.f64();
  const temporality = t === TEMPORALITY.delta ? 'delta' : 'cumulative';
  if (kind === KIND_INTERVALS) {
    const floor = r.i64();
    const n = r.u32();
    const counted = new CountedIntervals(r.i64s(2 * n), n, floor);
    return { temporality, start, time, updatedAt, counted };
  }
  let state: CumulativeState | undefined;
  if (kind === KIND_SUM) state = { kind: 'sum', value: r.f64() };
  else if (kind === KIND_HIST) {
    const count = r.f64();
    const sum = r.f64();
    const min = opt(r.f64());
    const max = opt(r.f64());
    const b = bounds(r.u32());
    state = { kind: 'histogram', count, sum, min, max, bounds: b, counts: r.counts() };
  } else if (kind === KIND_EXP) {
    const count = r.f64();
    const sum = r.f64();
    const zeroCount = r.f64();
    const zeroThreshold = r.f64();
    const scale = r.i32();
    const posOffset = r.i32();
    const negOffset = r.i32();
    const pos = r.counts();
    r.align(8);
    const neg = r.counts();
    state = { kind: 'exponential', count, sum, scale, zeroCount, zeroThreshold, posOffset, pos, negOffset, neg };
  }
  return { temporality, start, time, updatedAt, state };
}

const TAG_EXPONENTIAL = 0xe5;

/** The bucket part of an exponential histogram slot (count, sum, min and max are kept apart). */
export interface ExponentialBody {
  readonly scale: number;
  readonly zeroCount: number;
  readonly zeroThreshold: number;
  readonly positive: ExponentialBuckets | { readonly offset: number; readonly bucketCounts: ArrayLike<number> };
  readonly negative: ExponentialBuckets | { readonly offset: number; readonly bucketCounts: ArrayLike<number> };
}

/** Encodes the buckets of an exponential slot (see module doc). */
export function encodeExponential(h: ExponentialBody, ownership: Ownership = 'copy'): Buffer {
  const w = writer.reset(
    40 + countsSize(h.positive.bucketCounts.length) + 8 + countsSize(h.negative.bucketCounts.length),
  );
  w.u8(TAG_EXPONENTIAL);
  w.align(4);
  w.i32(h.scale);
  w.f64(h.zeroCount);
  w.f64(h.zeroThreshold);
  w.i32(h.positive.offset);
  w.i32(h.negative.offset);
  w.counts(h.positive.bucketCounts);
  w.align(8);
  w.counts(h.negative.bucketCounts);
  return finish(w, ownership);
}

/** Whether a slot's `counts` blob is an exponential body (else an explicit count array). */
export function isExponentialBody(b: Uint8Array): boolean {
  return b.length > 0 && b[0] === TAG_EXPONENTIAL;
}

export function decodeExponential(b: Uint8Array): {
  scale: number;
  zeroCount: number;
  zeroThreshold: number;
  positive: { offset: number; bucketCounts: Float64Array };
  negative: { offset: number; bucketCounts: Float64Array };
} {
  const r = new Reader(b);
  if (r.u8() !== TAG_EXPONENTIAL) throw new Error('corrupt exponential histogram (tag)');
  r.align(4);
  const scale = r.i32();
  const zeroCount = r.f64();
  const zeroThreshold = r.f64();
  const posOffset = r.i32();
  const negOffset = r.i32();
  const pos = r.counts();
  r.align(8);
  const neg = r.counts();
  return {
    scale,
    zeroCount,
    zeroThreshold,
    positive: { offset: posOffset, bucketCounts: pos },
    negative: { offset: negOffset, bucketCounts: neg },
  };
}
