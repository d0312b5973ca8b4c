/**
 * Child process for the kill -9 durability test. Ingests deterministic batches `from`..`to`-1
 * into the state database through StreamProcessor and, after each `ingest` returned (i.e. its
 * transaction committed), acknowledges the batch on stdout as `ack <i>`. The parent kills this
 * process with SIGKILL at an arbitrary moment.
 *
 * Usage: node --import tsx ingest-child.ts <db> <from> <to> [checkpointBytes]
 */
import { StreamProcessor } from '../../../processor/src/streams/processor.js';
import { batch, CHILD_CLOCK } from './batches.js';

const [db, from, to, checkpointBytes] = process.argv.slice(2);
const p = StreamProcessor.open({
  path: db!, clock: () => CHILD_CLOCK, windows: { lengthMs: 86_400_000, minRows: 1 },
  checkpointBytes: checkpointBytes === undefined ? undefined : Number(checkpointBytes),
});
for (let i = Number(from); i < Number(to); i++) {
  const r = p.ingest(batch(i));
  if (r.rejectedDataPoints !== 0) throw new Error(`batch ${i}: ${r.errorMessage}`);
  process.stdout.write(`ack ${i}\n`);
}
p.close();
