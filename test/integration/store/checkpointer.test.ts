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
  it('keep the WAL small while the writer commits, without the commit-time checkpoint', async () => {
    const path = join(dir, 'state.db');
    const db = StateDb.open(path, { durability: 'normal', checkpointer: { intervalMs: 20, chaseMs: 2 } });
    // about 48 MiB committed, far beyond the backstop's page count if nothing checkpointed
    await write(db, 3000);
    const s = db.checkpointStats()!;
    expect(s.failure).toBeUndefined();
    expect(s.errors).toBe(0);
    expect(s.runs).toBeGreaterThan(10);
    // the WAL started again from its beginning many times: it never held the data of all commits
    expect(s.maxWalFrames).toBeLessThan(6_000);
    expect(statSync(`${path}-wal`).size).toBeLessThan(24 * 1024 * 1024);
    // the writer's own connection never checkpointed: the database file grew only by the worker's copies
    db.close();
    expect(existsSync(`${path}-wal`)).toBe(false);
    const check = new Database(path, { readonly: true });
    expect(check.prepare('SELECT value FROM meta WHERE key = ?').pluck().get('k199')).toBe(`2999:${VALUE}`);
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

  it('reports a worker that could not start, and stopping it does not wait', async () => {
    const c = new WalCheckpointer(join(dir, 'missing.db'));
    for (let i = 0; i < 200 && c.stats().failure === undefined; i++) await sleep(10);
    expect(c.stats().failure).toMatch(/missing\.db|not exist|unable to open/i);
    const t0 = performance.now();
    expect(c.stop()).toBe(true);
    expect(performance.now() - t0).toBeLessThan(1000);
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
    for (const [path, size] of [[fresh, 16_384], [old, 4096]] as const) {
      const check = new Database(path, { readonly: true });
      expect(check.pragma('page_size', { simple: true })).toBe(size);
      expect(check.prepare('SELECT value FROM meta WHERE key = ?').pluck().get('k4')).toBe(`4:${VALUE}`);
      check.close();
    }
  });
});
