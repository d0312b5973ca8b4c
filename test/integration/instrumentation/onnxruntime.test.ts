import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { isWrapped } from '@opentelemetry/instrumentation';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MlInstrumentation } from '@otel-ml/instrumentation';
import { logisticModel, logisticReference, softmaxModel } from '../../helpers/models/onnx.js';
import { createTestOtel, withAttributes } from './otel.js';
import type { TestOtel } from './otel.js';

type Ort = typeof import('onnxruntime-node');

const require = createRequire(import.meta.url);
const spec = { weights: [0.8, -0.5, 1.5], bias: -0.2, withLogit: true };
const rows = [
  [0.1, 0.2, 0.3],
  [1.0, 0.0, -1.0],
  [0.5, 0.5, 0.5],
  [-1.0, 2.0, 0.25],
];

class BackendFailure extends Error {}

/** `InferenceSession.prototype.run` (the typings describe the session factory, not the class). */
function runOf(ort: Ort): unknown {
  return (ort.InferenceSession as unknown as { prototype: { run: unknown } }).prototype.run;
}

describe('onnxruntime auto-instrumentation', () => {
  let otel: TestOtel;
  let inst: MlInstrumentation;
  let ort: Ort;
  let dir: string;
  let modelPath: string;

  beforeAll(() => {
    otel = createTestOtel();
    inst = new MlInstrumentation({
      models: {
        'fraud-v3.onnx': { version: '3.1', features: ['amount', 'age', 'score_in'] },
        softmax3: { name: 'species', version: '1', classes: ['setosa', 'versicolor', 'virginica'] },
      },
    });
    inst.setTracerProvider(otel.tracerProvider);
    inst.setMeterProvider(otel.meterProvider);
    // Loaded after the instrumentation is enabled, as a CommonJS app would.
    ort = require('onnxruntime-node') as Ort;
    dir = mkdtempSync(join(tmpdir(), 'otel-ml-onnx-'));
    modelPath = join(dir, 'fraud-v3.onnx');
    writeFileSync(modelPath, logisticModel(spec));
  });

  afterAll(async () => {
    inst.disable();
    await otel.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => otel.resetSpans());

  const feeds = (data: number[][]): Record<string, InstanceType<Ort['Tensor']>> => ({
    features: new ort.Tensor('float32', Float32Array.from(data.flat()), [data.length, data[0]!.length]),
  });

  it('patches the InferenceSession that onnxruntime-node re-exports', () => {
    const common = require('onnxruntime-common') as Ort;
    expect(ort.InferenceSession).toBe(common.InferenceSession);
    expect(isWrapped(runOf(ort))).toBe(true);
    expect(isWrapped(ort.InferenceSession.create)).toBe(true);
  });

  it('creates load and predict spans, feature and score histograms for a model loaded from a path', async () => {
    const session = await ort.InferenceSession.create(modelPath);
    const load = otel.spans().find((s) => s.name === 'load fraud-v3');
    expect(load).toBeDefined();
    expect(load!.attributes['ml.operation.name']).toBe('load');
    expect(load!.attributes['ml.model.framework']).toBe('onnxruntime');

    const out = await session.run(feeds(rows));
    // The result is the model's own.
    expect(Array.from(out.probability!.data as Float32Array).map((v) => v.toFixed(5))).toEqual(
      rows.map((r) => logisticReference(spec, r).toFixed(5)),
    );
    const one = await session.run(feeds([rows[0]!]));
    expect(one.probability!.dims).toEqual([1, 1]);

    const predicts = otel.spans().filter((s) => s.name === 'predict fraud-v3');
    expect(predicts).toHaveLength(2);
    const [batch, single] = predicts;
    expect(batch!.kind).toBe(SpanKind.INTERNAL);
    expect(batch!.attributes).toMatchObject({
      'ml.operation.name': 'predict',
      'ml.model.name': 'fraud-v3',
      'ml.model.version': '3.1',
      'ml.model.task': 'binary_classification',
      'ml.model.framework': 'onnxruntime',
      'ml.deployment.role': 'primary',
      'ml.batch.size': 4,
    });
    expect(batch!.attributes['ml.prediction.score']).toBeUndefined();
    expect(single!.attributes['ml.batch.size']).toBe(1);
    expect(single!.attributes['ml.prediction.score']).toBeCloseTo(logisticReference(spec, rows[0]!), 5);
    // No raw feature values on spans unless asked for.
    expect(batch!.events).toHaveLength(0);

    const model = { 'ml.model.name': 'fraud-v3', 'ml.model.version': '3.1' };
    const durations = withAttributes(await otel.points('ml.inference.duration'), model);
    expect(withAttributes(durations, { 'ml.operation.name': 'predict' })[0]!.value).toBe(2);
    expect(durations.every((p) => p.unit === 's' && p.attributes['error.type'] === undefined)).toBe(true);

    const predictions = withAttributes(await otel.points('ml.predictions'), model);
    expect(predictions.reduce((a, p) => a + p.value, 0)).toBe(5);

    // One histogram per named feature column, holding exactly that column's values.
    const seen = [...rows, rows[0]!];
    const featurePoints = withAttributes(await otel.points('ml.feature.value'), model);
    expect(featurePoints.map((p) => p.attributes['ml.feature.name']).sort()).toEqual(['age', 'amount', 'score_in']);
    ['amount', 'age', 'score_in'].forEach((name, col) => {
      const p = featurePoints.find((x) => x.attributes['ml.feature.name'] === name)!;
      // feature values are exponential histograms (no baseline, no boundaries)
      expect(p.exponential!.count).toBe(5);
      expect(p.exponential!.sum).toBeCloseTo(
        seen.reduce((a, r) => a + Math.fround(r[col]!), 0),
        6,
      );
    });

    const scores = withAttributes(await otel.points('ml.prediction.score'), model);
    expect(scores).toHaveLength(1);
    expect(scores[0]!.histogram!.count).toBe(5);
    expect(scores[0]!.histogram!.sum).toBeCloseTo(
      seen.reduce((a, r) => a + logisticReference(spec, r), 0),
      5,
    );
  });

  it('names byte-loaded sessions by content hash, or by identify()', async () => {
    const bytes = logisticModel({ weights: [1, 1], bias: 0 });
    const s1 = await ort.InferenceSession.create(bytes);
    await s1.run({ features: new ort.Tensor('float32', Float32Array.from([1, 2]), [1, 2]) });
    const name = otel.spans().find((s) => s.name.startsWith('predict '))!.attributes['ml.model.name'];
    expect(name).toMatch(/^onnx-[0-9a-f]{12}$/);
    const s2 = await ort.InferenceSession.create(bytes);
    inst.identify(s2, { name: 'pricing', version: '2', task: 'binary_classification' });
    otel.resetSpans();
    await s2.run({ features: new ort.Tensor('float32', Float32Array.from([1, 2]), [1, 2]) });
    expect(otel.spans().map((s) => s.name)).toEqual(['predict pricing']);
    expect(otel.spans()[0]!.attributes['ml.model.version']).toBe('2');
  });

  it('records per-class scores and the predicted class of a multiclass model', async () => {
    const W = [
      [2, 0, -1],
      [0, 1, 0],
    ];
    const session = await ort.InferenceSession.create(softmaxModel(W, [0, 0, 0]));
    inst.identify(session, 'softmax3');
    await session.run({ features: new ort.Tensor('float32', Float32Array.from([1, 0]), [1, 2]) });
    const span = otel.spans().find((s) => s.name === 'predict species')!;
    expect(span.attributes['ml.model.task']).toBe('multiclass_classification');
    expect(span.attributes['ml.prediction.class']).toBe('setosa');
    const perClass = withAttributes(await otel.points('ml.prediction.score'), { 'ml.model.name': 'species' });
    expect(perClass.map((p) => p.attributes['ml.prediction.class']).sort()).toEqual([
      'setosa',
      'versicolor',
      'virginica',
    ]);
    const counted = withAttributes(await otel.points('ml.predictions'), {
      'ml.model.name': 'species',
      'ml.prediction.class': 'setosa',
    });
    expect(counted[0]!.value).toBe(1);
  });

  it('records errors on the span and rethrows the same error', async () => {
    const session = await ort.InferenceSession.create(modelPath);
    const failure = new BackendFailure('device lost');
    (session as unknown as { handler: { run: () => Promise<never> } }).handler.run = async () => {
      throw failure;
    };
    otel.resetSpans();
    await expect(session.run(feeds(rows))).rejects.toBe(failure);
    const span = otel.spans().find((s) => s.name === 'predict fraud-v3')!;
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['error.type']).toBe('BackendFailure');
    expect(span.events.some((e) => e.name === 'exception')).toBe(true);
    const failed = withAttributes(await otel.points('ml.inference.duration'), {
      'ml.model.name': 'fraud-v3',
      'error.type': 'BackendFailure',
    });
    expect(failed[0]!.value).toBe(1);
    const failedRows = withAttributes(await otel.points('ml.predictions'), {
      'ml.model.name': 'fraud-v3',
      'error.type': 'BackendFailure',
    });
    expect(failedRows[0]!.value).toBe(rows.length);

    // Validation errors of onnxruntime itself pass through as the unpatched run throws them.
    const bad = await ort.InferenceSession.create(modelPath);
    const wrongFeeds = { wrong: new ort.Tensor('float32', Float32Array.from([1]), [1, 1]) };
    const original = (runOf(ort) as { __original: (feeds: unknown) => Promise<unknown> }).__original;
    const expected = await original.call(bad, wrongFeeds).catch((e: unknown) => e);
    const actual = await bad.run(wrongFeeds).catch((e: unknown) => e);
    expect(expected).toBeInstanceOf(Error);
    expect(Object.getPrototypeOf(actual)).toBe(Object.getPrototypeOf(expected));
    expect((actual as Error).message).toBe((expected as Error).message);
  });

  it('leaves calls the filter rejects uninstrumented', async () => {
    inst.setConfig({ ...inst.getConfig(), filter: (info) => info.modelPath !== undefined });
    try {
      const helper = await ort.InferenceSession.create(logisticModel({ weights: [1], bias: 0 }));
      await helper.run({ features: new ort.Tensor('float32', Float32Array.from([1]), [1, 1]) });
      expect(otel.spans()).toHaveLength(0);
    } finally {
      inst.setConfig({ ...inst.getConfig(), filter: undefined });
    }
  });

  it('disable() unpatches and enable() patches again', async () => {
    const session = await ort.InferenceSession.create(modelPath);
    inst.disable();
    try {
      expect(isWrapped(runOf(ort))).toBe(false);
      expect(isWrapped(ort.InferenceSession.create)).toBe(false);
      otel.resetSpans();
      await session.run(feeds(rows));
      expect(otel.spans()).toHaveLength(0);
    } finally {
      inst.enable();
    }
    expect(isWrapped(runOf(ort))).toBe(true);
    await session.run(feeds(rows));
    expect(otel.spans().map((s) => s.name)).toEqual(['predict fraud-v3']);
  });

  it('exports telemetry that passes the conventions live-check', async () => {
    await otel.liveCheck();
  });
});
