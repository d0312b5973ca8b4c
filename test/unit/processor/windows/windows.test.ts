import { describe, expect, it } from 'vitest';
import { StreamProcessor } from '../../../../processor/src/streams/processor.js';
import { advanceWindow, alignedStart, windowOptions } from '../../../../processor/src/windows/windows.js';
import { counterSlot } from '../../../../processor/src/windows/accumulator.js';
import type { OpenWindow } from '../../../../processor/src/windows/accumulator.js';
import { MODEL, MODEL_KEY, T0, exportOf, np, resource, sumMetric } from '../streams/fixtures.js';

const MIN = 60_000;

function rowsExport(n: number, start: number, time: number) {
  return exportOf(resource({}, sumMetric('ml.predictions', 'delta', np(MODEL, start, time, n))));
}

describe('window options', () => {
  it('accepts 1 minute .. 1 day and refuses the rest', () => {
    expect(windowOptions({ lengthMs: MIN }).lengthMs).toBe(MIN);
    expect(windowOptions({ lengthMs: 86_400_000 }).lengthMs).toBe(86_400_000);
    expect(() => windowOptions({ lengthMs: 59_999 })).toThrow(RangeError);
    expect(() => windowOptions({ lengthMs: 86_400_001 })).toThrow(RangeError);
    expect(() => windowOptions({ minRows: -1 })).toThrow(RangeError);
    expect(windowOptions()).toEqual({ lengthMs: 300_000, minRows: 50, maxExtensions: 11 });
  });

  it('aligns windows to multiples of the length', () => {
    expect(alignedStart(T0 + 5 * MIN + 17, 5 * MIN)).toBe(T0 + 5 * MIN);
  });
});

describe('tumbling windows with minimum sample size', () => {
  const win = (rows: number): OpenWindow => ({
    modelKey: MODEL_KEY,
    model: { name: 'churn', version: '3', role: 'primary', resource: {} },
    task: '',
    start: T0,
    end: T0 + MIN,
    extensions: 0,
    slots: new Map([
      ['p', counterSlot('predictions\u001f\u001f\u001f', { signal: 'predictions', subject: '', dims: ['', ''] }, rows)],
    ]),
  });
  const o = windowOptions({ lengthMs: MIN, minRows: 50, maxExtensions: 2 });

  it('stays open before its end and closes at its end with enough rows', () => {
    const w = win(50);
    expect(advanceWindow(w, T0 + MIN - 1, o)).toBeUndefined();
    const s = advanceWindow(w, T0 + MIN, o)!;
    expect(s).toMatchObject({ start: T0, end: T0 + MIN, rows: 50, extensions: 0, belowMinRows: false });
  });

  it('extends a window short of rows, at most maxExtensions times, then closes it marked', () => {
    const w = win(10);
    expect(advanceWindow(w, T0 + MIN, o)).toBeUndefined();
    expect([w.end, w.extensions]).toEqual([T0 + 2 * MIN, 1]);
    // far in the future: extends up to the maximum and closes
    const s = advanceWindow(w, T0 + 100 * MIN, o)!;
    expect(s).toMatchObject({ end: T0 + 3 * MIN, extensions: 2, belowMinRows: true, rows: 10 });
  });

  it('merges the rows of an extended window with the next period (StreamProcessor, injected clock)', () => {
    const clock = { now: T0 };
    const p = StreamProcessor.open({
      clock: () => clock.now,
      windows: { lengthMs: MIN, minRows: 50, maxExtensions: 3 },
    });
    p.ingest(rowsExport(30, T0, T0 + 1));
    expect(p.nextWindowEnd()).toBe(T0 + MIN);
    clock.now = T0 + MIN;
    expect(p.closeDueWindows()).toEqual([]);
    expect(p.nextWindowEnd()).toBe(T0 + 2 * MIN);
    expect(p.openWindows()[0]).toMatchObject({ start: T0, end: T0 + 2 * MIN, extensions: 1, rows: 30 });
    clock.now = T0 + MIN + 10;
    p.ingest(rowsExport(25, T0 + 1, T0 + MIN + 10));
    clock.now = T0 + 2 * MIN;
    const [s] = p.closeDueWindows();
    expect(s).toMatchObject({
      modelKey: MODEL_KEY,
      start: T0,
      end: T0 + 2 * MIN,
      rows: 55,
      extensions: 1,
      belowMinRows: false,
    });
    expect(p.openWindows()).toEqual([]);
    // the next window starts aligned at the next arrival
    clock.now = T0 + 2 * MIN + 5;
    p.ingest(rowsExport(60, T0 + MIN + 10, T0 + 2 * MIN + 5));
    expect(p.openWindows()[0]).toMatchObject({ start: T0 + 2 * MIN, end: T0 + 3 * MIN, rows: 60 });
    expect(p.stats().closedWindows).toBe(1);
    p.close();
  });
});
