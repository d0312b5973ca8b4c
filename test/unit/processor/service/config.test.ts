import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, loadConfig, parseDuration, validateConfig } from '../../../../processor/src/service/config.js';

const dir = mkdtempSync(join(tmpdir(), 'otel-ml-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('service configuration', () => {
  it('runs on defaults without a file, on loopback and ports clear of a Collector', () => {
    const c = loadConfig(undefined, {});
    expect(c.receivers.http).toMatchObject({ host: '127.0.0.1', port: 14318 });
    expect(c.receivers.grpc).toMatchObject({ host: '127.0.0.1', port: 14317 });
    expect(c.exporters.otlp.enabled).toBe(false);
    // Prometheus exposition at GET /metrics unless turned off
    expect(c.exporters.prometheus.enabled).toBe(true);
    expect(c).toEqual({ ...DEFAULT_CONFIG, exporters: c.exporters });
    expect(
      loadConfig(file('no-prom.yaml', 'exporters:\n  prometheus: { enabled: false }\n'), {}).exporters.prometheus
        .enabled,
    ).toBe(false);
    expect(loadConfig(undefined, { OTEL_ML_PROMETHEUS: 'false' }).exporters.prometheus.enabled).toBe(false);
  });

  it('reads traces (trace samples): off by default, OTEL_ML_TRACES or traces.enabled turn it on; reservoir bounds from windows/samples.ts', () => {
    expect(loadConfig(undefined, {}).traces).toEqual({ enabled: false });
    expect(loadConfig(undefined, { OTEL_ML_TRACES: 'true' }).traces?.enabled).toBe(true);
    const c = loadConfig(file('traces.yaml', 'traces: { enabled: true, samplesPerBin: 3 }\n'), {});
    expect(c.traces).toEqual({
      enabled: true,
      samplesPerBin: 3,
      maxBinsPerStream: 64,
      maxStreamsPerModel: 64,
      maxModels: 1000,
    });
    expect(
      loadConfig(file('traces-off.yaml', 'traces: { enabled: true }\n'), { OTEL_ML_TRACES: 'false' }).traces?.enabled,
    ).toBe(false);
    expect(() => loadConfig(file('traces-0.yaml', 'traces: { samplesPerBin: 0 }\n'), {})).toThrow(/samplesPerBin/);
    expect(() => loadConfig(file('traces-bad.yaml', 'traces: { sample: 1 }\n'), {})).toThrow(/sample/);
  });

  it('reads streams.deltaIntervals (counted intervals per delta stream), default 16, an integer from 1 to 1024', () => {
    expect(loadConfig(undefined, {}).streams.deltaIntervals).toBe(16);
    expect(loadConfig(file('intervals.yaml', 'streams: { deltaIntervals: 64 }\n'), {}).streams.deltaIntervals).toBe(64);
    expect(() => loadConfig(file('intervals-0.yaml', 'streams: { deltaIntervals: 0 }\n'), {})).toThrow(
      /deltaIntervals/,
    );
    expect(() => loadConfig(file('intervals-frac.yaml', 'streams: { deltaIntervals: 2.5 }\n'), {})).toThrow(
      /deltaIntervals/,
    );
  });

  it('reads streams.handoffGap (instances behind a load balancer, docs/scale-out.md), default 0 (off), at most a day', () => {
    expect(loadConfig(undefined, {}).streams.handoffGapMs).toBe(0);
    expect(loadConfig(file('handoff.yaml', 'streams: { handoffGap: 150s }\n'), {}).streams.handoffGapMs).toBe(150_000);
    expect(() => loadConfig(file('handoff-long.yaml', 'streams: { handoffGap: 2d }\n'), {})).toThrow(/handoffGap/);
  });

  it('reads a full file, resolves paths against it and parses durations', () => {
    const p = file(
      'full.yaml',
      `receivers:\n  http: { port: 0 }\n  grpc: { enabled: false }\nstorage: { path: state/db.sqlite }\nwindows: { length: 10m, minRows: 100 }\nevaluation: { alpha: 0.001, interval: 30s, sliceMinRows: 500 }\nfairness: { minCount: 100, minImpactRatio: 0.9 }\nmodels:\n  - name: fraud\n    baseline: fraud.baseline.json\n    reference: baseline\n  - name: churn\n    reference: rolling\nexporters:\n  otlp: { enabled: true, endpoint: http://127.0.0.1:4318/v1/metrics }\n  prometheus: { enabled: true }\n`,
    );
    const c = loadConfig(p, {});
    expect(c.receivers.http.port).toBe(0);
    expect(c.receivers.grpc.enabled).toBe(false);
    expect(c.storage.path).toBe(join(dir, 'state', 'db.sqlite'));
    expect(c.windows).toMatchObject({ lengthMs: 600_000, minRows: 100 });
    expect(c.evaluation).toMatchObject({ alpha: 0.001, intervalMs: 30_000, sliceMinRows: 500 });
    expect(DEFAULT_CONFIG.evaluation.sliceMinRows).toBe(100);
    expect(c.models).toEqual([
      {
        name: 'fraud',
        version: undefined,
        baseline: join(dir, 'fraud.baseline.json'),
        reference: 'baseline',
        limits: {},
      },
      { name: 'churn', version: undefined, baseline: undefined, reference: 'rolling', limits: {} },
    ]);
    expect(c.exporters.prometheus.enabled).toBe(true);
    expect(c.fairness).toEqual({
      minCount: 100,
      alpha: 0.05,
      maxParityDifference: 0.1,
      maxOpportunityDifference: 0.1,
      minImpactRatio: 0.9,
    });
  });

  it('reads verdict limits: defaults from statistics/verdicts.ts at the top level, overrides per model', () => {
    const c = loadConfig(
      file(
        'limits.yaml',
        `limits: { maxAccuracyDrop: 0.03 }\nmodels:\n  - name: fraud\n    limits: { maxShareRatio: 3, alpha: 0.001 }\n`,
      ),
      {},
    );
    expect(c.limits).toEqual({
      maxAccuracyDrop: 0.03,
      maxRocAucDrop: 0.05,
      maxEceIncrease: 0.05,
      maxShareRatio: 2,
      minShareDifference: 0.01,
      maxMissingIncrease: 0.05,
      maxInvalidIncrease: 0.01,
      maxOutOfRangeIncrease: 0.02,
      maxNewCategoryIncrease: 0.02,
      maxBusinessValueDrop: 0.1,
    });
    expect(c.models[0]!.limits).toEqual({ maxShareRatio: 3, alpha: 0.001 });
    expect(
      loadConfig(
        file(
          'dq.yaml',
          `models:\n  - name: fraud\n    limits: { maxNewCategoryIncrease: 0.1, maxBusinessValueDrop: 0.25 }\n`,
        ),
        {},
      ).models[0]!.limits,
    ).toEqual({ maxNewCategoryIncrease: 0.1, maxBusinessValueDrop: 0.25 });
    expect(() => loadConfig(file('bad.yaml', 'limits: { maxShareRatio: 0.5 }\n'), {})).toThrow(
      /limits\.maxShareRatio: must be a number in \[1, 1000000\], got 0\.5/,
    );
    expect(() => loadConfig(file('bad.yaml', 'models:\n  - name: m\n    limits: { maxAuc: 1 }\n'), {})).toThrow(
      /models\[0\]\.limits\.maxAuc: unknown key; allowed here: alpha, maxAccuracyDrop/,
    );
  });

  it('names the bad key and what is allowed', () => {
    const cases: [string, RegExp][] = [
      ['receivers:\n  htp: {}\n', /bad\.yaml: receivers\.htp: unknown key; allowed here: http, grpc/],
      ['windows: { length: 10s }\n', /windows\.length: must be between 60s and 86400s/],
      ['windows: { length: soon }\n', /windows\.length: "soon" is not a duration/],
      [
        'receivers: { http: { port: 70000 } }\n',
        /receivers\.http\.port: must be an integer in \[0, 65535\], got 70000/,
      ],
      ['models:\n  - baseline: x.json\n', /models\[0\]\.name: is required/],
      [
        'models:\n  - name: m\n    reference: yesterday\n',
        /models\[0\]\.reference: must be one of baseline, pinned, rolling/,
      ],
      [
        'models:\n  - name: m\n    reference: baseline\n',
        /models\[0\]\.reference: "baseline" needs models\[0\]\.baseline/,
      ],
      ['evaluation: { alpha: 2 }\n', /evaluation\.alpha: must be a number in/],
      ['evaluation: { sliceMinRows: 0 }\n', /evaluation\.sliceMinRows: must be an integer in/],
      ['fairness: { minImpactRatio: 1.5 }\n', /fairness\.minImpactRatio: must be a number in/],
      [
        'fairness: { fourFifths: true }\n',
        /fairness\.fourFifths: unknown key; allowed here: minCount, alpha, maxParityDifference, maxOpportunityDifference, minImpactRatio/,
      ],
      ['- a\n- b\n', /the top level must be a mapping/],
      ['windows: [1\n', /bad\.yaml:\d+:\d+: not valid YAML/],
    ];
    for (const [text, expected] of cases) {
      expect(() => loadConfig(file('bad.yaml', text), {})).toThrow(expected);
    }
    expect(() => loadConfig(join(dir, 'missing.yaml'), {})).toThrow(
      /missing\.yaml: cannot read the configuration \(ENOENT\)/,
    );
  });

  it('applies environment overrides', () => {
    const c = loadConfig(undefined, {
      OTEL_ML_HTTP_PORT: '0',
      OTEL_ML_HOST: '0.0.0.0',
      OTEL_ML_WINDOW: '1h',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
      OTEL_ML_PROMETHEUS: 'true',
    });
    expect(c.receivers.http).toMatchObject({ host: '0.0.0.0', port: 0 });
    expect(c.windows.lengthMs).toBe(3_600_000);
    expect(c.exporters.otlp.enabled).toBe(true);
    expect(c.exporters.prometheus.enabled).toBe(true);
    expect(() => loadConfig(undefined, { OTEL_ML_GRPC_PORT: 'x' })).toThrow(
      /OTEL_ML_GRPC_PORT: "x" is not a port number/,
    );
  });

  it('parses durations', () => {
    expect(parseDuration('250ms', 'k')).toBe(250);
    expect(parseDuration('1.5h', 'k')).toBe(5_400_000);
    expect(parseDuration(1000, 'k')).toBe(1000);
    expect(() => parseDuration('-1s', 'k')).toThrow(/k: "-1s" is not a duration/);
    expect(validateConfig(null).models).toEqual([]);
  });
});
