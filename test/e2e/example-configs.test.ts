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
import { Ajv } from 'ajv';
import { datadogMonitors, type DatadogMonitor } from '../../examples/datadog/monitors.js';

const ex = (...p: string[]) => join(REPO, 'examples', ...p);
type Yaml = Record<string, Record<string, unknown>> & {
  service: { pipelines: Record<string, { receivers: string[]; processors?: string[]; exporters: string[] }> };
};
const collector = (f: string) => parseYaml(readFileSync(ex('collector', f), 'utf8')) as Yaml;
const port = (s: string) => Number(/:(\d+)(?:\/|$)/.exec(s)?.[1]);

describe('Collector examples', () => {
  for (const file of ['collector.yaml', 'collector-remote-write.yaml', 'gateway-loadbalancing.yaml']) {
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
      for (const kind of ['receivers', 'processors', 'exporters'])
        for (const id of Object.keys(c[kind] ?? {}))
          expect(used.has(`${kind}/${id}`), `${file}: ${kind} ${id} unused`).toBe(true);
    });
  }

  it('the processor config loads and its ports match the Collector: services -> Collector -> processor -> Collector', () => {
    const doc = parseYaml(readFileSync(ex('collector', 'otel-ml.yaml'), 'utf8')) as unknown;
    const cfg = validateConfig(doc, 'otel-ml.yaml', ex('collector'));
    const c = collector('collector.yaml');
    const toProcessor = c.exporters['otlphttp/otel-ml'] as { endpoint: string };
    expect(port(toProcessor.endpoint)).toBe(cfg.receivers.http.port);
    const results = (c.receivers['otlp/ml-results'] as { protocols: { http: { endpoint: string } } }).protocols.http
      .endpoint;
    expect(cfg.exporters.otlp.enabled).toBe(true);
    expect(port(cfg.exporters.otlp.endpoint!)).toBe(port(results));
    expect(cfg.exporters.otlp.endpoint).toMatch(/\/v1\/metrics$/);
    expect(c.service.pipelines['metrics/ml-results']!.receivers).toEqual(['otlp/ml-results']);
    expect(c.service.pipelines['logs/ml-events']!.receivers).toEqual(['otlp/ml-results']);
    // The ML scope filter keeps exactly the instrumentation's scope.
    const filter = c.processors['filter/ml-only'] as { metrics: { metric: string[] } };
    expect(filter.metrics.metric).toEqual(['instrumentation_scope.name != "@otel-ml/instrumentation"']);

    const g = collector('gateway-loadbalancing.yaml');
    const lb = g.exporters['loadbalancing/otel-ml'] as {
      routing_key: string;
      routing_attributes: string[];
      resolver: { dns: { port: number } };
    };
    // by model, not by service: every stream of a model on one processor, whatever service sends it
    expect(lb.routing_key).toBe('attributes');
    expect(lb.routing_attributes).toEqual([conventions.ATTR_ML_MODEL_NAME]);
    expect(lb.resolver.dns.port).toBe(cfg.receivers.grpc.port);
  });

  it("gateway-loadbalancing.yaml names components and keys of the Collector version it names (otelcol-contrib v0.152.0's configuration schema)", () => {
    const text = readFileSync(ex('collector', 'gateway-loadbalancing.yaml'), 'utf8');
    expect(text).toContain('otelcol-contrib v0.152.0');
    // union types: the Collector decodes scalars weakly (a port given as a number or a string)
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    const validate = ajv.compile(
      JSON.parse(readFileSync(ex('collector', 'collector-v0.152.0.schema.json'), 'utf8')) as object,
    );
    const g = collector('gateway-loadbalancing.yaml');
    expect(validate(g), ajv.errorsText(validate.errors)).toBe(true);
    // the schema can fail: an unknown routing key, routing attributes without their key, a key the exporter does not have, an endpoint in the template
    const lb = g.exporters['loadbalancing/otel-ml'] as Record<string, unknown>;
    const withLb = (x: Record<string, unknown>) => ({ ...g, exporters: { 'loadbalancing/otel-ml': x } });
    expect(validate(withLb({ ...lb, routing_key: 'traceID' }))).toBe(false);
    expect(validate(withLb({ ...lb, routing_key: 'service' }))).toBe(false);
    expect(validate(withLb({ ...lb, routing_attributes: undefined }))).toBe(false);
    expect(validate(withLb({ ...lb, resource_keys: ['ml.model.name'] }))).toBe(false);
    expect(validate(withLb({ ...lb, protocol: { otlp: { endpoint: 'otel-ml-0:14317' } } }))).toBe(false);
    expect(validate({ ...g, exporters: { 'load_balancing/otel-ml': lb } })).toBe(false);
  });
});

describe('Datadog monitors', () => {
  const monitors = JSON.parse(readFileSync(ex('datadog', 'monitors.json'), 'utf8')) as DatadogMonitor[];
  const rules = (
    parseYaml(readFileSync(ex('prometheus', 'ml-alerts.rules.yml'), 'utf8')) as {
      groups: {
        rules: {
          alert?: string;
          expr: string;
          labels?: Record<string, string>;
          annotations?: Record<string, string>;
        }[];
      }[];
    }
  ).groups
    .flatMap((g) => g.rules)
    .filter((r) => r.alert);
  const metricNames = new Set(
    Object.entries(conventions)
      .filter(([k, v]) => k.startsWith('METRIC_') && typeof v === 'string')
      .map(([, v]) => v as string),
  );
  const byAlert = (a: string) => monitors.find((m) => m.tags.includes(`alert:${a}`));

  it('monitors.json is what examples/datadog/monitors.ts generates (one template, default links)', () => {
    expect(monitors).toEqual(JSON.parse(JSON.stringify(datadogMonitors())));
    const custom = datadogMonitors({ statusPage: 'https://ml.example.org', playbooks: 'https://wiki.example.org/ml' });
    expect(custom[0]!.message).toContain(
      'Status page: https://ml.example.org/?model={{[ml.model.name].name}}&version={{[ml.model.version].name}}&role={{[ml.deployment.role].name}}',
    );
    expect(custom[0]!.message).toContain('Playbook: https://wiki.example.org/ml/feature-drift.md');
  });

  it("validate against the schema of Datadog's monitor API (examples/datadog/monitor.schema.json)", () => {
    const ajv = new Ajv({ allErrors: true, strict: true });
    const validate = ajv.compile(JSON.parse(readFileSync(ex('datadog', 'monitor.schema.json'), 'utf8')) as object);
    for (const m of monitors) expect(validate(m), `${m.name}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    // The schema can fail: a read-only field, a bad type, an unknown option.
    expect(validate({ ...monitors[0], id: 1 })).toBe(false);
    expect(validate({ ...monitors[0], type: 'metric' })).toBe(false);
    expect(validate({ ...monitors[0], options: { ...monitors[0]!.options, for: '5m' } })).toBe(false);
  });

  it('match the Prometheus rules: alerts, team, severity, checks, roles, grouping, playbook', () => {
    expect(monitors.map((m) => m.tags.find((t) => t.startsWith('alert:'))!.slice(6)).sort()).toEqual(
      rules.map((r) => r.alert!).sort(),
    );
    for (const r of rules) {
      const m = byAlert(r.alert!)!;
      expect(m.tags).toEqual(expect.arrayContaining([`team:${r.labels!.team}`, `severity:${r.labels!.severity}`]));
      const page = /\/([a-z-]+\.md)'?$/.exec(r.annotations!.playbook!)![1]!;
      expect(m.message).toContain(`/playbooks/${page}`);
      const checks = /ml_verdict_check=~?"([a-z_|]+)"/.exec(r.expr)?.[1]?.split('|');
      if (!checks) continue;
      const q = /ml\.verdict\.check(?::([a-z_]+)| IN \(([a-z_,]+)\))/.exec(m.query)!;
      expect((q[1] ? [q[1]] : q[2]!.split(',')).sort(), r.alert).toEqual(checks.sort());
      expect(m.query.includes('NOT ml.deployment.role:shadow'), r.alert).toBe(
        r.expr.includes('ml_deployment_role!="shadow"'),
      );
      expect(
        m.query.includes('ml.deployment.role:primary') && !m.query.includes('NOT ml.deployment.role:primary'),
        r.alert,
      ).toBe(r.expr.includes('ml_deployment_role="primary"'));
      const ruleBy = /max by \(([^)]*)\) \(\{__name__="ml_verdict_windows"/
        .exec(r.expr)![1]!
        .split(',')
        .map((l) => l.trim().replaceAll('_', '.').replace('ml.verdict.check', 'ml.verdict.check'));
      const monitorBy = /by \{([^}]*)\}/.exec(m.query)![1]!.split(',');
      expect(monitorBy.sort(), r.alert).toEqual(ruleBy.sort());
    }
  });

  it('are query alerts on registry metric names, thresholds as in the query, tag variables in Datadog syntax, a handle per team', () => {
    for (const x of monitors) {
      expect(x.type).toBe('query alert');
      const m = /^(min|max|avg|sum)\(last_\d+m\):(.+) (>=|>|<) ([\d.]+)$/.exec(x.query);
      expect(m, x.query).not.toBeNull();
      expect(Number(m![4]), x.name).toBe(x.options.thresholds.critical);
      const names = [...m![2]!.matchAll(/(?:max|min|avg|sum|p99):([a-z_.]+)\{/g)].map((n) => n[1]!);
      expect(names.length, x.query).toBeGreaterThan(0);
      for (const n of names) expect(metricNames.has(n), `${x.name}: ${n} is not a registry metric`).toBe(true);
      // {{[ml.model.name].name}}: Datadog renders {{ml.model.name.name}} blank for dotted tag keys.
      // (the processor-wide monitors of team ml-platform name no model unless grouped by one)
      if (!x.tags.includes('team:ml-platform') || x.query.includes('by {ml.model.name}'))
        expect(x.message).toMatch(/\{\{\[ml\.model\.name\]\.name\}\}/);
      expect(x.message).not.toMatch(/\{\{ml\./);
      for (const v of x.message.matchAll(/\{\{\[([a-z.]+)\]\.name\}\}/g))
        expect(x.query, `${x.name}: {{[${v[1]}].name}} is not a group of the query`).toContain(v[1]!);
      expect(x.message).toMatch(/@(slack|pagerduty)-[a-z-]+/);
      expect(x.options.renotify_interval).toBe(0);
    }
  });
});

describe('Grafana dashboard', () => {
  const d = JSON.parse(readFileSync(ex('grafana', 'ml-models.dashboard.json'), 'utf8')) as {
    panels: {
      title: string;
      targets?: { expr: string }[];
      transformations?: { id: string; options: Record<string, unknown> }[];
    }[];
  };

  it('plots the reliability curve in bin order, not sorted by value', () => {
    const p = d.panels.find((x) => x.title.startsWith('Reliability curve'))!;
    expect(p.targets![0]!.expr).not.toMatch(/\bsort(_desc)?\(/);
    const ids = p.transformations!.map((t) => t.id);
    expect(ids.indexOf('convertFieldType')).toBeLessThan(ids.indexOf('sortBy'));
    expect(p.transformations!.find((t) => t.id === 'convertFieldType')!.options).toEqual({
      conversions: [{ targetField: 'ml_calibration_bin_upper', destinationType: 'number' }],
    });
    expect(p.transformations!.find((t) => t.id === 'sortBy')!.options).toEqual({
      sort: [{ field: 'ml_calibration_bin_upper', desc: false }],
    });
  });

  it('selects every metric whose name a Collector suffixes under both names', () => {
    const exprs = d.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    for (const e of exprs) {
      // a bare selector of a gauge with unit 1, a histogram in seconds or a counter would miss one naming
      expect(e, e).not.toMatch(
        /\b(ml_(drift|calibration|performance)_[a-z_]+|ml_inference_duration_bucket|ml_predictions_total|ml_shadow_agreement_total)\{/,
      );
    }
  });
});
