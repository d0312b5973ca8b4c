/**
 * Bounded memory on large CSV files: writes synthetic CSVs of growing size, runs `otel-ml baseline`
 * and `otel-ml report` on each as child processes, and prints wall time, throughput and peak RSS
 * (VmHWM). Flat peak RSS across sizes is the claim being checked.
 *
 *   npm run bench:cli -- [sizes in MB, default 64 256 1024]
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { seededUniform } from '../src/statistics/random.js';

const repo = join(import.meta.dirname, '..', '..');
const cli = join(repo, 'processor', 'src', 'cli.ts');
const loader = pathToFileURL(join(repo, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
const targets = sizes.length ? sizes : [64, 256, 1024];

async function writeCsv(file: string, mb: number, seed: number, shift: number): Promise<number> {
  const out = createWriteStream(file);
  const r = seededUniform(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(Math.max(r(), 1e-12))) * Math.cos(2 * Math.PI * r());
  const countries = ['DE', 'FR', 'US', 'UK', 'ES', 'IT'];
  out.write('id,amount,age,tenure,clicks,ratio,country,device,score,label\n');
  let bytes = 0;
  let rows = 0;
  const limit = mb * 1024 * 1024;
  while (bytes < limit) {
    let chunk = '';
    for (let i = 0; i < 2000; i++, rows++) {
      const score = 1 / (1 + Math.exp(-(gauss() - 1)));
      const line = `${rows},${Math.exp(3 + shift + gauss()).toFixed(3)},${(40 + 12 * gauss()).toFixed(2)},${Math.floor(r() * 3650)},${Math.floor(-Math.log(Math.max(r(), 1e-9)) * 5)},${r().toFixed(5)},${countries[Math.floor(r() * 6)]},${r() < 0.6 ? 'app' : 'web'},${score.toFixed(5)},${r() < score ? 1 : 0}\n`;
      chunk += line;
    }
    bytes += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await new Promise<void>((res) => out.once('drain', () => res()));
  }
  await new Promise((res) => out.end(res));
  return rows;
}

/** Runs the CLI and samples VmHWM (peak RSS) from /proc until it exits. */
function run(args: string[], cwd: string): Promise<{ ms: number; peakMb: number; code: number | null }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', loader, cli, ...args, '--no-progress'], {
      cwd,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    let peak = 0;
    const sample = () => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]) / 1024);
      } catch {
        // the process has exited
      }
    };
    const timer = setInterval(sample, 50);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      resolve({ ms: performance.now() - started, peakMb: peak, code });
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'otel-ml-bench-cli-'));
try {
  console.log('size_MB  rows        command   seconds  MB/s   peak_RSS_MB');
  for (const mb of targets) {
    const train = join(dir, 'train.csv');
    const cur = join(dir, 'current.csv');
    const rows = await writeCsv(train, mb, 1, 0);
    await writeCsv(cur, mb, 2, 0.3);
    const cols = ['--score-column', 'score', '--label-column', 'label', '--exclude', 'id'];
    const b = await run(
      ['baseline', '--data', train, '--model', 'bench', ...cols, '--out', join(dir, 'bench.baseline.json')],
      dir,
    );
    const rep = await run(
      [
        'report',
        '--baseline',
        join(dir, 'bench.baseline.json'),
        '--data',
        cur,
        ...cols,
        '--format',
        'json',
        '--out',
        join(dir, 'report.json'),
      ],
      dir,
    );
    const size = statSync(train).size / 1024 / 1024;
    for (const [name, x, passes] of [
      ['baseline', b, 2],
      ['report', rep, 1],
    ] as const) {
      if (x.code !== 0) throw new Error(`${name} exited with ${x.code}`);
      console.log(
        `${String(mb).padStart(7)}  ${String(rows).padEnd(10)}  ${name.padEnd(8)}  ${(x.ms / 1000).toFixed(1).padStart(7)}  ${((size * passes) / (x.ms / 1000)).toFixed(1).padStart(5)}  ${x.peakMb.toFixed(0).padStart(11)}`,
      );
    }
    rmSync(train);
    rmSync(cur);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
