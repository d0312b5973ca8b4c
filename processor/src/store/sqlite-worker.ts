/**
 * Worker threads with a better-sqlite3 connection of their own (`checkpointer.ts`, `writer.ts`).
 * Their code is a CommonJS script evaluated by the worker, so that it runs the same from the
 * TypeScript sources (tests, tsx) and from the build; it gets better-sqlite3's resolved path as
 * `workerData.module`.
 */
import { createRequire } from 'node:module';
import { type TransferListItem, Worker } from 'node:worker_threads';

const BETTER_SQLITE3 = createRequire(import.meta.url).resolve('better-sqlite3');

/** Starts a worker running `source` with `data` (plus `module`) as its workerData. */
export function startSqliteWorker(source: string, data: Record<string, unknown>, transferList: readonly TransferListItem[] = []): Worker {
  return new Worker(source, { eval: true, workerData: { module: BETTER_SQLITE3, ...data }, transferList: [...transferList], stdout: false, stderr: false });
}
