import { createRequire } from 'node:module';
import { isWrapped } from '@opentelemetry/instrumentation';
import { MlInstrumentation } from '@otel-ml/instrumentation';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gridDataset, trainForestClassifier, trainForestRegression, trainLogistic } from '../../helpers/models/mljs.js';
import type { LogisticRegressionCtor } from '../../helpers/models/mljs.js';
import { createTestOtel, withAttributes } from './otel.js';
import type { TestOtel } from './otel.js';

type RandomForest = typeof import('ml-random-forest');
type MlMatrix = typeof import('ml-matrix');

const require = createRequire(import.meta.url);

describe('ml.js auto-instrumentation', () => {
  let otel: TestOtel;
  let inst: MlInstrumentation;
  let rf: RandomForest;
  let LogisticRegression: LogisticRegressionCtor;
  let Matrix: MlMatrix['Matrix'];
  const { X } = gridDataset();

  beforeAll(() => {
    otel = createTestOtel();
    inst = new MlInstrumentation({
      models: {
        churn: { version: '7', features: ['x0', 'x1'], task: 'binary_classification' },
        RandomForestRegression: { name: 'ltv', version: '2', features: ['x0', 'x1'] },
      },
    });
    inst.setTracerProvider(otel.tracerProvider);
    inst.setMeterProvider(otel.meterProvider);
    rf = require('ml-random-forest') as RandomForest;
    LogisticRegression = require('ml-logistic-regression') as LogisticRegressionCtor;
    Matrix = (require('ml-matrix') as MlMatrix).Matrix;
  });

  afterAll(async () => {
    inst.disable();
    await otel.shutdown();
  });

  beforeEach(() => otel.resetSpans());

  it('patches the forests (on their shared base class) and logistic regression', () => {
    const base = Object.getPrototypeOf(rf.RandomForestClassifier.prototype) as Record<string, unknown>;
    expect(isWrapped(base.predict)).toBe(true);
    expect(
      isWrapped((rf.RandomForestClassifier.prototype as unknown as Record<string, unknown>).predictProbability),
    ).toBe(true);
    expect(isWrapped((LogisticRegression.prototype as unknown as Record<string, unknown>).predict)).toBe(true);
  });

  it('counts predicted classes of a random forest classifier', async () => {
    const model = trainForestClassifier(rf.RandomForestClassifier);
    otel.resetSpans();
    const predicted = model.predict(X);
    const spans = otel.spans();
    expect(spans.map((s) => s.name)).toEqual(['predict RandomForestClassifier']);
    expect(spans[0]!.attributes).toMatchObject({ 'ml.model.framework': 'mljs', 'ml.batch.size': X.length });
    const byClass = withAttributes(await otel.points('ml.predictions'), { 'ml.model.name': 'RandomForestClassifier' });
    for (const cls of [0, 1]) {
      const point = byClass.find((p) => p.attributes['ml.prediction.class'] === String(cls));
      expect(point?.value ?? 0).toBe(predicted.filter((v) => v === cls).length);
    }
    model.predict([X[0]!]);
    expect(otel.spans()[1]!.attributes['ml.prediction.class']).toBe(String(predicted[0]));
  });

  it('records probabilities of predictProbability as scores', async () => {
    const model = trainForestClassifier(rf.RandomForestClassifier);
    inst.identify(model, { name: 'approval', version: '1', task: 'binary_classification' });
    const p = model.predictProbability(X, 1);
    expect(otel.spans().filter((s) => s.name === 'predict approval')).toHaveLength(1);
    const scores = withAttributes(await otel.points('ml.prediction.score'), { 'ml.model.name': 'approval' });
    expect(scores[0]!.histogram!.count).toBe(X.length);
    expect(scores[0]!.histogram!.sum).toBeCloseTo(
      p.reduce((a, v) => a + v, 0),
      9,
    );
  });

  it('records regression outputs and feature histograms of a random forest regressor', async () => {
    const model = trainForestRegression(rf.RandomForestRegression);
    otel.resetSpans();
    const values = model.predict(X);
    expect(otel.spans()[0]!.name).toBe('predict ltv');
    expect(otel.spans()[0]!.attributes['ml.model.task']).toBe('regression');
    const out = withAttributes(await otel.points('ml.prediction.value'), { 'ml.model.name': 'ltv' });
    expect(out[0]!.histogram!.count).toBe(X.length);
    expect(out[0]!.histogram!.sum).toBeCloseTo(
      values.reduce((a, v) => a + v, 0),
      9,
    );
    const x1 = withAttributes(await otel.points('ml.feature.value'), {
      'ml.model.name': 'ltv',
      'ml.feature.name': 'x1',
    });
    expect(x1[0]!.exponential!.sum).toBeCloseTo(
      X.reduce((a, r) => a + r[1]!, 0),
      9,
    );
  });

  it('instruments ml-logistic-regression models named with identify()', async () => {
    const model = inst.identify(trainLogistic(LogisticRegression, Matrix), 'churn');
    const predicted = model.predict(new Matrix(X));
    expect(otel.spans().map((s) => s.name)).toEqual(['predict churn']);
    expect(otel.spans()[0]!.attributes['ml.model.version']).toBe('7');
    const counted = withAttributes(await otel.points('ml.predictions'), { 'ml.model.name': 'churn' });
    expect(counted.reduce((a, p) => a + p.value, 0)).toBe(predicted.length);
    const x0 = withAttributes(await otel.points('ml.feature.value'), {
      'ml.model.name': 'churn',
      'ml.feature.name': 'x0',
    });
    expect(x0[0]!.exponential!.count).toBe(X.length);
  });

  it('honours OTEL_ML_DISABLED_FRAMEWORKS and manuallyInstrument() patches given exports', () => {
    const model = trainForestClassifier(rf.RandomForestClassifier);
    process.env.OTEL_ML_DISABLED_FRAMEWORKS = 'mljs';
    const second = new MlInstrumentation({ enabled: false });
    try {
      expect(second.getConfig().disabledFrameworks).toEqual(['mljs']);
      expect(second.manuallyInstrument(rf)).toEqual([]);
    } finally {
      delete process.env.OTEL_ML_DISABLED_FRAMEWORKS;
    }
    inst.disable();
    otel.resetSpans();
    model.predict(X);
    expect(otel.spans()).toHaveLength(0);

    // A bundled app has no require hook: it hands the module to the instrumentation.
    const manual = new MlInstrumentation({ enabled: false });
    manual.setTracerProvider(otel.tracerProvider);
    manual.setMeterProvider(otel.meterProvider);
    expect(manual.manuallyInstrument(rf)).toEqual(['mljs']);
    model.predict(X);
    expect(otel.spans().map((s) => s.name)).toEqual(['predict RandomForestClassifier']);
    manual.disable();
    inst.enable();
  });

  it('exports telemetry that passes the conventions live-check', async () => {
    await otel.liveCheck();
  });
});
