import { describe, expect, it } from 'vitest';
import { projectionBasisId, projectionDirections } from '@otel-ml/conventions';

describe('projection directions and basis id', () => {
  it('the same seed gives the same unit directions; another seed other ones', () => {
    const a = projectionDirections(7, 16, 20);
    expect(a).toEqual(projectionDirections(7, 16, 20));
    expect(a.length).toBe(320);
    for (let i = 0; i < 16; i++) {
      let n = 0;
      for (let j = 0; j < 20; j++) n += a[i * 20 + j]! ** 2;
      expect(n).toBeCloseTo(1, 12);
    }
    expect(projectionDirections(8, 16, 20)).not.toEqual(a);
  });

  it('directions are uniform on the sphere: the mean of u u^T is I/d', () => {
    const d = 3;
    const k = 4000;
    const u = projectionDirections(3, k, d);
    for (let a = 0; a < d; a++) {
      for (let b = 0; b < d; b++) {
        let m = 0;
        for (let i = 0; i < k; i++) m += u[i * d + a]! * u[i * d + b]!;
        expect(m / k).toBeCloseTo(a === b ? 1 / d : 0, 1);
      }
    }
  });

  it('rejects a count or dimension below 1', () => {
    expect(() => projectionDirections(1, 0, 3)).toThrow(RangeError);
    expect(() => projectionDirections(1, 2, 0)).toThrow(RangeError);
  });

  it('the basis id names seed and count and changes with features, centers or scales', () => {
    const b = { seed: 42, count: 16, features: ['x', 'y'], center: [0, 1], scale: [1, 2] };
    const id = projectionBasisId(b);
    expect(id).toMatch(/^s42-k16-[0-9a-f]{8}$/);
    expect(projectionBasisId({ ...b })).toBe(id);
    expect(projectionBasisId({ ...b, features: ['y', 'x'] })).not.toBe(id);
    expect(projectionBasisId({ ...b, center: [0, 1.5] })).not.toBe(id);
    expect(projectionBasisId({ ...b, scale: [1, 3] })).not.toBe(id);
  });
});
