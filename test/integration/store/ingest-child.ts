/**
 * Child process for the kill -9 durability test. Ingests deterministic batches `from`..`to`-1
 * into the state database through StreamProcessor and, after each `ingest` returned (i.e. its
 * transaction committed), acknowledges the batch on stdout as `ack <i>`. The parent kills this
 * process with SIGKILL at an arbitrary moment.
 *
 * With OTEL_ML_TEST_COMMIT_WORKER=1, commits run on the commit worker: up to 4 batches are in
 * flight, and each is acknowledged when `sync` says it committed. OTEL_ML_TEST_CHECKPOINT_ROWS sets
 * the rows a checkpoint writes per transaction.
 *
 * Usage: node --import tsx ingest-child.ts <db> <from> <to> [checkpointBytes]
 */
import { StreamProcessor } from '../../../processor/src/streams/processor.js';
import { batch, CHILD_CLOCK } from './batches.js';

const [db, from, to, checkpointBytes] = process.argv.slice(2);
const commitWorker = process.env.OTEL_ML_TEST_COMMIT_WORKER === '1';
const p = StreamProcessor.open({
  path: db!,
  clock: () => CHILD_CLOCK,
  windows: { lengthMs: 86_400_000, minRows: 1 },
  checkpointBytes: checkpointBytes === undefined ? undefined : Number(checkpointBytes),
  checkpointRowsPerTransaction: process.env.OTEL_ML_TEST_CHECKPOINT_ROWS
    ? Number(process.env.OTEL_ML_TEST_CHECKPOINT_ROWS)
    : undefined,
  commitWorker,
});
const inFlight: Promise<void>[] = [];
for (let i = Number(from); i < Number(to); i++) {
  const r = p.ingest(batch(i));
  // a retried batch that was committed but not acknowledged before the kill is reported as
  // already counted (duplicate, or out_of_order for a cumulative point overtaken by a later one)
  if (
    r.rejectedDataPoints !== 0 &&
    !/^rejected data points \((?:(?:duplicate|out_of_order): \d+(?:, )?)+\)$/.test(r.errorMessage ?? '')
  )
    throw new Error(`batch ${i}: ${r.errorMessage}`);
  if (!commitWorker) {
    process.stdout.write(`ack ${i}\n`);
    continue;
  }
  inFlight.push(p.sync().then(() => void process.stdout.write(`ack ${i}\n`)));
  if (inFlight.length === 4) await inFlight.shift();
}
await Promise.all(inFlight);
p.close();
