/**
 * Soak run of the live processor (used by `npm run bench:soak` and, seconds long, by
 * test/integration/hardening/soak.test.ts).
 *
 * The service runs in this process as `otel-ml serve` would (startService: HTTP receiver, SQLite
 * state file with durability full, 1-minute windows, evaluation every second against the
 * rolling reference). A sender posts OTLP/HTTP protobuf requests shaped like the
 * instrumentation's exports (per instance: one model, FEATURES cumulative ml.feature.value
 * histograms of 20 buckets, ml.prediction.score with 200 buckets, ml.predictions), first as fast
 * as it can for `calibrateSeconds` (capacity), then at `rateFraction` of that capacity for
 * `seconds`. This process paces the sends; a child process (soak-sender.ts) builds and posts
 * them, so that the load generator's memory and CPU are not measured as the service's. Sampled
 * here: RSS every 250 ms and the event-loop delay (perf_hooks histogram, 10 ms resolution).
 * Checked at the end: every request answered 200, every point received and accepted exactly once.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PerformanceObserver, constants as perfConstants, monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { DEFAULT_CONFIG, type ServiceConfig } from '../src/service/config.js';
import { startService } from '../src/service/service.js';
import type { CheckpointerStats } from '../src/store/checkpointer.js';
import type { WriterStats } from '../src/store/writer.js';

export interface SoakOptions {
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly calibrateSeconds: number;
  /** Share of the calibrated capacity to send at. Default 0.5. */
  readonly rateFraction?: number;
  readonly features?: number;
  readonly instances?: number;
  /** SQLite state file (':memory:' for none). */
  readonly storagePath: string;
  readonly onProgress?: (line: string) => void;
  /**
   * Sample the V8 heap from the end of warm-up (sampling heap profiler) and write, to this file,
   * the profile taken at the highest RSS seen: what the heap held at the peak, by allocation site.
   */
  readonly heapProfilePath?: string;
}

export interface SoakFigures {
  capacityRequestsPerSec: number;
  capacityPointsPerSec: number;
  targetRequestsPerSec: number;
  achievedPointsPerSec: number;
  pointsPerRequest: number;
  requests: number;
  sentPoints: number;
  statuses: Record<string, number>;
  receivedPoints: number;
  acceptedPoints: number;
  droppedPoints: Record<string, number>;
  evaluations: number;
  rssAfterWarmupMiB: number;
  rssMaxAfterWarmupMiB: number;
  rssEndMiB: number;
  /** At the RSS maximum after warm-up: V8 heap (total, used) and memory outside it (external, array buffers), MiB. */
  atRssMax: MemoryFigures;
  /** The same at the end of warm-up (the RSS growth's starting point). */
  atWarmup: MemoryFigures;
  /** (max RSS after warm-up - RSS at warm-up end) / RSS at warm-up end, in percent. */
  rssGrowthPct: number;
  eventLoopMaxMs: number;
  eventLoopP99Ms: number;
  /**
   * Event-loop stalls over 50 ms after warm-up (seconds into the soak, length, time since the
   * last evaluation, garbage-collection pauses and SQLite transactions of over 10 ms that
   * overlapped the stall), at most 50.
   */
  stalls: {
    atS: number;
    ms: number;
    afterEvaluationMs: number | undefined;
    gcMs: number;
    sqliteMs: number;
    sqliteWhat: string;
  }[];
  /** Longest SQLite transaction (commit included) after warm-up, ms. */
  sqliteMaxMs: number;
  /** Longest garbage-collection pause after warm-up, ms, and its kind ('minor', 'major', ...). */
  gcMaxMs: number;
  gcMaxKind: string;
  /** Sends skipped because every instance still had its previous export in flight. */
  skipped: number;
  /** WAL checkpoints on the worker thread over the whole run (state file only). */
  checkpoints: CheckpointerStats | undefined;
  /** Ingest commits on the commit worker thread. */
  writer: WriterStats | undefined;
}

export interface MemoryFigures {
  heapTotalMiB: number;
  heapUsedMiB: number;
  externalMiB: number;
  arrayBuffersMiB: number;
  /** Reserved size of each V8 heap space (new_space, old_space, ...), MiB. */
  spacesMiB: Record<string, number>;
}

function memoryFigures(): MemoryFigures {
  const mib = (b: number) => +(b / 2 ** 20).toFixed(1);
  const m = process.memoryUsage();
  return {
    heapTotalMiB: mib(m.heapTotal),
    heapUsedMiB: mib(m.heapUsed),
    externalMiB: mib(m.external),
    arrayBuffersMiB: mib(m.arrayBuffers),
    spacesMiB: Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, mib(s.space_size)])),
  };
}

/** Sampling heap profile kept at the latest RSS maximum (at most one capture per 5 s). */
class HeapProfileAtPeak {
  private readonly session = new Session();
  private last = 0;
  private capturing = false;
  private profile: unknown;

  constructor(private readonly path: string) {}

  async start(): Promise<void> {
    this.session.connect();
    await this.session.post('HeapProfiler.startSampling', { samplingInterval: 16 * 1024 });
  }

  peak(): void {
    if (this.capturing || performance.now() - this.last < 5000) return;
    this.capturing = true;
    this.last = performance.now();
    void this.session.post('HeapProfiler.getSamplingProfile').then((r) => {
      this.profile = r.profile;
      this.capturing = false;
    });
  }

  async stop(): Promise<void> {
    await this.session.post('HeapProfiler.stopSampling');
    this.session.disconnect();
    if (this.profile !== undefined) writeFileSync(this.path, JSON.stringify(this.profile));
  }
}

const GC_KINDS = new Map<number, string>([
  [perfConstants.NODE_PERFORMANCE_GC_MINOR, 'minor'],
  [perfConstants.NODE_PERFORMANCE_GC_MAJOR, 'major'],
  [perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL, 'incremental'],
  [perfConstants.NODE_PERFORMANCE_GC_WEAKCB, 'weak callbacks'],
]);

export async function runSoak(opts: SoakOptions): Promise<SoakFigures> {
  const FEATURES = opts.features ?? 40;
  const INSTANCES = opts.instances ?? 4;
  const pointsPerRequest = FEATURES + 2;
  const config: ServiceConfig = {
    ...DEFAULT_CONFIG,
    receivers: {
      http: { ...DEFAULT_CONFIG.receivers.http, port: 0 },
      grpc: { ...DEFAULT_CONFIG.receivers.grpc, enabled: false },
    },
    storage: { path: opts.storagePath, durability: 'full' },
    windows: { lengthMs: 60_000, minRows: 1, maxExtensions: 0 },
    evaluation: { ...DEFAULT_CONFIG.evaluation, intervalMs: 1_000 },
    references: { ...DEFAULT_CONFIG.references, rollingWindows: 3 },
    statusPage: { enabled: false },
  };
  let evaluations = 0;
  let lastEvaluation = 0;
  const svc = await startService(config, {
    onReport: () => {
      evaluations++;
      lastEvaluation = performance.now();
    },
  });
  const port = Number(new URL(svc.httpUrl!).port);
  // SQLite transactions (commit and fsync included) of over 10 ms, to attribute stalls
  // with the processor method that ran them, and whether a WAL checkpoint ran on the worker meanwhile
  const slowTx: { start: number; ms: number; what: string }[] = [];
  // (with the commit worker, an ingest "transaction" on the event loop is its encoding; the
  // commit runs on the worker: see `writer` in the figures)
  const db = (
    svc.processor as unknown as {
      db: {
        transaction<T>(fn: () => T): T;
        ingestTransaction(fn: () => void): void;
        checkpointStats(): CheckpointerStats | undefined;
        checkpointRunning(): boolean;
        writerStats(): WriterStats | undefined;
      };
    }
  ).db;
  const timed = <F extends (fn: () => never) => unknown>(run: F): F =>
    ((fn: () => never) => {
      const t0 = performance.now();
      const checkpointBefore = db.checkpointRunning();
      try {
        return run(fn);
      } finally {
        const ms = performance.now() - t0;
        if (ms > 10 && slowTx.length < 100_000) {
          const frames = [
            ...(new Error().stack ?? '').matchAll(/at (?:StreamProcessor\.)?(\w+) .*streams\/processor\.ts/g),
          ].map((m) => m[1]);
          const caller = frames.find((f) => f !== 'atomically') ?? '?';
          slowTx.push({
            start: t0,
            ms,
            what: `${caller}${checkpointBefore || db.checkpointRunning() ? ' during a WAL checkpoint' : ''}`,
          });
        }
      }
    }) as F;
  db.transaction = timed(db.transaction.bind(db));
  db.ingestTransaction = timed(db.ingestTransaction.bind(db));
  const startNs = BigInt(Date.now()) * 1_000_000n;
  // The load generator runs in a child process (soak-sender.ts): its allocations are not the service's.
  const repo = join(import.meta.dirname, '..', '..');
  const sender = fork(join(import.meta.dirname, 'soak-sender.ts'), [], {
    execArgv: ['--import', pathToFileURL(join(repo, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href],
    env: {
      ...process.env,
      TSX_TSCONFIG_PATH: join(repo, 'test', 'integration', 'store', 'tsconfig.child.json'),
      OTEL_ML_SOAK_PORT: String(port),
      OTEL_ML_SOAK_FEATURES: String(FEATURES),
      OTEL_ML_SOAK_INSTANCES: String(INSTANCES),
      OTEL_ML_SOAK_START_NS: String(startNs),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const replies = new Map<number, (status: number) => void>();
  let nextId = 0;
  await new Promise<void>((resolve, reject) => {
    sender.once('error', reject);
    sender.once('exit', (code) => reject(new Error(`soak sender exited (${code}) before it was ready`)));
    sender.on('message', (m: { ready?: boolean; id?: number; status?: number }) => {
      if (m.ready) return resolve();
      const reply = replies.get(m.id!);
      replies.delete(m.id!);
      reply?.(m.status!);
    });
  });
  sender.removeAllListeners('exit');
  const post = (instance: number, round: number): Promise<number> =>
    new Promise((resolve) => {
      const id = nextId++;
      replies.set(id, resolve);
      sender.send({ id, instance, round });
    });
  const rounds = new Array<number>(INSTANCES).fill(0);
  const statuses: Record<string, number> = {};
  let requests = 0;
  let sentPoints = 0;
  const sendOne = async (instance: number): Promise<void> => {
    const status = await post(instance, rounds[instance]!++);
    statuses[status] = (statuses[status] ?? 0) + 1;
    requests++;
    sentPoints += pointsPerRequest;
  };
  try {
    // 1. capacity: every instance sends back to back
    const c0 = performance.now();
    const r0 = requests;
    await Promise.all(
      Array.from({ length: INSTANCES }, async (_, i) => {
        while (performance.now() - c0 < opts.calibrateSeconds * 1000) await sendOne(i);
      }),
    );
    const capacityRequestsPerSec = (requests - r0) / ((performance.now() - c0) / 1000);
    const target = capacityRequestsPerSec * (opts.rateFraction ?? 0.5);
    opts.onProgress?.(
      `capacity ${capacityRequestsPerSec.toFixed(1)} requests/s (${Math.round(capacityRequestsPerSec * pointsPerRequest)} points/s); soaking at ${target.toFixed(1)} requests/s for ${opts.seconds} s`,
    );

    // 2. soak at the target rate (requests spread over the instances, paced by a schedule)
    const eld = monitorEventLoopDelay({ resolution: 10 });
    eld.enable();
    const rss: { t: number; mib: number }[] = [];
    let warmedUp = false;
    let atRssMax: MemoryFigures = memoryFigures();
    let atWarmup: SoakFigures['atWarmup'] = atRssMax;
    let rssMaxSeen = 0;
    const heapProfiler = opts.heapProfilePath === undefined ? undefined : new HeapProfileAtPeak(opts.heapProfilePath);
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      rss.push({ t: performance.now(), mib: m.rss / 2 ** 20 });
      if (warmedUp && m.rss > rssMaxSeen) {
        rssMaxSeen = m.rss;
        atRssMax = memoryFigures();
        heapProfiler?.peak();
      }
    }, 250);
    const s0 = performance.now();
    // A 10 ms ticker: a late tick is a stall; note it with the time since the last evaluation.
    const stalls: SoakFigures['stalls'] = [];
    /** Start of each stall on the performance clock, to attribute GC pauses and transactions at the end. */
    const stallStarts: number[] = [];
    // garbage-collection pauses (start, duration), to tell collector pauses from other stalls
    const gcs: { start: number; ms: number; kind: string }[] = [];
    const gcObserver = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const kind = (e as { detail?: { kind?: number } }).detail?.kind;
        gcs.push({ start: e.startTime, ms: e.duration, kind: GC_KINDS.get(kind ?? -1) ?? String(kind) });
      }
      if (gcs.length > 100_000) gcs.splice(0, 50_000);
    });
    gcObserver.observe({ entryTypes: ['gc'] });
    let tick = performance.now();
    const ticker = setInterval(() => {
      const t = performance.now();
      const late = t - tick - 10;
      const from = tick;
      tick = t;
      if (late > 50 && t - s0 > opts.warmupSeconds * 1000 && stalls.length < 50) {
        // GC entries arrive asynchronously: attribute them when the soak ends
        stalls.push({
          atS: +((t - s0) / 1000).toFixed(1),
          ms: Math.round(late),
          afterEvaluationMs: lastEvaluation ? Math.round(t - lastEvaluation) : undefined,
          gcMs: 0,
          sqliteMs: 0,
          sqliteWhat: '',
        });
        stallStarts.push(from);
      }
    }, 10);
    const sentBefore = sentPoints;
    let k = 0;
    let lastReport = s0;
    const inFlight = new Set<Promise<void>>();
    const busy = new Array<boolean>(INSTANCES).fill(false);
    let skipped = 0;
    while (performance.now() - s0 < opts.seconds * 1000) {
      const due = s0 + (k * 1000) / target;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (!warmedUp && performance.now() - s0 >= opts.warmupSeconds * 1000) {
        warmedUp = true;
        eld.reset();
        const m = process.memoryUsage();
        rss.push({ t: performance.now(), mib: m.rss / 2 ** 20 });
        atWarmup = memoryFigures();
        await heapProfiler?.start();
      }
      // Like an SDK, an instance has at most one export in flight (otherwise a later cumulative
      // point could overtake an earlier one, which the processor then drops as out of order).
      const instance = Array.from({ length: INSTANCES }, (_, j) => (k + j) % INSTANCES).find((j) => !busy[j]);
      if (instance !== undefined) {
        busy[instance] = true;
        const p = sendOne(instance).finally(() => {
          busy[instance] = false;
          inFlight.delete(p);
        });
        inFlight.add(p);
      } else skipped++;
      k++;
      if (performance.now() - lastReport > 30_000) {
        lastReport = performance.now();
        opts.onProgress?.(
          `  ${((lastReport - s0) / 1000).toFixed(0)} s: ${requests} requests, RSS ${rss.at(-1)?.mib.toFixed(0)} MiB, event loop max ${(eld.max / 1e6).toFixed(1)} ms, ${evaluations} evaluations`,
        );
      }
    }
    await Promise.all(inFlight);
    clearInterval(sampler);
    await heapProfiler?.stop();
    clearInterval(ticker);
    eld.disable();
    await new Promise((r) => setTimeout(r, 50));
    gcObserver.disconnect();
    for (const [i, st] of stalls.entries()) {
      const from = stallStarts[i]!;
      const to = from + st.ms + 10;
      st.gcMs = Math.round(gcs.filter((g) => g.start < to && g.start + g.ms > from).reduce((a, g) => a + g.ms, 0));
      const within = slowTx.filter((g) => g.start < to && g.start + g.ms > from);
      st.sqliteMs = Math.round(within.reduce((a, g) => a + g.ms, 0));
      st.sqliteWhat = [...new Set(within.map((g) => g.what))].join('; ');
    }
    const warmGcs = gcs.filter((g) => g.start >= s0 + opts.warmupSeconds * 1000);
    const gcMax = warmGcs.reduce<{ ms: number; kind: string }>((m, g) => (g.ms > m.ms ? g : m), { ms: 0, kind: '-' });
    const soakSeconds = (performance.now() - s0) / 1000;
    const warmT = s0 + opts.warmupSeconds * 1000;
    const after = rss.filter((r) => r.t >= warmT);
    const rssAfterWarmup = after[0]?.mib ?? rss.at(-1)!.mib;
    const rssMax = Math.max(...after.map((r) => r.mib));
    const stats = svc.processor.stats();
    return {
      capacityRequestsPerSec,
      capacityPointsPerSec: capacityRequestsPerSec * pointsPerRequest,
      targetRequestsPerSec: target,
      achievedPointsPerSec: (sentPoints - sentBefore) / soakSeconds,
      pointsPerRequest,
      requests,
      sentPoints,
      statuses,
      receivedPoints: stats.receivedPoints,
      acceptedPoints: stats.acceptedPoints,
      droppedPoints: Object.fromEntries(Object.entries(stats.droppedPoints).filter(([, v]) => v > 0)),
      evaluations,
      rssAfterWarmupMiB: rssAfterWarmup,
      rssMaxAfterWarmupMiB: rssMax,
      rssEndMiB: rss.at(-1)!.mib,
      atRssMax,
      atWarmup,
      rssGrowthPct: (100 * (rssMax - rssAfterWarmup)) / rssAfterWarmup,
      eventLoopMaxMs: eld.max / 1e6,
      eventLoopP99Ms: eld.percentile(99) / 1e6,
      stalls,
      gcMaxMs: gcMax.ms,
      sqliteMaxMs: Math.max(0, ...slowTx.filter((x) => x.start >= s0 + opts.warmupSeconds * 1000).map((x) => x.ms)),
      gcMaxKind: gcMax.kind,
      skipped,
      checkpoints: db.checkpointStats(),
      writer: db.writerStats(),
    };
  } finally {
    sender.disconnect();
    await svc.close();
  }
}
