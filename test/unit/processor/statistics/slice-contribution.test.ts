import { describe, expect, it } from 'vitest';
import { combineMovements, sliceMovements } from '../../../../processor/src/statistics/slice-contribution.js';

describe('slice contribution (share of the overall TV movement)', () => {
  it('gives the whole movement to the only slice that moved, and the shares sum to 1', () => {
    const still = { reference: [50, 50], current: [50, 50] };
    const m = sliceMovements([
      { slice: 'a', ...still },
      { slice: 'b', ...still },
      { slice: 'c', reference: [50, 50], current: [90, 10] },
    ]);
    // overall: reference (150, 150)/300, current (190, 110)/300: TV = 40/300
    expect(m.tv).toBeCloseTo(40 / 300, 12);
    const by = Object.fromEntries(m.slices.map((s) => [s.slice, s]));
    expect(by.c!.share).toBeCloseTo(1, 12);
    expect(by.a!.share).toBeCloseTo(0, 12);
    expect(m.slices.reduce((a, s) => a + s.movement, 0)).toBeCloseTo(m.tv, 12);
  });

  it('splits a move shared by two slices by their weight, and counts a move against the overall as negative', () => {
    const m = sliceMovements([
      { slice: 'big', reference: [300, 300], current: [400, 200] },
      { slice: 'small', reference: [100, 100], current: [150, 50] },
      { slice: 'back', reference: [100, 100], current: [80, 120] },
    ]);
    const by = Object.fromEntries(m.slices.map((s) => [s.slice, s.share!]));
    // d_i per slice on bin 0 (C = R = 1000): big +0.1, small +0.05, back -0.02; TV = 0.13
    expect(m.tv).toBeCloseTo(0.13, 12);
    expect(by.big).toBeCloseTo(0.1 / 0.13, 12);
    expect(by.small).toBeCloseTo(0.05 / 0.13, 12);
    expect(by.back).toBeCloseTo(-0.02 / 0.13, 12);
  });

  it('attributes a change of traffic mix to the slices whose share changed', () => {
    // same distribution within each slice, but slice x doubles its traffic share
    const m = sliceMovements([
      { slice: 'x', reference: [100, 0], current: [200, 0] },
      { slice: 'y', reference: [0, 100], current: [0, 100] },
    ]);
    expect(m.tv).toBeCloseTo(2 / 3 - 1 / 2, 12);
    const by = Object.fromEntries(m.slices.map((s) => [s.slice, s.share!]));
    expect(by.x! + by.y!).toBeCloseTo(1, 12);
    expect(by.x).toBeCloseTo(0.5, 12);
  });

  it('has no share when nothing moved, and refuses ragged or negative counts', () => {
    const m = sliceMovements([{ slice: 'a', reference: [1, 1], current: [2, 2] }]);
    expect(m.tv).toBe(0);
    expect(m.slices[0]!.share).toBeNull();
    expect(() => sliceMovements([{ slice: 'a', reference: [1], current: [1, 2] }])).toThrow(/lengths/);
    expect(() => sliceMovements([{ slice: 'a', reference: [-1, 2], current: [1, 2] }])).toThrow(/>= 0/);
  });

  it('combines distributions by their TV, largest share first', () => {
    const f1 = {
      tv: 0.2,
      slices: [
        { slice: 'a', movement: 0.2, share: 1 },
        { slice: 'b', movement: 0, share: 0 },
      ],
    };
    const f2 = {
      tv: 0.1,
      slices: [
        { slice: 'a', movement: 0.02, share: 0.2 },
        { slice: 'b', movement: 0.08, share: 0.8 },
      ],
    };
    const c = combineMovements([f1, f2]);
    expect(c.map((s) => s.slice)).toEqual(['a', 'b']);
    expect(c[0]!.share).toBeCloseTo(0.22 / 0.3, 12);
    expect(c[1]!.share).toBeCloseTo(0.08 / 0.3, 12);
    expect(combineMovements([])).toEqual([]);
  });
});
