/**
 * Child process of the kill-during-evaluation test: the service (startService, state file with
 * durability full, manual evaluation, simulated clock) ingests deterministic delta batches and
 * closes and evaluates one window per round. Prints `owed <model> <windowEnd>` at start for the
 * windows closed but not evaluated before, then per round `ack <k>` (batch committed and synced),
 * `eval-start <k>`, `report <model> <windowEnd>` per report and `eval-end <k>`.
 *
 * Usage: node --import tsx evaluate-child.ts <db> <from> <to>
 */
import { DEFAULT_CONFIG, type ServiceConfig } from '../../../processor/src/service/config.js';
import { startService } from '../../../processor/src/service/service.js';
import { EVAL_MODELS, EVAL_T0, EVAL_WINDOW, evalBatch } from './evaluate-batches.js';

const [db, from, to] = process.argv.slice(2);
const clock = { now: EVAL_T0 + Number(from) * EVAL_WINDOW + 1 };
const config: ServiceConfig = {
  ...DEFAULT_CONFIG,
  receivers: {
    http: { ...DEFAULT_CONFIG.receivers.http, port: 0 },
    grpc: { ...DEFAULT_CONFIG.receivers.grpc, enabled: false },
  },
  exporters: { otlp: { ...DEFAULT_CONFIG.exporters.otlp, enabled: false }, prometheus: { enabled: false } },
  storage: { path: db!, durability: 'full' },
  windows: { lengthMs: EVAL_WINDOW, minRows: 1, maxExtensions: 0 },
  statusPage: { enabled: false },
};
const svc = await startService(config, { manualEvaluation: true, clock: () => clock.now });
const out = (line: string) => process.stdout.write(`${line}\n`);
for (const key of svc.processor.models())
  for (const w of svc.processor.unevaluatedWindows(key)) out(`owed ${w.model.name} ${w.end}`);
for (let k = Number(from); k < Number(to); k++) {
  clock.now = EVAL_T0 + k * EVAL_WINDOW + 1;
  const r = svc.processor.ingest(evalBatch(k));
  if (r.rejectedDataPoints !== 0) throw new Error(`batch ${k}: ${r.errorMessage}`);
  // committed (on the commit worker) and synced: what the receivers wait for before answering
  await svc.processor.sync();
  out(`ack ${k}`);
  out(`eval-start ${k}`);
  // let the parent's kill land inside the evaluation below (it takes tens of ms: one fsync per model)
  await new Promise((r) => setImmediate(r));
  for (const rep of svc.evaluateNow(EVAL_T0 + (k + 1) * EVAL_WINDOW))
    out(`report ${rep.model.name} ${rep.window ? Date.parse(rep.window.end) : -1}`);
  out(`eval-end ${k}`);
}
await svc.close();
console.log(`models ${EVAL_MODELS}`);
