/**
 * How large the WAL grows while the writer commits without pause and the checkpoint worker
 * (`store/checkpointer.ts`) copies it into the database file meanwhile.
 *
 *   npm run bench:checkpointer [-- --commits 3000 --runs 3]
 *
 * The writer commits a 16 KiB value per transaction (about 48 MiB for 3,000 commits), yielding to
 * the event loop for 1 ms between commits, as the processor's ingest does between requests. The
 * WAL starts again from its beginning only when a checkpoint caught up with every commit, so its
 * size depends on how quickly the worker runs beside the writer: on an idle machine it stays at a
 * few MiB; on a busy one it can reach the writer's own backstop checkpoint (64 MiB), which bounds
 * it. The test suite checks the mechanism with pauses between commits
 * (test/integration/store/checkpointer.test.ts); this measures the figure under real contention.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StateDb } from '../src/store/sqlite.js';

const arg = (name: string, d: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const COMMITS = arg('commits', 3000);
const RUNS = arg('runs', 3);
const VALUE = 'x'.repeat(16 * 1024);
const MiB = 2 ** 20;

console.log(
  `checkpointer: ${COMMITS} commits of 16 KiB per run, ${RUNS} runs; ${cpus().length} CPUs, load ${loadavg()[0]!.toFixed(2)}`,
);
console.log('run  seconds  checkpoints  longest ms  WAL frames at most  WAL file MiB  backstop (64 MiB) reached');
for (let run = 1; run <= RUNS; run++) {
  const dir = mkdtempSync(join(tmpdir(), 'otel-ml-bench-checkpointer-'));
  try {
    const path = join(dir, 'state.db');
    const db = StateDb.open(path, { durability: 'normal', checkpointer: { intervalMs: 20, chaseMs: 2 } });
    const t0 = performance.now();
    let walMax = 0;
    for (let i = 0; i < COMMITS; i++) {
      db.transaction(() => db.setMeta(`k${i % 200}`, `${i}:${VALUE}`));
      if (i % 50 === 0) walMax = Math.max(walMax, statSync(`${path}-wal`).size);
      await sleep(1);
    }
    const seconds = (performance.now() - t0) / 1000;
    walMax = Math.max(walMax, statSync(`${path}-wal`).size);
    const s = db.checkpointStats()!;
    db.close();
    console.log(
      [
        String(run).padStart(3),
        seconds.toFixed(1).padStart(8),
        String(s.runs).padStart(12),
        s.maxMs.toFixed(1).padStart(11),
        String(s.maxWalFrames).padStart(19),
        (walMax / MiB).toFixed(1).padStart(13),
        `  ${walMax >= 64 * MiB ? 'yes' : 'no'}`,
      ].join(' '),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
