/**
 * What the commit writer (`writer.ts`, on the event loop) and its worker thread
 * (`writer-worker.ts`) share: the slots of their shared memory, the worker's data and messages.
 */

/** Control slots (Int32). */
export const ANSWERED = 0; // id of the last batch answered
export const STATE = 1; // 0 starting, 1 ready, 2 failed to start, 3 stopped

/** Values of the STATE slot. */
export const STARTING = 0;
export const READY = 1;
export const FAILED_TO_START = 2;
export const STOPPED = 3;

/** Statistic slots (Float64). */
export const BATCHES = 0;
export const MAX_MS = 1;
export const TOTAL_MS = 2;
export const SLOW = 3;
export const HEAP = 4;
export const STAT_SLOTS = 5;

/** A value bound to a statement parameter. */
export type SqlValue = number | string | bigint | null | Uint8Array;

/** A blob in the shared ring, as it appears in a posted batch: [offset, length]. */
export interface RingSlice {
  readonly o: number;
  readonly n: number;
}

/** A statement the worker can run: its SQL and its number of `?` parameters. */
export interface WriterStatement {
  readonly sql: string;
  readonly params: number;
}

export interface WriterWorkerData {
  readonly path: string;
  readonly control: SharedArrayBuffer;
  readonly stats: SharedArrayBuffer;
  readonly ring: SharedArrayBuffer;
  /** Where the worker answers (the main thread reads it also while blocked in a drain). */
  readonly port: import('node:worker_threads').MessagePort;
  readonly statements: readonly WriterStatement[];
  readonly busyTimeoutMs: number;
  readonly autocheckpointPages: number;
}

/** To the worker: one transaction, a reset after a failure, or stop. */
export type WriterMessage =
  | { readonly id: number; readonly ops: readonly (SqlValue | RingSlice)[] }
  | { readonly reset: true }
  | { readonly stop: true };

/** From the worker, one per batch (id 0: it could not start). */
export interface WriterReply {
  readonly id: number;
  readonly error?: string;
  readonly code?: string;
}
