/**
 * Starts the worker threads that hold a better-sqlite3 connection of their own
 * (`writer-worker.ts`, `checkpointer-worker.ts`).
 *
 * A worker imports a module file next to this one: the built `.js` (dist, the published package),
 * or, when this module itself runs from its TypeScript source (tsx, vitest), the `.ts` source.
 * A worker does not inherit the parent's module loader hooks (Node 20), so from the sources the
 * thread first registers tsx's hooks, then imports the worker module.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { type TransferListItem, Worker } from 'node:worker_threads';

const FROM_SOURCE = import.meta.url.endsWith('.ts');

/** tsx's module loader hooks, to register in a worker running a `.ts` module. */
let tsxHooks: string | undefined;
function tsxHooksUrl(): string {
  if (tsxHooks === undefined) {
    try {
      tsxHooks = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;
    } catch (e) {
      throw new Error(
        `the store's worker threads run from TypeScript sources only with tsx installed (${(e as Error).message})`,
      );
    }
  }
  return tsxHooks;
}

export type SqliteWorkerModule = 'writer-worker' | 'checkpointer-worker';

/** Starts a worker running the module `name` (next to this file) with `data` as its workerData. */
export function startSqliteWorker(
  name: SqliteWorkerModule,
  data: object,
  transferList: readonly TransferListItem[] = [],
): Worker {
  const url = new URL(`./${name}${FROM_SOURCE ? '.ts' : '.js'}`, import.meta.url);
  // A one-line script that imports the module, rather than the module file as the worker's entry:
  // an entry file would be run with the parent's options as given (`--input-type` of
  // `node -e` then refuses it, and options such as `--expose-gc` given explicitly are refused).
  const hooks = FROM_SOURCE ? `require('node:module').register(${JSON.stringify(tsxHooksUrl())}, { data: {} }); ` : '';
  return new Worker(`${hooks}import(${JSON.stringify(url.href)});`, {
    eval: true,
    workerData: data,
    transferList: [...transferList],
    stdout: false,
    stderr: false,
  });
}
