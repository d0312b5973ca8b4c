/**
 * Compact binary encodings of the numeric state kept in SQLite.
 *
 * Count arrays are written as little-endian Uint32 when every element is a non-negative integer
 * below 2^32 (the usual case: bucket counts), else as Float64 (fractional counts after
 * re-binning, or very large counts). Layout: tag byte (4 = u32, 8 = f64), u32 length, data.
 */
import type { CumulativeState } from '../streams/delta.js';

const TAG_U32 = 4;
const TAG_F64 = 8;

function fitsU32(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (!(v >= 0 && v <= 0xffffffff && Math.floor(v) === v)) return false;
  }
  return true;
}

/** Growable little-endian writer. */
class Writer {
  private buf: Buffer;
  private pos = 0;
  constructor(capacity = 64) {
    this.buf = Buffer.allocUnsafe(capacity);
  }
  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  u8(v: number): void {
    this.room(1);
    this.buf[this.pos++] = v;
  }
  i32(v: number): void {
    this.room(4);
    this.buf.writeInt32LE(v, this.pos);
    this.pos += 4;
  }
  u32(v: number): void {
    this.room(4);
    this.buf.writeUInt32LE(v, this.pos);
    this.pos += 4;
  }
  f64(v: number): void {
    this.room(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }
  counts(a: ArrayLike<number>): void {
    const n = a.length;
    if (fitsU32(a)) {
      this.room(5 + 4 * n);
      this.buf[this.pos++] = TAG_U32;
      this.buf.writeUInt32LE(n, this.pos);
      this.pos += 4;
      for (let i = 0; i < n; i++, this.pos += 4) this.buf.writeUInt32LE(a[i]!, this.pos);
    } else {
      this.room(5 + 8 * n);
      this.buf[this.pos++] = TAG_F64;
      this.buf.writeUInt32LE(n, this.pos);
      this.pos += 4;
      for (let i = 0; i < n; i++, this.pos += 8) this.buf.writeDoubleLE(a[i]!, this.pos);
    }
  }
  done(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

/** Little-endian reader over a buffer written by {@link Writer}. */
class Reader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}
  u8(): number {
    return this.buf[this.pos++]!;
  }
  i32(): number {
    const v = this.buf.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  u32(): number {
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  f64(): number {
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }
  counts(): Float64Array {
    const tag = this.u8();
    const n = this.u32();
    const out = new Float64Array(n);
    if (tag === TAG_U32) {
      for (let i = 0; i < n; i++, this.pos += 4) out[i] = this.buf.readUInt32LE(this.pos);
    } else if (tag === TAG_F64) {
      for (let i = 0; i < n; i++, this.pos += 8) out[i] = this.buf.readDoubleLE(this.pos);
    } else {
      throw new Error(`corrupt count array (tag ${tag})`);
    }
    return out;
  }
}

/** Encodes a count array (see module doc). */
export function encodeCounts(a: ArrayLike<number>): Buffer {
  const w = new Writer(5 + 4 * a.length);
  w.counts(a);
  return w.done();
}

export function decodeCounts(b: Buffer): Float64Array {
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

const KIND_SUM = 1;
const KIND_HIST = 2;
const KIND_EXP = 3;

/**
 * Encodes a cumulative cursor state. Histogram boundaries are not written; the caller stores the
 * id of the interned boundary list (`boundsId`) instead.
 */
export function encodeState(s: CumulativeState, boundsId: (b: readonly number[]) => number): Buffer {
  const w = new Writer(s.kind === 'sum' ? 9 : 64);
  switch (s.kind) {
    case 'sum':
      w.u8(KIND_SUM);
      w.f64(s.value);
      break;
    case 'histogram':
      w.u8(KIND_HIST);
      w.f64(s.count);
      w.f64(s.sum);
      w.f64(s.min ?? Number.NaN);
      w.f64(s.max ?? Number.NaN);
      w.u32(boundsId(s.bounds));
      w.counts(s.counts);
      break;
    case 'exponential':
      w.u8(KIND_EXP);
      w.f64(s.count);
      w.f64(s.sum);
      w.i32(s.scale);
      w.f64(s.zeroCount);
      w.f64(s.zeroThreshold);
      w.i32(s.posOffset);
      w.counts(s.pos);
      w.i32(s.negOffset);
      w.counts(s.neg);
      break;
  }
  return w.done();
}

function opt(v: number): number | undefined {
  return Number.isNaN(v) ? undefined : v;
}

export function decodeState(buf: Buffer, bounds: (id: number) => readonly number[]): CumulativeState {
  const r = new Reader(buf);
  const kind = r.u8();
  switch (kind) {
    case KIND_SUM:
      return { kind: 'sum', value: r.f64() };
    case KIND_HIST: {
      const count = r.f64();
      const sum = r.f64();
      const min = opt(r.f64());
      const max = opt(r.f64());
      const b = bounds(r.u32());
      return { kind: 'histogram', count, sum, min, max, bounds: b, counts: r.counts() };
    }
    case KIND_EXP: {
      const count = r.f64();
      const sum = r.f64();
      const scale = r.i32();
      const zeroCount = r.f64();
      const zeroThreshold = r.f64();
      const posOffset = r.i32();
      const pos = r.counts();
      const negOffset = r.i32();
      const neg = r.counts();
      return { kind: 'exponential', count, sum, scale, zeroCount, zeroThreshold, posOffset, pos, negOffset, neg };
    }
    default:
      throw new Error(`corrupt cursor state (kind ${kind})`);
  }
}
