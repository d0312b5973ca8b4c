/** Helpers of the hardening tests: free ports, `otel-ml serve` as a child process. */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { join } from 'node:path';
import { REPO, TSX_IMPORT } from '../../helpers/tsx.js';

const CLI = join(REPO, 'processor', 'src', 'cli.ts');
const TSCONFIG = join(REPO, 'test', 'integration', 'store', 'tsconfig.child.json');

/** A port that was free a moment ago (bind port 0, read it, release it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Starts `otel-ml serve` and resolves once it printed that it is ready (bounded wait). */
export function serve(configFile: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...TSX_IMPORT, CLI, 'serve', '--config', configFile], {
      env: {
        ...process.env,
        TSX_TSCONFIG_PATH: TSCONFIG,
        OTEL_EXPORTER_OTLP_ENDPOINT: '',
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not become ready within 2 minutes: ${out}`));
    }, 120_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('otel-ml processor ready')) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code ?? signal}) before it was ready: ${out}`));
    });
  });
}

export function kill9(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
