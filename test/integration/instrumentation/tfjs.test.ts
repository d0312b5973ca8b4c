import { createRequire } from 'node:module';
import { SpanStatusCode } from '@opentelemetry/api';
import { isWrapped } from '@opentelemetry/instrumentation';
import { MlInstrumentation } from '@otel-ml/instrumentation';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { denseFromMemory, denseSequential, logisticGraphModel } from '../../helpers/models/tfjs.js';
import { createTestOtel, withAttributes } from './otel.js';
import type { TestOtel } from './otel.js';

type Tf = Parameters<typeof denseSequential>[0];

const require = createRequire(import.meta.url);
const spec = { weights: [0.5, -1, 2], bias: 0.1 };
const batch = [
  [1, 2, 3],
  [0, 0, 0],
  [0.5, 0.25, 4],
];
const sigmoid = (r: number[]): number =>
  1 / (1 + Math.exp(-r.reduce((a, x, i) => a + x * spec.weights[i]!, spec.bias)));

describe('TensorFlow.js auto-instrumentation', () => {
  let otel: TestOtel;
  let inst: MlInstrumentation;
  let tf: Tf;

  beforeAll(async () => {
    otel = createTestOtel();
    inst = new MlInstrumentation({
      models: {
        dense_scorer: { name: 'churn', version: '4', features: ['tenure', 'complaints', 'spend'] },
        graph_scorer: { version: '1', task: 'binary_classification' },
      },
    });
    inst.setTracerProvider(otel.tracerProvider);
    inst.setMeterProvider(otel.meterProvider);
    tf = require('@tensorflow/tfjs') as Tf;
    // TensorFlow.js's own test flag: no "install the node backend" banner on the first tensor
    tf.env().set('IS_TEST', true);
    await tf.setBackend('cpu');
  });

  afterAll(async () => {
    inst.disable();
    await otel.shutdown();
  });

  beforeEach(() => otel.resetSpans());

  it('patches LayersModel, Sequential and GraphModel', () => {
    const layers = require('@tensorflow/tfjs-layers') as Record<string, { prototype: Record<string, unknown> }>;
    const converter = require('@tensorflow/tfjs-converter') as Record<string, { prototype: Record<string, unknown> }>;
    expect(isWrapped(layers.LayersModel!.prototype.predict)).toBe(true);
    expect(isWrapped(layers.Sequential!.prototype.predict)).toBe(true);
    expect(isWrapped(converter.GraphModel!.prototype.execute)).toBe(true);
    expect(isWrapped(converter.GraphModel!.prototype.executeAsync)).toBe(true);
  });

  it('makes one span per Sequential.predict (not one more for the inner LayersModel)', async () => {
    const model = denseSequential(tf, spec);
    const x = tf.tensor2d(batch);
    const y = model.predict(x) as import('@tensorflow/tfjs').Tensor;
    expect(Array.from(y.dataSync()).map((v) => v.toFixed(5))).toEqual(batch.map((r) => sigmoid(r).toFixed(5)));
    const spans = otel.spans();
    expect(spans.map((s) => s.name)).toEqual(['predict churn']);
    expect(spans[0]!.attributes).toMatchObject({
      'ml.model.name': 'churn',
      'ml.model.version': '4',
      'ml.model.framework': 'tensorflowjs',
      'ml.model.task': 'binary_classification',
      'ml.batch.size': 3,
    });

    const one = model.predict(tf.tensor2d([batch[0]!])) as import('@tensorflow/tfjs').Tensor;
    expect(one.shape).toEqual([1, 1]);
    expect(otel.spans()[1]!.attributes['ml.prediction.score']).toBeCloseTo(sigmoid(batch[0]!), 5);
    model.predictOnBatch(x);
    expect(otel.spans()).toHaveLength(3);

    const churn = { 'ml.model.name': 'churn' };
    const features = withAttributes(await otel.points('ml.feature.value'), churn);
    const seen = [...batch, batch[0]!, ...batch];
    ['tenure', 'complaints', 'spend'].forEach((name, col) => {
      const p = features.find((f) => f.attributes['ml.feature.name'] === name)!;
      expect(p.exponential!.count).toBe(7);
      expect(p.exponential!.sum).toBeCloseTo(
        seen.reduce((a, r) => a + r[col]!, 0),
        5,
      );
    });
    const scores = withAttributes(await otel.points('ml.prediction.score'), churn);
    expect(scores[0]!.histogram!.count).toBe(7);
    expect(scores[0]!.histogram!.sum).toBeCloseTo(
      seen.reduce((a, r) => a + sigmoid(r), 0),
      4,
    );
    const durations = withAttributes(await otel.points('ml.inference.duration'), {
      ...churn,
      'ml.operation.name': 'predict',
    });
    expect(durations[0]!.value).toBe(3);
  });

  it('instruments a model loaded through tf.io.fromMemory', async () => {
    const model = await denseFromMemory(tf, spec);
    model.predict(tf.tensor2d(batch));
    expect(otel.spans().map((s) => s.name)).toEqual(['predict churn']);
  });

  it('makes one span per GraphModel.predict / executeAsync', async () => {
    const graph = await logisticGraphModel(tf, spec);
    inst.identify(graph, 'graph_scorer');
    const y = graph.predict(tf.tensor2d(batch)) as import('@tensorflow/tfjs').Tensor;
    expect(Array.from(y.dataSync()).map((v) => v.toFixed(5))).toEqual(batch.map((r) => sigmoid(r).toFixed(5)));
    // tfjs advises execute() for a graph without control flow, on the console: expected, and kept out of the test output
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      await graph.executeAsync(tf.tensor2d(batch));
      expect(warn.mock.calls.map((c) => String(c[0]))).toEqual([
        expect.stringMatching(/did not contain any nodes with control flow/),
      ]);
    } finally {
      warn.mockRestore();
    }
    graph.execute(tf.tensor2d([batch[1]!]));
    const spans = otel.spans();
    expect(spans.map((s) => s.name)).toEqual(['predict graph_scorer', 'predict graph_scorer', 'predict graph_scorer']);
    expect(spans[0]!.attributes['ml.batch.size']).toBe(3);
    expect(spans[2]!.attributes['ml.prediction.score']).toBeCloseTo(sigmoid(batch[1]!), 5);
    const scores = withAttributes(await otel.points('ml.prediction.score'), { 'ml.model.name': 'graph_scorer' });
    expect(scores[0]!.histogram!.count).toBe(7);
  });

  it('records errors on the span and rethrows the same error', async () => {
    const model = denseSequential(tf, spec);
    model.predict(tf.tensor2d([batch[0]!])); // builds the inner model
    const failure = new RangeError('out of memory');
    const inner = (model as unknown as { model: { predictLoop: () => never } }).model;
    inner.predictLoop = () => {
      throw failure;
    };
    otel.resetSpans();
    expect(() => model.predict(tf.tensor2d(batch))).toThrow(failure);
    let thrown: unknown;
    try {
      model.predict(tf.tensor2d(batch));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBe(failure);
    const spans = otel.spans();
    expect(spans).toHaveLength(2);
    expect(spans[0]!.status.code).toBe(SpanStatusCode.ERROR);
    expect(spans[0]!.attributes['error.type']).toBe('RangeError');
    const failed = withAttributes(await otel.points('ml.inference.duration'), {
      'ml.model.name': 'churn',
      'error.type': 'RangeError',
    });
    expect(failed[0]!.value).toBe(2);

    // Shape errors of tfjs itself pass through as the unpatched method throws them.
    const good = denseSequential(tf, spec);
    const proto = Object.getPrototypeOf(good) as { predict: { __original: (x: unknown) => unknown } };
    const wrong = tf.tensor2d([[1, 2]]);
    const capture = (f: () => unknown): unknown => {
      try {
        f();
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const expected = capture(() => proto.predict.__original.call(good, wrong));
    const actual = capture(() => good.predict(wrong));
    expect(expected).toBeInstanceOf(Error);
    expect(Object.getPrototypeOf(actual)).toBe(Object.getPrototypeOf(expected));
    expect((actual as Error).message).toBe((expected as Error).message);
  });

  it('disable() unpatches', () => {
    const layers = require('@tensorflow/tfjs-layers') as Record<string, { prototype: Record<string, unknown> }>;
    const model = denseSequential(tf, spec);
    inst.disable();
    try {
      expect(isWrapped(layers.Sequential!.prototype.predict)).toBe(false);
      expect(isWrapped(layers.LayersModel!.prototype.predict)).toBe(false);
      model.predict(tf.tensor2d(batch));
      expect(otel.spans()).toHaveLength(0);
    } finally {
      inst.enable();
    }
    model.predict(tf.tensor2d(batch));
    expect(otel.spans()).toHaveLength(1);
  });

  it('exports telemetry that passes the conventions live-check', async () => {
    await otel.liveCheck();
  });
});
