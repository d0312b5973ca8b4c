/**
 * Short CI variant of the soak benchmark (`npm run bench:soak` runs 10 minutes at half of the
 * measured capacity): a few seconds, checking conservation exactly and memory / event-loop
 * bounds loosely (the machine is shared; the benchmark applies the real thresholds).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSoak } from '../../../processor/bench/soak-lib.js';

describe('soak (short)', () => {
  it('every request answered 200, every point accepted once, memory and event loop bounded', async () => {
    // a state file, as the service runs by default (WAL sync, checkpoint and commit workers)
    const dir = mkdtempSync(join(tmpdir(), 'otel-ml-soak-'));
    let f;
    try {
      f = await runSoak({ seconds: 4, warmupSeconds: 1, calibrateSeconds: 1.5, storagePath: join(dir, 'state.db'), features: 20, instances: 2 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(f.writer?.batches).toBeGreaterThan(20);
    expect(f.requests).toBeGreaterThan(20);
    expect(f.statuses).toEqual({ 200: f.requests });
    expect(f.receivedPoints).toBe(f.sentPoints);
    expect(f.acceptedPoints).toBe(f.sentPoints);
    expect(f.droppedPoints).toEqual({});
    expect(f.rssGrowthPct).toBeLessThan(50);
    expect(f.eventLoopMaxMs).toBeLessThan(2_000);
  }, 30_000);
});
