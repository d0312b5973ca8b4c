/**
 * Group commit for the receivers: export requests that arrive within one event-loop turn are
 * applied together with `StreamProcessor.ingestMany` (one SQLite transaction, one fsync), instead
 * of one transaction per request.
 *
 * Durability contract: a request's promise resolves with its own ConsumeResult only after the
 * shared transaction committed and the store synced it to stable storage (`sync`, which runs off
 * the event loop: the next batch is applied meanwhile); if the transaction throws,
 * nothing of the batch was applied; each request is then tried again alone (so that one request
 * that makes ingest throw does not fail the others), and every request whose own transaction
 * fails too is rejected with its error, so the receivers answer with an error and the senders
 * retry. A commit that keeps failing (disk full, I/O error) thus fails every request of the batch.
 *
 * The queue is bounded: beyond `maxQueued` waiting requests, `submit` throws OverloadedError
 * (throttled), which the receivers turn into HTTP 429 / gRPC RESOURCE_EXHAUSTED with a retry delay.
 */
import type { ConsumeResult, MetricsExport } from '../otlp/model.js';
import { OverloadedError } from '../model/errors.js';

/** What the group commit applies batches to (StreamProcessor). */
export interface BatchIngest {
  ingestMany(exports: readonly MetricsExport[]): ConsumeResult[];
  /** Resolves when the committed transactions are on stable storage (none: at once). */
  sync?(): Promise<void>;
}

export interface GroupCommitOptions {
  /** Requests waiting for their commit beyond which new ones are refused. Default 1,024. */
  readonly maxQueued?: number;
  /** Requests per transaction at most (the rest waits for the next turn). Default 64. */
  readonly maxBatch?: number;
  /** Retry delay announced when the queue is full, seconds. Default 1. */
  readonly retryAfterSeconds?: number;
}

interface Pending {
  readonly exp: MetricsExport;
  readonly resolve: (r: ConsumeResult) => void;
  readonly reject: (e: unknown) => void;
}

export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  private idle: (() => void)[] = [];
  private readonly maxQueued: number;
  private readonly maxBatch: number;
  private readonly retryAfterSeconds: number;

  constructor(
    private readonly target: BatchIngest,
    opts: GroupCommitOptions = {},
  ) {
    this.maxQueued = opts.maxQueued ?? 1024;
    this.maxBatch = opts.maxBatch ?? 64;
    this.retryAfterSeconds = opts.retryAfterSeconds ?? 1;
    if (!(this.maxQueued >= 1) || !(this.maxBatch >= 1)) throw new RangeError('maxQueued and maxBatch must be >= 1');
  }

  /** Requests waiting for their transaction. */
  get queued(): number {
    return this.queue.length;
  }

  /**
   * Queues one request for the next group commit; resolves with its result once committed.
   * Throws OverloadedError (synchronously) when the queue is full.
   */
  submit(exp: MetricsExport): Promise<ConsumeResult> {
    if (this.queue.length >= this.maxQueued)
      throw new OverloadedError(
        this.retryAfterSeconds,
        'throttled',
        `ingest queue full (${this.maxQueued} requests waiting)`,
      );
    return new Promise<ConsumeResult>((resolve, reject) => {
      this.queue.push({ exp, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves when every queued request has been committed or failed. */
  drain(): Promise<void> {
    if (this.queue.length === 0 && !this.scheduled && this.syncs === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Syncs in flight, so that drain() waits for them. */
  private syncs = 0;

  /**
   * Resolves the batch's requests once their commit is on stable storage. Only the callbacks
   * wait for the sync, not the applied requests (which can then be collected young, not
   * promoted to the old generation while a slow sync runs).
   */
  private settle(batch: readonly Pending[], results: readonly ConsumeResult[]): void {
    const synced = this.target.sync?.();
    if (synced === undefined) {
      for (let i = 0; i < batch.length; i++) batch[i]!.resolve(results[i]!);
      return;
    }
    const resolvers = batch.map((p) => p.resolve);
    const rejecters = batch.map((p) => p.reject);
    this.syncs++;
    synced
      .then(
        () => {
          for (let i = 0; i < resolvers.length; i++) resolvers[i]!(results[i]!);
        },
        (e: unknown) => {
          for (const reject of rejecters) reject(e);
        },
      )
      .finally(() => {
        this.syncs--;
        this.notifyIdle();
      });
  }

  private notifyIdle(): void {
    if (this.queue.length === 0 && !this.scheduled && this.syncs === 0) for (const done of this.idle.splice(0)) done();
  }

  private one(p: Pending): void {
    let r: ConsumeResult;
    try {
      r = this.target.ingestMany([p.exp])[0]!;
    } catch (e) {
      p.reject(e);
      return;
    }
    this.settle([p], [r]);
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue.length <= this.maxBatch ? this.queue : this.queue.slice(0, this.maxBatch);
    this.queue = batch === this.queue ? [] : this.queue.slice(this.maxBatch);
    let results: ConsumeResult[] | undefined;
    try {
      results = this.target.ingestMany(batch.map((p) => p.exp));
    } catch (e) {
      // Nothing of the batch was applied. So that one request that makes ingest throw does not
      // fail the others with it, each is tried again in a transaction of its own.
      if (batch.length === 1) batch[0]!.reject(e);
      else for (const p of batch) this.one(p);
    }
    if (results !== undefined) this.settle(batch, results);
    if (this.queue.length > 0) this.schedule();
    else this.notifyIdle();
  }
}
