/**
 * End to end against real servers: the example service (manual instrumentation) -> otel-ml
 * processor -> Prometheus (Debian's binary, scraping the processor's and the service's /metrics
 * every second, with the example alert rules) -> Alertmanager (the example routing) -> a webhook
 * receiver in this test. Drift is injected and removed; the alert must arrive with its labels and
 * annotations, then resolve. Every PromQL expression of the example rules and Grafana dashboard
 * must run and return data from this run.
 *
 * The example rules keep realistic `for` durations; the copy loaded here has `for: 1s` and the
 * Alertmanager copy sends to the webhook receiver with 1 s grouping. Nothing else is changed.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { buildBaseline } from '../../processor/src/offline/baseline.js';
import { DEFAULT_CONFIG } from '../../processor/src/service/config.js';
import { startService, type RunningService } from '../../processor/src/service/service.js';
import { generate } from '../../examples/demo/traffic.js';
import { startManualService, type ManualService } from '../../examples/service/manual.js';
import { DRIFT, NO_DRIFT, sendOutcomes, sendPredictions } from '../../examples/service/load.js';
import { REPO } from '../helpers/tsx.js';
import { freePort, promQuery, requireBinaries, startProcess, startWebhookReceiver, tail, waitFor, type Proc, type WebhookAlert } from './servers.js';

const PROMETHEUS = '/usr/bin/prometheus';
const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';
const PROMTOOL = '/usr/bin/promtool';
const AMTOOL = '/usr/bin/amtool';
const RULES = join(REPO, 'examples', 'prometheus', 'ml-alerts.rules.yml');
const AM_CONFIG = join(REPO, 'examples', 'alertmanager', 'alertmanager.yml');
const DASHBOARD = join(REPO, 'examples', 'grafana', 'ml-models.dashboard.json');
const WINDOW_MS = 60_000;

interface Rule {
  readonly alert?: string;
  readonly record?: string;
  readonly expr: string;
  for?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}
const rules: Rule[] = (parseYaml(readFileSync(RULES, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);

/** Alerts that the injected drift (covariate + concept drift, 30% of `amount` missing) must fire. */
const FIRING_ON_DRIFT = ['MLFeatureDrift', 'MLScoreDistributionShift', 'MLCalibrationECEHigh', 'MLPerformanceBelowBaseline', 'MLFeatureMissingSpike'];

let dir = '';
let svc: RunningService | undefined;
let app: ManualService | undefined;
let webhook: Awaited<ReturnType<typeof startWebhookReceiver>> | undefined;
const procs: Proc[] = [];
let prom = '';
let am = '';
let now = Date.UTC(2026, 0, 1, 9, 0, 0);

/** One window of traffic with outcomes, exported to the processor and evaluated. */
async function window(seed: number, drifted: boolean): Promise<void> {
  const labelled = await sendPredictions({ url: app!.url, rows: 400, seed, drift: drifted ? DRIFT : NO_DRIFT, missing: drifted ? { amount: 0.3 } : undefined, idPrefix: 'w' });
  expect(await sendOutcomes(app!.url, labelled)).toBe(labelled.length);
  await app!.flush();
  now += WINDOW_MS;
  const reports = svc!.evaluateNow();
  expect(reports.filter((r) => r.model.role === 'primary')).toHaveLength(1);
}

const delivered = (receiver: string, alertname: string, status: 'firing' | 'resolved', match: (a: WebhookAlert) => boolean = () => true): WebhookAlert | undefined =>
  webhook!.calls
    .filter((c) => c.path === `/${receiver}`)
    .flatMap((c) => c.body.alerts)
    .find((a) => a.labels.alertname === alertname && a.status === status && match(a));

async function expectData(expr: string, what: string): Promise<void> {
  const r = await promQuery(prom, expr);
  expect(r.length, `${what} returned no data: ${expr}`).toBeGreaterThan(0);
}

describe('example service -> processor -> Prometheus -> Alertmanager', () => {
  beforeAll(async () => {
    requireBinaries([PROMETHEUS, ALERTMANAGER, PROMTOOL, AMTOOL]);
    dir = mkdtempSync(join(tmpdir(), 'otel-ml-e2e-alerting-'));

    // Baseline of the served model, from its training data.
    writeFileSync(join(dir, 'train.csv'), generate(20_000, 1, NO_DRIFT).csv);
    const { baseline } = await buildBaseline({ data: join(dir, 'train.csv'), model: 'fraud-detector', modelVersion: '1', task: 'binary_classification', scoreColumn: 'score', labelColumn: 'label', progress: false });
    writeFileSync(join(dir, 'fraud-detector.baseline.json'), JSON.stringify(baseline));

    svc = await startService(
      {
        ...DEFAULT_CONFIG,
        receivers: { http: { ...DEFAULT_CONFIG.receivers.http, port: 0 }, grpc: { ...DEFAULT_CONFIG.receivers.grpc, enabled: false } },
        storage: { path: ':memory:', durability: 'normal' },
        windows: { lengthMs: WINDOW_MS, minRows: 50, maxExtensions: 3 },
        models: [{ name: 'fraud-detector', baseline: join(dir, 'fraud-detector.baseline.json'), reference: 'baseline' }],
        exporters: { otlp: { enabled: false, intervalMs: 60_000 }, prometheus: { enabled: true } },
      },
      { clock: () => now, manualEvaluation: true },
    );
    app = await startManualService({ port: 0, otlpEndpoint: svc.httpUrl, prometheus: true, exportIntervalMs: 3_600_000 });
    webhook = await startWebhookReceiver();

    // Alertmanager: the example routing, every receiver pointed at the webhook receiver.
    const amConfig = parseYaml(readFileSync(AM_CONFIG, 'utf8')) as { route: Record<string, unknown>; receivers: { name: string; [k: string]: unknown }[] };
    Object.assign(amConfig.route, { group_wait: '1s', group_interval: '1s', repeat_interval: '1h' });
    amConfig.receivers = amConfig.receivers.map((r) => ({ name: r.name, webhook_configs: [{ url: `${webhook!.url}/${r.name}`, send_resolved: true }] }));
    writeFileSync(join(dir, 'alertmanager.yml'), stringifyYaml(amConfig));
    const amPort = await freePort();
    am = `http://127.0.0.1:${amPort}`;
    mkdirSync(join(dir, 'am-data'));
    procs.push(
      startProcess('alertmanager', ALERTMANAGER, [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'am-data')}`, `--web.listen-address=127.0.0.1:${amPort}`, '--cluster.listen-address=', '--log.level=warn'], join(dir, 'alertmanager.log')),
    );

    // Prometheus: the example rules with `for: 1s`, scraping both /metrics every second.
    const doc = parseYaml(readFileSync(RULES, 'utf8')) as { groups: { interval?: string; rules: Rule[] }[] };
    for (const g of doc.groups) {
      g.interval = '1s';
      for (const r of g.rules) if (r.for) r.for = '1s';
    }
    writeFileSync(join(dir, 'rules.yml'), stringifyYaml(doc));
    const target = (url: string) => new URL(url).host;
    const promConfig = {
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [join(dir, 'rules.yml')],
      alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] }] },
      scrape_configs: [
        { job_name: 'otel-ml-processor', static_configs: [{ targets: [target(svc.httpUrl!)] }] },
        { job_name: 'fraud-api', static_configs: [{ targets: [target(app.url)] }] },
      ],
    };
    writeFileSync(join(dir, 'prometheus.yml'), stringifyYaml(promConfig));
    const promPort = await freePort();
    prom = `http://127.0.0.1:${promPort}`;
    procs.push(
      startProcess('prometheus', PROMETHEUS, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'prom-data')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn'], join(dir, 'prometheus.log')),
    );

    const up = async () => {
      for (const p of procs) if (p.child.exitCode !== null) throw new Error(`${p.name} exited with ${p.child.exitCode}:\n${tail(p.log)}`);
      const r = await promQuery(prom, 'up == 1');
      return r.length === 2 ? r : undefined;
    };
    await waitFor('Prometheus to scrape the processor and the service (up == 1)', up, 60_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${procs.map((p) => `${p.name}:\n${tail(p.log)}`).join('\n')}`);
    });
    await waitFor('Alertmanager to be ready', async () => ((await fetch(`${am}/-/ready`)).ok ? true : undefined), 30_000);
  });

  afterAll(async () => {
    for (const p of procs.reverse()) await p.stop();
    await app?.close();
    await svc?.close();
    await webhook?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the example rules and Alertmanager configuration pass promtool and amtool', () => {
    const rulesCheck = spawnSync(PROMTOOL, ['check', 'rules', RULES], { encoding: 'utf8', timeout: 30_000 });
    expect(rulesCheck.stdout + rulesCheck.stderr).toMatch(/SUCCESS: 9 rules found/);
    expect(rulesCheck.status).toBe(0);
    const amCheck = spawnSync(AMTOOL, ['check-config', AM_CONFIG], { encoding: 'utf8', timeout: 30_000 });
    expect(amCheck.stdout + amCheck.stderr).toMatch(/SUCCESS[\s\S]*2 inhibit rules[\s\S]*4 receivers/);
    expect(amCheck.status).toBe(0);
    const configCheck = spawnSync(PROMTOOL, ['check', 'config', join(dir, 'prometheus.yml')], { encoding: 'utf8', timeout: 30_000 });
    expect(configCheck.status, configCheck.stdout + configCheck.stderr).toBe(0);
  });

  it('drift fires the alerts, routed by team with labels and annotations, and they resolve when the drift is gone', async () => {
    await window(11, false);
    await window(12, false);
    await waitFor('the first windows in Prometheus', async () => ((await promQuery(prom, 'ml_window_count{ml_deployment_role="primary"}')).length ? true : undefined), 30_000);
    expect(await promQuery(prom, 'ALERTS{alertstate="firing"}')).toEqual([]);

    await window(13, true);
    await window(14, true);

    // Feature drift on tx_24h reaches ML engineering through Alertmanager.
    const drift = await waitFor('MLFeatureDrift (tx_24h) at the ml-engineering webhook', () => delivered('ml-engineering', 'MLFeatureDrift', 'firing', (a) => a.labels.ml_feature_name === 'tx_24h'));
    expect(drift.labels).toMatchObject({ severity: 'warning', team: 'ml-engineering', ml_model_name: 'fraud-detector', ml_model_version: '1', ml_deployment_role: 'primary', ml_drift_signal: 'feature', ml_drift_reference: 'baseline' });
    expect(drift.annotations.summary).toBe('Feature tx_24h of fraud-detector (primary) drifted from its baseline for 3 windows');
    expect(drift.annotations.description).toMatch(/^PSI \d+\.\d{3}; /);
    expect(drift.annotations.top_features).toMatch(/^\w+ \(PSI \d+\.\d\d\)(, \w+ \(PSI \d+\.\d\d\)){2}$/);
    expect(drift.annotations.top_features).toContain('amount (PSI');
    expect(drift.annotations.top_features).toContain('tx_24h (PSI');
    expect(drift.annotations.playbook).toBe('https://runbooks.example.com/otel-ml/playbooks#feature-drift');

    // The missing-value spike on amount goes to data engineering and holds amount's drift alert.
    const missing = await waitFor('MLFeatureMissingSpike at the data-engineering webhook', () => delivered('data-engineering', 'MLFeatureMissingSpike', 'firing'));
    expect(missing.labels).toMatchObject({ severity: 'critical', team: 'data-engineering', ml_feature_name: 'amount' });
    expect(missing.annotations.summary).toMatch(/^\d+(\.\d+)?% of fraud-detector requests lack amount \(limit 5%\)/);
    expect(missing.annotations.top_features).toMatch(/^amount \(\d+(\.\d+)?% missing\)$/);
    const amountDrift = await waitFor('MLFeatureDrift (amount) in Alertmanager', async () => {
      const alerts = (await (await fetch(`${am}/api/v2/alerts?${new URLSearchParams({ filter: 'alertname="MLFeatureDrift"' })}`)).json()) as { labels: Record<string, string>; status: { inhibitedBy: string[] } }[];
      return alerts.find((a) => a.labels.ml_feature_name === 'amount');
    });
    expect(amountDrift.status.inhibitedBy.length).toBe(1);
    expect(delivered('ml-engineering', 'MLFeatureDrift', 'firing', (a) => a.labels.ml_feature_name === 'amount')).toBeUndefined();

    // Performance below baseline pages ML engineering (critical route).
    const perf = await waitFor('MLPerformanceBelowBaseline at the ml-engineering-pager webhook', () => delivered('ml-engineering-pager', 'MLPerformanceBelowBaseline', 'firing'));
    expect(perf.labels).toMatchObject({ severity: 'critical', team: 'ml-engineering', ml_model_name: 'fraud-detector' });
    expect(perf.annotations.summary).toMatch(/^accuracy of fraud-detector v1 is 0\.\d{3}, more than 0\.05 below its baseline$/);
    expect(perf.annotations.playbook).toMatch(/#performance$/);

    // Every alert expected from this drift is firing in Prometheus.
    const firing = await waitFor('all drift alerts firing in Prometheus', async () => {
      const names = new Set((await promQuery(prom, 'ALERTS{alertstate="firing"}')).map((s) => s.metric.alertname));
      return FIRING_ON_DRIFT.every((n) => names.has(n)) ? names : undefined;
    });
    expect([...firing].sort()).toEqual([...FIRING_ON_DRIFT].sort());

    // Every expression of the rules and of the dashboard runs and returns data from this run.
    for (const r of rules) {
      if (r.record || (r.alert && FIRING_ON_DRIFT.includes(r.alert))) await expectData(r.expr, r.record ?? r.alert!);
      else {
        // Not fired by this scenario: the measured quantity (left of the threshold) must have data.
        const m = /^([\s\S]*\S)\s+(?:>|<|==)\s+(?:on\([^)]*\)\s*)?(?:\([^()]*\)|[\d.]+)\s*$/.exec(r.expr.trim());
        expect(m, `${r.alert}: no trailing threshold in ${r.expr}`).not.toBeNull();
        await expectData(m![1]!, `${r.alert} (without its threshold)`);
      }
    }
    const exprs = dashboardExpressions();
    expect(exprs.length).toBeGreaterThanOrEqual(25);
    for (const e of exprs) await expectData(e, 'dashboard expression');

    // The drift goes away: the alerts resolve.
    await window(15, false);
    await window(16, false);
    const resolved = await waitFor('MLFeatureDrift (tx_24h) resolved at the ml-engineering webhook', () => delivered('ml-engineering', 'MLFeatureDrift', 'resolved', (a) => a.labels.ml_feature_name === 'tx_24h'));
    expect(resolved.labels).toMatchObject({ team: 'ml-engineering', ml_model_name: 'fraud-detector' });
    await waitFor('MLFeatureMissingSpike resolved at the data-engineering webhook', () => delivered('data-engineering', 'MLFeatureMissingSpike', 'resolved'));
    expect(await promQuery(prom, 'ALERTS{alertname=~"MLFeatureDrift|MLFeatureMissingSpike", alertstate="firing"}')).toEqual([]);
    // Each receiver only ever got its own team's alerts.
    for (const c of webhook!.calls) for (const a of c.body.alerts) expect(c.path.startsWith(`/${a.labels.team}`), `${a.labels.alertname} (${a.labels.team}) at ${c.path}`).toBe(true);
  }, 110_000);
});

/** PromQL of the dashboard's panels, annotations and variables, with the variables filled in. */
function dashboardExpressions(): string[] {
  const d = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
    panels: { targets?: { expr: string }[] }[];
    annotations: { list: { expr?: string }[] };
    templating: { list: { query?: string | { query: string } }[] };
  };
  const raw = [
    ...d.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
    ...d.annotations.list.flatMap((a) => (a.expr ? [a.expr] : [])),
    ...d.templating.list.flatMap((v) => {
      const q = typeof v.query === 'string' ? v.query : v.query?.query;
      const m = q ? /^label_values\((.+),\s*\w+\)$/.exec(q) : null;
      return m ? [m[1]!] : [];
    }),
  ];
  return raw.map((e) => e.replaceAll('$model', 'fraud-detector').replaceAll('$role', 'primary').replaceAll('$__rate_interval', '1m'));
}
