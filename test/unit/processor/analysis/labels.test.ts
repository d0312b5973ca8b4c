import { describe, expect, it } from 'vitest';
import { binLabel } from '../../../../processor/src/analysis/labels.js';

describe('binLabel', () => {
  it('writes (lower, upper] with open ends as -inf and inf', () => {
    expect(binLabel(null, 1.5)).toBe('(-inf, 1.5]');
    expect(binLabel(1.5, null)).toBe('(1.5, inf]');
    expect(binLabel(0, 2)).toBe('(0, 2]');
  });

  it('rounds edges to three decimals, and gives three significant digits to small and large ones', () => {
    expect(binLabel(0.12345, 0.98765)).toBe('(0.123, 0.988]');
    expect(binLabel(0.001234, 12345)).toBe('(0.00123, 1.23e+4]');
    expect(binLabel(-0.004, 999.9994)).toBe('(-0.00400, 999.999]');
  });

  it('gives the same label again for the same bin', () => {
    expect(binLabel(1, 2)).toBe(binLabel(1, 2));
  });
});
