import { describe, expect, it } from 'vitest';
import {
  decodeCounts,
  decodeCursor,
  decodeExponential,
  encodeCounts,
  encodeCursor,
  encodeExponential,
  isExponentialBody,
} from '../../../processor/src/store/codec.js';
import type { Cursor } from '../../../processor/src/streams/delta.js';

const bounds = [[1, 2, 3]];
const idOf = (b: readonly number[]) => bounds.indexOf(b as number[]);
const byId = (id: number) => bounds[id]!;

/** Copies into a buffer at an odd offset, as a driver may hand blobs back. */
function misaligned(b: Buffer): Buffer {
  const big = Buffer.alloc(b.length + 3);
  b.copy(big, 3);
  return big.subarray(3);
}

describe('state codec', () => {
  it('round-trips count arrays as Uint32 when integral, else Float64', () => {
    const ints = [0, 1, 4294967295, 7];
    const fractional = [0.5, 1e12, 3];
    expect(Array.from(decodeCounts(misaligned(encodeCounts(ints))))).toEqual(ints);
    expect(Array.from(decodeCounts(misaligned(encodeCounts(fractional))))).toEqual(fractional);
    expect(encodeCounts(ints).length).toBeLessThan(encodeCounts([0.5, 1, 2, 3]).length);
    expect(() => decodeCounts(Buffer.from([9, 0, 0, 0, 1, 0, 0, 0]))).toThrow(/corrupt/);
  });

  it('writes integral counts in the narrowest of Uint8, Uint16 and Uint32', () => {
    const n = 200;
    const small = Array.from({ length: n }, (_, i) => i % 256);
    const medium = [...small.slice(1), 65535];
    const large = [...small.slice(1), 65536];
    for (const a of [small, medium, large]) expect(Array.from(decodeCounts(misaligned(encodeCounts(a))))).toEqual(a);
    expect(encodeCounts(small).length).toBe(8 + n);
    expect(encodeCounts(medium).length).toBe(8 + 2 * n);
    expect(encodeCounts(large).length).toBe(8 + 4 * n);
    expect(() => decodeCounts(encodeCounts(medium).subarray(0, 8 + n))).toThrow(/truncated/);
    // a histogram cursor with narrow counts round-trips too
    const c: Cursor = {
      temporality: 'cumulative',
      start: 1n,
      time: 2n,
      updatedAt: 3,
      state: {
        kind: 'histogram',
        count: 6,
        sum: 1,
        bounds: bounds[0]!,
        counts: Float64Array.from([1, 2, 3, 0]),
        min: 0,
        max: 9,
      },
    };
    expect(decodeCursor(misaligned(encodeCursor(c, idOf)), byId)).toEqual(c);
  });

  it('round-trips cursors of every kind', () => {
    const cursors: Cursor[] = [
      { temporality: 'delta', start: 1n, time: 1_767_225_600_000_000_000n, updatedAt: 1234.5 },
      { temporality: 'cumulative', start: -5n, time: 9n, updatedAt: 1, state: { kind: 'sum', value: 42.25 } },
      {
        temporality: 'cumulative',
        start: 3n,
        time: 4n,
        updatedAt: 2,
        state: {
          kind: 'histogram',
          count: 6,
          sum: Number.NaN,
          bounds: bounds[0]!,
          counts: Float64Array.from([1, 2, 3, 0]),
          max: 9,
        },
      },
      {
        temporality: 'cumulative',
        start: 3n,
        time: 4n,
        updatedAt: 2,
        state: {
          kind: 'exponential',
          count: 7.5,
          sum: 3,
          scale: -2,
          zeroCount: 1,
          zeroThreshold: 1e-9,
          posOffset: -3,
          pos: Float64Array.from([1, 2.5]),
          negOffset: 4,
          neg: Float64Array.from([3]),
        },
      },
    ];
    for (const c of cursors) {
      const back = decodeCursor(misaligned(encodeCursor(c, idOf)), byId);
      expect(back).toEqual(c.state?.kind === 'histogram' ? { ...c, state: { ...c.state, min: undefined } } : c);
    }
  });

  it('round-trips the buckets of exponential slots, told apart from count arrays', () => {
    const bodies = [
      {
        scale: 7,
        zeroCount: 3,
        zeroThreshold: 0,
        positive: { offset: 540, bucketCounts: [1, 0, 300, 70000] },
        negative: { offset: -20, bucketCounts: [2] },
      },
      {
        scale: -10,
        zeroCount: 0,
        zeroThreshold: 1e-9,
        positive: { offset: -2, bucketCounts: [0.5, 4] },
        negative: { offset: 0, bucketCounts: [] },
      },
      {
        scale: 20,
        zeroCount: 0,
        zeroThreshold: 0,
        positive: { offset: 0, bucketCounts: [] },
        negative: { offset: 0, bucketCounts: [] },
      },
    ];
    for (const b of bodies) {
      const enc = encodeExponential(b);
      expect(isExponentialBody(misaligned(enc))).toBe(true);
      const back = decodeExponential(misaligned(enc));
      expect({
        ...back,
        positive: { ...back.positive, bucketCounts: Array.from(back.positive.bucketCounts) },
        negative: { ...back.negative, bucketCounts: Array.from(back.negative.bucketCounts) },
      }).toEqual(b);
    }
    expect(isExponentialBody(encodeCounts([1, 2, 3]))).toBe(false);
    expect(() => decodeExponential(encodeCounts([1, 2, 3]))).toThrow(/corrupt/);
  });
});
