import { createRequire } from 'node:module';
import { SpanKind, trace } from '@opentelemetry/api';
import { MlInstrumentation } from '@otel-ml/instrumentation';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { modelNameFromPath, normalizeConfig, resolveModel } from '../../../instrumentation/src/auto/config.js';
import { gridDataset, trainForestRegression } from '../../helpers/models/mljs.js';
import { createTestOtel } from './otel.js';
import type { TestOtel } from './otel.js';

type RandomForest = typeof import('ml-random-forest');

const require = createRequire(import.meta.url);

describe('configuration', () => {
  it('reads OTEL_ML_CAPTURE_FEATURES and OTEL_ML_DISABLED_FRAMEWORKS over the config', () => {
    expect(normalizeConfig({}, {})).toMatchObject({
      captureFeatures: false,
      disabledFrameworks: [],
      deploymentRole: 'primary',
      metricsExportMode: 'producer',
    });
    expect(normalizeConfig({ captureFeatures: true }, { OTEL_ML_CAPTURE_FEATURES: 'false' }).captureFeatures).toBe(
      false,
    );
    expect(normalizeConfig({}, { OTEL_ML_CAPTURE_FEATURES: 'TRUE' }).captureFeatures).toBe(true);
    expect(normalizeConfig({ captureFeatures: true }, { OTEL_ML_CAPTURE_FEATURES: 'maybe' }).captureFeatures).toBe(
      true,
    );
    expect(
      normalizeConfig(
        { disabledFrameworks: ['mljs'] },
        { OTEL_ML_DISABLED_FRAMEWORKS: ' onnxruntime, TensorFlowJS ,bogus' },
      ).disabledFrameworks,
    ).toEqual(['onnxruntime', 'tensorflowjs']);
    expect(normalizeConfig({ maxRecordedRows: -1 }, {}).maxRecordedRows).toBe(10_000);
  });

  it('derives model names from paths', () => {
    expect(modelNameFromPath('/models/fraud-v2.onnx')).toBe('fraud-v2');
    expect(modelNameFromPath('file://models/churn/model.json')).toBe('churn');
    expect(modelNameFromPath('https://host/m/model.json?v=3')).toBe('m');
    expect(modelNameFromPath('model.v2')).toBe('model.v2');
  });

  it('looks models up by path, basename, name without extension, then key', () => {
    const info = {
      framework: 'onnxruntime' as const,
      operation: 'predict' as const,
      modelKey: '/srv/m/fraud.onnx',
      modelPath: '/srv/m/fraud.onnx',
    };
    expect(resolveModel({}, info)).toMatchObject({
      name: 'fraud',
      version: 'unknown',
      role: 'primary',
      task: undefined,
    });
    expect(resolveModel({ models: { 'fraud.onnx': { version: '9' } } }, info)).toMatchObject({
      name: 'fraud',
      version: '9',
    });
    expect(resolveModel({ models: { fraud: { name: 'fraud-detector' } } }, info)).toMatchObject({
      name: 'fraud-detector',
    });
    expect(
      resolveModel({ models: { '/srv/m/fraud.onnx': { task: 'regression' } }, deploymentRole: 'canary' }, info),
    ).toMatchObject({
      name: 'fraud',
      task: 'regression',
      role: 'canary',
    });
    expect(resolveModel({ models: { fraud: { ignore: true } } }, info)).toBeUndefined();
    expect(resolveModel({ models: { scorer: { version: '2' } } }, info, 'scorer')).toMatchObject({
      name: 'scorer',
      version: '2',
    });
  });
});

describe('span options', () => {
  let otel: TestOtel;
  let inst: MlInstrumentation;
  let model: InstanceType<RandomForest['RandomForestRegression']>;
  const { X } = gridDataset();

  beforeAll(() => {
    otel = createTestOtel();
    inst = new MlInstrumentation({ models: { RandomForestRegression: { name: 'ltv', features: ['x0', 'x1'] } } });
    inst.setTracerProvider(otel.tracerProvider);
    inst.setMeterProvider(otel.meterProvider);
    const rf = require('ml-random-forest') as RandomForest;
    model = trainForestRegression(rf.RandomForestRegression);
  });

  afterAll(async () => {
    inst.disable();
    await otel.shutdown();
  });

  beforeEach(() => otel.resetSpans());

  const withConfig = <T>(extra: Parameters<MlInstrumentation['setConfig']>[0], fn: () => T): T => {
    const saved = inst.getConfig();
    inst.setConfig({ ...saved, ...extra });
    try {
      return fn();
    } finally {
      inst.setConfig(saved);
    }
  };

  it('puts raw feature values on the span only with captureFeatures', async () => {
    model.predict(X.slice(0, 2));
    expect(otel.spans()[0]!.events).toHaveLength(0);
    withConfig({ captureFeatures: true }, () => model.predict(X.slice(0, 2)));
    const events = otel.spans()[1]!.events;
    expect(events.map((e) => e.name)).toEqual(['ml.features', 'ml.features']);
    expect(events[1]!.attributes).toEqual({
      'ml.feature.input.x0': String(X[1]![0]),
      'ml.feature.input.x1': String(X[1]![1]),
    });
    withConfig({ captureFeatures: true }, () => model.predict(X));
    expect(otel.spans()[2]!.events).toHaveLength(16);
    await otel.liveCheck();
  });

  it('makes CLIENT spans for remote models and only child spans with requireParentSpan', () => {
    withConfig({ models: { RandomForestRegression: { name: 'ltv', remote: true } } }, () => model.predict(X));
    expect(otel.spans()[0]!.kind).toBe(SpanKind.CLIENT);
    withConfig({ requireParentSpan: true }, () => {
      model.predict(X);
      expect(otel.spans()).toHaveLength(1);
      const tracer = otel.tracerProvider.getTracer('test');
      tracer.startActiveSpan('handle request', (parent) => {
        model.predict(X);
        parent.end();
      });
    });
    const child = otel.spans().find((s) => s.name === 'predict ltv' && s.parentSpanContext !== undefined)!;
    const parent = otel.spans().find((s) => s.name === 'handle request')!;
    expect(child.parentSpanContext!.spanId).toBe(parent.spanContext().spanId);
    expect(child.spanContext().traceId).toBe(parent.spanContext().traceId);
  });

  it('runs the predictHook and survives its exceptions', () => {
    const seen: unknown[] = [];
    withConfig(
      {
        predictHook: (span, info) => {
          seen.push(info.batchSize);
          span.setAttribute('app.tenant', 'acme');
          throw new Error('hook bug');
        },
      },
      () => expect(model.predict(X.slice(0, 3))).toHaveLength(3),
    );
    expect(seen).toEqual([3]);
    expect(otel.spans()[0]!.attributes['app.tenant']).toBe('acme');
    expect(trace.getActiveSpan()).toBeUndefined();
  });
});
