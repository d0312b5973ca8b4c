/**
 * Ingest commits on a worker thread.
 *
 * better-sqlite3 is synchronous: a commit runs on the thread that calls it. On the event loop,
 * the write() of the WAL pages occasionally blocks for over 100 ms (the disk was busy: pages under
 * writeback, file-system journal commits), and every request waiting to be read, every timer
 * and every answer waits with it. Here a worker thread with its own connection runs the writes of
 * the ingest transactions instead: the event loop encodes a transaction as a list of statement
 * runs ({@link WriteBatch}) and posts it; the worker runs each batch in one transaction
 * (BEGIN IMMEDIATE ... COMMIT), in the order posted, and answers.
 *
 * Failure: when a batch fails (disk full, I/O error), the worker rolls it back and refuses every
 * later batch (they were built on the memory state that included the failed one) until
 * {@link CommitWriter.reset}, which the owner calls after it reloaded its memory state from the
 * committed database. {@link CommitWriter.committed} rejects for the failed and refused batches,
 * so their requests are answered with an error and sent again.
 *
 * Writes on the event loop's own connection (rare: window closes, evaluations) first wait until
 * the worker answered every posted batch ({@link CommitWriter.drain}, a blocking wait on shared
 * memory), so that the two connections never contend for the write lock and the database sees
 * the transactions in the order they were made.
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort, type Worker } from 'node:worker_threads';
import { CommitFailedError } from '../model/errors.js';
import { startSqliteWorker } from './sqlite-worker.js';
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
  STARTING,
  STAT_SLOTS,
  STATE,
  STOPPED,
  TOTAL_MS,
  type WriterMessage,
  type WriterReply,
  type WriterStatement,
  type WriterWorkerData,
} from './writer-protocol.js';

export type { SqlValue, WriterStatement } from './writer-protocol.js';
export { CommitFailedError } from '../model/errors.js';

/**
 * Blobs (journal records, encoded rows) travel in a ring of shared memory rather than inside the
 * message: copying them into the message, and the worker allocating each one again, made both
 * threads' allocators churn (a few MiB/s at the soak's rate). A blob that does not fit is sent in
 * the message. Default ring size 4 MiB.
 */
const DEFAULT_RING_BYTES = 4 * 1024 * 1024;

/** A blob in the ring, as it appears in a posted batch: [offset, length]. */
class RingRef implements RingSlice {
  constructor(
    readonly o: number,
    readonly n: number,
  ) {}
}

/**
 * One transaction: statement runs, flattened: a statement's index (in the list given to the
 * writer) followed by its parameters. Build it with {@link CommitWriter.blob} for blobs.
 */
export type WriteBatch = (SqlValue | RingRef)[];

export interface WriterStats {
  /** Batches committed. */
  readonly batches: number;
  /** Longest and total time of a batch on the worker, ms. */
  readonly maxMs: number;
  readonly totalMs: number;
  /** Batches that took 100 ms or more. */
  readonly slow: number;
  /** The worker's V8 heap (total size), MiB, at its last report (every 1,024 batches). */
  readonly heapMiB: number;
}

export interface CommitWriterOptions {
  /** WAL pages at which a commit checkpoints by itself (the backstop; see checkpointer.ts). */
  readonly autocheckpointPages?: number;
  /** How long a blocking wait (start, drain, stop) may take before it throws, ms. Default 60,000. */
  readonly waitTimeoutMs?: number;
  /** Shared memory for the blobs of batches in flight, bytes. Default 4 MiB. */
  readonly ringBytes?: number;
}

export class CommitWriter {
  private readonly control = new Int32Array(new SharedArrayBuffer(2 * 4));
  private readonly statsBuf = new Float64Array(new SharedArrayBuffer(STAT_SLOTS * 8));
  private readonly ring: Uint8Array;
  /** Next free byte of the ring, and the regions in use (by batches not answered yet), oldest first. */
  private ringHead = 0;
  private ringRegions: { id: number; start: number; end: number }[] = [];
  private ringFirst = 0;
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly waitTimeoutMs: number;
  private posted = 0;
  private answered = 0;
  /** Callers waiting for batches, in id order. */
  private waiters: { id: number; resolve: () => void; reject: (e: Error) => void }[] = [];
  /** The first failure since the last reset. */
  private failed: CommitFailedError | undefined;
  private stopped = false;
  /** Set when the worker thread itself died: every batch fails from then on. */
  private dead: CommitFailedError | undefined;
  /** Called (from the event loop, never inside another call of this class) when a batch failed. */
  onFailure: ((e: CommitFailedError) => void) | undefined;

  /**
   * Starts the worker on the database at `path` (in WAL mode, created by the caller first) and
   * waits (blocking) until it is ready; throws why it could not start.
   */
  constructor(path: string, statements: readonly WriterStatement[], opts: CommitWriterOptions = {}) {
    this.waitTimeoutMs = opts.waitTimeoutMs ?? 60_000;
    this.ring = new Uint8Array(new SharedArrayBuffer(opts.ringBytes ?? DEFAULT_RING_BYTES));
    const channel = new MessageChannel();
    this.port = channel.port1;
    const data: WriterWorkerData = {
      path,
      control: this.control.buffer as SharedArrayBuffer,
      stats: this.statsBuf.buffer as SharedArrayBuffer,
      ring: this.ring.buffer as SharedArrayBuffer,
      port: channel.port2,
      statements,
      busyTimeoutMs: 5_000,
      autocheckpointPages: opts.autocheckpointPages ?? 1000,
    };
    this.worker = startSqliteWorker('writer-worker', data, [channel.port2]);
    // the worker's code catches everything: these are the thread itself failing or going away
    this.worker.on('error', (e) =>
      this.die(`the commit worker stopped: ${(e as Error | undefined)?.message ?? String(e)}`),
    );
    this.worker.on('exit', (code) => {
      if (!this.stopped) this.die(`the commit worker exited (code ${code})`);
    });
    this.port.on('message', (r: WriterReply) => this.onReply(r, true));
    this.worker.unref();
    this.port.unref();
    const deadline = Date.now() + this.waitTimeoutMs;
    while (Atomics.load(this.control, STATE) === STARTING) {
      if (Date.now() > deadline) {
        void this.worker.terminate();
        throw new Error('the commit worker did not start');
      }
      Atomics.wait(this.control, STATE, STARTING, 50);
    }
    if (Atomics.load(this.control, STATE) === FAILED_TO_START) {
      const r = receiveMessageOnPort(this.port)?.message as WriterReply | undefined;
      this.port.close();
      throw new Error(`the commit worker could not open ${path}: ${r?.error ?? 'unknown error'}`);
    }
  }

  /**
   * A blob parameter for the next batch to be posted: its bytes copied into the shared ring
   * (`bytes` may be reused afterwards), or a copy of them when the ring is full.
   */
  blob(bytes: Uint8Array): RingRef | Uint8Array {
    const n = bytes.length;
    const at = this.ringAlloc(n);
    if (at < 0) return Uint8Array.prototype.slice.call(bytes);
    this.ring.set(bytes, at);
    return new RingRef(at, n);
  }

  /** Start of `n` free bytes in the ring for batch `posted + 1`, or -1. */
  private ringAlloc(n: number): number {
    const cap = this.ring.length;
    if (n === 0 || n > cap / 4) return -1;
    // regions of answered batches are free again (the worker is done with them)
    const answered = Atomics.load(this.control, ANSWERED);
    const r = this.ringRegions;
    while (this.ringFirst < r.length && r[this.ringFirst]!.id <= answered) this.ringFirst++;
    if (this.ringFirst === r.length) {
      this.ringRegions = [];
      this.ringFirst = 0;
      this.ringHead = 0;
    } else if (this.ringFirst > 1024) {
      this.ringRegions = r.slice(this.ringFirst);
      this.ringFirst = 0;
    }
    const regions = this.ringRegions;
    const id = this.posted + 1;
    // the oldest byte still in use; the ring is free from ringHead up to it (wrapping at the end)
    const tail = this.ringFirst < regions.length ? regions[this.ringFirst]!.start : -1;
    let at: number;
    if (tail < 0 || this.ringHead > tail) {
      if (this.ringHead + n <= cap) at = this.ringHead;
      else if (tail < 0 || n < tail) at = 0;
      else return -1;
    } else if (this.ringHead + n < tail) at = this.ringHead;
    else return -1;
    regions.push({ id, start: at, end: at + n });
    this.ringHead = at + n;
    return at;
  }

  /** Posts one transaction; returns its id (for {@link committed}). */
  post(batch: WriteBatch): number {
    if (this.stopped) throw new Error('the commit worker is stopped');
    const id = ++this.posted;
    if (this.dead !== undefined) {
      this.answered = id;
      this.fail(this.dead, id);
      return id;
    }
    this.send({ id, ops: batch });
    // batches in flight keep the process alive until answered (an idle worker does not)
    if (id === this.answered + 1) this.port.ref();
    return id;
  }

  /** Id of the last posted batch (0: none). */
  get lastPosted(): number {
    return this.posted;
  }

  /** Resolves when batch `id` (and every one before it) is committed; rejects when one of them was not. */
  committed(id: number): Promise<void> {
    if (id <= this.answered)
      return this.failed !== undefined && id >= this.failedId ? Promise.reject(this.failed) : Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ id, resolve, reject }));
  }

  /** Id of the first failed batch since the last reset. */
  private failedId = Number.POSITIVE_INFINITY;

  /** The first failure since the last {@link reset}, if any. */
  get failure(): CommitFailedError | undefined {
    return this.failed;
  }

  /**
   * Waits (blocking the thread) until the worker answered every posted batch, and takes in the
   * answers; then {@link failure} tells whether one failed. Throws when the worker does not
   * answer within the wait timeout.
   */
  drain(): void {
    const deadline = Date.now() + this.waitTimeoutMs;
    for (;;) {
      const seen = Atomics.load(this.control, ANSWERED);
      if (seen >= this.posted || this.answered >= this.posted) break;
      if (Date.now() > deadline)
        throw new CommitFailedError(`the commit worker did not answer within ${this.waitTimeoutMs} ms`);
      Atomics.wait(this.control, ANSWERED, seen, 1_000);
    }
    for (let m = receiveMessageOnPort(this.port); m !== undefined; m = receiveMessageOnPort(this.port))
      this.onReply(m.message as WriterReply, false);
  }

  /**
   * Lets the worker write again after a failure. Call after {@link drain}, once the memory state
   * the refused batches were made from has been replaced by the committed one.
   */
  reset(): void {
    if (this.dead !== undefined) return;
    this.failed = undefined;
    this.failedId = Number.POSITIVE_INFINITY;
    this.send({ reset: true });
  }

  stats(): WriterStats {
    const s = this.statsBuf;
    return { batches: s[BATCHES]!, maxMs: s[MAX_MS]!, totalMs: s[TOTAL_MS]!, slow: s[SLOW]!, heapMiB: s[HEAP]! };
  }

  /** Waits for the posted batches (blocking), then stops the worker and waits until its connection is closed. */
  stop(): void {
    if (this.stopped) return;
    try {
      this.drain();
    } finally {
      this.stopped = true;
      this.send({ stop: true });
      const deadline = Date.now() + this.waitTimeoutMs;
      while (Atomics.load(this.control, STATE) === READY && Date.now() <= deadline)
        Atomics.wait(this.control, STATE, READY, 1_000);
      this.port.close();
    }
  }

  private send(m: WriterMessage): void {
    this.worker.postMessage(m);
  }

  /** The thread is gone: every batch in flight and every later one fails. */
  private die(message: string): void {
    if (this.dead !== undefined) return;
    // (stop() must not wait for it)
    Atomics.store(this.control, STATE, STOPPED);
    this.dead = new CommitFailedError(message);
    this.failed = undefined;
    this.fail(this.dead);
    this.answered = this.posted;
    this.port.unref();
    this.settle();
    this.onFailure?.(this.dead);
  }

  private onReply(r: WriterReply, async: boolean): void {
    if (r.id <= this.answered) return;
    this.answered = r.id;
    if (this.answered === this.posted) this.port.unref();
    let fresh: CommitFailedError | undefined;
    if (r.error !== undefined)
      fresh = this.fail(new CommitFailedError(`state database write failed: ${r.error}`, r.code), r.id);
    this.settle();
    if (fresh !== undefined && async) this.onFailure?.(fresh);
  }

  /** Records a failure; returns it when it is the first since the last reset. */
  private fail(e: CommitFailedError, id = this.answered + 1): CommitFailedError | undefined {
    if (this.failed !== undefined) return undefined;
    this.failed = e;
    this.failedId = id;
    return e;
  }

  private settle(): void {
    let n = 0;
    while (n < this.waiters.length && this.waiters[n]!.id <= this.answered) {
      const w = this.waiters[n++]!;
      if (this.failed !== undefined && w.id >= this.failedId) w.reject(this.failed);
      else w.resolve();
    }
    if (n > 0) this.waiters = this.waiters.slice(n);
  }
}
