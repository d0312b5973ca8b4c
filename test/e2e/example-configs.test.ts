/**
 * Consistency of the example configurations that no server here can load (no Collector binary,
 * no Datadog): the Collector pipelines name defined components and the ports line up with the
 * processor's configuration (which the processor's own loader accepts); the Datadog monitors cover
 * the Prometheus alerts with the registry's metric names, and their thresholds match their queries.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import * as conventions from '@otel-ml/conventions';
import { validateConfig } from '../../processor/src/service/config.js';
import { REPO } from '../helpers/tsx.js';

const ex = (...p: string[]) => join(REPO, 'examples', ...p);
type Yaml = Record<string, Record<string, unknown>> & { service: { pipelines: Record<string, { receivers: string[]; processors?: string[]; exporters: string[] }> } };
const collector = (f: string) => parseYaml(readFileSync(ex('collector', f), 'utf8')) as Yaml;
const port = (s: string) => Number(/:(\d+)(?:\/|$)/.exec(s)?.[1]);

describe('Collector examples', () => {
  for (const file of ['collector.yaml', 'gateway-loadbalancing.yaml']) {
    it(`${file}: every pipeline component is defined, every defined component is used`, () => {
      const c = collector(file);
      const used = new Set<string>();
      for (const [name, p] of Object.entries(c.service.pipelines)) {
        for (const kind of ['receivers', 'processors', 'exporters'] as const) {
          for (const id of p[kind] ?? []) {
            expect(c[kind], `${file}: ${name}.${kind}`).toHaveProperty([id]);
            used.add(`${kind}/${id}`);
          }
        }
      }
      for (const kind of ['receivers', 'processors', 'exporters']) for (const id of Object.keys(c[kind] ?? {})) expect(used.has(`${kind}/${id}`), `${file}: ${kind} ${id} unused`).toBe(true);
    });
  }

  it('the processor config loads and its ports match the Collector: services -> Collector -> processor -> Collector', () => {
    const doc = parseYaml(readFileSync(ex('collector', 'otel-ml.yaml'), 'utf8')) as unknown;
    const cfg = validateConfig(doc, 'otel-ml.yaml', ex('collector'));
    const c = collector('collector.yaml');
    const toProcessor = c.exporters['otlphttp/otel-ml'] as { endpoint: string };
    expect(port(toProcessor.endpoint)).toBe(cfg.receivers.http.port);
    const results = (c.receivers['otlp/ml-results'] as { protocols: { http: { endpoint: string } } }).protocols.http.endpoint;
    expect(cfg.exporters.otlp.enabled).toBe(true);
    expect(port(cfg.exporters.otlp.endpoint!)).toBe(port(results));
    expect(cfg.exporters.otlp.endpoint).toMatch(/\/v1\/metrics$/);
    expect(c.service.pipelines['metrics/ml-results']!.receivers).toEqual(['otlp/ml-results']);
    expect(c.service.pipelines['logs/ml-events']!.receivers).toEqual(['otlp/ml-results']);
    // The ML scope filter keeps exactly the instrumentation's scope.
    const filter = c.processors['filter/ml-only'] as { metrics: { metric: string[] } };
    expect(filter.metrics.metric).toEqual(['instrumentation_scope.name != "@otel-ml/instrumentation"']);

    const g = collector('gateway-loadbalancing.yaml');
    const lb = g.exporters['loadbalancing/otel-ml'] as { routing_key: string; resolver: { dns: { port: number } } };
    expect(lb.routing_key).toBe('service');
    expect(lb.resolver.dns.port).toBe(cfg.receivers.grpc.port);
  });
});

describe('Datadog monitors', () => {
  interface Monitor {
    name: string;
    type: string;
    query: string;
    message: string;
    tags: string[];
    priority: number;
    options: { thresholds: { critical: number; warning?: number } };
  }
  const monitors = JSON.parse(readFileSync(ex('datadog', 'monitors.json'), 'utf8')) as Monitor[];
  const alerts = (parseYaml(readFileSync(ex('prometheus', 'ml-alerts.rules.yml'), 'utf8')) as { groups: { rules: { alert?: string; labels?: Record<string, string> }[] }[] }).groups.flatMap((g) => g.rules).filter((r) => r.alert);
  const metricNames = new Set(Object.entries(conventions).filter(([k, v]) => k.startsWith('METRIC_') && typeof v === 'string').map(([, v]) => v as string));

  it('cover every Prometheus alert with the same team and severity', () => {
    for (const a of alerts) {
      const m = monitors.filter((x) => x.tags.includes(`alert:${a.alert}`));
      expect(m.length, a.alert).toBeGreaterThan(0);
      for (const x of m) expect(x.tags).toEqual(expect.arrayContaining([`team:${a.labels!.team}`, `severity:${a.labels!.severity}`]));
    }
    expect(new Set(monitors.map((x) => x.name)).size).toBe(monitors.length);
  });

  it('are query alerts on registry metric names with thresholds matching the query, a playbook and a notification handle', () => {
    for (const x of monitors) {
      expect(x.type).toBe('query alert');
      const m = /^(min|max|avg|sum)\(last_\d+m\):(.+) (>=|>|<) ([\d.]+)$/.exec(x.query);
      expect(m, x.query).not.toBeNull();
      expect(Number(m![4]), x.name).toBe(x.options.thresholds.critical);
      const names = [...m![2]!.matchAll(/(?:max|min|avg|sum|p99):([a-z_.]+)\{/g)].map((n) => n[1]!);
      expect(names.length, x.query).toBeGreaterThan(0);
      for (const n of names) expect(metricNames.has(n), `${x.name}: ${n} is not a registry metric`).toBe(true);
      expect(x.message).toMatch(/Playbook: https:\/\/\S+#[a-z-]+/);
      expect(x.message).toMatch(/@(slack|pagerduty)-[a-z-]+/);
      if (x.options.thresholds.warning !== undefined) {
        const op = m![3]!;
        expect(op.startsWith('<') ? x.options.thresholds.warning > x.options.thresholds.critical : x.options.thresholds.warning < x.options.thresholds.critical, x.name).toBe(true);
      }
    }
  });
});
