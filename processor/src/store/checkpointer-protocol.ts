/**
 * What the WAL checkpointer (`checkpointer.ts`, on the event loop) and its worker thread
 * (`checkpointer-worker.ts`) share: the slots of their shared memory and the worker's data.
 */

/** Control slots (Int32): stop request, worker finished, commits counted by the writer, checkpoint running. */
export const STOP = 0;
export const DONE = 1;
export const COMMITS = 2;
export const RUNNING = 3;
export const CONTROL_SLOTS = 4;

/** Statistic slots (Float64). */
export const RUNS = 0;
export const LOG = 1;
export const MAX_LOG = 2;
export const MAX_MS = 3;
export const TOTAL_MS = 4;
export const ERRORS = 5;
export const CAUGHT_UP = 6;
export const STAT_SLOTS = 7;

export interface CheckpointerWorkerData {
  readonly path: string;
  readonly control: SharedArrayBuffer;
  readonly stats: SharedArrayBuffer;
  readonly intervalMs: number;
  readonly chaseMs: number;
}

/** From the worker, when it stopped by itself. */
export interface CheckpointerFailure {
  readonly failure: string;
}
