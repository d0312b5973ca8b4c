/**
 * The instrumentation's guarantees under hostile use (its own unit tests cover garbage input and
 * OTEL_SDK_DISABLED): a cardinality and id flood through createModelMonitor keeps memory bounded
 * (categories, slice values and classes capped with overflow, prediction ids kept for the
 * outcome join within a bound), and nothing is thrown into the caller.
 */
import { describe, expect, it } from 'vitest';
import { createModelMonitor } from '@otel-ml/instrumentation';

describe('instrumentation memory under a flood of distinct values', () => {
  it('80,000 predictions with distinct ids, categories, slices and classes: bounded state, no throw', async () => {
    const monitor = createModelMonitor({
      model: { name: 'flood', version: '1', task: 'multiclass_classification' },
      features: [
        { name: 'amount', type: 'numeric', boundaries: [0, 10, 100] },
        { name: 'user', type: 'categorical' },
      ],
      slices: ['tenant'],
      // ids waiting for outcomes (and ids remembered after leaving) are bounded by maxEntries
      // (default 50,000 each); a small bound lets the test reach it
      outcomes: { maxEntries: 5_000 },
    });
    /** Number of keys and array elements in the snapshot (its shape, not its counts' digits). */
    const sizeAt = (): number => {
      let n = 0;
      const walk = (v: unknown): void => {
        if (!v || typeof v !== 'object') return;
        for (const x of Object.values(v)) {
          n++;
          walk(x);
        }
      };
      walk(monitor.snapshot());
      return n;
    };
    /** Prediction ids the outcome join holds: waiting, and remembered after leaving (internal). */
    const joinSize = (): number => (monitor as unknown as { join: { size: number } }).join.size;
    const run = (from: number, n: number): void => {
      for (let i = from; i < from + n; i++) {
        const id = monitor.observe({
          id: `prediction-${i}`,
          features: { amount: i % 1000, user: `user-${i}` },
          slices: { tenant: `tenant-${i}` },
          scores: { [`class-${i % 500}`]: 0.7, other: 0.3 },
        } as never);
        expect(typeof id).toBe('string');
        if (i % 3 === 0) expect(() => monitor.recordOutcome(`prediction-${i - 1}`, `class-${i % 7}`)).not.toThrow();
      }
    };
    run(0, 30_000);
    const size1 = sizeAt();
    const join1 = joinSize();
    run(30_000, 50_000);
    const size2 = sizeAt();
    // the aggregated state stopped growing once the caps were reached (classes x outcome labels
    // fill up within the first 4,000 predictions of this sequence)
    expect(size2).toBe(size1);
    // 50,000 more distinct ids did not add entries: the join holds at most maxEntries waiting and
    // maxEntries remembered (what memory this comes to: npm run bench:instrumentation, bench:soak)
    expect(join1).toBeGreaterThanOrEqual(5_000);
    expect(joinSize()).toBe(join1);
    expect(joinSize()).toBeLessThanOrEqual(2 * 5_000);
    await monitor.shutdown();
  });
});
