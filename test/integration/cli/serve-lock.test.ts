/**
 * `otel-ml serve` on a state file another processor holds: an expected condition, so one line
 * that names the holder and what to do, and exit status 3 (not "unexpected error", status 1).
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { DatabaseInUseError, StreamProcessor } from '../../../processor/src/streams/index.js';
import { REPO, TSX_IMPORT } from '../../helpers/tsx.js';
import { kill9, serve } from '../hardening/helpers.js';

const CLI = join(REPO, 'processor', 'src', 'cli.ts');
const TSCONFIG = join(REPO, 'test', 'integration', 'store', 'tsconfig.child.json');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'otel-ml-serve-lock-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function config(name: string, db: string): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    [
      'receivers:',
      '  http: { port: 0 }',
      '  grpc: { enabled: false }',
      `storage: { path: ${JSON.stringify(db)} }`,
    ].join('\n'),
  );
  return file;
}

/** Runs `otel-ml serve --config <file>` to its end (it stops at start when the state file is held). */
function serveOnce(configFile: string) {
  const r = spawnSync(process.execPath, [...TSX_IMPORT, CLI, 'serve', '--config', configFile], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 120_000,
    env: {
      ...process.env,
      TSX_TSCONFIG_PATH: TSCONFIG,
      OTEL_EXPORTER_OTLP_ENDPOINT: '',
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: '',
    },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('a second processor on the same state file', () => {
  it('stops at start with exit status 3 and one line naming the holding process and what to do', async () => {
    const db = join(dir, 'state.db');
    const first = config('first.yaml', db);
    let holder: ChildProcess | undefined;
    try {
      holder = await serve(first);
      const second = config('second.yaml', db);
      const r = serveOnce(second);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/unexpected error/);
      expect(r.stderr).toContain(
        `state database ${db} is in use by another process (pid ${holder.pid}, an otel-ml processor that opened it at `,
      );
      expect(r.stderr).toContain(
        `Stop process ${holder.pid} first, or give this one another state file (storage.path in ${second}, or OTEL_ML_STORAGE_PATH)`,
      );
      expect(r.status).toBe(3);
    } finally {
      if (holder) await kill9(holder);
    }
    // once the holder is gone (even killed), the next processor starts on the same file
    const next = await serve(first);
    await kill9(next);
  });

  it('claims no pid when the lock is held by a program that is not a running processor', async () => {
    const db = join(dir, 'foreign.db');
    // the last processor on the file was killed: its record names a process that no longer runs
    const killed = await serve(config('killed.yaml', db));
    await kill9(killed);
    // now another program holds the lock file
    const foreign = new Database(`${db}-lock`);
    foreign.pragma('locking_mode = EXCLUSIVE');
    foreign.exec('BEGIN IMMEDIATE; CREATE TABLE IF NOT EXISTS x (y); COMMIT');
    try {
      let error: unknown;
      try {
        StreamProcessor.open({ path: db }).close();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DatabaseInUseError);
      expect((error as DatabaseInUseError).holder).toBeUndefined();
      const r = serveOnce(config('foreign.yaml', db));
      expect(r.stderr).toContain(
        `state database ${db} is in use by another process; one processor per state file. Stop the other processor first`,
      );
      expect(r.status).toBe(3);
    } finally {
      foreign.close();
    }
  });

  it('a processor that closed cleanly leaves no record behind', () => {
    const db = join(dir, 'clean.db');
    const a = StreamProcessor.open({ path: db });
    expect(() => StreamProcessor.open({ path: db })).toThrow(
      `state database ${db} is in use by another process (pid ${process.pid}, `,
    );
    a.close();
    const check = new Database(db, { readonly: true });
    expect(check.prepare("SELECT count(*) FROM meta WHERE key = 'holder'").pluck().get()).toBe(0);
    check.close();
  });
});
