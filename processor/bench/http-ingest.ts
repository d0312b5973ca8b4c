/**
 * Ingest through the real HTTP path (`npm run bench:http`): `otel-ml serve` runs as a process of
 * its own (a state file in a temporary directory, default durability, the default windows and
 * evaluation loop, gRPC off), and a separate sender process (http-sender.ts) posts OTLP/HTTP
 * protobuf export requests of 1,000 delta histogram points (one per stream, 1,000 streams, each
 * request the next interval of every stream), one request at a time and 4 in flight.
 *
 * The service's CPU time is read from /proc/<pid>/stat (utime + stime of all its threads: the
 * event loop, the commit and checkpoint workers, libuv's pool that runs the fdatasyncs, V8's GC
 * and compiler threads), and split by thread from /proc/<pid>/task/<tid>/stat. Decode-only is
 * the receivers' decoder on the same payloads in this process, measured just before each row.
 * Targets (issue 20), one request at a time: >= 250,000 points per CPU second of the service and
 * >= 80% of decode-only; decode-only >= 600,000 points/s.
 *
 *   npm run bench:http [-- --seconds 8] [--kinds explicit,exponential] [--in-flight 1,4]
 *                      [--profile <dir>]   (node --cpu-prof on the service: one .cpuprofile per thread)
 *                      [--built]           (run processor/dist/cli.js, after npm run build, instead of the sources)
 *                      [--node-flags '--trace-gc'] [--serve-output]   (node options of the service; its output on stderr)
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { decodeMetricsProtobuf } from '../src/otlp/decode.js';
import { payloadSet, ROUNDS, type PayloadKind } from './ingest-payload.js';
import type { RunResult } from './http-sender.js';

const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const SECONDS = Number(opt('seconds') ?? 8);
const WARMUP_SECONDS = Number(opt('warmup') ?? 3);
const KINDS = (opt('kinds') ?? 'explicit,exponential').split(',') as PayloadKind[];
const IN_FLIGHT = (opt('in-flight') ?? '1,4').split(',').map(Number);
const PROFILE_DIR = opt('profile') === undefined ? undefined : resolve(opt('profile')!);
const BUILT = argv.includes('--built');
/** Extra node options of the service (e.g. --trace-gc), and its console output on stderr. */
const NODE_FLAGS = (opt('node-flags') ?? '').split(/\s+/).filter(Boolean);
const SERVE_OUTPUT = argv.includes('--serve-output');

const repo = resolve(import.meta.dirname, '..', '..');
const tsxLoader = pathToFileURL(join(repo, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const childTsconfig = join(repo, 'test', 'integration', 'store', 'tsconfig.child.json');
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const TICKS_PER_SECOND = 100; // USER_HZ of /proc/<pid>/stat on Linux

/** CPU ticks (utime + stime) of a process or thread, from its stat line (fields 14 and 15, after the parenthesised name). */
function statTicks(path: string): { name: string; ticks: number } | undefined {
  let line: string;
  try {
    line = readFileSync(path, 'utf8');
  } catch {
    return undefined; // a thread that ended meanwhile
  }
  const close = line.lastIndexOf(')');
  const fields = line.slice(close + 2).split(' ');
  return { name: line.slice(line.indexOf('(') + 1, close), ticks: Number(fields[11]) + Number(fields[12]) };
}

/** The service's CPU ticks, in all and by thread group (the event loop is the thread whose id is the pid). */
function serviceCpu(pid: number): { total: number; threads: Map<string, number> } {
  const threads = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const t = statTicks(`/proc/${pid}/task/${tid}/stat`);
    if (t === undefined) continue;
    // node 20 names none of its threads: they all show as `node` (`v8:ProfEvntProc` with --cpu-prof)
    const group =
      Number(tid) === pid ? 'event loop' : process.env.OTEL_ML_BENCH_TIDS ? `${t.name} ${tid}` : 'other threads';
    threads.set(group, (threads.get(group) ?? 0) + t.ticks);
  }
  return { total: statTicks(`/proc/${pid}/stat`)!.ticks, threads };
}

/** Decode-only: the receivers' decoder on the row's payloads, for about `ms`, in this process. Points per CPU second. */
function decodeOnly(kind: PayloadKind, ms: number): number {
  const set = payloadSet(kind);
  for (let i = 0; i < 10; i++) decodeMetricsProtobuf(set.bodies[i % ROUNDS]!);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < ms) decodeMetricsProtobuf(set.bodies[n++ % ROUNDS]!);
  const cpu = process.cpuUsage(cpu0);
  return (n * set.points) / ((cpu.user + cpu.system) / 1e6);
}

/** Starts `otel-ml serve` on a fresh state file; resolves with the process and its /v1/metrics URL. */
async function startServe(dir: string, label: string): Promise<{ child: ChildProcess; url: string }> {
  const config = join(dir, 'otel-ml.yaml');
  writeFileSync(
    config,
    `receivers:\n  http: { port: 0 }\n  grpc: { enabled: false }\nstorage:\n  path: ${JSON.stringify(join(dir, 'state.db'))}\n`,
  );
  const prof = PROFILE_DIR === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${join(PROFILE_DIR, label)}`];
  const entry = BUILT
    ? [join(repo, 'processor', 'dist', 'cli.js')]
    : ['--import', tsxLoader, join(repo, 'processor', 'src', 'cli.ts')];
  const child = spawn(process.execPath, [...NODE_FLAGS, ...prof, ...entry, 'serve', '--config', config], {
    env: { ...process.env, TSX_TSCONFIG_PATH: childTsconfig, OTEL_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((ok, fail) => {
    let out = '';
    const onData = (c: Buffer) => {
      out += c.toString();
      const m = /OTLP\/HTTP\s+(\S+\/v1\/metrics)/.exec(out);
      if (m) {
        child.stdout!.off('data', onData);
        if (SERVE_OUTPUT) child.stdout!.pipe(process.stderr);
        else child.stdout!.resume();
        ok(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => fail(new Error(`otel-ml serve exited with ${code} before it was ready: ${out}`)));
  });
  return { child, url };
}

function stopServe(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null) return done();
    child.once('exit', () => done());
    child.kill('SIGTERM');
  });
}

function startSender(url: string, kind: PayloadKind): Promise<ChildProcess> {
  const sender = fork(join(import.meta.dirname, 'http-sender.ts'), [], {
    execArgv: ['--import', tsxLoader],
    env: { ...process.env, TSX_TSCONFIG_PATH: childTsconfig, OTEL_ML_BENCH_URL: url, OTEL_ML_BENCH_KIND: kind },
  });
  return new Promise((ok, fail) => {
    sender.once('message', () => ok(sender));
    sender.once('exit', (code) => fail(new Error(`sender exited with ${code}`)));
  });
}

function send(sender: ChildProcess, ms: number, inFlight: number): Promise<RunResult> {
  return new Promise((ok, fail) => {
    sender.once('message', (m: { result?: RunResult; error?: string }) =>
      m.result ? ok(m.result) : fail(new Error(m.error)),
    );
    sender.send({ run: ms, inFlight });
  });
}

const load0 = loadavg();
console.log(
  `ingest through otel-ml serve's HTTP receiver (node ${process.version}, ${BUILT ? 'built CLI' : 'sources through tsx'}, ${SECONDS} s per row after ${WARMUP_SECONDS} s of warm-up; ` +
    `load average ${load0.map((l) => l.toFixed(2)).join(' ')})`,
);
const rows: Record<string, string | number>[] = [];
const threadRows: Record<string, string | number>[] = [];
const base = mkdtempSync(join(tmpdir(), 'otel-ml-http-'));
try {
  for (const kind of KINDS) {
    for (const inFlight of IN_FLIGHT) {
      const label = `${kind}-x${inFlight}`;
      const decode = decodeOnly(kind, 2000);
      const dir = mkdtempSync(join(base, `${label}-`));
      const { child, url } = await startServe(dir, label);
      const sender = await startSender(url, kind);
      try {
        await send(sender, WARMUP_SECONDS * 1000, inFlight);
        const cpu0 = serviceCpu(child.pid!);
        const r = await send(sender, SECONDS * 1000, inFlight);
        const cpu1 = serviceCpu(child.pid!);
        const ok = r.statuses['200'] ?? 0;
        if (ok !== r.requests || r.partial > 0)
          console.log(`  ${label}: statuses ${JSON.stringify(r.statuses)}, ${r.partial} partial successes`);
        const cpuS = (cpu1.total - cpu0.total) / TICKS_PER_SECOND;
        const perCpu = r.points / cpuS;
        rows.push({
          points:
            kind === 'explicit'
              ? 'explicit, 200 buckets'
              : kind === 'exponential'
                ? 'exponential, 160 buckets'
                : 'exponential, 320 buckets',
          'in flight': inFlight,
          'points/s (wall)': fmt(r.points / (r.wallMs / 1000)),
          'points/CPU s (serve)': fmt(perCpu),
          'serve CPU %': Math.round((100 * cpuS) / (r.wallMs / 1000)),
          'decode only, points/CPU s': fmt(decode),
          'vs decode': `${Math.round((100 * perCpu) / decode)}%`,
          'p50 / p99 ms': `${r.latencyMs.p50} / ${r.latencyMs.p99}`,
        });
        const split: Record<string, string | number> = { row: label };
        for (const [name, ticks] of [...cpu1.threads].sort((a, b) => b[1] - a[1])) {
          const d = ticks - (cpu0.threads.get(name) ?? 0);
          if (d > 0) split[name] = `${Math.round((100 * d) / (cpu1.total - cpu0.total))}%`;
        }
        threadRows.push(split);
      } finally {
        sender.disconnect();
        await stopServe(child);
      }
    }
  }
} finally {
  rmSync(base, { recursive: true, force: true });
}
console.table(rows);
console.log(
  'share of the service CPU time by thread (other threads: V8 GC and compiler helpers, the commit and checkpoint workers, libuv pool (fdatasync); OTEL_ML_BENCH_TIDS=1 lists them by thread id)',
);
console.table(threadRows);
const main = rows.find((r) => r['in flight'] === 1 && String(r.points).startsWith('explicit'));
if (main) {
  console.log(
    `summary: explicit 200-bucket histograms, 1 request at a time: ${main['points/CPU s (serve)']} points per CPU second of otel-ml serve (target 250,000), ` +
      `${main['vs decode']} of decode-only (target 80%), ${main['points/s (wall)']} points/s wall; load average after ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  );
}
if (PROFILE_DIR)
  console.log(
    `CPU profiles of the service in ${PROFILE_DIR} (open in Chrome DevTools, or summarise with processor/bench/cpuprofile-summary.ts)`,
  );
