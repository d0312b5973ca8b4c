/**
 * The instrumentation's guarantees under hostile use (its own unit tests cover garbage input and
 * OTEL_SDK_DISABLED): a cardinality and id flood through createModelMonitor keeps memory bounded
 * (categories, slice values and classes capped with overflow, prediction ids kept for the
 * outcome join within a bound), and nothing is thrown into the caller.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { createModelMonitor } from '@otel-ml/instrumentation';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

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
    const heap = (): number => process.memoryUsage().heapUsed;
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
    gc();
    const heap1 = heap();
    run(30_000, 50_000);
    const size2 = sizeAt();
    gc();
    const heap2 = heap();
    // the aggregated state stopped growing once the caps were reached (classes x outcome labels
    // fill up within the first 4,000 predictions of this sequence)
    expect(size2).toBe(size1);
    // 50,000 more distinct ids / users / tenants did not add per-value memory (< 100 B each)
    expect(heap2 - heap1).toBeLessThan(8 * 2 ** 20);
    await monitor.shutdown();
  });
});
