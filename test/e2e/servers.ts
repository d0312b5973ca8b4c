/**
 * Real servers for the end-to-end tests: free loopback ports, child processes started and stopped
 * by PID with bounded waits, a webhook receiver, and small Prometheus / Alertmanager API helpers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Fails with the install hint when a Debian package's binary is missing (CI installs them). */
export function requireBinaries(binaries: readonly string[]): void {
  const missing = binaries.filter((b) => !existsSync(b));
  if (missing.length)
    throw new Error(
      `missing ${missing.join(', ')}: run \`bash scripts/install-system-deps.sh\` (installs prometheus, prometheus-alertmanager, chromium)`,
    );
}

/** A free TCP port on 127.0.0.1 (bound to port 0, then released). */
export async function freePort(): Promise<number> {
  const srv = createNetServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Polls `probe` until it returns a value other than undefined, at most `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 60_000,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs / 1000}s waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`,
      );
    await sleep(everyMs);
  }
}

export interface Proc {
  readonly pid: number;
  readonly name: string;
  readonly log: string;
  readonly child: ChildProcess;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts a server process with stdout and stderr appended to `log`. */
export function startProcess(name: string, bin: string, args: readonly string[], log: string): Proc {
  const fd = openSync(log, 'a');
  const child = spawn(bin, [...args], { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`${name}: could not start ${bin}`);
  const pid = child.pid;
  const exited = new Promise<void>((r) => {
    if (child.exitCode !== null) r();
    else child.once('exit', () => r());
  });
  return {
    pid,
    name,
    log,
    child,
    async stop(graceMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(pid, 'SIGTERM');
      const done = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
      if (!done) {
        process.kill(pid, 'SIGKILL');
        await Promise.race([exited, sleep(graceMs)]);
      }
    },
  };
}

/** The last lines of a process log, for failure messages. */
export function tail(log: string, lines = 20): string {
  try {
    return readFileSync(log, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export interface WebhookCall {
  readonly path: string;
  readonly body: AlertmanagerWebhook;
  /** Arrival, ms since the epoch. */
  readonly at: number;
}

export interface WebhookAlert {
  readonly status: 'firing' | 'resolved';
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly fingerprint?: string;
  /** When the alert started firing: a re-fired (flapping) alert has a new one. */
  readonly startsAt?: string;
}

export interface AlertmanagerWebhook {
  readonly receiver: string;
  readonly status: 'firing' | 'resolved';
  readonly alerts: readonly WebhookAlert[];
}

/** An HTTP server on 127.0.0.1 that records every POSTed Alertmanager notification. */
export async function startWebhookReceiver(): Promise<{ url: string; calls: WebhookCall[]; close(): Promise<void> }> {
  const calls: WebhookCall[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        calls.push({
          path: req.url ?? '/',
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as AlertmanagerWebhook,
          at: Date.now(),
        });
      } catch {
        // not a notification; ignored
      }
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

export interface PromSample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

/** Runs an instant query; throws on a PromQL error. */
export async function promQuery(base: string, query: string): Promise<PromSample[]> {
  const res = await fetch(`${base}/api/v1/query?${new URLSearchParams({ query })}`, {
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json()) as {
    status: string;
    error?: string;
    data?: { resultType: string; result: PromSample[] | [number, string] };
  };
  if (body.status !== 'success') throw new Error(`PromQL error for ${query}: ${body.error ?? res.status}`);
  const r = body.data!.result;
  if (body.data!.resultType === 'scalar') return [{ metric: {}, value: r as [number, string] }];
  return r as PromSample[];
}

/**
 * Starts Prometheus (`bin`, data and log in `dir`) on a free loopback port, scraping the processor's
 * `/metrics` at `target` (host:port) every second as job `otel-ml-processor`, and waits (bounded)
 * until it is ready with that target up. `flags` go after the defaults (e.g. feature flags).
 */
export async function startScrapingPrometheus(
  bin: string,
  dir: string,
  target: string,
  flags: readonly string[] = [],
): Promise<{ prom: Proc; url: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = {
    global: { scrape_interval: '1s' },
    scrape_configs: [{ job_name: 'otel-ml-processor', static_configs: [{ targets: [target] }] }],
  };
  // JSON is YAML
  writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config));
  const prom = startProcess(
    'prometheus',
    bin,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'prom')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
      ...flags,
    ],
    join(dir, 'prometheus.log'),
  );
  await waitFor('Prometheus ready with the processor up', async () => {
    if (prom.child.exitCode !== null)
      throw new Error(`prometheus exited with ${prom.child.exitCode}:\n${tail(prom.log)}`);
    if (!(await fetch(`${url}/-/ready`).catch(() => undefined))?.ok) return undefined;
    return (await promQuery(url, 'up{job="otel-ml-processor"} == 1')).length === 1 ? true : undefined;
  });
  return { prom, url };
}
