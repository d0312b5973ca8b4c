import { describe, expect, it } from 'vitest';
import { StreamProcessor } from '../../../../processor/src/streams/processor.js';
import type { StreamProcessorOptions } from '../../../../processor/src/streams/processor.js';
import { parseSlotKey, slotKey } from '../../../../processor/src/model/signals.js';
import { mergeSnapshots } from '../../../../processor/src/windows/snapshot.js';
import { MODEL, T0, exportOf, feature, histogramMetric, hp, np, resource, sumMetric } from '../streams/fixtures.js';

const MIN = 60_000;

function sliced(opts: Partial<StreamProcessorOptions> = {}) {
  const clock = { now: T0 };
  const p = StreamProcessor.open({ clock: () => clock.now, windows: { lengthMs: MIN, minRows: 1 }, ...opts });
  const at = (region: string, tier: string) => ({ ...MODEL, 'ml.slice.region': region, 'ml.slice.tier': tier });
  p.ingest(
    exportOf(
      resource(
        {},
        sumMetric(
          'ml.predictions',
          'delta',
          np(at('eu', 'gold'), T0, T0 + 1, 30),
          np(at('us', 'gold'), T0, T0 + 1, 20),
          np(at('us', 'free'), T0, T0 + 1, 50),
        ),
        histogramMetric(
          'ml.outcome.score',
          'delta',
          hp({ ...at('eu', 'gold'), 'ml.outcome.label': '1' }, T0, T0 + 1, [0.5], [1, 4]),
          hp({ ...at('us', 'free'), 'ml.outcome.label': '1' }, T0, T0 + 1, [0.5], [3, 2]),
        ),
        histogramMetric(
          'ml.feature.value',
          'delta',
          hp({ ...feature('age'), 'ml.slice.region': 'eu' }, T0, T0 + 1, [10], [1, 1]),
        ),
      ),
    ),
  );
  return { p, clock };
}

describe('slices', () => {
  it('accumulates predictions and outcomes per slice value next to the totals', () => {
    const { p } = sliced();
    const w = p.openWindows()[0]!;
    expect(w.rows).toBe(100);
    expect(w.outcomes.scoreByLabel['1']!.counts).toEqual([4, 6]);
    expect(Object.keys(w.slices).sort()).toEqual(['region', 'tier']);
    expect(w.slices.region!.eu!.rows).toBe(30);
    expect(w.slices.region!.us!.rows).toBe(70);
    expect(w.slices.tier!.gold!.rows).toBe(50);
    expect(w.slices.region!.us!.outcomes.scoreByLabel['1']!.counts).toEqual([3, 2]);
    expect(w.slices.tier!.gold!.outcomes.scoreByLabel['1']!.counts).toEqual([1, 4]);
    // feature values are split by slice too (per-slice drift); slices do not nest
    expect(w.slices.region!.eu!.features.age!.histogram!.counts).toEqual([1, 1]);
    expect(w.slices.region!.us).toBeDefined();
    expect(w.slices.region!.us!.features).toEqual({});
    expect(w.slices.region!.eu!.slices).toEqual({});
    expect(w.features.age!.histogram!.count).toBe(2);
    p.close();
  });

  it('honours the slice allow-list and merges slices across windows', () => {
    const { p, clock } = sliced({ sliceKeys: ['region'] });
    expect(Object.keys(p.openWindows()[0]!.slices)).toEqual(['region']);
    clock.now = T0 + MIN;
    const [first] = p.closeDueWindows();
    const merged = mergeSnapshots([first!, first!])!;
    expect(merged.slices.region!.us!.rows).toBe(140);
    expect(merged.slices.region!.eu!.outcomes.scoreByLabel['1']!.counts).toEqual([2, 8]);
    p.close();
    const off = sliced({ sliceKeys: [] });
    expect(off.p.openWindows()[0]!.slices).toEqual({});
    off.p.close();
  });

  it('bounds the values of a slice key per model: later ones are accumulated as __other__', () => {
    const clock = { now: T0 };
    const p = StreamProcessor.open({
      clock: () => clock.now,
      windows: { lengthMs: MIN, minRows: 1 },
      limits: { maxSliceValues: 3 },
    });
    const points = Array.from({ length: 6 }, (_, i) =>
      hp(feature('age', { 'ml.slice.user': `u${i}` }), T0, T0 + 1, [10], [1, 0]),
    );
    p.ingest(exportOf(resource({}, histogramMetric('ml.feature.value', 'delta', ...points))));
    const users = p.openWindows()[0]!.slices.user!;
    expect(Object.keys(users).sort()).toEqual(['__other__', 'u0', 'u1', 'u2']);
    expect(users.__other__!.features.age!.histogram!.count).toBe(3);
    p.close();
  });

  it('slice slot keys round-trip', () => {
    const id = { signal: 'outcomes' as const, subject: '', dims: ['a', 'b'], slice: { key: 'region', value: 'e@u' } };
    expect(parseSlotKey(slotKey(id))).toEqual(id);
    const exp = {
      signal: 'feature.value' as const,
      subject: 'age',
      dims: [],
      exponential: true as const,
      slice: { key: 'region', value: 'eu' },
    };
    expect(parseSlotKey(slotKey(exp))).toEqual(exp);
    expect(parseSlotKey(slotKey({ signal: 'predictions', subject: '', dims: ['', ''] }))).toEqual({
      signal: 'predictions',
      subject: '',
      dims: ['', ''],
    });
  });
});
