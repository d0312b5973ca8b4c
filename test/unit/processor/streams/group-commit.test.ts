import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../../../processor/src/streams/group-commit.js';
import { StreamProcessor } from '../../../../processor/src/streams/processor.js';
import { OverloadedError } from '../../../../processor/src/receiver/consumer.js';
import type { ConsumeResult, MetricsExport } from '../../../../processor/src/otlp/model.js';
import { BOUNDS, MODEL_KEY, T0, exportOf, feature, histogramMetric, hp, resource } from './fixtures.js';

const open = () => StreamProcessor.open({ clock: () => T0, windows: { lengthMs: 60_000 } });

/** One request of sender `instance`: a cumulative ml.feature.value point (5 in bucket 0); `bad` adds a point without model attributes. */
function request(instance: number, bad = false): MetricsExport {
  const points = [hp(feature('age'), T0 + 1, T0 + 2, BOUNDS, [5, 0, 0, 0, 0])];
  if (bad) points.push(hp({ 'ml.feature.name': 'age' }, T0 + 1, T0 + 2, BOUNDS, [1, 0, 0, 0, 0]));
  return exportOf(
    resource({ 'service.instance.id': `i${instance}` }, histogramMetric('ml.feature.value', 'cumulative', ...points)),
  );
}

/** Records the batches the processor commits and, for each, whether its transaction had returned. */
function recording(p: StreamProcessor) {
  const batches: number[] = [];
  let committed = 0;
  const target = {
    ingestMany: (exps: readonly MetricsExport[]): ConsumeResult[] => {
      const r = p.ingestMany(exps);
      batches.push(exps.length);
      committed += exps.length;
      return r;
    },
  };
  return { target, batches, committed: () => committed };
}

const ageCount = (p: StreamProcessor) =>
  p.openWindows().find((w) => w.modelKey === MODEL_KEY)?.features.age?.histogram?.count ?? 0;

describe('GroupCommit', () => {
  it('answers concurrent requests after one shared commit, each with its own result', async () => {
    const p = open();
    const rec = recording(p);
    const group = new GroupCommit(rec.target);
    const answered: number[] = [];
    const all = [0, 1, 2, 3, 4].map((i) =>
      group.submit(request(i, i === 2)).then((r) => {
        answered.push(rec.committed());
        return r;
      }),
    );
    expect(group.queued).toBe(5);
    expect(rec.batches).toEqual([]); // nothing applied before the flush
    const results = await Promise.all(all);
    expect(rec.batches).toEqual([5]);
    expect(answered).toEqual([5, 5, 5, 5, 5]); // every answer after the transaction returned
    expect(results.map((r) => r.rejectedDataPoints)).toEqual([0, 0, 1, 0, 0]);
    expect(results[2]!.errorMessage).toContain('missing_attribute');
    expect(ageCount(p)).toBe(25);
    expect(p.stats()).toMatchObject({ receivedPoints: 6, acceptedPoints: 5, rejectedPoints: 1 });
    p.close();
  });

  it('rejects every request of the batch when the commit fails, and applies none of them', async () => {
    const p = open();
    p.ingest(request(9));
    p.close(); // every later transaction throws
    const group = new GroupCommit(p);
    const settled = await Promise.allSettled([
      group.submit(request(0)),
      group.submit(request(1)),
      group.submit(request(2)),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(p.stats()).toMatchObject({ receivedPoints: 1, acceptedPoints: 1 });
  });

  it('isolates a request that makes ingest throw: the others are committed on their own', async () => {
    const p = open();
    const poison = request(7);
    const target = {
      ingestMany: (exps: readonly MetricsExport[]): ConsumeResult[] => {
        if (exps.includes(poison)) throw new Error('cannot apply');
        return p.ingestMany(exps);
      },
    };
    const group = new GroupCommit(target);
    const settled = await Promise.allSettled([
      group.submit(request(0)),
      group.submit(poison),
      group.submit(request(1)),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(ageCount(p)).toBe(10);
    p.close();
  });

  it('bounds the queue with OverloadedError and splits long queues into several transactions', async () => {
    const p = open();
    const rec = recording(p);
    const group = new GroupCommit(rec.target, { maxQueued: 5, maxBatch: 2 });
    const all = [0, 1, 2, 3, 4].map((i) => group.submit(request(i)));
    expect(() => group.submit(request(5))).toThrow(OverloadedError);
    await Promise.all(all);
    expect(rec.batches).toEqual([2, 2, 1]);
    await group.drain();
    expect(group.queued).toBe(0);
    expect(ageCount(p)).toBe(25);
    // room again once committed
    await expect(group.submit(request(5))).resolves.toEqual({ rejectedDataPoints: 0 });
    p.close();
  });
});

describe('GroupCommit with a store that syncs', () => {
  it('answers only after the sync; the next batch is applied while a sync runs; a failed sync fails its requests', async () => {
    const p = open();
    const syncs: { resolve: () => void; reject: (e: Error) => void }[] = [];
    let applied = 0;
    const target = {
      ingestMany: (exps: readonly MetricsExport[]) => {
        applied += exps.length;
        return p.ingestMany(exps);
      },
      sync: () => new Promise<void>((resolve, reject) => syncs.push({ resolve, reject })),
    };
    const group = new GroupCommit(target);
    let answered = 0;
    const first = group.submit(request(0)).then(() => answered++);
    await new Promise((r) => setImmediate(r));
    expect(applied).toBe(1);
    expect(syncs).toHaveLength(1);
    // committed, not yet synced: no answer; a second request is applied meanwhile
    const second = group.submit(request(1)).catch((e: Error) => e.message);
    await new Promise((r) => setImmediate(r));
    expect(applied).toBe(2);
    expect(answered).toBe(0);
    let drained = false;
    const drain = group.drain().then(() => (drained = true));
    syncs[0]!.resolve();
    await first;
    expect(answered).toBe(1);
    expect(drained).toBe(false);
    syncs[1]!.reject(new Error('EIO: fdatasync failed'));
    expect(await second).toBe('EIO: fdatasync failed');
    await drain;
    expect(drained).toBe(true);
    p.close();
  });

  it('a state file with durability full syncs its WAL (also concurrently), a closed one resolves at once', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'otel-ml-sync-'));
    try {
      const p = StreamProcessor.open({ path: join(dir, 'state.db'), durability: 'full', clock: () => T0 });
      p.ingest(request(0));
      await Promise.all([p.sync(), p.sync(), p.sync()]);
      p.ingest(request(1));
      const pending = p.sync();
      p.close();
      await pending;
      await p.sync();
      const q = StreamProcessor.open({ path: join(dir, 'state.db'), clock: () => T0 });
      expect(q.stats().liveStreams).toBe(2);
      q.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
