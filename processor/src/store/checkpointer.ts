/**
 * WAL checkpoints on a worker thread.
 *
 * A checkpoint copies the pages committed to the WAL into the database file and syncs both
 * files. SQLite runs it inside the commit that crosses `wal_autocheckpoint` pages, on the thread
 * that commits: with better-sqlite3, the event loop, which then waits for two fsyncs (over
 * 100 ms when the disk is busy). Here a second connection on a worker thread runs
 * `PRAGMA wal_checkpoint(PASSIVE)` instead, which never blocks the writer: the writer keeps
 * appending to the WAL while pages are copied, and the next write transaction after a checkpoint
 * that caught up with the whole WAL starts it again from the beginning, so that the file stays
 * small.
 *
 * Scheduling: the writer counts its commits in shared memory ({@link WalCheckpointer.committed}).
 * The worker wakes every `intervalMs`; when there were commits, it checkpoints. When commits
 * happened during that checkpoint, the WAL cannot restart yet, so it tries again after `chaseMs`
 * (a short checkpoint of the few pages written meanwhile, likely to finish between two commits).
 * The writer's own autocheckpoint stays as a backstop at a high page count, for a worker that
 * cannot keep up.
 */
import type { Worker } from 'node:worker_threads';
import { startSqliteWorker } from './sqlite-worker.js';
import {
  CAUGHT_UP,
  type CheckpointerFailure,
  type CheckpointerWorkerData,
  COMMITS,
  CONTROL_SLOTS,
  DONE,
  ERRORS,
  LOG,
  MAX_LOG,
  MAX_MS,
  RUNNING,
  RUNS,
  STAT_SLOTS,
  STOP,
  TOTAL_MS,
} from './checkpointer-protocol.js';

export interface CheckpointerStats {
  /** Checkpoints run. */
  readonly runs: number;
  /** Frames (pages) in the WAL at the last checkpoint, and the most seen. */
  readonly walFrames: number;
  readonly maxWalFrames: number;
  /** Longest and total checkpoint time on the worker, ms. */
  readonly maxMs: number;
  readonly totalMs: number;
  /** Checkpoints that failed (the next one retries). */
  readonly errors: number;
  /** Commits the writer counted ({@link WalCheckpointer.committed}). */
  readonly commits: number;
  /**
   * Commits covered by the last checkpoint that copied the whole WAL: once it covers every commit,
   * the next write transaction starts the WAL again from its beginning.
   */
  readonly caughtUpTo: number;
  /** Why the worker stopped by itself, if it did (the writer's autocheckpoint then remains). */
  readonly failure?: string;
}

export interface CheckpointerOptions {
  /** Wake-up interval when the WAL has caught up (ms). Default 200. */
  readonly intervalMs?: number;
  /** Interval while chasing commits made during the previous checkpoint (ms). Default 5. */
  readonly chaseMs?: number;
}

export class WalCheckpointer {
  private readonly control = new Int32Array(new SharedArrayBuffer(CONTROL_SLOTS * 4));
  private readonly statsBuf = new Float64Array(new SharedArrayBuffer(STAT_SLOTS * 8));
  private readonly worker: Worker;
  private stopped = false;
  private failure: string | undefined;

  /** Starts checkpointing the database at `path` (in WAL mode, opened by the writer first). */
  constructor(path: string, opts: CheckpointerOptions = {}) {
    const data: CheckpointerWorkerData = {
      path,
      control: this.control.buffer as SharedArrayBuffer,
      stats: this.statsBuf.buffer as SharedArrayBuffer,
      intervalMs: opts.intervalMs ?? 200,
      chaseMs: opts.chaseMs ?? 5,
    };
    this.worker = startSqliteWorker('checkpointer-worker', data);
    // a failing worker only stops checkpointing; the writer's autocheckpoint remains
    this.worker.on('message', (m: Partial<CheckpointerFailure> | undefined) => {
      if (typeof m?.failure === 'string') this.failure = m.failure;
    });
    this.worker.on('error', (e) => {
      this.failure ??= (e as Error | undefined)?.message ?? 'the checkpoint worker failed';
      Atomics.store(this.control, DONE, 1);
    });
    // the worker must not keep the process alive
    this.worker.unref();
  }

  /** Counts one commit of the writer (a few nanoseconds: an atomic add). */
  committed(): void {
    Atomics.add(this.control, COMMITS, 1);
  }

  /** Whether the worker is checkpointing at this moment. */
  running(): boolean {
    return Atomics.load(this.control, RUNNING) === 1;
  }

  stats(): CheckpointerStats {
    const s = this.statsBuf;
    return {
      runs: s[RUNS]!,
      walFrames: s[LOG]!,
      maxWalFrames: s[MAX_LOG]!,
      maxMs: s[MAX_MS]!,
      totalMs: s[TOTAL_MS]!,
      errors: s[ERRORS]!,
      commits: Atomics.load(this.control, COMMITS),
      caughtUpTo: s[CAUGHT_UP]!,
      ...(this.failure === undefined ? {} : { failure: this.failure }),
    };
  }

  /**
   * Stops the worker and waits (blocking, up to `timeoutMs`) until it closed its connection: a
   * checkpoint in progress completes first. Returns false on timeout.
   */
  stop(timeoutMs = 10_000): boolean {
    if (this.stopped) return true;
    this.stopped = true;
    Atomics.store(this.control, STOP, 1);
    Atomics.notify(this.control, STOP);
    const r = Atomics.wait(this.control, DONE, 0, timeoutMs);
    return r !== 'timed-out';
  }
}
