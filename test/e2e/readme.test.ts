/**
 * The README as written, on a clean copy of the repository (its tracked files, as a fresh clone
 * has them, in a temporary directory):
 *
 * 1. the quick start's first command, verbatim (`npm install && npm start`: a real install from
 *    the npm cache or registry, the build, the demo);
 * 2. `npx otel-ml --help`;
 * 3. every `npx otel-ml ...` command line of the README's shell blocks, in order, run by bash as
 *    printed: `baseline`, `report`, then `serve --config otel-ml.yaml` with the README's
 *    configuration block (the first YAML block after that command) as the file it names. The CSV
 *    files the commands read are generated, with the columns their options name. `serve` gets
 *    ephemeral ports through its documented variables (OTEL_ML_HTTP_PORT, OTEL_ML_GRPC_PORT), must
 *    answer /readyz and /metrics, take an OTLP point, and stop on Ctrl-C (SIGINT to its process
 *    group, as a terminal sends it);
 * 4. `git status` in the copy lists only the files the commands were told to read or write: what
 *    the processor and the demo write on their own (state files, locks, reports, builds) is
 *    ignored by .gitignore.
 *
 * A README command that no longer works, or a README that no longer has them, fails the test.
 * The environment is cleaned of the outer npm's and vitest's variables (in particular PATH's
 * node_modules/.bin entries, which would let `npx otel-ml` find this checkout's command).
 *
 * Cost: the install dominates (a full `npm install`; better-sqlite3 compiles from source where its
 * prebuilt binary cannot be downloaded): about 2 minutes on an idle 2-core machine, the whole test
 * about 3. OTEL_ML_TEST_FIGURES=1 prints the time of each step.
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBaselineFile } from '@otel-ml/conventions';
import { syntheticRows } from '../helpers/synthetic.js';
import { REPO } from '../helpers/tsx.js';

const MINUTE = 60_000;

interface Block {
  readonly lang: string;
  readonly text: string;
}

/** The fenced code blocks of a Markdown text, in order. */
function codeBlocks(markdown: string): Block[] {
  return [...markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```/gm)].map((m) => ({ lang: m[1]!, text: m[2]! }));
}

/** Command lines of a shell block: continuation lines joined, blank lines dropped. */
function commandLines(block: Block): string[] {
  return block.text
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

/** Options of a command line (`--name value`, or `--flag` alone), the shell comment removed. */
function options(line: string): Map<string, string | true> {
  const words = line
    .replace(/\s#.*$/, '')
    .trim()
    .split(/\s+/);
  const out = new Map<string, string | true>();
  for (let i = 0; i < words.length; i++) {
    if (!words[i]!.startsWith('--')) continue;
    const next = words[i + 1];
    if (next === undefined || next.startsWith('--')) out.set(words[i]!, true);
    else {
      out.set(words[i]!, next);
      i++;
    }
  }
  return out;
}

function option(line: string, name: string): string | undefined {
  const v = options(line).get(name);
  return typeof v === 'string' ? v : undefined;
}

/** The environment of a person at a terminal: no variables of the outer npm run or of vitest. */
function userEnv(): NodeJS.ProcessEnv {
  const keep = [
    'HOME',
    'USER',
    'LOGNAME',
    'SHELL',
    'LANG',
    'LC_ALL',
    'TMPDIR',
    'HTTP_PROXY',
    'HTTPS_PROXY',
    'NO_PROXY',
    'http_proxy',
    'https_proxy',
    'no_proxy',
    'NODE_EXTRA_CA_CERTS',
    'npm_config_cache',
    'npm_config_registry',
  ];
  const env: NodeJS.ProcessEnv = {};
  for (const k of keep) if (process.env[k] !== undefined) env[k] = process.env[k];
  env.PATH = (process.env.PATH ?? '')
    .split(':')
    .filter((p) => p && !p.includes('node_modules') && !p.includes('node-gyp-bin'))
    .join(':');
  return {
    ...env,
    CI: 'true', // as CI runs it: no progress bars
    ONNXRUNTIME_NODE_INSTALL: 'skip', // as .ci/run installs: the CPU binary ships inside the package
    // the install may use the npm cache first (the registry is reachable in CI); compile with both cores
    npm_config_prefer_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    JOBS: 'max',
  };
}

let copy: string;
let logs: string;
const env = userEnv();
const figures: string[] = [];

/**
 * Runs `line` with bash in the copy (its own process group, killed whole after `timeoutMs`), the
 * output kept in a log; fails with the end of the output.
 */
async function sh(step: string, line: string, timeoutMs: number): Promise<{ stdout: string; stderr: string }> {
  const t0 = performance.now();
  const child = spawn('bash', ['-c', line], { cwd: copy, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    process.kill(-child.pid!, 'SIGKILL');
  }, timeoutMs);
  const status = await new Promise<number | null>((r) => child.once('close', (code) => r(code)));
  clearTimeout(timer);
  figures.push(`${step}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  writeFileSync(join(logs, `${step.replace(/\W+/g, '-')}.log`), `$ ${line}\n${stdout}\n--- stderr\n${stderr}`);
  const tail = `${stdout}\n${stderr}`.slice(-3000);
  expect(timedOut, `${step}: \`${line}\` did not finish within ${timeoutMs / 1000} s:\n${tail}`).toBe(false);
  expect(status, `${step}: \`${line}\` failed:\n${tail}`).toBe(0);
  return { stdout, stderr };
}

/** Files of the repository as a clone has them: the tracked ones, with their mode. */
function copyTrackedFiles(to: string): void {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: REPO, encoding: 'utf8', maxBuffer: 64 << 20 })
    .split('\0')
    .filter(Boolean);
  expect(files).toContain('README.md');
  for (const f of files) {
    const from = join(REPO, f);
    if (!existsSync(from)) continue; // deleted in the working tree, not yet committed
    mkdirSync(dirname(join(to, f)), { recursive: true });
    copyFileSync(from, join(to, f));
    chmodSync(join(to, f), statSync(from).mode & 0o777);
  }
  // a commit of those files, so that `git status` shows what the commands change and add
  const git = (...args: string[]) =>
    execFileSync(
      'git',
      ['-c', 'user.name=readme-test', '-c', 'user.email=readme-test@localhost', '-c', 'commit.gpgsign=false', ...args],
      { cwd: to },
    );
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '--no-verify', '-m', 'tracked files');
}

const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
const blocks = codeBlocks(readme);
const shellBlocks = blocks.filter((b) => b.lang === 'sh');
const quickStart = shellBlocks[0] ? commandLines(shellBlocks[0]) : [];
const otelMlLines = shellBlocks.flatMap(commandLines).filter((l) => l.startsWith('npx otel-ml '));
const commandOf = (l: string) => l.split(/\s+/)[2];

beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), 'otel-ml-readme-'));
  logs = mkdtempSync(join(tmpdir(), 'otel-ml-readme-logs-'));
  copyTrackedFiles(copy);
});

afterAll(() => {
  if (process.env.OTEL_ML_TEST_FIGURES) console.log(`README as written (logs in ${logs}):\n  ${figures.join('\n  ')}`);
  rmSync(copy, { recursive: true, force: true });
  if (!process.env.OTEL_ML_TEST_FIGURES) rmSync(logs, { recursive: true, force: true });
});

describe('the README, as written, on a clean copy of the repository', () => {
  it('has the commands this test runs', () => {
    expect(quickStart[0], 'the quick start (the first shell block) starts with the install').toMatch(
      /^npm install && npm start(\s|$)/,
    );
    expect(otelMlLines.map(commandOf)).toEqual(['baseline', 'report', 'serve']);
  });

  it(
    'quick start: `npm install && npm start` installs, builds and runs the demo',
    async () => {
      const { stdout } = await sh('npm install && npm start', quickStart[0]!, 15 * MINUTE);
      expect(stdout).toMatch(/Drift in \d+ of \d+ windows/);
      expect(existsSync(join(copy, 'processor', 'dist', 'cli.js'))).toBe(true);
    },
    16 * MINUTE,
  );

  it(
    '`npx otel-ml --help` lists the commands',
    async () => {
      const { stdout } = await sh('npx otel-ml --help', 'npx otel-ml --help', 2 * MINUTE);
      for (const c of ['baseline', 'report', 'serve']) expect(stdout).toMatch(new RegExp(`^\\s+${c}\\b`, 'm'));
    },
    3 * MINUTE,
  );

  it(
    '`npx otel-ml baseline ...` and `npx otel-ml report ...` as printed, on CSV files with the columns they name',
    async () => {
      const [baselineLine, reportLine] = otelMlLines;
      const columns = (line: string) => ({
        id: option(line, '--exclude')?.split(',')[0] ?? 'id',
        score: option(line, '--score-column') ?? 'score',
        label: option(line, '--label-column') ?? 'label',
      });
      const csv = (file: string, line: string, rows: number, seed: number, amountShift = 0) => {
        const c = columns(line);
        const body = syntheticRows({ rows, seed, amountShift }).map(
          (x) =>
            `${x.id},${x.amount === null ? '' : x.amount.toFixed(4)},${x.age.toFixed(3)},${x.country},${x.score.toFixed(6)},${x.label}`,
        );
        writeFileSync(
          join(copy, file),
          `${[`${c.id},amount,age,country,${c.score},${c.label}`, ...body].join('\n')}\n`,
        );
      };
      const trainFile = option(baselineLine!, '--data')!;
      csv(trainFile, baselineLine!, 10_000, 1);
      const baseline = await sh('npx otel-ml baseline', baselineLine!, 2 * MINUTE);
      const model = option(baselineLine!, '--model')!;
      const baselineFile = option(baselineLine!, '--out') ?? `${model}.baseline.json`;
      expect(baseline.stdout).toContain(`baseline for ${model} `);
      expect(baseline.stderr).toBe('');
      const b = parseBaselineFile(JSON.parse(readFileSync(join(copy, baselineFile), 'utf8')));
      expect(b.source.rows).toBe(10_000);
      expect(option(reportLine!, '--baseline')).toBe(baselineFile);
      // last week's data: amounts drifted
      csv(option(reportLine!, '--data')!, reportLine!, 3_000, 2, 0.8);
      const report = await sh('npx otel-ml report', reportLine!, 2 * MINUTE);
      expect(report.stderr).toBe('');
      const out = option(reportLine!, '--out')!;
      expect(report.stdout).toMatch(new RegExp(`^drift in [^\\n]*amount[^\\n]* -> ${out.replace('.', '\\.')}\\n$`));
      expect(readFileSync(join(copy, out), 'utf8')).toMatch(/^<!doctype html>/);
    },
    5 * MINUTE,
  );

  it(
    '`npx otel-ml serve --config otel-ml.yaml` with the README configuration: ready, answers, ingests, stops on Ctrl-C',
    async () => {
      const serveLine = otelMlLines[2]!;
      const configFile = option(serveLine, '--config')!;
      const serveBlock = blocks.findIndex((b) => b.lang === 'sh' && commandLines(b).includes(serveLine));
      const config = blocks.slice(serveBlock + 1).find((b) => b.lang === 'yaml');
      expect(config?.text, 'the configuration block (YAML) after the serve command').toMatch(/^receivers:/m);
      writeFileSync(join(copy, configFile), config!.text);

      const t0 = performance.now();
      const child = spawn('bash', ['-c', serveLine], {
        cwd: copy,
        env: { ...env, OTEL_ML_HTTP_PORT: '0', OTEL_ML_GRPC_PORT: '0' },
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      const group = child.pid!;
      try {
        const base = await new Promise<string>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`serve was not ready within 2 minutes:\n${output}`)),
            2 * MINUTE,
          );
          const check = () => {
            const m = /otel-ml processor ready\n\s+OTLP\/HTTP\s+(http:\/\/127\.0\.0\.1:\d+)\/v1\/metrics/.exec(output);
            if (m) {
              clearTimeout(timer);
              resolve(m[1]!);
            }
          };
          child.stdout.on('data', check);
          void exited.then((code) => reject(new Error(`serve exited (${code}) before it was ready:\n${output}`)));
        });
        figures.push(`npx otel-ml serve, until ready: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
        expect(output).toContain(`Prometheus ${base}/metrics`);
        expect(output).toMatch(new RegExp(`models with baselines: ${option(otelMlLines[0]!, '--model')}`));

        const ready = await fetch(`${base}/readyz`);
        expect(ready.status).toBe(200);
        expect(await ready.json()).toMatchObject({ status: 'ready', receivedPoints: 0 });
        const metrics = await fetch(`${base}/metrics`);
        expect(metrics.status).toBe(200);
        expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
        expect(await metrics.text()).toMatch(/^# TYPE ml_/m);

        // one OTLP/HTTP JSON point, as an instrumented service sends it: with the baseline's boundaries
        const baselineLine = otelMlLines[0]!;
        const model = option(baselineLine, '--model')!;
        const baseline = parseBaselineFile(
          JSON.parse(readFileSync(join(copy, option(baselineLine, '--out') ?? `${model}.baseline.json`), 'utf8')),
        );
        const amount = baseline.features.amount!;
        if (amount.type !== 'numeric') throw new Error('amount should be numeric in the baseline');
        const counts = amount.boundaries.map(() => '0').concat('0');
        counts[counts.length >> 1] = '3';
        const now = BigInt(Date.now()) * 1_000_000n;
        const attr = (key: string, value: string) => ({ key, value: { stringValue: value } });
        const point = {
          resourceMetrics: [
            {
              resource: { attributes: [attr('service.name', 'readme-test')] },
              scopeMetrics: [
                {
                  scope: { name: '@otel-ml/instrumentation' },
                  metrics: [
                    {
                      name: 'ml.feature.value',
                      unit: '1',
                      histogram: {
                        aggregationTemporality: 1,
                        dataPoints: [
                          {
                            attributes: [
                              attr('ml.model.name', model),
                              attr('ml.model.version', option(baselineLine, '--model-version') ?? ''),
                              attr('ml.model.task', 'binary_classification'),
                              attr('ml.deployment.role', 'primary'),
                              attr('ml.feature.name', 'amount'),
                            ],
                            startTimeUnixNano: String(now - 1_000_000_000n),
                            timeUnixNano: String(now),
                            count: '3',
                            sum: 3 * amount.boundaries[amount.boundaries.length >> 1]!,
                            bucketCounts: counts,
                            explicitBounds: amount.boundaries,
                          },
                        ],
                      },
                    },
                  ],
                },
              ],
            },
          ],
        };
        const posted = await fetch(`${base}/v1/metrics`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(point),
        });
        expect(posted.status).toBe(200);
        expect(await posted.json()).not.toHaveProperty('partialSuccess.rejectedDataPoints');
        const after = (await (await fetch(`${base}/readyz`)).json()) as { droppedPoints: Record<string, number> };
        expect(after).toMatchObject({ receivedPoints: 1, liveStreams: 1, openWindows: 1 });
        expect(Object.entries(after.droppedPoints).filter(([, n]) => n > 0)).toEqual([]);
      } finally {
        // Ctrl-C at the terminal: SIGINT to the foreground process group (npx, and the command it runs)
        try {
          process.kill(-group, 'SIGINT');
        } catch {
          // already gone
        }
      }
      const stopped = await Promise.race([
        exited.then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), MINUTE)),
      ]);
      if (!stopped) process.kill(-group, 'SIGKILL');
      expect(stopped, `serve did not stop within a minute of Ctrl-C:\n${output}`).toBe(true);
      expect(output).toContain('otel-ml: shutting down');
      expect(output).not.toMatch(/unexpected error|Error:/);
      // the state was closed cleanly: checkpointed into the state file, its WAL removed
      const state = join(copy, 'otel-ml-state.db');
      expect(existsSync(state)).toBe(true);
      expect(existsSync(`${state}-wal`)).toBe(false);
      // every process of the group has exited
      await new Promise((r) => setTimeout(r, 200));
      expect(() => process.kill(-group, 0)).toThrow();
    },
    5 * MINUTE,
  );

  it('git status shows only the files the commands were told to read and write; what the processor and the demo write is ignored', () => {
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], {
      cwd: copy,
      encoding: 'utf8',
    });
    const named = new Set<string>();
    for (const line of otelMlLines) {
      for (const o of ['--data', '--out', '--config']) {
        const v = option(line, o);
        if (v) named.add(v);
      }
    }
    expect(status.split('\n').filter(Boolean).sort()).toEqual([...named].sort().map((f) => `?? ${f}`));
    // and they were all written: the state files, the demo's files and the build are there, ignored
    for (const f of ['otel-ml-state.db', 'otel-ml-state.db-lock', 'processor/dist/cli.js', 'reports', '.otel-ml'])
      expect(existsSync(join(copy, f)), f).toBe(true);
  });
});
