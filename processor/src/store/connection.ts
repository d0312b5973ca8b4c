/**
 * The state file's connection rules: one processor per file (the lock file and the holder it
 * records), the errors of opening it, and the durability of its commits (fdatasync of the WAL).
 */
import { closeSync, fdatasync, openSync } from 'node:fs';
import { hostname } from 'node:os';
import Database from 'better-sqlite3';

/**
 * One processor per state file: two on one file would each count the same streams. The lock is
 * an exclusive SQLite lock on `<path>-lock`, taken by a write and held until close (the OS
 * releases it when the process dies, kill -9 included). The state file itself stays in SQLite's
 * normal locking mode, so that the checkpoint worker's connection (and an operator's sqlite3
 * shell, read-only) can open it.
 */
export function lockStateFile(path: string): Database.Database {
  const lock = new Database(`${path}-lock`);
  try {
    lock.pragma('busy_timeout = 0');
    lock.pragma('locking_mode = EXCLUSIVE');
    lock.exec('CREATE TABLE IF NOT EXISTS owner (pid INTEGER NOT NULL, since INTEGER NOT NULL)');
    lock
      .transaction(() => {
        lock.exec('DELETE FROM owner');
        lock.prepare('INSERT INTO owner (pid, since) VALUES (?, ?)').run(process.pid, Date.now());
      })
      .immediate();
    return lock;
  } catch (e) {
    lock.close();
    const code = (e as { code?: string }).code;
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') throw new DatabaseInUseError(path, recordedHolder(path));
    throw e;
  }
}

export class CorruptDatabaseError extends Error {
  constructor(
    readonly path: string,
    readonly problems: readonly string[],
  ) {
    super(
      `state database ${path} is corrupt (PRAGMA quick_check: ${problems.slice(0, 5).join('; ')}); restore it from a backup or move it away to start with empty state`,
    );
    this.name = 'CorruptDatabaseError';
  }
}

/** Another process holds the state file. */
export class DatabaseInUseError extends Error {
  constructor(
    readonly path: string,
    /** The processor that holds the file, as it recorded itself (absent when unknown). */
    readonly holder?: StateFileHolder,
  ) {
    super(
      `state database ${path} is in use by another process${holder ? ` (${describeHolder(holder)})` : ''}; one processor per state file`,
    );
    this.name = 'DatabaseInUseError';
  }
}

/** Who holds a state file: recorded in its meta table when a processor opens it. */
export interface StateFileHolder {
  readonly pid: number;
  readonly hostname: string;
  /** When it opened the file (ms since the epoch). */
  readonly since: number;
}

/** meta key: the {@link StateFileHolder} of the processor that opened the file last. */
export const HOLDER_KEY = 'holder';

function describeHolder(h: StateFileHolder): string {
  const where = h.hostname === hostname() ? '' : ` on host ${h.hostname}`;
  return `pid ${h.pid}${where}, an otel-ml processor that opened it at ${new Date(h.since).toISOString()}`;
}

/**
 * The holder recorded in the state file at `path`, read without taking any lock (the file stays
 * readable while a processor runs). Undefined when there is no record (a processor that closes
 * removes its own), it cannot be read, or the recorded process no longer runs on this host (then
 * another program holds the lock file).
 */
export function recordedHolder(path: string): StateFileHolder | undefined {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const text = db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(HOLDER_KEY) as string | undefined;
    if (text === undefined) return undefined;
    const h = JSON.parse(text) as StateFileHolder;
    if (!Number.isInteger(h.pid) || typeof h.hostname !== 'string' || !Number.isFinite(h.since)) return undefined;
    if (h.hostname === hostname() && !processRunning(h.pid)) return undefined;
    return h;
  } catch {
    return undefined;
  } finally {
    db?.close();
  }
}

function processRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it runs, under another user
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** WAL pages of `bytes` in `db`'s page size. */
export function autocheckpointPages(db: Database.Database, bytes: number): number {
  return Math.max(1, Math.round(bytes / (db.pragma('page_size', { simple: true }) as number)));
}

/** Maps an error while opening to CorruptDatabaseError / DatabaseInUseError where it is one. */
export function asOpenError(path: string, e: unknown): unknown {
  if (e instanceof CorruptDatabaseError) return e;
  const code = (e as { code?: string }).code;
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB')
    return new CorruptDatabaseError(path, [(e as Error).message]);
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return new DatabaseInUseError(path, recordedHolder(path));
  return e;
}

/**
 * fdatasync of the WAL file on libuv's thread pool, off the event loop: a commit is on stable
 * storage once a sync that started after it resolved. Calls made while one runs share the next.
 */
export class WalSync {
  private fd: number | undefined;
  private syncing: Promise<void> | undefined;
  private nextSync: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly path: string) {}

  /** Resolves when the commits made before this call are on stable storage. */
  sync(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.syncing === undefined) {
      this.syncing = this.fdatasync().finally(() => (this.syncing = undefined));
      return this.syncing;
    }
    // a sync that started before this call does not cover the commits that preceded it
    this.nextSync ??= this.syncing.then(
      () => this.startNext(),
      () => this.startNext(),
    );
    return this.nextSync;
  }

  private startNext(): Promise<void> {
    this.nextSync = undefined;
    return this.sync();
  }

  private fdatasync(): Promise<void> {
    if (this.fd === undefined) {
      try {
        this.fd = openSync(`${this.path}-wal`, 'r');
      } catch (e) {
        return Promise.reject(e as Error);
      }
    }
    const fd = this.fd;
    return new Promise((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
  }

  /** Closes the WAL's descriptor (after a sync still running). */
  close(): void {
    this.closed = true;
    const fd = this.fd;
    this.fd = undefined;
    if (fd === undefined) return;
    const closeFd = () => closeSync(fd);
    if (this.syncing !== undefined) void this.syncing.then(closeFd, closeFd);
    else closeFd();
  }
}
