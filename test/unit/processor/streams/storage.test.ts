import { describe, expect, it } from 'vitest';
import { StreamProcessor } from '../../../../processor/src/streams/processor.js';
import { BOUNDS, MODEL_KEY, T0, exportOf, feature, histogramMetric, hp, resource } from './fixtures.js';
import { MemoryStorage } from './memory-storage.js';

const ageHist = (start: number, time: number, counts: number[]) =>
  exportOf(
    resource(
      { 'service.name': 'api', 'service.instance.id': 'a' },
      histogramMetric('ml.feature.value', 'cumulative', hp(feature('age'), start, time, BOUNDS, counts)),
    ),
  );

describe('StreamProcessor on an injected storage (no SQLite)', () => {
  it('writes its cursors and open window through the storage, loads them back on a restart, and hands the closed window to its results', () => {
    const storage = new MemoryStorage(T0);
    const clock = { now: T0 };
    const open = () =>
      StreamProcessor.open({ storage, clock: () => clock.now, windows: { lengthMs: 60_000, minRows: 1 } });
    const p = open();
    p.ingest(ageHist(T0 + 1, T0 + 100, [1, 0, 0, 0, 0]));
    p.ingest(ageHist(T0 + 1, T0 + 200, [2, 1, 0, 0, 0]));
    expect(p.openWindows().find((w) => w.modelKey === MODEL_KEY)!.features.age!.histogram!.counts).toEqual([
      2, 1, 0, 0, 0,
    ]);
    expect(storage.commits).toBe(2);
    expect(storage.cursors.size).toBe(1);
    expect([...storage.windows.keys()]).toEqual([MODEL_KEY]);
    p.close();
    expect(storage.closed).toBe(true);

    // a restart on the same storage continues the same window and cursor: the retried point is a duplicate
    const q = open();
    expect(q.openWindows().find((w) => w.modelKey === MODEL_KEY)!.features.age!.histogram!.counts).toEqual([
      2, 1, 0, 0, 0,
    ]);
    q.ingest(ageHist(T0 + 1, T0 + 200, [2, 1, 0, 0, 0]));
    expect(q.stats().droppedPoints.duplicate).toBe(1);

    clock.now = T0 + 60_000;
    const [closed] = q.closeDueWindows();
    expect(closed!.features.age!.histogram!.counts).toEqual([2, 1, 0, 0, 0]);
    expect(storage.windows.size).toBe(0);
    expect(storage.results.history(MODEL_KEY).map((s) => s.end)).toEqual([closed!.end]);
    expect(q.results.history(MODEL_KEY)).toHaveLength(1);
    q.close();
  });
});
