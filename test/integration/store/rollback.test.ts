import { describe, expect, it } from 'vitest';
import { StreamProcessor } from '../../../processor/src/streams/processor.js';
import {
  BOUNDS,
  MODEL_KEY,
  T0,
  exportOf,
  feature,
  histogramMetric,
  hp,
  resource,
} from '../../unit/processor/streams/fixtures.js';

const age = (time: number, counts: number[], name = 'age') =>
  exportOf(
    resource(
      { 'service.instance.id': 'a' },
      histogramMetric('ml.feature.value', 'cumulative', hp(feature(name), T0 + 1, time, BOUNDS, counts)),
    ),
  );

describe('failed commits', () => {
  it('leave no trace: the request can be retried and is counted once', () => {
    const p = StreamProcessor.open({ clock: () => T0 });
    p.ingest(age(T0 + 10, [1, 0, 0, 0, 0]));
    // Make the next commit fail after part of its rows were written.
    const db = (p as unknown as { db: { writeIngest: (...a: unknown[]) => void } }).db;
    const original = db.writeIngest.bind(db);
    db.writeIngest = (...a: unknown[]) => {
      original(...a);
      throw new Error('disk full');
    };
    expect(() =>
      p.ingest(
        exportOf(
          ...age(T0 + 20, [3, 0, 0, 0, 0]).resourceMetrics,
          ...age(T0 + 20, [2, 0, 0, 0, 0], 'income').resourceMetrics,
        ),
      ),
    ).toThrow('disk full');
    db.writeIngest = original;
    expect(p.stats()).toMatchObject({ liveStreams: 1, acceptedPoints: 1 });
    expect(p.openWindows()[0]!.features).toEqual({
      age: expect.objectContaining({ histogram: expect.objectContaining({ count: 1 }) }),
    });
    // the sender retries
    p.ingest(
      exportOf(
        ...age(T0 + 20, [3, 0, 0, 0, 0]).resourceMetrics,
        ...age(T0 + 20, [2, 0, 0, 0, 0], 'income').resourceMetrics,
      ),
    );
    const w = p.openWindows().find((s) => s.modelKey === MODEL_KEY)!;
    expect(w.features.age!.histogram!.count).toBe(3);
    expect(w.features.income!.histogram!.count).toBe(2);
    p.close();
  });

  it('group commit answers each request separately', () => {
    const p = StreamProcessor.open({ clock: () => T0, limits: { maxStreams: 1 } });
    const [a, b] = p.ingestMany([age(T0 + 10, [1, 0, 0, 0, 0]), age(T0 + 10, [1, 0, 0, 0, 0], 'income')]);
    expect(a).toEqual({ rejectedDataPoints: 0 });
    expect(b).toMatchObject({ rejectedDataPoints: 1, errorMessage: expect.stringContaining('stream_limit: 1') });
    p.close();
  });
});
