/**
 * The WAL checkpointer's worker thread (see `checkpointer.ts`): wakes every `intervalMs`, and
 * when the writer counted commits since the last checkpoint, runs `PRAGMA wal_checkpoint(PASSIVE)`
 * on a connection of its own; while commits happen during a checkpoint, tries again after
 * `chaseMs`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import {
  CAUGHT_UP,
  type CheckpointerFailure,
  type CheckpointerWorkerData,
  COMMITS,
  DONE,
  ERRORS,
  LOG,
  MAX_LOG,
  MAX_MS,
  RUNNING,
  RUNS,
  STOP,
  TOTAL_MS,
} from './checkpointer-protocol.js';

interface CheckpointResult {
  readonly busy: number;
  readonly log: number;
  readonly checkpointed: number;
}

const data = workerData as CheckpointerWorkerData;
const ctl = new Int32Array(data.control);
const stats = new Float64Array(data.stats);
let db: Database.Database | undefined;
try {
  db = new Database(data.path, { fileMustExist: true });
  db.pragma('busy_timeout = 0');
  db.pragma('synchronous = NORMAL');
  const checkpoint = db.prepare<[], CheckpointResult>('PRAGMA wal_checkpoint(PASSIVE)');
  // -1: the first wake-up checkpoints what was committed before the worker started (it takes a
  // while to start, and the writer does not wait for it)
  let seen = -1;
  let wait = data.intervalMs;
  for (;;) {
    Atomics.wait(ctl, STOP, 0, wait);
    if (Atomics.load(ctl, STOP) !== 0) break;
    const before = Atomics.load(ctl, COMMITS);
    if (before === seen) {
      wait = data.intervalMs;
      continue;
    }
    const t0 = performance.now();
    Atomics.store(ctl, RUNNING, 1);
    try {
      const r = checkpoint.get()!;
      const ms = performance.now() - t0;
      stats[RUNS]!++;
      stats[TOTAL_MS]! += ms;
      if (ms > stats[MAX_MS]!) stats[MAX_MS] = ms;
      stats[LOG] = r.log;
      if (r.log > stats[MAX_LOG]!) stats[MAX_LOG] = r.log;
      seen = before;
      if (r.busy === 0 && r.checkpointed === r.log) stats[CAUGHT_UP] = before;
      wait =
        Atomics.load(ctl, COMMITS) !== before || r.busy !== 0 || r.checkpointed < r.log
          ? data.chaseMs
          : data.intervalMs;
    } catch {
      stats[ERRORS]!++;
      wait = data.intervalMs;
    } finally {
      Atomics.store(ctl, RUNNING, 0);
    }
  }
} catch (e) {
  parentPort!.postMessage({ failure: String((e as Error | undefined)?.message ?? e) } satisfies CheckpointerFailure);
} finally {
  try {
    db?.close();
  } catch {
    // closing is all that is left to do
  }
  Atomics.store(ctl, DONE, 1);
  Atomics.notify(ctl, DONE);
}
