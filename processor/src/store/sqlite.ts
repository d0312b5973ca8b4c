/**
 * Durable state in embedded SQLite (better-sqlite3): stream cursors, open-window accumulators,
 * histogram layouts, baselines, references, closed-window history and last evaluation results.
 * `StateDb` implements the stream state's storage (`streams/storage.ts`); this file holds the
 * journal, the checkpoints and the stream rows; the lock, open errors and WAL sync are in
 * `connection.ts`, the result tables in `history.ts` ({@link StateDb.results}).
 *
 * SQLite journal mode: WAL (readers never block the writer; a commit appends to the WAL only),
 * with synchronous=NORMAL: a committed transaction survives a process crash (kill -9: committed
 * pages are in the OS page cache, the WAL is replayed at the next open) but not an OS crash or
 * power loss, which may roll back the last commits. Durability 'full' (the default) adds an
 * fdatasync of the WAL file after commits, run on libuv's thread pool ({@link StateDb.sync}):
 * the receivers acknowledge a request only after its transaction committed AND a sync that
 * started after that commit completed, so an acknowledgement survives power loss too, while the
 * event loop goes on with other requests during the sync (SQLite's own synchronous=FULL does
 * the same fsync inside the commit, on the event loop: 100-200 ms stalls when the disk was
 * busy). Syncs are coalesced: commits made while one runs share the next. 'normal' skips the
 * explicit sync, for where losing the last seconds on power loss is acceptable. Checkpoints of
 * the WAL into the database file (which sync both files) run on a worker thread with its own
 * connection (`checkpointer.ts`), not inside a commit.
 *
 * Commit worker (`writer.ts`; option `commitWorker`, which the service uses): the write() of WAL
 * pages inside a commit occasionally blocks for over 100 ms on a busy disk. With the worker, an
 * ingest transaction ({@link StateDb.ingestTransaction}) is encoded on the event loop as a list
 * of statement runs and committed by a connection on a worker thread, in order; {@link sync}
 * waits for that commit, so nothing is acknowledged before it. Transactions on this connection
 * (window closes, stream expiry, evaluations, references) first wait for the
 * worker's (a blocking wait, normally a few ms), so the two connections never contend. When a
 * worker transaction fails, the ones after it are refused, {@link sync} rejects, and the owner
 * reloads its memory state from the committed database ({@link StateDb.onCommitFailure}).
 *
 * Journal: cursors and window slots change with every data point, and writing each changed row
 * per request (one B-tree update per stream and per slot) cost more than decoding the request.
 * Instead, an ingest transaction appends ONE row to `journal`: a record of the row writes it
 * would have made (`journal.ts`); the rows themselves are written by a *checkpoint*, from the
 * in-memory state of every row changed since the previous one, in the same transaction that
 * marks the journal so far obsolete (meta `journal_checkpoint_seq`). A row changed by many
 * requests between two checkpoints is written once. Obsolete records are deleted by the next
 * ingest transactions, each about twice the bytes it appends (deleting 64 MiB of records in one
 * statement walks every overflow page: 60-120 ms on the event loop). Deleting cursors and slots
 * (closing a window, expiring streams) is journaled too: a record of the deleted row ids, which
 * the next checkpoint applies to the tables (so that closing a window costs no checkpoint: with
 * 94,500 streams that took 500 ms on the event loop). A checkpoint starts when the journal
 * exceeds `checkpointBytes` and is spread over the following ingest transactions (a few thousand
 * rows each: see {@link ProgressiveCheckpoint}); at close, everything is written at once. At open,
 * the records after the mark (left by a crash) are replayed onto the tables in order, then the
 * journal is emptied. Durability is unchanged: an acknowledged request's record is committed.
 *
 * Corruption: `open` runs PRAGMA quick_check and refuses a damaged file with
 * {@link CorruptDatabaseError} instead of running on inconsistent state.
 */
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Cursor } from '../model/cursor.js';
import type { ExponentialSlot, Slot } from '../windows/accumulator.js';
import { exponentialSlot, SLOT_EXPONENTIAL_BUCKETS } from '../windows/accumulator.js';
import { ExponentialAccumulator } from '@otel-ml/conventions';
import type { ModelIdentity } from '../model/signals.js';
import { parseSlotKey } from '../model/signals.js';
import {
  decodeBounds,
  decodeCounts,
  decodeCursor,
  decodeExponential,
  encodeBounds,
  encodeCounts,
  encodeCursor,
  encodeExponential,
  isExponentialBody,
} from './codec.js';
import { type CheckpointerOptions, type CheckpointerStats, WalCheckpointer } from './checkpointer.js';
import { CommitFailedError, CommitWriter, type SqlValue, type WriteBatch, type WriterStats } from './writer.js';
import {
  asOpenError,
  autocheckpointPages,
  CorruptDatabaseError,
  HOLDER_KEY,
  lockStateFile,
  type StateFileHolder,
  WalSync,
} from './connection.js';
import { HistoryTables } from './history.js';
import { RETRAINING_SCHEMA, SqliteRetrainingStore, type RetrainingStore } from './retraining.js';
import {
  OP_COUNTER_INSERT,
  OP_COUNTER_UPDATE,
  OP_CURSOR_DELETE,
  OP_CURSOR_INSERT,
  OP_CURSOR_UPDATE,
  OP_EXPONENTIAL_INSERT,
  OP_EXPONENTIAL_UPDATE,
  OP_HISTOGRAM_INSERT,
  OP_HISTOGRAM_UPDATE,
  OP_SLOT_DELETE,
  RecordWriter,
  applyRecord,
  nullable,
} from './journal.js';

/**
 * Version of the state file. 4: exponential histogram slots (rows with a `counts` blob and no
 * `bounds_id`, see `codec.encodeExponential`; journal operations 9 and 10). 5: delta cursors
 * hold their counted intervals (cursor kind 4, see `codec.encodeCursor`). Files of versions 1
 * to 4 are read as they are (a delta cursor without intervals stands for its last interval, see
 * `CountedIntervals.legacy`) and marked 5 when opened; a file of a later version is refused. The
 * `retraining` table (recommendations under review, `retraining.ts`) is created when missing
 * without a new version: a processor that does not know it leaves it alone.
 */
export const SCHEMA_VERSION = 5;

/**
 * The `model` column of an open window: its model identity, with the window's partial reasons
 * (`OpenWindow.partial`) beside it when there are any (no column of their own: the schema stays).
 */
function windowModelColumn(w: { model: ModelIdentity; partial?: readonly string[] }): string {
  return JSON.stringify(w.partial !== undefined && w.partial.length > 0 ? { ...w.model, partial: w.partial } : w.model);
}

/** Journal size (bytes of records) beyond which an ingest transaction also checkpoints. Default 64 MiB. */
export const DEFAULT_CHECKPOINT_BYTES = 64 * 1024 * 1024;

/** meta key: sequence number of the last journal record covered by a checkpoint. */
const JOURNAL_CHECKPOINT_KEY = 'journal_checkpoint_seq';

export type Durability = 'full' | 'normal';

/**
 * WAL size at which a commit checkpoints by itself, on the event loop: only when the checkpoint
 * worker has not kept up.
 */
const BACKSTOP_CHECKPOINT_BYTES = 64 * 1024 * 1024;
/** The same without a checkpoint worker: SQLite's default (1,000 pages of 4 KiB). */
const UNATTENDED_CHECKPOINT_BYTES = 4000 * 1024;

/**
 * Page size of a new state file. An ingest transaction appends one journal record, which SQLite
 * writes to the WAL one page at a time (a frame header, a checksum and a write() per page) and
 * later copies into the database file. Measured on the reference machine (CPU ms per committed
 * transaction, 4 / 16 / 32 KiB pages): a 450 KiB record (1,000 points of 200 buckets) 0.97 /
 * 0.62 / 0.47; a 20 KB record (a request of a few dozen points) 0.071 / 0.094 / 0.132. With 32 KiB
 * pages, small commits also wrote so many more bytes that the checkpoint worker often fell behind
 * (`npm run bench:checkpointer`); 16 KiB is the compromise. A file created with another page size keeps it.
 */
const STATE_PAGE_SIZE = 16_384;

/**
 * The statements an ingest transaction (and a checkpoint inside one) runs: on the event loop's
 * connection, or, with the commit worker, encoded into a {@link WriteBatch} and run there.
 */
const WRITES = {
  insertBounds: 'INSERT INTO bounds (id, data) VALUES (?, ?)',
  upsertWindow:
    'INSERT OR REPLACE INTO windows (model_key, model, task, start, end, extensions) VALUES (?, ?, ?, ?, ?, ?)',
  upsertLayout: 'INSERT OR REPLACE INTO layouts (model_key, slot_key, bounds_id) VALUES (?, ?, ?)',
  appendJournal: 'INSERT INTO journal (seq, body) VALUES (?, ?)',
  pruneJournal: 'DELETE FROM journal WHERE seq <= ?',
  upsertCursor:
    'INSERT INTO cursors (id, stream_key, body) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body',
  upsertSlot:
    'INSERT INTO slots (id, model_key, slot_key, value, count, sum, min, max, bounds_id, counts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ' +
    'ON CONFLICT (id) DO UPDATE SET value = excluded.value, count = excluded.count, sum = excluded.sum, min = excluded.min, max = excluded.max, counts = excluded.counts',
  setMeta: 'INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)',
  deleteCursorRow: 'DELETE FROM cursors WHERE id = ?',
  deleteSlotRow: 'DELETE FROM slots WHERE id = ?',
} as const;
type WriteName = keyof typeof WRITES;
const WRITE_NAMES = Object.keys(WRITES) as WriteName[];
const WRITE_INDEX = new Map(WRITE_NAMES.map((n, i) => [n, i]));

export { CorruptDatabaseError, DatabaseInUseError, type StateFileHolder } from './connection.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS bounds (id INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS cursors (id INTEGER PRIMARY KEY, stream_key TEXT NOT NULL UNIQUE, body BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS windows (
  model_key TEXT PRIMARY KEY, model TEXT NOT NULL, task TEXT NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL, extensions INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS slots (
  id INTEGER PRIMARY KEY, model_key TEXT NOT NULL, slot_key TEXT NOT NULL, value REAL, count REAL, sum REAL, min REAL, max REAL, bounds_id INTEGER, counts BLOB,
  UNIQUE (model_key, slot_key));
CREATE TABLE IF NOT EXISTS layouts (model_key TEXT NOT NULL, slot_key TEXT NOT NULL, bounds_id INTEGER NOT NULL, PRIMARY KEY (model_key, slot_key));
CREATE TABLE IF NOT EXISTS baselines (model_name TEXT NOT NULL, model_version TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (model_name, model_version));
CREATE TABLE IF NOT EXISTS refs (model_key TEXT NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (model_key, kind));
CREATE TABLE IF NOT EXISTS history (model_key TEXT NOT NULL, end INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (model_key, end));
CREATE TABLE IF NOT EXISTS evaluations (model_key TEXT PRIMARY KEY, window_end INTEGER NOT NULL, body TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS evaluation_history (model_key TEXT NOT NULL, window_end INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (model_key, window_end));
CREATE TABLE IF NOT EXISTS journal (seq INTEGER PRIMARY KEY, body BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS history_by_end ON history (end);
CREATE INDEX IF NOT EXISTS evaluation_history_by_end ON evaluation_history (window_end);
${RETRAINING_SCHEMA}`;

/** A stored window with its slots. */
export interface StoredWindow {
  readonly modelKey: string;
  readonly model: ModelIdentity;
  readonly task: string;
  readonly start: number;
  readonly end: number;
  readonly extensions: number;
  readonly slots: Slot[];
  readonly partial?: readonly string[];
}

/** Everything one ingest request changed, written in one transaction. */
export interface IngestChanges {
  /** Stream key → its new cursor. */
  readonly cursors: ReadonlyMap<string, Cursor>;
  readonly windows: Iterable<{
    modelKey: string;
    model: ModelIdentity;
    task: string;
    start: number;
    end: number;
    extensions: number;
  }>;
  /** Slot → its model key. */
  readonly slots: ReadonlyMap<Slot, string>;
  readonly layouts: Iterable<[string, string, readonly number[]]>;
}

/** The buckets of an exponential slot, as views (encoded at once). */
function exponentialBody(h: ExponentialAccumulator): Parameters<typeof encodeExponential>[0] {
  return { scale: h.scale, zeroCount: h.zeroCount, zeroThreshold: h.zeroThreshold, ...h.bucketViews() };
}

/** An exponential slot's min/max as stored: NaN (SQL NULL) while empty or unknown. */
function expMin(h: ExponentialAccumulator): number {
  return h.count > 0 ? h.min : Number.NaN;
}
function expMax(h: ExponentialAccumulator): number {
  return h.count > 0 ? h.max : Number.NaN;
}

type Row = Record<string, unknown>;

/**
 * A checkpoint spread over ingest transactions: the rows that were dirty when it started are
 * written a batch per transaction (their values as they are when their turn comes, never older
 * than at the start); the last transaction deletes the rows whose deletion was pending at the
 * start, writes the rows that share a unique key with those (a stream that came back, the slots
 * of a model's next window) and moves the mark to the record that was last at the start. A crash
 * meanwhile replays from the previous mark: records set whole rows, so rows written early are
 * harmless, and no row that a replayed record updates has been deleted yet.
 */
interface ProgressiveCheckpoint {
  /** The mark it sets when done, and the records that mark covers. */
  readonly seq: number;
  readonly records: readonly { seq: number; bytes: number }[];
  /** Deletions pending at the start (done in the last transaction), and the keys they free. */
  readonly deletes: {
    readonly cursors: readonly number[];
    readonly slots: readonly number[];
    readonly cursorKeys: ReadonlySet<string>;
    readonly slotModels: ReadonlySet<string>;
  };
  /** Rows that share a key with a pending deletion: written after it. */
  readonly deferredCursors: [number, { readonly key: string; cursor: Cursor }][];
  readonly deferredSlots: [number, { readonly modelKey: string; readonly slot: Slot }][];
  readonly cursors: Iterator<[number, { readonly key: string; cursor: Cursor }]>;
  readonly slots: Iterator<[number, { readonly modelKey: string; readonly slot: Slot }]>;
  /** Rows deleted after it started: not written (their deletion is pending for the next checkpoint). */
  readonly goneCursors: Set<number>;
  readonly goneSlots: Set<number>;
}

/**
 * Hands `write` up to `budget` rows of `rows` not in `gone`; returns the budget left, or -1 when
 * `rows` still has some.
 */
function takeRows<V>(
  rows: Iterator<[number, V]>,
  gone: ReadonlySet<number>,
  budget: number,
  write: (row: [number, V]) => void,
): number {
  let left = budget;
  while (left > 0) {
    const e = rows.next();
    if (e.done === true) return left;
    if (gone.has(e.value[0])) continue;
    write(e.value);
    left--;
  }
  return -1;
}

/** Rows a progressive checkpoint writes per ingest transaction. Default 2,000. */
export const DEFAULT_CHECKPOINT_ROWS_PER_TRANSACTION = 2_000;

/** Exactly equal number lists. */
function sameList(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class StateDb {
  private readonly db: Database.Database;
  private readonly boundsById = new Map<number, readonly number[]>();
  private readonly idByBounds = new Map<readonly number[], number>();
  private readonly idByText = new Map<string, number>();
  private readonly stmt;
  /** Row ids of committed (or being committed) cursors and slots: writes are UPDATEs by rowid. */
  private cursorIds = new Map<string, number>();
  private nextCursorId = 1;
  private slotIds = new Map<string, Map<string, number>>();
  private nextSlotId = 1;
  /** Element width of each histogram slot's counts at its last journal write (the next write tries it first). */
  private countWidths = new Map<number, number>();

  /** The record of the running ingest transaction. */
  private readonly record = new RecordWriter();
  /** Bytes of journal records committed (or being committed) since the last checkpoint. */
  private journalBytes = 0;
  /** Sequence number of the next journal record. */
  private nextSeq = 1;
  /** Records appended since the last checkpoint (seq, bytes). */
  private liveRecords: { seq: number; bytes: number }[] = [];
  /**
   * Records made obsolete by a checkpoint and not deleted yet, oldest first. Deleting 64 MiB of
   * records at once walks every overflow page (a pause of 60-120 ms); they are deleted a few at a
   * time by the following ingest transactions instead (see {@link pruneJournal}); those before
   * `obsoleteHead` are deleted already.
   */
  private obsoleteRecords: { seq: number; bytes: number }[] = [];
  private obsoleteHead = 0;
  /** Rows changed since the last checkpoint, by row id: what the next checkpoint writes. */
  private dirtyCursors = new Map<number, { readonly key: string; cursor: Cursor }>();
  private dirtySlots = new Map<number, { readonly modelKey: string; readonly slot: Slot }>();
  /** Rows deleted since the last checkpoint (journaled; the next checkpoint deletes them from the tables). */
  private deletedCursors: number[] = [];
  private deletedSlots: number[] = [];
  /** Stream keys of the deleted cursors, and models whose slots were deleted (keys a new row may take again). */
  private deletedCursorKeys = new Set<string>();
  private deletedSlotModels = new Set<string>();
  /** The retraining recommendations under review (created at first use). */
  private retrainingStore: RetrainingStore | undefined;
  /** History, references, baselines and evaluations (see `history.ts`). */
  readonly results: HistoryTables;
  /** The checkpoint being written a few rows per ingest transaction, if one is (see {@link stepCheckpoint}). */
  private progressive: ProgressiveCheckpoint | undefined;

  /** Descriptor of the WAL file for {@link sync} (opened at the first sync); undefined for ':memory:' or 'normal'. */
  private readonly walSync: WalSync;
  private closed = false;
  /** The statement runs of the ingest transaction being built for the commit worker. */
  private batch: WriteBatch | undefined;
  /**
   * Called when a transaction on the commit worker failed (from the event loop, between other
   * calls): the memory state then includes changes that are not committed; reload it (see
   * {@link replayJournal}).
   */
  onCommitFailure: ((e: CommitFailedError) => void) | undefined;

  private constructor(
    readonly path: string,
    db: Database.Database,
    private readonly lock: Database.Database | undefined,
    private readonly checkpointer: WalCheckpointer | undefined,
    private readonly writer: CommitWriter | undefined,
    private readonly checkpointBytes: number,
    private readonly durability: Durability,
    private readonly checkpointRows: number,
  ) {
    this.db = db;
    this.walSync = new WalSync(path);
    if (writer !== undefined) writer.onFailure = (e) => this.onCommitFailure?.(e);
    this.stmt = {
      insertBounds: db.prepare(WRITES.insertBounds),
      updateCursor: db.prepare('UPDATE cursors SET body = ? WHERE id = ?'),
      deleteCursorRow: db.prepare(WRITES.deleteCursorRow),
      deleteSlotRow: db.prepare(WRITES.deleteSlotRow),
      upsertCursor: db.prepare(WRITES.upsertCursor),
      upsertSlot: db.prepare(WRITES.upsertSlot),
      appendJournal: db.prepare(WRITES.appendJournal),
      journalSeqs: db.prepare('SELECT seq FROM journal WHERE seq > ? ORDER BY seq').pluck(),
      maxJournalSeq: db.prepare('SELECT max(seq) FROM journal').pluck(),
      pruneJournal: db.prepare(WRITES.pruneJournal),
      journalBody: db.prepare('SELECT body FROM journal WHERE seq = ?').pluck(),
      clearJournal: db.prepare('DELETE FROM journal'),
      upsertWindow: db.prepare(WRITES.upsertWindow),
      deleteWindow: db.prepare('DELETE FROM windows WHERE model_key = ?'),
      updateCounter: db.prepare('UPDATE slots SET value = ? WHERE id = ?'),
      // A slot's boundaries never change (set when it is inserted).
      updateHistogram: db.prepare('UPDATE slots SET count = ?, sum = ?, min = ?, max = ?, counts = ? WHERE id = ?'),
      upsertLayout: db.prepare(WRITES.upsertLayout),
      getMeta: db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
      setMeta: db.prepare(WRITES.setMeta),
    };
    this.results = new HistoryTables(db);
    this.loadBounds();
  }

  /** (Re)loads the committed boundary lists. */
  private loadBounds(): void {
    this.boundsById.clear();
    this.idByBounds.clear();
    this.idByText.clear();
    this.aliases = new WeakMap();
    this.lastInterned = undefined;
    this.pendingBounds = [];
    for (const r of this.db.prepare('SELECT id, data FROM bounds').all() as { id: number; data: Buffer }[]) {
      const b = decodeBounds(r.data);
      this.boundsById.set(r.id, b);
      this.idByBounds.set(b, r.id);
      this.idByText.set(b.join(','), r.id);
    }
  }

  /**
   * Runs one write statement: in the batch being built for the commit worker, or here. Blob
   * parameters may be views of reused buffers (copied before this returns).
   */
  private write(name: WriteName, ...params: SqlValue[]): void {
    const b = this.batch;
    if (b === undefined) {
      (this.stmt[name] as Database.Statement).run(...params);
      return;
    }
    b.push(WRITE_INDEX.get(name)!);
    for (let i = 0; i < params.length; i++) {
      const v = params[i]!;
      b.push(v instanceof Uint8Array ? this.writer!.blob(v) : v);
    }
  }

  /**
   * Opens (creating if needed) the database at `path` (':memory:' for a transient store), checks
   * its integrity and schema version. `now` (ms) is recorded as the creation time of a new store.
   */
  static open(
    path: string,
    opts: {
      durability?: Durability;
      now?: number;
      checkpointBytes?: number;
      checkpointRowsPerTransaction?: number;
      checkpointer?: CheckpointerOptions | false;
      commitWorker?: boolean;
    } = {},
  ): StateDb {
    const transient = path === ':memory:' || path === '';
    let db: Database.Database;
    let lock: Database.Database | undefined;
    try {
      if (!transient) {
        mkdirSync(dirname(path), { recursive: true });
        lock = lockStateFile(path);
      }
      db = new Database(path);
    } catch (e) {
      lock?.close();
      throw asOpenError(path, e);
    }
    let autocheckpoint: number;
    try {
      db.pragma('busy_timeout = 0');
      // effective only while the file is empty (before WAL mode and the first table)
      db.pragma(`page_size = ${STATE_PAGE_SIZE}`);
      db.pragma('journal_mode = WAL');
      // 'full' durability syncs the WAL explicitly, off the event loop (see `sync`)
      db.pragma('synchronous = NORMAL');
      // checkpoints run on a worker thread; the commit-time one remains as a backstop
      autocheckpoint = autocheckpointPages(
        db,
        opts.checkpointer === false ? UNATTENDED_CHECKPOINT_BYTES : BACKSTOP_CHECKPOINT_BYTES,
      );
      if (!transient) db.pragma(`wal_autocheckpoint = ${autocheckpoint}`);
      const problems = (db.pragma('quick_check') as { quick_check: string }[]).map((r) => r.quick_check);
      if (problems.length !== 1 || problems[0] !== 'ok') throw new CorruptDatabaseError(path, problems);
      db.exec(SCHEMA);
      const version = db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get('schema_version') as
        string | undefined;
      if (version === undefined) {
        db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('schema_version', String(SCHEMA_VERSION));
        db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('created_at', String(opts.now ?? Date.now()));
      } else if (Number(version) >= 1 && Number(version) < SCHEMA_VERSION) {
        // version 2 only added the journal table (created above); version 3 only journal operations
        // (deletions); version 4 only a kind of slot row and two journal operations; version 5
        // only a kind of cursor body
        db.prepare('UPDATE meta SET value = ? WHERE key = ?').run(String(SCHEMA_VERSION), 'schema_version');
      } else if (Number(version) !== SCHEMA_VERSION) {
        throw new Error(`state database ${path} has schema version ${version}; this processor uses ${SCHEMA_VERSION}`);
      }
      if (!transient) {
        const holder: StateFileHolder = { pid: process.pid, hostname: hostname(), since: Date.now() };
        db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(HOLDER_KEY, JSON.stringify(holder));
      }
    } catch (e) {
      db.close();
      lock?.close();
      throw asOpenError(path, e);
    }
    let writer: CommitWriter | undefined;
    try {
      if (!transient && opts.commitWorker === true) {
        const statements = WRITE_NAMES.map((n) => ({ sql: WRITES[n], params: WRITES[n].split('?').length - 1 }));
        writer = new CommitWriter(path, statements, { autocheckpointPages: autocheckpoint });
      }
    } catch (e) {
      db.close();
      lock?.close();
      throw e;
    }
    const checkpointer =
      transient || opts.checkpointer === false ? undefined : new WalCheckpointer(path, opts.checkpointer || {});
    return new StateDb(
      path,
      db,
      lock,
      checkpointer,
      writer,
      opts.checkpointBytes ?? DEFAULT_CHECKPOINT_BYTES,
      opts.durability === 'normal' || transient ? 'normal' : 'full',
      Math.max(1, opts.checkpointRowsPerTransaction ?? DEFAULT_CHECKPOINT_ROWS_PER_TRANSACTION),
    );
  }

  /** Figures of the WAL checkpoints on the worker thread (undefined for a transient store). */
  checkpointStats(): CheckpointerStats | undefined {
    return this.checkpointer?.stats();
  }

  /** Figures of the commit worker (undefined without one). */
  writerStats(): WriterStats | undefined {
    return this.writer?.stats();
  }

  /** Whether the worker thread is checkpointing the WAL at this moment. */
  checkpointRunning(): boolean {
    return this.checkpointer?.running() ?? false;
  }

  /**
   * Resolves when every transaction made before this call is committed (with the commit worker:
   * when the worker committed it) and on stable storage: an fdatasync of the WAL file on libuv's
   * thread pool (durability 'full'; none otherwise). Calls made while a sync runs share the next
   * one, which starts when it completes. Rejects with the I/O error, or with the
   * {@link CommitFailedError} of a transaction that was not committed.
   */
  sync(): Promise<void> {
    const committed =
      this.writer !== undefined && !this.closed ? this.writer.committed(this.writer.lastPosted) : undefined;
    if (committed === undefined) return this.syncWal();
    return this.durability === 'full' ? committed.then(() => this.syncWal()) : committed;
  }

  private syncWal(): Promise<void> {
    if (this.durability !== 'full' || this.closed) return Promise.resolve();
    return this.walSync.sync();
  }

  /** Checkpoints (so that the next open has nothing to replay) and closes. */
  close(): void {
    if (!this.db.open) return;
    try {
      // waits for the commit worker's transactions; throws if one failed
      this.transaction(() => {
        this.checkpoint();
        this.pruneJournal(Number.POSITIVE_INFINITY);
        // a record left behind would name a process that no longer holds the file
        this.db.prepare('DELETE FROM meta WHERE key = ?').run(HOLDER_KEY);
      });
    } catch {
      // the committed journal stays and is replayed at the next open
    }
    this.closed = true;
    // the workers' connections first: closing the last connection checkpoints and removes the WAL
    try {
      this.writer?.stop();
    } catch {
      // a worker that does not answer: its transactions were not acknowledged
    }
    this.checkpointer?.stop();
    this.db.close();
    this.lock?.close();
    this.walSync.close();
  }

  meta(key: string): string | undefined {
    return this.stmt.getMeta.get(key) as string | undefined;
  }

  setMeta(key: string, value: string): void {
    this.stmt.setMeta.run(key, value);
  }

  /**
   * Runs `fn` in one transaction on this thread (BEGIN IMMEDIATE ... COMMIT, rolled back on a
   * throw), after the commit worker's transactions (a blocking wait); throws the
   * {@link CommitFailedError} of one of those that failed.
   */
  transaction<T>(fn: () => T): T {
    if (this.writer !== undefined) {
      this.writer.drain();
      if (this.writer.failure !== undefined) throw this.writer.failure;
    }
    const out = this.db.transaction(fn).immediate();
    this.checkpointer?.committed();
    return out;
  }

  /**
   * Runs `fn`, which calls {@link writeIngest}, as one transaction: on the commit worker when
   * there is one (this returns before the commit; {@link sync} tells when it committed), here
   * otherwise. Throws the failure of an earlier worker transaction that was not dealt with yet.
   */
  ingestTransaction(fn: () => void): void {
    const w = this.writer;
    if (w === undefined) {
      this.transaction(fn);
      return;
    }
    if (w.failure !== undefined) throw w.failure;
    const batch: WriteBatch = [];
    this.batch = batch;
    try {
      fn();
    } finally {
      this.batch = undefined;
    }
    if (batch.length === 0) return;
    w.post(batch);
    this.checkpointer?.committed();
  }

  /**
   * Shared instance of a boundary list (the same array for equal lists). Lookups by reference
   * first: an interned list, a frozen list seen before (the decoder shares one frozen array per
   * request among points with identical boundaries), or equal to the last result; the text key
   * is computed only for a list not seen yet.
   */
  internBounds(b: readonly number[]): readonly number[] {
    if (this.idByBounds.has(b)) return b;
    const alias = this.aliases.get(b);
    if (alias !== undefined) return alias;
    const out =
      this.lastInterned !== undefined && sameList(this.lastInterned, b) ? this.lastInterned : this.internByText(b);
    if (Object.isFrozen(b)) this.aliases.set(b, out);
    this.lastInterned = out;
    return out;
  }

  private aliases = new WeakMap<readonly number[], readonly number[]>();
  private lastInterned: readonly number[] | undefined;

  private internByText(b: readonly number[]): readonly number[] {
    const id = this.idByText.get(b.join(','));
    if (id !== undefined) return this.boundsById.get(id)!;
    const copy = Object.freeze(b.slice());
    const newId = this.boundsById.size + 1;
    this.boundsById.set(newId, copy);
    this.idByBounds.set(copy, newId);
    this.idByText.set(copy.join(','), newId);
    this.pendingBounds.push(newId);
    return copy;
  }

  private pendingBounds: number[] = [];

  private boundsId = (b: readonly number[]): number => {
    const id = this.idByBounds.get(b) ?? this.idByBounds.get(this.internBounds(b))!;
    return id;
  };

  private bounds = (id: number): readonly number[] => {
    const b = this.boundsById.get(id);
    if (b === undefined) throw new CorruptDatabaseError(this.path, [`unknown boundary list ${id}`]);
    return b;
  };

  private flushBounds(): void {
    for (const id of this.pendingBounds) this.write('insertBounds', id, encodeBounds(this.boundsById.get(id)!));
    this.pendingBounds = [];
  }

  /** Forgets boundary lists interned in memory but never committed (after a failed transaction). */
  discardPendingBounds(): void {
    this.aliases = new WeakMap();
    this.lastInterned = undefined;
    for (const id of this.pendingBounds) {
      const b = this.boundsById.get(id)!;
      this.boundsById.delete(id);
      this.idByBounds.delete(b);
      this.idByText.delete(b.join(','));
    }
    this.pendingBounds = [];
  }

  /**
   * Records the changes of one ingest transaction: window headers, layouts and new boundary
   * lists are written directly (few, and never deleted by a checkpoint); cursors and slots go to
   * one journal record. Call inside {@link transaction}.
   */
  writeIngest(ch: IngestChanges): void {
    this.record.reset();
    for (const [key, c] of ch.cursors) this.writeCursor(key, c);
    for (const w of ch.windows)
      this.write('upsertWindow', w.modelKey, windowModelColumn(w), w.task, w.start, w.end, w.extensions);
    for (const [slot, modelKey] of ch.slots) this.writeSlot(modelKey, slot);
    for (const [modelKey, slotKey, b] of ch.layouts) this.write('upsertLayout', modelKey, slotKey, this.boundsId(b));
    this.flushBounds();
    this.appendRecord();
  }

  /** Appends the record built in {@link record}, if it has operations; checkpoints when the journal is full. */
  private appendRecord(): void {
    if (this.record.length === 0) return;
    const seq = this.nextSeq++;
    this.write('appendJournal', seq, this.record.view());
    this.journalBytes += this.record.length;
    this.liveRecords.push({ seq, bytes: this.record.length });
    this.pruneJournal(2 * this.record.length);
    this.record.reset();
    if (this.progressive !== undefined) this.stepCheckpoint();
    else if (this.journalBytes >= this.checkpointBytes) this.startCheckpoint();
  }

  /**
   * Starts a progressive checkpoint of everything dirty now (the journal crossed
   * `checkpointBytes`) and writes its first `rows` rows: writing every changed row in one
   * transaction took 275-440 ms with 94,500 streams. Call inside a transaction, after appending a
   * record.
   */
  private startCheckpoint(rows = this.checkpointRows): void {
    const last = this.liveRecords.at(-1);
    if (last === undefined) return;
    this.progressive = {
      seq: last.seq,
      records: this.liveRecords,
      deletes: {
        cursors: this.deletedCursors,
        slots: this.deletedSlots,
        cursorKeys: this.deletedCursorKeys,
        slotModels: this.deletedSlotModels,
      },
      deferredCursors: [],
      deferredSlots: [],
      cursors: this.dirtyCursors.entries(),
      slots: this.dirtySlots.entries(),
      goneCursors: new Set(),
      goneSlots: new Set(),
    };
    this.liveRecords = [];
    this.deletedCursors = [];
    this.deletedSlots = [];
    this.deletedCursorKeys = new Set();
    this.deletedSlotModels = new Set();
    this.dirtyCursors = new Map();
    this.dirtySlots = new Map();
    this.journalBytes = 0;
    this.stepCheckpoint(rows);
  }

  /** Writes the next rows of the progressive checkpoint (all of them when `rows` is infinite); sets its mark when done. */
  private stepCheckpoint(rows = this.checkpointRows): void {
    const c = this.progressive!;
    const d = c.deletes;
    let left = takeRows(c.cursors, c.goneCursors, rows, (row) => {
      if (d.cursorKeys.has(row[1].key)) c.deferredCursors.push(row);
      else this.writeCursorRow(row);
    });
    if (left >= 0) {
      left = takeRows(c.slots, c.goneSlots, left, (row) => {
        if (d.slotModels.has(row[1].modelKey)) c.deferredSlots.push(row);
        else this.writeSlotRow(row);
      });
    }
    if (left < 0) {
      this.flushBounds();
      return;
    }
    // deletions, then the rows that take their keys again, then the mark: one transaction
    for (const id of d.cursors) this.write('deleteCursorRow', id);
    for (const id of d.slots) this.write('deleteSlotRow', id);
    for (const row of c.deferredCursors) if (!c.goneCursors.has(row[0])) this.writeCursorRow(row);
    for (const row of c.deferredSlots) if (!c.goneSlots.has(row[0])) this.writeSlotRow(row);
    this.flushBounds();
    // the records up to its mark are now obsolete: replay skips them, later transactions delete them
    this.write('setMeta', JOURNAL_CHECKPOINT_KEY, String(c.seq));
    for (const r of c.records) this.obsoleteRecords.push(r);
    this.progressive = undefined;
  }

  private writeCursorRow([id, { key, cursor }]: [number, { readonly key: string; cursor: Cursor }]): void {
    this.write('upsertCursor', id, key, encodeCursor(cursor, this.boundsId, 'transient'));
  }

  private writeSlotRow([id, { modelKey, slot }]: [number, { readonly modelKey: string; readonly slot: Slot }]): void {
    if (slot.kind === 'counter')
      this.write('upsertSlot', id, modelKey, slot.key, slot.value, null, null, null, null, null, null);
    else if (slot.kind === 'exponential') {
      const h = slot.histogram;
      this.write(
        'upsertSlot',
        id,
        modelKey,
        slot.key,
        null,
        h.count,
        nullable(h.sum),
        nullable(expMin(h)),
        nullable(expMax(h)),
        null,
        encodeExponential(exponentialBody(h), 'transient'),
      );
    } else
      this.write(
        'upsertSlot',
        id,
        modelKey,
        slot.key,
        null,
        slot.count,
        nullable(slot.sum),
        nullable(slot.min),
        nullable(slot.max),
        this.boundsId(slot.bounds),
        encodeCounts(slot.counts, 'transient'),
      );
  }

  private writeCursor(key: string, c: Cursor): void {
    const body = encodeCursor(c, this.boundsId, 'transient');
    let id = this.cursorIds.get(key);
    if (id !== undefined) this.record.u8(OP_CURSOR_UPDATE).u32(id).bytes(body);
    else {
      id = this.nextCursorId++;
      this.cursorIds.set(key, id);
      this.record.u8(OP_CURSOR_INSERT).u32(id).str(key).bytes(body);
    }
    const dirty = this.dirtyCursors.get(id);
    if (dirty !== undefined) dirty.cursor = c;
    else this.dirtyCursors.set(id, { key, cursor: c });
  }

  private writeSlot(modelKey: string, slot: Slot): void {
    let ids = this.slotIds.get(modelKey);
    if (ids === undefined) this.slotIds.set(modelKey, (ids = new Map()));
    let id = ids.get(slot.key);
    const r = this.record;
    if (id === undefined) {
      id = this.nextSlotId++;
      ids.set(slot.key, id);
      if (slot.kind === 'counter') r.u8(OP_COUNTER_INSERT).u32(id).str(modelKey).str(slot.key).f64(slot.value);
      else if (slot.kind === 'exponential') {
        const h = slot.histogram;
        r.u8(OP_EXPONENTIAL_INSERT).u32(id).str(modelKey).str(slot.key);
        this.writeExponentialFields(id, h);
      } else {
        r.u8(OP_HISTOGRAM_INSERT)
          .u32(id)
          .str(modelKey)
          .str(slot.key)
          .f64(slot.count)
          .f64(slot.sum)
          .f64(slot.min)
          .f64(slot.max);
        this.countWidths.set(id, r.u32(this.boundsId(slot.bounds)).counts(slot.counts));
      }
    } else if (slot.kind === 'counter') r.u8(OP_COUNTER_UPDATE).u32(id).f64(slot.value);
    else if (slot.kind === 'exponential') {
      const h = slot.histogram;
      r.u8(OP_EXPONENTIAL_UPDATE).u32(id);
      this.writeExponentialFields(id, h);
    } else {
      r.u8(OP_HISTOGRAM_UPDATE).u32(id).f64(slot.count).f64(slot.sum).f64(slot.min).f64(slot.max);
      const hint = this.countWidths.get(id);
      const width = r.counts(slot.counts, hint);
      if (width !== hint) this.countWidths.set(id, width);
    }
    // a slot object is updated in place: one entry per checkpoint interval
    if (this.dirtySlots.get(id)?.slot !== slot) this.dirtySlots.set(id, { modelKey, slot });
  }

  /**
   * The fields of an exponential slot's journal operation (see `journal.ts`); its two count arrays
   * are stored with the widths they had at the slot's previous write as hints (one pass each while
   * they fit).
   */
  private writeExponentialFields(id: number, h: ExponentialAccumulator): void {
    const r = this.record;
    const { positive, negative } = h.bucketViews();
    r.f64(h.count)
      .f64(h.sum)
      .f64(expMin(h))
      .f64(expMax(h))
      .f64(h.scale)
      .f64(h.zeroCount)
      .f64(h.zeroThreshold)
      .f64(positive.offset)
      .f64(negative.offset);
    const hint = this.countWidths.get(id) ?? 0;
    const widths = r.counts(positive.bucketCounts, hint & 15) | (r.counts(negative.bucketCounts, hint >> 4) << 4);
    if (widths !== hint) this.countWidths.set(id, widths);
  }

  /**
   * Writes every cursor and slot changed since the last checkpoint from memory, applies the
   * pending deletions and marks the journal so far obsolete, all at once (at close). Call inside
   * {@link transaction}; a no-op when nothing is pending.
   */
  checkpoint(): void {
    // a progressive one first, to its end (its rows before the newer ones)
    if (this.progressive !== undefined) this.stepCheckpoint(Number.POSITIVE_INFINITY);
    // then everything since, in this transaction (every change since came with a record)
    if (this.liveRecords.length > 0) this.startCheckpoint(Number.POSITIVE_INFINITY);
  }

  /** Deletes obsolete journal records, oldest first, up to about `budget` bytes (at least one). Call inside {@link transaction}. */
  private pruneJournal(budget: number): void {
    const q = this.obsoleteRecords;
    const first = this.obsoleteHead;
    if (first === q.length) return;
    let n = first;
    let bytes = 0;
    while (n < q.length && (n === first || bytes + q[n]!.bytes <= budget)) bytes += q[n++]!.bytes;
    this.write('pruneJournal', q[n - 1]!.seq);
    if (n === q.length) {
      this.obsoleteRecords = [];
      this.obsoleteHead = 0;
    } else this.obsoleteHead = n;
  }

  /** Bytes of journal records since the last checkpoint. */
  pendingJournalBytes(): number {
    return this.journalBytes;
  }

  /**
   * Applies the committed journal (left by a crash, or by a transaction that failed after earlier
   * ones committed) to the tables and deletes it, and forgets pending in-memory changes: the
   * tables then hold the whole committed state. Run before loading state.
   */
  replayJournal(): void {
    if (this.writer !== undefined) {
      // after a failed worker transaction, the boundary lists of the refused ones are not committed
      this.writer.drain();
      if (this.writer.failure !== undefined) {
        this.loadBounds();
        this.writer.reset();
      }
    }
    this.record.reset();
    this.dirtyCursors = new Map();
    this.dirtySlots = new Map();
    this.deletedCursors = [];
    this.deletedSlots = [];
    this.deletedCursorKeys = new Set();
    this.deletedSlotModels = new Set();
    this.progressive = undefined;
    this.journalBytes = 0;
    this.liveRecords = [];
    this.obsoleteRecords = [];
    this.obsoleteHead = 0;
    const s = this.stmt;
    const checkpointed = Number(this.meta(JOURNAL_CHECKPOINT_KEY) ?? 0);
    this.transaction(() => {
      // records up to the last checkpoint's mark are obsolete (its rows were written with it)
      // one record at a time (a statement cannot run while another one's iterator is open)
      for (const seq of s.journalSeqs.all(checkpointed) as number[]) {
        try {
          applyRecord(s, s.journalBody.get(seq) as Buffer);
        } catch (e) {
          throw new CorruptDatabaseError(this.path, [`journal record ${seq}: ${(e as Error).message}`]);
        }
      }
      // sequence numbers keep increasing past the checkpoint mark
      this.nextSeq = Math.max(checkpointed, (s.maxJournalSeq.get() as number | null) ?? 0) + 1;
      s.clearJournal.run();
    });
  }

  /** Deletes cursors: a journal record of their ids (the next checkpoint deletes the rows). Call inside {@link transaction}. */
  deleteCursors(keys: Iterable<string>): void {
    this.record.reset();
    for (const k of keys) {
      const id = this.cursorIds.get(k);
      if (id === undefined) continue;
      this.record.u8(OP_CURSOR_DELETE).u32(id);
      this.cursorIds.delete(k);
      this.dirtyCursors.delete(id);
      this.deletedCursors.push(id);
      this.deletedCursorKeys.add(k);
      this.progressive?.goneCursors.add(id);
    }
    this.appendRecord();
  }

  /** Writes a window's header (after an extension). */
  writeWindow(w: {
    modelKey: string;
    model: ModelIdentity;
    task: string;
    start: number;
    end: number;
    extensions: number;
    partial?: readonly string[];
  }): void {
    this.stmt.upsertWindow.run(w.modelKey, windowModelColumn(w), w.task, w.start, w.end, w.extensions);
    this.flushBounds();
  }

  /**
   * Removes a closed window: its header row, and its slots through a journal record of their ids
   * (the next checkpoint deletes the rows). Call inside {@link transaction}.
   */
  deleteWindow(modelKey: string): void {
    this.stmt.deleteWindow.run(modelKey);
    this.deletedSlotModels.add(modelKey);
    this.record.reset();
    for (const id of this.slotIds.get(modelKey)?.values() ?? []) {
      this.record.u8(OP_SLOT_DELETE).u32(id);
      this.countWidths.delete(id);
      this.dirtySlots.delete(id);
      this.deletedSlots.push(id);
      this.progressive?.goneSlots.add(id);
    }
    this.slotIds.delete(modelKey);
    this.appendRecord();
  }

  /** Loads all cursors (and resets the row-id map to the committed rows). */
  loadCursors(): Map<string, Cursor> {
    const out = new Map<string, Cursor>();
    this.cursorIds = new Map();
    this.nextCursorId = 1;
    const rows = this.db.prepare('SELECT id, stream_key, body FROM cursors').all() as Row[];
    for (const r of rows) {
      let c: Cursor;
      try {
        c = decodeCursor(r.body as Buffer, this.bounds);
      } catch (e) {
        throw new CorruptDatabaseError(this.path, [`cursor ${String(r.stream_key)}: ${(e as Error).message}`]);
      }
      out.set(r.stream_key as string, c);
      const id = r.id as number;
      this.cursorIds.set(r.stream_key as string, id);
      if (id >= this.nextCursorId) this.nextCursorId = id + 1;
    }
    return out;
  }

  /** Loads the open windows with their slots (and resets the slot row-id map). */
  loadWindows(): StoredWindow[] {
    this.slotIds = new Map();
    this.countWidths = new Map();
    this.nextSlotId = ((this.db.prepare('SELECT max(id) FROM slots').pluck().get() as number | null) ?? 0) + 1;
    const windows = this.db
      .prepare('SELECT model_key, model, task, start, end, extensions FROM windows')
      .all() as Row[];
    const slotStmt = this.db.prepare(
      'SELECT id, slot_key, value, count, sum, min, max, bounds_id, counts FROM slots WHERE model_key = ?',
    );
    return windows.map((w) => {
      const ids = new Map<string, number>();
      this.slotIds.set(w.model_key as string, ids);
      const slots: Slot[] = (slotStmt.all(w.model_key) as Row[]).map((r) => {
        const key = r.slot_key as string;
        ids.set(key, r.id as number);
        const id = parseSlotKey(key);
        if (r.counts === null) return { kind: 'counter', key, id, value: r.value as number };
        if (r.bounds_id === null && isExponentialBody(r.counts as Buffer)) return this.exponentialRow(key, r);
        const bounds = this.bounds(r.bounds_id as number);
        const counts = decodeCounts(r.counts as Buffer);
        if (counts.length !== bounds.length + 1)
          throw new CorruptDatabaseError(this.path, [
            `slot ${key}: ${counts.length} counts for ${bounds.length} bounds`,
          ]);
        return {
          kind: 'histogram',
          key,
          id,
          bounds,
          counts,
          count: r.count as number,
          sum: (r.sum as number | null) ?? Number.NaN,
          min: (r.min as number | null) ?? undefined,
          max: (r.max as number | null) ?? undefined,
        };
      });
      const { partial, ...model } = JSON.parse(w.model as string) as ModelIdentity & { partial?: string[] };
      return {
        modelKey: w.model_key as string,
        model,
        task: w.task as string,
        start: w.start as number,
        end: w.end as number,
        extensions: w.extensions as number,
        slots,
        ...(partial === undefined ? {} : { partial }),
      };
    });
  }

  /** An exponential slot from its row (see `codec.encodeExponential`). */
  private exponentialRow(key: string, r: Row): ExponentialSlot {
    const count = r.count as number;
    try {
      const b = decodeExponential(r.counts as Buffer);
      const h = new ExponentialAccumulator(SLOT_EXPONENTIAL_BUCKETS, b.scale);
      // at its own scale and within the budget it was written with: rebuilt exactly
      h.add({
        ...b,
        count,
        sum: (r.sum as number | null) ?? Number.NaN,
        min: (r.min as number | null) ?? undefined,
        max: (r.max as number | null) ?? undefined,
      });
      if (h.scale !== b.scale) throw new Error(`scale ${b.scale} does not fit ${SLOT_EXPONENTIAL_BUCKETS} buckets`);
      return exponentialSlot(key, parseSlotKey(key), h);
    } catch (e) {
      throw new CorruptDatabaseError(this.path, [`slot ${key}: ${(e as Error).message}`]);
    }
  }

  loadLayouts(): Map<string, Map<string, readonly number[]>> {
    const out = new Map<string, Map<string, readonly number[]>>();
    for (const r of this.db.prepare('SELECT model_key, slot_key, bounds_id FROM layouts').all() as Row[]) {
      let m = out.get(r.model_key as string);
      if (m === undefined) out.set(r.model_key as string, (m = new Map()));
      m.set(r.slot_key as string, this.bounds(r.bounds_id as number));
    }
    return out;
  }

  /** The retraining recommendations under review; each write is its own transaction (see {@link transaction}). */
  retraining(): RetrainingStore {
    this.retrainingStore ??= new SqliteRetrainingStore(this.db, (fn) => this.transaction(fn));
    return this.retrainingStore;
  }
}
