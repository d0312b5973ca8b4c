/**
 * Soak benchmark of the live processor: capacity first, then half of it for 10 minutes.
 *
 *   npm run bench:soak                          (10 min soak after a 20 s calibration)
 *   npm run bench:soak -- --seconds 120 --warmup 30 [--memory]   (--memory: in-memory SQLite)
 *   npm run bench:soak -- --heap-profile peak.heapprofile   (sampled heap at the RSS maximum)
 *   npm run bench:soak -- --v8-flags '--heap-growing-percent=50'   (instead of the service's, service/runtime.ts)
 *
 * Pass criteria printed at the end: RSS after warm-up stays within 10% of its level at the end
 * of warm-up, no event-loop stall over 100 ms, every request answered 200 and every point
 * accepted exactly once. See soak-lib.ts for the workload.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSoak } from './soak-lib.js';
import { applyServiceV8Flags } from '../src/service/runtime.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

// the V8 flags of `otel-ml serve` (OTEL_ML_V8_FLAGS), or --v8-flags '<flags>' to try others
const v8Flags = process.argv.includes('--v8-flags')
  ? applyServiceV8Flags({ OTEL_ML_V8_FLAGS: process.argv[process.argv.indexOf('--v8-flags') + 1] ?? '' })
  : applyServiceV8Flags();
const dir = mkdtempSync(join(tmpdir(), 'otel-ml-soak-'));
try {
  const seconds = arg('seconds', 600);
  const memory = process.argv.includes('--memory');
  console.log(
    `soak: node ${process.version} (V8 flags: ${v8Flags.join(' ') || 'none'}), ${seconds} s at half capacity, ${memory ? 'in-memory SQLite' : 'state file, durability full'}`,
  );
  const f = await runSoak({
    seconds,
    warmupSeconds: arg('warmup', Math.min(60, seconds / 5)),
    calibrateSeconds: arg('calibrate', 20),
    storagePath: memory ? ':memory:' : join(dir, 'soak.db'),
    onProgress: (l) => console.log(l),
    ...(process.argv.includes('--heap-profile') && {
      heapProfilePath: process.argv[process.argv.indexOf('--heap-profile') + 1],
    }),
  });
  console.table({
    capacity: `${Math.round(f.capacityPointsPerSec).toLocaleString('en-US')} points/s (${f.capacityRequestsPerSec.toFixed(1)} requests/s of ${f.pointsPerRequest} points)`,
    soak: `${Math.round(f.achievedPointsPerSec).toLocaleString('en-US')} points/s`,
    requests: `${f.requests} (${JSON.stringify(f.statuses)}), ${f.skipped} sends skipped (all instances busy)`,
    points: `sent ${f.sentPoints}, received ${f.receivedPoints}, accepted ${f.acceptedPoints}, dropped ${JSON.stringify(f.droppedPoints)}`,
    evaluations: f.evaluations,
    RSS: `${f.rssAfterWarmupMiB.toFixed(0)} MiB after warm-up, max ${f.rssMaxAfterWarmupMiB.toFixed(0)} MiB (+${f.rssGrowthPct.toFixed(1)}%), end ${f.rssEndMiB.toFixed(0)} MiB`,
    'V8 heap used/total, external': `after warm-up ${f.atWarmup.heapUsedMiB}/${f.atWarmup.heapTotalMiB}, ${f.atWarmup.externalMiB} MiB; at the RSS maximum ${f.atRssMax.heapUsedMiB}/${f.atRssMax.heapTotalMiB}, ${f.atRssMax.externalMiB} MiB`,
    'V8 spaces that grew (MiB)': Object.entries(f.atRssMax.spacesMiB)
      .filter(([k, v]) => v !== f.atWarmup.spacesMiB[k])
      .map(([k, v]) => `${k} ${f.atWarmup.spacesMiB[k] ?? 0} -> ${v}`)
      .join(', '),
    'event loop': `max ${f.eventLoopMaxMs.toFixed(1)} ms, p99 ${f.eventLoopP99Ms.toFixed(1)} ms`,
    'longest GC pause': `${f.gcMaxMs.toFixed(1)} ms (${f.gcMaxKind})`,
    'longest SQLite transaction': `${f.sqliteMaxMs.toFixed(1)} ms`,
    ...(f.checkpoints && {
      'WAL checkpoints (worker thread)': `${f.checkpoints.runs} runs, longest ${f.checkpoints.maxMs.toFixed(1)} ms, ${(f.checkpoints.totalMs / 1000).toFixed(1)} s in all, WAL at most ${f.checkpoints.maxWalFrames} pages, ${f.checkpoints.errors} errors${f.checkpoints.failure ? `, worker failed: ${f.checkpoints.failure}` : ''}`,
    }),
    ...(f.writer && {
      'ingest commits (worker thread)': `${f.writer.batches} transactions, longest ${f.writer.maxMs.toFixed(1)} ms, ${f.writer.slow} of 100 ms or more, ${(f.writer.totalMs / 1000).toFixed(1)} s in all`,
    }),
  });
  if (f.stalls.length) {
    console.log(
      `event-loop stalls over 50 ms after warm-up (s into the soak: ms, ms since the last evaluation report, ms of GC pauses and of SQLite transactions within): ` +
        f.stalls
          .map(
            (x) =>
              `${x.atS}: ${x.ms} (${x.afterEvaluationMs ?? '-'}, gc ${x.gcMs}, sqlite ${x.sqliteMs}${x.sqliteWhat ? ` in ${x.sqliteWhat}` : ''})`,
          )
          .join(', '),
    );
  }
  const ok =
    f.rssGrowthPct <= 10 &&
    f.eventLoopMaxMs <= 100 &&
    f.statuses['200'] === f.requests &&
    f.acceptedPoints === f.sentPoints;
  console.log(
    `soak ${ok ? 'PASSED' : 'FAILED'}: RSS growth ${f.rssGrowthPct.toFixed(1)}% (<= 10%), event-loop max ${f.eventLoopMaxMs.toFixed(1)} ms (<= 100 ms), all 200: ${f.statuses['200'] === f.requests}, accepted = sent: ${f.acceptedPoints === f.sentPoints}`,
  );
  if (!ok) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
