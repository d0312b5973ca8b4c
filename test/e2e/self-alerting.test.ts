/**
 * The monitor monitored, end to end against real servers: the processor (simulated clock, 1-minute
 * windows) scraped by Prometheus 2.42 with the shipped rules (group intervals shortened to 1 s) and
 * Alertmanager 0.25 with the shipped routing (receivers pointed at this test's webhook).
 *
 * Two models send over OTLP; `churn` stops after its second window while `fraud` goes on. Asserted:
 * nothing alerts while both send; MLModelStopped fires for churn once it has been silent for 3
 * windows, is routed to the ml-platform receiver with clean labels and its annotations, and
 * resolves when churn sends again; fraud never alerts.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { createModelMonitor } from '@otel-ml/instrumentation';
import { AggregationTemporality, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { DEFAULT_CONFIG, validateConfig } from '../../processor/src/service/config.js';
import { startService, type RunningService } from '../../processor/src/service/service.js';
import { syntheticRows } from '../helpers/synthetic.js';
import { REPO } from '../helpers/tsx.js';
import {
  freePort,
  promQuery,
  requireBinaries,
  startProcess,
  startWebhookReceiver,
  tail,
  waitFor,
  type Proc,
  type WebhookCall,
} from './servers.js';

const PROMETHEUS = '/usr/bin/prometheus';
const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';
const RULES = join(REPO, 'examples', 'prometheus', 'ml-alerts.rules.yml');
const AM_CONFIG = join(REPO, 'examples', 'alertmanager', 'alertmanager.yml');
const MIN = 60_000;

let dir = '';
let svc: RunningService | undefined;
let webhook: Awaited<ReturnType<typeof startWebhookReceiver>> | undefined;
let prom = '';
const procs: Proc[] = [];
let now = Date.UTC(2026, 0, 1, 9, 0, 0);

async function send(name: string, seed: number): Promise<void> {
  const monitor = createModelMonitor({
    model: { name, version: '1', task: 'binary_classification' },
    features: [{ name: 'amount', type: 'numeric' }],
  });
  const reader = new PeriodicExportingMetricReader({
    exporter: new OTLPMetricExporter({
      url: `${svc!.httpUrl}/v1/metrics`,
      temporalityPreference: AggregationTemporality.DELTA,
    }),
    exportIntervalMillis: 3_600_000,
    metricProducers: [monitor.metricProducer],
  });
  const provider = new MeterProvider({ readers: [reader] });
  for (const r of syntheticRows({ rows: 200, seed }))
    monitor.observe({ features: { amount: r.amount }, score: r.score });
  await reader.forceFlush();
  await provider.shutdown();
  await monitor.shutdown();
}

/** Ends the current minute: windows close and are evaluated. */
function nextWindow(): void {
  now += MIN;
  svc!.evaluateNow(now);
}

/** The value of a query once Prometheus has scraped the processor at the current simulated time. */
async function scraped(query: string, want: number): Promise<void> {
  await waitFor(
    `${query} == ${want}`,
    async () => ((await promQuery(prom, query))[0]?.value[1] === String(want) ? true : undefined),
    30_000,
  );
}

/** Waits until the otel-ml-self rule group has been evaluated after `t` (ms since the epoch). */
async function evaluatedSince(t: number): Promise<void> {
  await waitFor(
    'a rule evaluation of otel-ml-self',
    async () => {
      const body = (await (await fetch(`${prom}/api/v1/rules?type=alert`)).json()) as {
        data: { groups: { name: string; lastEvaluation: string }[] };
      };
      const g = body.data.groups.find((x) => x.name === 'otel-ml-self');
      return g !== undefined && Date.parse(g.lastEvaluation) > t ? true : undefined;
    },
    30_000,
  );
}

const notifications = (
  status: 'firing' | 'resolved',
): { receiver: string; labels: Record<string, string>; annotations: Record<string, string> }[] =>
  webhook!.calls.flatMap((c: WebhookCall) =>
    c.body.alerts
      .filter((a) => a.status === status)
      .map((a) => ({ receiver: c.path.split('/')[1]!, labels: a.labels, annotations: a.annotations })),
  );

describe('self-monitoring alerts through Prometheus and Alertmanager', () => {
  beforeAll(async () => {
    requireBinaries([PROMETHEUS, ALERTMANAGER]);
    dir = mkdtempSync(join(tmpdir(), 'otel-ml-self-alerting-'));
    webhook = await startWebhookReceiver();
    const file = validateConfig({ windows: { length: '1m', minRows: 50 } });
    svc = await startService(
      {
        ...file,
        receivers: {
          http: { ...DEFAULT_CONFIG.receivers.http, port: 0 },
          grpc: { ...DEFAULT_CONFIG.receivers.grpc, enabled: false },
        },
        storage: { path: ':memory:', durability: 'normal' },
      },
      { clock: () => now, manualEvaluation: true },
    );

    const rules = parseYaml(readFileSync(RULES, 'utf8')) as { groups: { interval?: string }[] };
    for (const g of rules.groups) g.interval = '1s';
    writeFileSync(join(dir, 'rules.yml'), stringifyYaml(rules));
    const amConfig = parseYaml(readFileSync(AM_CONFIG, 'utf8')) as {
      route: Record<string, unknown>;
      receivers: { name: string }[];
    };
    Object.assign(amConfig.route, { group_wait: '1s', group_interval: '1s' });
    amConfig.receivers = amConfig.receivers.map((r) => ({
      name: r.name,
      webhook_configs: [{ url: `${webhook!.url}/${r.name}`, send_resolved: true }],
    }));
    writeFileSync(join(dir, 'am.yml'), stringifyYaml(amConfig));
    mkdirSync(join(dir, 'am'));
    const am = await freePort();
    const promPort = await freePort();
    procs.push(
      startProcess(
        'alertmanager',
        ALERTMANAGER,
        [
          `--config.file=${join(dir, 'am.yml')}`,
          `--storage.path=${join(dir, 'am')}`,
          `--web.listen-address=127.0.0.1:${am}`,
          '--cluster.listen-address=',
          '--log.level=warn',
        ],
        join(dir, 'am.log'),
      ),
    );
    writeFileSync(
      join(dir, 'prometheus.yml'),
      stringifyYaml({
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        rule_files: [join(dir, 'rules.yml')],
        alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${am}`] }] }] },
        scrape_configs: [
          { job_name: 'otel-ml-processor', static_configs: [{ targets: [new URL(svc.httpUrl!).host] }] },
        ],
      }),
    );
    procs.push(
      startProcess(
        'prometheus',
        PROMETHEUS,
        [
          `--config.file=${join(dir, 'prometheus.yml')}`,
          `--storage.tsdb.path=${join(dir, 'prom')}`,
          `--web.listen-address=127.0.0.1:${promPort}`,
          '--log.level=warn',
        ],
        join(dir, 'prometheus.log'),
      ),
    );
    prom = `http://127.0.0.1:${promPort}`;
    const failed = (err: Error) => {
      throw new Error(`${err.message}\n${procs.map((x) => `${x.name}:\n${tail(x.log)}`).join('\n')}`);
    };
    await waitFor('Prometheus ready with the processor up', async () => {
      for (const x of procs)
        if (x.child.exitCode !== null) throw new Error(`${x.name} exited with ${x.child.exitCode}:\n${tail(x.log)}`);
      if (!(await fetch(`${prom}/-/ready`).catch(() => undefined))?.ok) return undefined;
      return (await promQuery(prom, 'up == 1')).length === 1 ? true : undefined;
    }).catch(failed);
    await waitFor('Alertmanager ready', async () =>
      (await fetch(`http://127.0.0.1:${am}/-/ready`).catch(() => undefined))?.ok ? true : undefined,
    ).catch(failed);
  }, 120_000);

  afterAll(async () => {
    for (const p of procs.reverse()) await p.stop();
    await svc?.close();
    await webhook?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('MLModelStopped fires for the model that stopped, routed to ml-platform, and resolves when it sends again', async () => {
    const idle = (model: string) => `ml_processor_model_idle{ml_model_name="${model}"}`;
    // both send for two windows
    for (let w = 1; w <= 2; w++) {
      await send('fraud', w);
      await send('churn', 100 + w);
      nextWindow();
    }
    await scraped(idle('churn'), 1);
    // churn stops; fraud goes on. Two silent windows are not an alert yet.
    await send('fraud', 3);
    nextWindow();
    await scraped(idle('churn'), 2);
    await evaluatedSince(Date.now());
    expect(await promQuery(prom, 'ALERTS')).toEqual([]);
    expect(webhook!.calls).toEqual([]);
    await send('fraud', 4);
    nextWindow();
    await scraped(idle('churn'), 3);
    await scraped(idle('fraud'), 1);

    const fired = await waitFor(
      'MLModelStopped delivered',
      () => {
        const n = notifications('firing');
        return n.length > 0 ? n : undefined;
      },
      30_000,
    );
    expect(fired).toEqual([
      {
        receiver: 'ml-platform',
        labels: { alertname: 'MLModelStopped', severity: 'warning', team: 'ml-platform', ml_model_name: 'churn' },
        annotations: {
          summary: 'The processor has received no points of churn for 3 windows',
          description:
            'No version of the primary has sent a data point for 3 whole windows: the service stopped or lost traffic, its metrics exporter or the Collector between them fails, or its points are dropped (MLPointsDropped). Its verdicts and gauges are stale meanwhile.',
          status_page: 'http://otel-ml:14318/?model=churn',
          playbook: 'http://otel-ml:14318/playbooks/model-stopped.md',
          action:
            'check the service is up and serving, then its exporter and the Collector (otelcol_exporter_send_failed_metric_points)',
        },
      },
    ]);
    // nothing else of the processor's health alerts (evaluation keeps up, nothing dropped, no export configured)
    expect((await promQuery(prom, 'ALERTS')).map((s) => s.metric.alertname)).toEqual(['MLModelStopped']);

    // churn is back
    await send('churn', 200);
    await scraped(idle('churn'), 0);
    const resolved = await waitFor(
      'MLModelStopped resolved',
      () => {
        const n = notifications('resolved');
        return n.length > 0 ? n : undefined;
      },
      30_000,
    );
    expect(resolved.map((n) => [n.receiver, n.labels.alertname, n.labels.ml_model_name])).toEqual([
      ['ml-platform', 'MLModelStopped', 'churn'],
    ]);
    expect(notifications('firing').filter((n) => n.labels.ml_model_name === 'fraud')).toEqual([]);
  }, 180_000);
});
