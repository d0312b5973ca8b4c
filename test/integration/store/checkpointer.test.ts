import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WalCheckpointer } from '../../../processor/src/store/checkpointer.js';
import { DatabaseInUseError, StateDb } from '../../../processor/src/store/sqlite.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'otel-ml-checkpointer-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const VALUE = 'x'.repeat(16 * 1024);

/** `n` commits of about 16 KiB each, yielding to the event loop between them. */
async function write(db: StateDb, n: number, from = 0): Promise<void> {
  for (let i = from; i < from + n; i++) {
    db.transaction(() => db.setMeta(`k${i % 200}`, `${i}:${VALUE}`));
    await sleep(1);
  }
}

describe('WAL checkpoints on a worker thread', () => {
  it('copy the WAL into the database on their own, so that the next commit starts it again: the WAL stays as small as one batch of commits', async () => {
    // Deterministic whatever the machine's load: after each batch the test waits (bounded) until
    // the worker has checkpointed every commit so far; the first commit of the next batch then
    // starts the WAL from its beginning. So the WAL file never holds more than one batch's pages,
    // against all 40 batches' without the worker. (How small the WAL stays while commits never
    // pause depends on how fast the worker runs: `npm run bench:checkpointer`.)
    const path = join(dir, 'state.db');
    const db = StateDb.open(path, { durability: 'normal', checkpointer: { intervalMs: 20, chaseMs: 2 } });
    const BATCHES = 40;
    const PER_BATCH = 10;
    /** Waits (bounded) until a checkpoint of the worker copied every commit counted so far. */
    const caughtUp = async (what: string) => {
      const { commits } = db.checkpointStats()!;
      const done = () => db.checkpointStats()!.runs > 0 && db.checkpointStats()!.caughtUpTo >= commits;
      for (let i = 0; i < 3000 && !done(); i++) await sleep(10);
      expect(done(), `${what}: the worker never checkpointed the whole WAL`).toBe(true);
    };
    // the pages that created the state file, checkpointed without a commit to trigger it
    await caughtUp('after open');
    const afterOpen = statSync(`${path}-wal`).size;
    let maxBatchFrames = 0;
    for (let b = 0; b < BATCHES; b++) {
      await write(db, PER_BATCH, b * PER_BATCH);
      await caughtUp(`batch ${b}`);
      maxBatchFrames = Math.max(maxBatchFrames, db.checkpointStats()!.walFrames);
    }
    const s = db.checkpointStats()!;
    expect(s.failure).toBeUndefined();
    expect(s.errors).toBe(0);
    expect(s.commits).toBe(BATCHES * PER_BATCH);
    // A commit of one 16 KiB value writes a few pages (the value's overflow page, its leaf and the
    // tree above it, the freelist's trunk, page 1): at most 8 WAL frames of one 16 KiB page each
    // (6.6 on average in a batch here, the same on any machine: the pages a commit writes do not
    // depend on timing, and a restart within a batch only shortens the WAL).
    const frame = 16_384 + 24;
    const oneBatch = 32 + 8 * PER_BATCH * frame;
    if (process.env.OTEL_ML_TEST_FIGURES)
      console.log(
        `WAL after open ${afterOpen} B, at the end ${statSync(`${path}-wal`).size} B; most frames at a batch's last checkpoint ${maxBatchFrames}`,
      );
    expect(maxBatchFrames).toBeLessThanOrEqual(8 * PER_BATCH);
    expect(statSync(`${path}-wal`).size).toBeLessThanOrEqual(Math.max(afterOpen, oneBatch));
    // (had nothing started the WAL again, it would hold all 400 commits: over 2,000 frames, 35 MB)
    db.close();
    expect(existsSync(`${path}-wal`)).toBe(false);
    const check = new Database(path, { readonly: true });
    expect(check.prepare('SELECT value FROM meta WHERE key = ?').pluck().get('k199')).toBe(`399:${VALUE}`);
    check.close();
  });

  it('lets the data committed meanwhile survive a reopen, and the next processor reuses the lock', async () => {
    const path = join(dir, 'state.db');
    const a = StateDb.open(path, { checkpointer: { intervalMs: 5, chaseMs: 1 } });
    expect(() => StateDb.open(path)).toThrow(DatabaseInUseError);
    await write(a, 300);
    await a.sync();
    a.close();
    const b = StateDb.open(path);
    expect(b.meta('k99')).toBe(`299:${VALUE}`);
    b.close();
  });

  it('reports a worker that could not start, and stopping it returns once that worker ended (no timeout)', async () => {
    const c = new WalCheckpointer(join(dir, 'missing.db'));
    for (let i = 0; i < 200 && c.stats().failure === undefined; i++) await sleep(10);
    expect(c.stats().failure).toMatch(/missing\.db|not exist|unable to open/i);
    // the failed worker marks itself done (right after it reported): stop() returns true, not at
    // the timeout (false; the bound is only a hang guard)
    expect(c.stop(60_000)).toBe(true);
  });

  it('does not block a reader while the processor runs (the state file is not held exclusively)', async () => {
    const path = join(dir, 'state.db');
    const db = StateDb.open(path);
    await write(db, 20);
    const reader = new Database(path, { readonly: true });
    expect(reader.prepare('SELECT value FROM meta WHERE key = ?').pluck().get('k19')).toBe(`19:${VALUE}`);
    reader.close();
    db.close();
  });

  it('creates state files with 16 KiB pages; a file made with another page size keeps it', async () => {
    const fresh = join(dir, 'fresh.db');
    const a = StateDb.open(fresh);
    await write(a, 5);
    a.close();
    const old = join(dir, 'old.db');
    const pre = new Database(old);
    pre.pragma('page_size = 4096');
    pre.pragma('journal_mode = WAL');
    pre.exec('CREATE TABLE t (x)');
    pre.close();
    const b = StateDb.open(old, { commitWorker: true });
    await write(b, 5);
    await b.sync();
    b.close();
    for (const [path, size] of [
      [fresh, 16_384],
      [old, 4096],
    ] as const) {
      const check = new Database(path, { readonly: true });
      expect(check.pragma('page_size', { simple: true })).toBe(size);
      expect(check.prepare('SELECT value FROM meta WHERE key = ?').pluck().get('k4')).toBe(`4:${VALUE}`);
      check.close();
    }
  });
});
