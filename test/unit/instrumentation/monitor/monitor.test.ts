import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { diag, DiagLogLevel, SpanKind, SpanStatusCode, trace, type DiagLogger } from '@opentelemetry/api';
import { AggregationTemporality } from '@opentelemetry/sdk-metrics';
import { mergeExponential, type BaselineFile, type ExponentialHistogram } from '@otel-ml/conventions';
import { liveCheck } from '@otel-ml/conventions/live-check';
import { createModelMonitor, type ModelMonitor, type ModelMonitorOptions } from '@otel-ml/instrumentation';
import { createRig, settle, total, where, type Rig } from '../helpers.js';

/** The sdk-metrics exponential point as the conventions' type. */
function rig2conv(e: {
  scale: number;
  zeroCount: number;
  positive: { offset: number; bucketCounts: number[] };
  negative: { offset: number; bucketCounts: number[] };
  count: number;
  sum?: number;
}): ExponentialHistogram {
  return {
    scale: e.scale,
    zeroCount: e.zeroCount,
    zeroThreshold: 0,
    positive: e.positive,
    negative: e.negative,
    count: e.count,
    sum: e.sum ?? Number.NaN,
  };
}

const FEATURES = [
  { name: 'amount', type: 'numeric' as const, boundaries: [0, 10, 100, 1000] },
  { name: 'country', type: 'categorical' as const },
];

const open: { monitor: ModelMonitor; rig: Rig }[] = [];

function setup(
  extra: Partial<ModelMonitorOptions> = {},
  temporality?: AggregationTemporality,
): { monitor: ModelMonitor; rig: Rig } {
  const rig = createRig(temporality !== undefined ? { temporality } : {});
  const monitor = createModelMonitor({
    model: { name: 'fraud', version: '2', task: 'binary_classification', framework: 'custom' },
    features: FEATURES,
    tracerProvider: rig.tracerProvider,
    ...extra,
  });
  rig.attach(monitor.metricProducer);
  const out = { monitor, rig };
  open.push(out);
  return out;
}

afterEach(async () => {
  for (const { monitor, rig } of open.splice(0)) {
    await monitor.shutdown();
    await rig.shutdown();
  }
  delete process.env.OTEL_SDK_DISABLED;
  delete process.env.OTEL_ML_CAPTURE_FEATURES;
  diag.disable();
});

function captureDiag(): string[] {
  const messages: string[] = [];
  const push = (...args: unknown[]): void => {
    messages.push(args.map(String).join(' '));
  };
  const logger: DiagLogger = { error: push, warn: push, info: push, debug: () => undefined, verbose: () => undefined };
  diag.setLogger(logger, DiagLogLevel.WARN);
  return messages;
}

describe('createModelMonitor: observe and export through the MetricProducer', () => {
  it('exports HISTOGRAM and SUM points with units, start times, model attributes and no raw values', async () => {
    const { monitor, rig } = setup();
    const id = monitor.observe({ features: { amount: 42.123456, country: 'FR' }, score: 0.8765 });
    monitor.observe({ features: { amount: 7, country: null }, score: 0.1234, id: 'req-123' });
    const rm = await rig.flush();
    const points = rig.points(rm);
    const fv = where(points, { 'ml.feature.name': 'amount' }).find((p) => p.name === 'ml.feature.value')!;
    expect(fv.histogram!.buckets.boundaries).toEqual([0, 10, 100, 1000]);
    expect(fv.histogram!.buckets.counts).toEqual([0, 1, 1, 0, 0]);
    expect(fv.histogram!.sum).toBeCloseTo(49.123456);
    expect(fv.attributes).toMatchObject({
      'ml.model.name': 'fraud',
      'ml.model.version': '2',
      'ml.model.task': 'binary_classification',
      'ml.deployment.role': 'primary',
    });
    expect(fv.scope).toBe('@otel-ml/instrumentation');
    expect(fv.temporality).toBe(AggregationTemporality.CUMULATIVE);
    expect(fv.startTime[0]).toBeGreaterThan(1_600_000_000);
    expect(fv.endTime[0] * 1e9 + fv.endTime[1]).toBeGreaterThanOrEqual(fv.startTime[0] * 1e9 + fv.startTime[1]);
    expect(total(where(rig.points(rm, 'ml.predictions'), {}))).toBe(2);
    expect(
      total(rig.points(rm, 'ml.feature.missing').filter((p) => p.attributes['ml.feature.name'] === 'country')),
    ).toBe(1);
    expect(rig.points(rm, 'ml.prediction.score')[0]!.unit).toBe('1');
    const serialized = JSON.stringify(
      rm.scopeMetrics.map((s) => s.metrics.map((m) => m.dataPoints.map((d) => d.attributes))),
    );
    for (const raw of [id, 'req-123', '42.123456', '0.8765', '0.1234']) expect(serialized).not.toContain(raw);
    const report = liveCheck({ metrics: [rm] });
    expect(report.violations).toEqual([]);
    expect(Object.keys(report.metricsSeen)).toEqual(
      expect.arrayContaining([
        'ml.feature.value',
        'ml.predictions',
        'ml.prediction.score',
        'ml.feature.missing',
        'ml.feature.category.count',
      ]),
    );
  });

  it('follows the reader temporality: delta points cover the interval since the previous collection', async () => {
    const { monitor, rig } = setup({}, AggregationTemporality.DELTA);
    monitor.observe({ features: { amount: 5, country: 'FR' }, score: 0.5 });
    const first = rig.points(await rig.flush(), 'ml.feature.value')[0]!;
    expect(first.temporality).toBe(AggregationTemporality.DELTA);
    expect(first.value).toBe(1);
    monitor.observe({ features: { amount: 50, country: 'FR' }, score: 0.5 });
    monitor.observe({ features: { amount: 500, country: 'FR' }, score: 0.5 });
    const rm2 = await rig.flush();
    const second = rig.points(rm2, 'ml.feature.value')[0]!;
    expect(second.value).toBe(2);
    expect(second.histogram!.buckets.counts).toEqual([0, 0, 1, 1, 0]);
    const t = (h: [number, number]): number => h[0] * 1e3 + h[1] / 1e6;
    expect(t(second.startTime)).toBeGreaterThanOrEqual(t(first.endTime) - 1);
    // Series without changes are not exported in delta mode.
    expect(rig.points(rm2, 'ml.feature.missing')).toHaveLength(0);
    expect(rig.points(await rig.flush(), 'ml.feature.value')).toHaveLength(0);
  });

  it('createMlMetricProducer reads every monitor in producer mode; shutdown removes it', async () => {
    const { createMlMetricProducer } = await import('@otel-ml/instrumentation');
    const producer = createMlMetricProducer({ temporality: 'cumulative' });
    const a = createModelMonitor({ model: { name: 'model-a', task: 'regression' } });
    const b = createModelMonitor({ model: { name: 'model-b', task: 'regression' } });
    const c = createModelMonitor({ model: { name: 'model-c', task: 'regression' }, exportMode: 'instruments' });
    a.observe({ prediction: 1 });
    b.observe({ prediction: 2 });
    c.observe({ prediction: 3 });
    const names = async (): Promise<string[]> => {
      const { resourceMetrics } = await producer.collect();
      const models = new Set<string>();
      for (const sm of resourceMetrics.scopeMetrics)
        for (const m of sm.metrics) for (const dp of m.dataPoints) models.add(String(dp.attributes['ml.model.name']));
      return [...models].sort();
    };
    expect(await names()).toEqual(expect.arrayContaining(['model-a', 'model-b']));
    expect(await names()).not.toContain('model-c');
    await a.shutdown();
    expect(await names()).not.toContain('model-a');
    await b.shutdown();
    await c.shutdown();
  });
});

describe('createModelMonitor: outcomes', () => {
  it('joins outcomes by generated and given ids and records outcome score, confusion counts and delay', async () => {
    let now = 1_700_000_000_000;
    const { monitor, rig } = setup({ clock: () => now });
    const a = monitor.observe({ features: { amount: 1, country: 'FR' }, score: 0.9 });
    const b = monitor.observe({ features: { amount: 1, country: 'FR' }, score: 0.2, id: 'order-7' });
    expect(b).toBe('order-7');
    now += 120_000;
    expect(monitor.recordOutcome(a, 0)).toBe(true);
    expect(monitor.recordOutcome('order-7', true)).toBe(true);
    const rm = await rig.flush();
    expect(total(where(rig.points(rm, 'ml.outcomes'), { 'ml.prediction.class': '1', 'ml.outcome.label': '0' }))).toBe(
      1,
    );
    expect(total(where(rig.points(rm, 'ml.outcomes'), { 'ml.prediction.class': '0', 'ml.outcome.label': '1' }))).toBe(
      1,
    );
    const os = where(rig.points(rm, 'ml.outcome.score'), { 'ml.outcome.label': '0' })[0]!;
    expect(os.histogram!.sum).toBeCloseTo(0.9);
    const delay = rig.points(rm, 'ml.outcome.delay')[0]!;
    expect(delay.histogram!.sum).toBe(240);
    expect(delay.unit).toBe('s');
    expect(liveCheck({ metrics: [rm] }).violations).toEqual([]);
  });

  it('counts unknown, expired, duplicate and evicted outcomes in ml.outcome.unmatched', async () => {
    let now = 0;
    const { monitor, rig } = setup({ clock: () => now, outcomes: { maxEntries: 2, maxAgeMs: 60_000 } });
    const first = monitor.observe({ score: 0.5 });
    const second = monitor.observe({ score: 0.5 });
    monitor.observe({ score: 0.5 });
    monitor.observe({ score: 0.5, id: 'x1' });
    monitor.observe({ score: 0.5, id: 'x2' });
    monitor.observe({ score: 0.5, id: 'x3' });
    expect(monitor.recordOutcome(first, 1)).toBe(false); // evicted (ring of 2)
    expect(monitor.recordOutcome('x1', 1)).toBe(false); // evicted (map of 2)
    expect(monitor.recordOutcome('nope', 1)).toBe(false); // unknown
    expect(monitor.recordOutcome('x2', 1)).toBe(true);
    expect(monitor.recordOutcome('x2', 1)).toBe(false); // duplicate
    now = 120_000;
    expect(monitor.recordOutcome(second, 1)).toBe(false); // expired
    const rm = await rig.flush();
    const byReason = Object.fromEntries(
      rig.points(rm, 'ml.outcome.unmatched').map((p) => [p.attributes['ml.outcome.unmatched.reason'], p.value]),
    );
    expect(byReason).toEqual({ evicted: 2, unknown_id: 1, duplicate: 1, expired: 1 });
    expect(liveCheck({ metrics: [rm] }).violations).toEqual([]);
  });

  it('records outcomes given with their output, and regression errors', async () => {
    const { monitor, rig } = setup();
    expect(monitor.recordOutcome({ score: 0.3, label: 1, delaySeconds: 10 })).toBe(true);
    const reg = createModelMonitor({ model: { name: 'price', task: 'regression' } });
    const regRig = createRig({ producer: reg.metricProducer });
    const id = reg.observe({ prediction: 100 });
    reg.recordOutcome(id, 90);
    reg.recordOutcome({ prediction: 10, label: 13 });
    const rm = await regRig.flush();
    const abs = regRig.points(rm, 'ml.outcome.error.absolute')[0]!.histogram!;
    expect(abs.sum! / abs.count).toBe(6.5);
    const sq = regRig.points(rm, 'ml.outcome.error.squared')[0]!.histogram!;
    expect(Math.sqrt(sq.sum! / sq.count)).toBeCloseTo(Math.sqrt((100 + 9) / 2), 12);
    expect(regRig.points(rm, 'ml.outcome.error')[0]!.histogram!.sum).toBe(7);
    expect(liveCheck({ metrics: [rm] }).violations).toEqual([]);
    const brm = await rig.flush();
    expect(rig.points(brm, 'ml.outcome.delay')[0]!.histogram!.sum).toBe(10);
    await reg.shutdown();
    await regRig.shutdown();
  });

  it('records business outcomes, with the slices of the prediction', async () => {
    const { monitor, rig } = setup({ slices: ['channel'] });
    const id = monitor.observe({ score: 0.4, slices: { channel: 'web' } });
    monitor.recordBusinessOutcome('revenue', 25, { predictionId: id });
    monitor.recordBusinessOutcome('revenue', 'lots' as unknown as number);
    const rm = await rig.flush();
    const bv = rig.points(rm, 'ml.business.value');
    expect(bv).toHaveLength(1);
    expect(bv[0]!.attributes).toMatchObject({ 'ml.business.metric': 'revenue', 'ml.slice.channel': 'web' });
    expect(bv[0]!.histogram!.sum).toBe(25);
    expect(liveCheck({ metrics: [rm] }).violations).toEqual([]);
  });
});

describe('createModelMonitor: wrap', () => {
  it('creates an INTERNAL span `predict {model}` with id, score and class for one row, and a duration histogram', async () => {
    const { monitor, rig } = setup();
    const seen: string[][] = [];
    const predict = monitor.wrap((x: { amount: number; country: string }) => ({ p: x.amount > 10 ? 0.9 : 0.1 }), {
      inputs: (x) => [x],
      outputs: (out) => [{ score: out.p }],
      onPredictions: (ids) => seen.push([...ids]),
    });
    const out = predict({ amount: 50, country: 'FR' });
    expect(out).toEqual({ p: 0.9 });
    const [span] = rig.spans();
    expect(span!.name).toBe('predict fraud');
    expect(span!.kind).toBe(SpanKind.INTERNAL);
    expect(span!.attributes).toMatchObject({
      'ml.operation.name': 'predict',
      'ml.model.name': 'fraud',
      'ml.model.version': '2',
      'ml.model.framework': 'custom',
      'ml.batch.size': 1,
      'ml.prediction.id': seen[0]![0],
      'ml.prediction.score': 0.9,
      'ml.prediction.class': '1',
    });
    expect(span!.events).toHaveLength(0);
    const rm = await rig.flush();
    const d = rig.points(rm, 'ml.inference.duration')[0]!;
    expect(d.value).toBe(1);
    expect(d.unit).toBe('s');
    expect(d.attributes['ml.operation.name']).toBe('predict');
    expect(d.attributes['ml.model.framework']).toBe('custom');
    expect(rig.points(rm, 'ml.feature.value')[0]!.value).toBe(1);
    expect(liveCheck({ metrics: [rm], spans: rig.spans() }).violations).toEqual([]);
    // The id joins the outcome.
    expect(monitor.recordOutcome(seen[0]![0]!, 1)).toBe(true);
  });

  it('handles async batches, CLIENT spans for remote models, and child spans of the model call', async () => {
    const { monitor, rig } = setup({ remote: true });
    const tracer = rig.tracerProvider.getTracer('test');
    const predict = monitor.wrap(
      async (rows: number[]) => {
        tracer.startSpan('http call').end();
        await new Promise((r) => setTimeout(r, 5));
        return rows.map((r) => r / 100);
      },
      {
        inputs: (rows) => rows.map((amount) => ({ amount, country: 'DE' })),
        outputs: (scores) => scores.map((score) => ({ score })),
      },
    );
    expect(await predict([10, 20, 90])).toEqual([0.1, 0.2, 0.9]);
    const spans = rig.spans();
    const ml = spans.find((s) => s.name === 'predict fraud')!;
    const child = spans.find((s) => s.name === 'http call')!;
    expect(ml.kind).toBe(SpanKind.CLIENT);
    expect(ml.attributes['ml.batch.size']).toBe(3);
    expect(ml.attributes['ml.prediction.id']).toBeUndefined();
    expect(child.parentSpanContext?.spanId).toBe(ml.spanContext().spanId);
    const rm = await rig.flush();
    const d = rig.points(rm, 'ml.inference.duration')[0]!;
    expect(d.histogram!.sum).toBeGreaterThanOrEqual(0.003);
    expect(total(rig.points(rm, 'ml.predictions'))).toBe(3);
    expect(liveCheck({ metrics: [rm], spans }).violations).toEqual([]);
  });

  it('rethrows the model error unchanged (sync and async) and records error.type', async () => {
    const { monitor, rig } = setup();
    class ModelError extends Error {
      override name = 'ModelError';
    }
    const boom = new ModelError('bad tensor');
    const syncFn = monitor.wrap(
      (_rows: number[]) => {
        throw boom;
      },
      { inputs: (rows) => rows.map((amount) => ({ amount })) },
    );
    let caught: unknown;
    try {
      syncFn([1, 2]);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBe(boom);
    const asyncFn = monitor.wrap(async () => Promise.reject(boom));
    await expect(asyncFn()).rejects.toBe(boom);
    const spans = rig.spans();
    expect(spans).toHaveLength(2);
    for (const s of spans) {
      expect(s.attributes['error.type']).toBe('ModelError');
      expect(s.status.code).toBe(SpanStatusCode.ERROR);
      expect(s.events.some((e) => e.name === 'exception')).toBe(true);
    }
    const rm = await rig.flush();
    const failed = where(rig.points(rm, 'ml.inference.duration'), { 'error.type': 'ModelError' });
    expect(total(failed)).toBe(2);
    expect(total(where(rig.points(rm, 'ml.predictions'), { 'error.type': 'ModelError' }))).toBe(3);
    expect(liveCheck({ metrics: [rm], spans }).violations).toEqual([]);
  });

  it('survives throwing mappings without touching the model result', async () => {
    const messages = captureDiag();
    const { monitor, rig } = setup();
    const predict = monitor.wrap((x: number) => x * 2, {
      inputs: () => {
        throw new Error('mapping broke');
      },
      outputs: () => null as never,
      onPredictions: () => {
        throw new Error('callback broke');
      },
    });
    expect(predict(21)).toBe(42);
    expect(rig.spans()).toHaveLength(1);
    expect(messages.some((m) => m.includes('mapping broke'))).toBe(true);
  });

  it('records feature values on spans only with captureFeatures, redacting listed names', async () => {
    const plain = setup();
    const fn = (x: Record<string, unknown>): number => (x.amount as number) / 1000;
    const mapping = { inputs: (x: Record<string, unknown>) => [x], outputs: (s: number) => [{ score: s }] };
    plain.monitor.wrap(fn, mapping)({ amount: 500, country: 'FR' });
    expect(plain.rig.spans()[0]!.events).toHaveLength(0);

    const captured = setup({ captureFeatures: true, redact: ['country', /^ssn/] });
    captured.monitor.wrap(fn, mapping)({ amount: 500, country: 'FR' });
    const ev = captured.rig.spans()[0]!.events.find((e) => e.name === 'ml.features')!;
    expect(ev.attributes).toMatchObject({ 'ml.feature.input.amount': '500', 'ml.feature.input.country': '[REDACTED]' });
    expect(typeof ev.attributes!['ml.prediction.id']).toBe('string');
    expect(liveCheck({ spans: captured.rig.spans() }).violations).toEqual([]);

    process.env.OTEL_ML_CAPTURE_FEATURES = 'false';
    const off = setup({ captureFeatures: true });
    off.monitor.wrap(fn, mapping)({ amount: 1, country: 'FR' });
    expect(off.rig.spans()[0]!.events).toHaveLength(0);

    process.env.OTEL_ML_CAPTURE_FEATURES = 'true';
    const on = setup();
    on.monitor.wrap(fn, mapping)({ amount: 1, country: 'FR' });
    expect(on.rig.spans()[0]!.events.map((e) => e.name)).toEqual(['ml.features']);
  });

  it('puts the top class and its score on one-row spans of multiclass models', () => {
    const { rig } = setup();
    const mc = createModelMonitor({
      model: { name: 'species', task: 'multiclass_classification' },
      classes: ['a', 'b', 'c'],
      tracerProvider: rig.tracerProvider,
    });
    open.push({ monitor: mc, rig: createRig() });
    mc.wrap(() => [0.2, 0.7, 0.1], { outputs: (s) => [{ scores: s }] })();
    const span = rig.spans().find((s) => s.name === 'predict species')!;
    expect(span.attributes).toMatchObject({
      'ml.prediction.class': 'b',
      'ml.prediction.score': 0.7,
      'ml.batch.size': 1,
    });
  });
});

describe('createModelMonitor: shadow', () => {
  it('runs the candidate off the request path, counts agreement and records its outputs under role shadow', async () => {
    const { monitor, rig } = setup();
    const calls: string[] = [];
    const primaryResult = [0.9, 0.1, 0.6];
    const predict = monitor.wrap(
      (_rows: number[]) => {
        calls.push('primary');
        return primaryResult;
      },
      { inputs: (rows) => rows.map((amount) => ({ amount })), outputs: (s) => s.map((score) => ({ score })) },
    );
    const handle = monitor.shadow((_rows: number[]) => {
      calls.push('candidate');
      return [0.8, 0.7, 0.4];
    });
    const result = predict([1, 2, 3]);
    expect(result).toBe(primaryResult);
    expect(calls).toEqual(['primary']);
    await settle();
    expect(calls).toEqual(['primary', 'candidate']);
    const rm = await rig.flush();
    const agreement = Object.fromEntries(
      rig.points(rm, 'ml.shadow.agreement').map((p) => [p.attributes['ml.shadow.result'], p.value]),
    );
    expect(agreement).toEqual({ agree: 1, disagree: 2 });
    expect(rig.points(rm, 'ml.shadow.agreement')[0]!.attributes['ml.deployment.role']).toBe('shadow');
    const shadowScores = where(rig.points(rm, 'ml.prediction.score'), { 'ml.deployment.role': 'shadow' });
    expect(total(shadowScores)).toBe(3);
    expect(total(where(rig.points(rm, 'ml.feature.value'), { 'ml.deployment.role': 'shadow' }))).toBe(0);
    expect(liveCheck({ metrics: [rm], spans: rig.spans() }).violations).toEqual([]);
    handle.stop();
    predict([1]);
    await settle();
    expect(calls.filter((c) => c === 'candidate')).toHaveLength(1);
  });

  it('counts candidate errors without throwing, never changes the primary result, and respects sampleRate 0', async () => {
    const { monitor, rig } = setup();
    const predict = monitor.wrap(async (x: number) => [x], { outputs: (s) => s.map((score) => ({ score })) });
    monitor.shadow(async () => {
      throw new TypeError('candidate down');
    });
    monitor.shadow(() => [0.5], { sampleRate: 0 });
    expect(await predict(0.3)).toEqual([0.3]);
    await settle();
    const rm = await rig.flush();
    const agreement = rig.points(rm, 'ml.shadow.agreement');
    expect(agreement.map((p) => [p.attributes['ml.shadow.result'], p.value])).toEqual([['error', 1]]);
    expect(
      total(
        where(rig.points(rm, 'ml.inference.duration'), { 'ml.deployment.role': 'shadow', 'error.type': 'TypeError' }),
      ),
    ).toBe(1);
  });

  it('joins outcomes for the shadow outputs of the same prediction id', async () => {
    const { monitor, rig } = setup();
    const ids: string[] = [];
    const predict = monitor.wrap((x: number) => x, {
      outputs: (s) => [{ score: s }],
      onPredictions: (i) => ids.push(...i),
    });
    monitor.shadow((x: number) => 1 - x);
    predict(0.8);
    await settle();
    monitor.recordOutcome(ids[0]!, 1);
    const rm = await rig.flush();
    expect(
      total(
        where(rig.points(rm, 'ml.outcomes'), {
          'ml.deployment.role': 'shadow',
          'ml.prediction.class': '0',
          'ml.outcome.label': '1',
        }),
      ),
    ).toBe(1);
    expect(
      total(
        where(rig.points(rm, 'ml.outcomes'), {
          'ml.deployment.role': 'primary',
          'ml.prediction.class': '1',
          'ml.outcome.label': '1',
        }),
      ),
    ).toBe(1);
  });
});

describe('createModelMonitor: safety', () => {
  it('never throws into the caller and reports problems via diag', async () => {
    const messages = captureDiag();
    const { monitor } = setup({ slices: ['region'] });
    const garbage: unknown[] = [
      null,
      undefined,
      7,
      'x',
      { features: 5 },
      { features: { amount: 'NaN', country: 'x'.repeat(100_000), unknown_feature: 1 } },
      { score: 'high' },
      { score: -1 },
      { id: 42 },
      { slices: { region: { a: 1 } } },
      {
        features: new Proxy(
          {},
          {
            get: () => {
              throw new Error('hostile getter');
            },
          },
        ),
      },
    ];
    for (const g of garbage) expect(typeof monitor.observe(g as never)).toBe('string');
    const longId = 'i'.repeat(10_000);
    const replaced = monitor.observe({ score: 0.5, id: longId });
    expect(replaced).not.toBe(longId);
    expect(replaced.length).toBeLessThan(64);
    for (const g of garbage) expect(() => monitor.recordOutcome(g as never)).not.toThrow();
    expect(() => monitor.recordOutcome('id', undefined as never)).not.toThrow();
    expect(() => monitor.recordBusinessOutcome(undefined as never, undefined as never, null as never)).not.toThrow();
    expect(() => monitor.wrap(null as never)).not.toThrow();
    expect(messages.some((m) => m.includes('unknown_feature'))).toBe(true);
    expect(messages.some((m) => m.includes('string_too_long'))).toBe(true);
    const snap = monitor.snapshot()!;
    expect(snap.stats.invalid_score).toBe(2);
    expect(JSON.stringify(snap).length).toBeLessThan(100_000);
  });

  it('OTEL_SDK_DISABLED=true disables everything', async () => {
    process.env.OTEL_SDK_DISABLED = 'true';
    const monitor = createModelMonitor({ model: { name: 'off', task: 'binary_classification' }, features: FEATURES });
    const rig = createRig({ producer: monitor.metricProducer });
    expect(monitor.enabled).toBe(false);
    expect(monitor.observe({ score: 0.5, id: 'keep' })).toBe('keep');
    expect(typeof monitor.observe({ score: 0.5 })).toBe('string');
    const fn = (x: number): number => x;
    expect(monitor.wrap(fn)).toBe(fn);
    expect(monitor.recordOutcome('keep', 1)).toBe(false);
    expect(monitor.snapshot()).toBeUndefined();
    const rm = await rig.flush();
    expect(rig.points(rm)).toHaveLength(0);
    expect(rig.spans()).toHaveLength(0);
    await rig.shutdown();
  });

  it('invalid options give a disabled monitor instead of throwing', () => {
    const messages = captureDiag();
    const m = createModelMonitor({ model: { name: '', task: 'nope' as never } });
    expect(m.enabled).toBe(false);
    expect(messages.some((s) => s.includes('model.name'))).toBe(true);
    expect(() => createModelMonitor(undefined as never)).not.toThrow();
  });

  it('loads the baseline from the JSON file written by otel-ml baseline, and survives a missing file', async () => {
    const baseline: BaselineFile = {
      schemaVersion: 1,
      model: { name: 'fraud', task: 'binary_classification' },
      createdAt: '2026-01-01T00:00:00Z',
      source: { rows: 3, sha256: 'ab' },
      features: {
        amount: {
          type: 'numeric',
          boundaries: [1, 2],
          decileBoundaries: [1],
          histogram: { boundaries: [1, 2], counts: [1, 1, 1], count: 3, sum: 6 },
          missing: 0,
        },
      },
    };
    const dir = mkdtempSync(join(tmpdir(), 'otel-ml-baseline-'));
    const file = join(dir, 'baseline.json');
    writeFileSync(file, JSON.stringify(baseline));
    const m = createModelMonitor({ model: { name: 'fraud', task: 'binary_classification' }, baseline: file });
    m.observe({ features: { amount: 1.5 } });
    // the baseline names the features; the numeric one is exponential (the baseline's boundaries are not needed)
    const fv = m.snapshot()!.metrics['ml.feature.value']!;
    expect(fv.kind === 'exponential_histogram' && fv.points[0]!.histogram.count).toBe(1);
    expect(fv.points[0]!.attributes['ml.feature.name']).toBe('amount');
    await m.shutdown();

    const messages = captureDiag();
    const missing = createModelMonitor({
      model: { name: 'fraud', task: 'binary_classification' },
      baseline: join(dir, 'nope.json'),
      features: FEATURES,
    });
    expect(missing.enabled).toBe(true);
    expect(messages.some((s) => s.includes('cannot read baseline'))).toBe(true);
    await missing.shutdown();
  });

  it("adds unbiased noise to each export's deltas when privacy.epsilon is set: integer parts, negative parts on a companion series, no sums, no inflation", async () => {
    const { monitor, rig } = setup({ privacy: { epsilon: 1, sensitivity: 1 } }, AggregationTemporality.DELTA);
    for (let i = 0; i < 200; i++)
      monitor.observe({ features: { amount: i % 200, country: 'FR' }, score: (i % 100) / 100 });
    // 40 exports, the first with the 200 rows, the others with none: positive minus negative parts add up to about 200
    let released = 0;
    let exports = 0;
    let sawNegative = false;
    for (let k = 0; k < 40; k++) {
      const pts = rig.points(await rig.flush(), 'ml.feature.value');
      for (const p of pts) {
        const h = p.histogram!;
        expect(h.sum).toBeUndefined();
        expect(h.min).toBeUndefined();
        for (const c of h.buckets.counts) expect(Number.isInteger(c) && c >= 0).toBe(true);
        expect(h.count).toBe(h.buckets.counts.reduce((a, c) => a + c, 0));
        const negative = p.attributes['ml.privacy.part'] === 'negative';
        sawNegative ||= negative;
        released += negative ? -h.count : h.count;
      }
      exports++;
    }
    expect(exports).toBe(40);
    expect(sawNegative).toBe(true);
    // noise: 5 buckets x 40 exports of variance 1.84 (sd 19 in all); the clamped mechanism released 2-3 times the rows here
    expect(Math.abs(released - 200)).toBeLessThan(100);
    // The in-memory snapshot stays exact.
    const snapFv = monitor.snapshot()!.metrics['ml.feature.value']!;
    expect(snapFv.kind === 'histogram' && snapFv.points[0]!.histogram.count).toBe(200);
  });

  it('with privacy on, states the noise variance per export (ml.privacy.noise.variance) and never names unseen categories', async () => {
    const { monitor, rig } = setup(
      { privacy: { epsilon: 2 }, features: [{ name: 'country', type: 'categorical', categories: ['DE', 'FR'] }] },
      AggregationTemporality.DELTA,
    );
    for (let i = 0; i < 30; i++) monitor.observe({ features: { country: 'NL' }, score: 0.5 });
    const rm = await rig.flush();
    // sensitivity 2 x 1 feature + 11 = 13, scale 13 / 2: variance 2a / (1 - a)^2 with a = exp(-2/13)
    const a = Math.exp(-2 / 13);
    const noise = rig.points(rm, 'ml.privacy.noise.variance');
    expect(noise).toHaveLength(1);
    expect(noise[0]!.value).toBeCloseTo((2 * a) / ((1 - a) * (1 - a)), 9);
    expect(noise[0]!.attributes['ml.model.name']).toBe('fraud');
    expect(rig.points(rm, 'ml.feature.category.unseen')).toHaveLength(0);
    // without privacy the same rows name NL
    const plain = setup({ features: [{ name: 'country', type: 'categorical', categories: ['DE', 'FR'] }] });
    for (let i = 0; i < 30; i++) plain.monitor.observe({ features: { country: 'NL' }, score: 0.5 });
    const named = plain.rig.points(await plain.rig.flush(), 'ml.feature.category.unseen');
    expect(named.map((p) => p.attributes['ml.feature.category'])).toEqual(['NL']);
    expect(plain.rig.points(await plain.rig.flush(), 'ml.privacy.noise.variance')).toHaveLength(0);
  });

  it('keeps both parts of a noisy series monotonic in cumulative temporality (no decrease a receiver would take for a reset)', async () => {
    const { monitor, rig } = setup({ privacy: { epsilon: 1, sensitivity: 1 } });
    for (let i = 0; i < 50; i++) monitor.observe({ features: { amount: i, country: 'FR' }, score: 0.5 });
    const last = new Map<string, number[]>();
    let negativeSeries = 0;
    for (let k = 0; k < 30; k++) {
      for (const p of rig.points(await rig.flush(), 'ml.feature.value')) {
        const key = String(p.attributes['ml.privacy.part'] ?? 'positive');
        const counts = p.histogram!.buckets.counts;
        const before = last.get(key);
        if (before !== undefined) counts.forEach((c, i) => expect(c).toBeGreaterThanOrEqual(before[i]!));
        last.set(key, [...counts]);
      }
    }
    negativeSeries = last.has('negative') ? 1 : 0;
    expect(negativeSeries).toBe(1);
    const pos = last.get('positive')!.reduce((a, c) => a + c, 0);
    const neg = last.get('negative')!.reduce((a, c) => a + c, 0);
    expect(Math.abs(pos - neg - 50)).toBeLessThan(80);
  });

  it('adds noise to exponential buckets too: integer parts, the positive part monotonic across a lowered scale, no sums', async () => {
    const { monitor, rig } = setup({
      privacy: { epsilon: 1, sensitivity: 1 },
      features: [{ name: 'amount', type: 'numeric' }],
      exponentialMaxBuckets: 40,
    });
    for (let i = 0; i < 300; i++) monitor.observe({ features: { amount: 1 + (i % 100) / 100 } });
    const positive = (pts: ReturnType<typeof rig.points>) =>
      pts.find((p) => p.attributes['ml.privacy.part'] === undefined)!.exponential!;
    const e1 = positive(rig.points(await rig.flush(), 'ml.feature.value'));
    expect(e1.sum).toBeUndefined();
    expect(e1.min).toBeUndefined();
    const all = (e: typeof e1): number[] => [e.zeroCount, ...e.positive.bucketCounts, ...e.negative.bucketCounts];
    for (const c of all(e1)) expect(Number.isInteger(c) && c >= 0).toBe(true);
    expect(e1.count).toBe(all(e1).reduce((a, b) => a + b, 0));
    for (let i = 0; i < 300; i++) monitor.observe({ features: { amount: i * 37 - 500 } });
    const e2 = positive(rig.points(await rig.flush(), 'ml.feature.value'));
    expect(e2.scale).toBeLessThan(e1.scale);
    // the first release brought to the lower scale is at most the second, bucket by bucket
    const by = e1.scale - e2.scale;
    const lowered = new Map<number, number>();
    e1.positive.bucketCounts.forEach((c, k) =>
      lowered.set((e1.positive.offset + k) >> by, (lowered.get((e1.positive.offset + k) >> by) ?? 0) + c),
    );
    for (const [i, c] of lowered)
      expect(e2.positive.bucketCounts[i - e2.positive.offset] ?? 0).toBeGreaterThanOrEqual(c);
    expect(e2.count).toBeGreaterThanOrEqual(e1.count);
    const exact = monitor.snapshot()!.metrics['ml.feature.value']!;
    expect(exact.kind === 'exponential_histogram' && exact.points[0]!.histogram.count).toBe(600);
  });

  it('exports exponential delta points that add up exactly to the cumulative histogram after the scale was lowered', async () => {
    const cumulative = setup({ features: [{ name: 'amount', type: 'numeric' }], exponentialMaxBuckets: 30 });
    const delta = setup(
      { features: [{ name: 'amount', type: 'numeric' }], exponentialMaxBuckets: 30 },
      AggregationTemporality.DELTA,
    );
    const points: ExponentialHistogram[] = [];
    for (const batch of [
      [1.1, 1.2, 1.25],
      [0.001, 400, -3],
      [7, 7, 0],
    ]) {
      for (const x of batch) for (const r of [cumulative, delta]) r.monitor.observe({ features: { amount: x } });
      points.push(rig2conv(delta.rig.points(await delta.rig.flush(), 'ml.feature.value')[0]!.exponential!));
    }
    expect(points[1]!.scale).toBeLessThan(points[0]!.scale);
    const total = rig2conv(cumulative.rig.points(await cumulative.rig.flush(), 'ml.feature.value')[0]!.exponential!);
    const merged = points.reduce((a, p) => mergeExponential(a, p, 1_000_000));
    expect([merged.scale, merged.positive, merged.negative, merged.zeroCount, merged.count]).toEqual([
      total.scale,
      total.positive,
      total.negative,
      total.zeroCount,
      total.count,
    ]);
    expect(merged.sum).toBeCloseTo(total.sum, 9);
  });

  it('uses the global tracer provider by default', () => {
    const m = createModelMonitor({ model: { name: 'g', task: 'regression' } });
    expect(() => m.wrap((x: number) => x)(1)).not.toThrow();
    expect(trace.getTracerProvider()).toBeDefined();
    void m.shutdown();
  });
});
