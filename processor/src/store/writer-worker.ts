/**
 * The commit writer's worker thread (see `writer.ts`): runs each posted batch of statement runs
 * in one transaction (BEGIN IMMEDIATE ... COMMIT), in the order posted, and answers on
 * `workerData.port`. After a failed batch it refuses every later one until a reset.
 */
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import {
  ANSWERED,
  BATCHES,
  FAILED_TO_START,
  HEAP,
  MAX_MS,
  READY,
  type RingSlice,
  SLOW,
  type SqlValue,
  STATE,
  STOPPED,
  TOTAL_MS,
  type WriterMessage,
  type WriterReply,
  type WriterWorkerData,
} from './writer-protocol.js';

const data = workerData as WriterWorkerData;
const ctl = new Int32Array(data.control);
const stats = new Float64Array(data.stats);
const port = data.port;

/** A blob in the shared ring: a view (SQLite copies bound blobs). */
function arg(v: SqlValue | RingSlice): SqlValue {
  return v !== null && typeof v === 'object' && !(v instanceof Uint8Array) ? Buffer.from(data.ring, v.o, v.n) : v;
}

function answer(reply: WriterReply): void {
  // the reply first: a drain that sees the id answered then finds the reply on the port
  port.postMessage(reply);
  Atomics.store(ctl, ANSWERED, reply.id);
  Atomics.notify(ctl, ANSWERED);
}

function setState(s: number): void {
  Atomics.store(ctl, STATE, s);
  Atomics.notify(ctl, STATE);
}

function describe(e: unknown): string {
  return String((e as Error | undefined)?.message ?? e);
}

let db: Database.Database | undefined;
try {
  const conn = new Database(data.path, { fileMustExist: true });
  db = conn;
  conn.pragma(`busy_timeout = ${data.busyTimeoutMs}`);
  conn.pragma('synchronous = NORMAL');
  conn.pragma(`wal_autocheckpoint = ${data.autocheckpointPages}`);
  const stmts = data.statements.map((s) => ({ stmt: conn.prepare(s.sql), params: s.params }));
  const run = conn.transaction((ops: readonly (SqlValue | RingSlice)[]) => {
    for (let i = 0; i < ops.length;) {
      const s = stmts[ops[i] as number]!;
      const args = new Array<SqlValue>(s.params);
      for (let k = 0; k < s.params; k++) args[k] = arg(ops[i + 1 + k]!);
      s.stmt.run(...args);
      i += 1 + s.params;
    }
  });
  let refusing: string | undefined;
  setState(READY);
  parentPort!.on('message', (m: WriterMessage) => {
    if ('stop' in m) {
      conn.close();
      db = undefined;
      setState(STOPPED);
      parentPort!.close();
      port.close();
      return;
    }
    if ('reset' in m) {
      refusing = undefined;
      return;
    }
    if (refusing !== undefined) {
      answer({ id: m.id, error: `not written: an earlier transaction failed (${refusing})` });
      return;
    }
    const t0 = performance.now();
    try {
      run.immediate(m.ops);
      const ms = performance.now() - t0;
      stats[BATCHES]!++;
      stats[TOTAL_MS]! += ms;
      if (ms > stats[MAX_MS]!) stats[MAX_MS] = ms;
      if (ms >= 100) stats[SLOW]!++;
      if ((stats[BATCHES]! & 1023) === 1) stats[HEAP] = getHeapStatistics().total_heap_size / 1048576;
      answer({ id: m.id });
    } catch (e) {
      refusing = describe(e);
      const code = (e as { code?: unknown } | undefined)?.code;
      answer({ id: m.id, error: refusing, ...(typeof code === 'string' ? { code } : {}) });
    }
  });
} catch (e) {
  try {
    db?.close();
  } catch {
    // the start failure is what is reported
  }
  port.postMessage({ id: 0, error: describe(e) } satisfies WriterReply);
  setState(FAILED_TO_START);
}
