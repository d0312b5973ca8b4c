/**
 * Short CI variant of the soak benchmark (`npm run bench:soak` runs 10 minutes at half of the
 * measured capacity): a few seconds, checking what the code controls, exactly: every request
 * answered, every point accepted once. How many requests that is, and the memory and event-loop
 * figures, depend on how busy the machine is: the benchmark measures them against its targets.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSoak } from '../../../processor/bench/soak-lib.js';

describe('soak (short)', () => {
  it('every request answered 200, every point accepted once', async () => {
    // a state file, as the service runs by default (WAL sync, checkpoint and commit workers)
    const dir = mkdtempSync(join(tmpdir(), 'otel-ml-soak-'));
    let f;
    try {
      f = await runSoak({
        seconds: 4,
        warmupSeconds: 1,
        calibrateSeconds: 1.5,
        storagePath: join(dir, 'state.db'),
        features: 20,
        instances: 2,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(f.writer?.batches).toBeGreaterThan(0);
    expect(f.requests).toBeGreaterThan(0);
    expect(f.statuses).toEqual({ 200: f.requests });
    expect(f.receivedPoints).toBe(f.sentPoints);
    expect(f.acceptedPoints).toBe(f.sentPoints);
    expect(f.droppedPoints).toEqual({});
  });
});
