import { describe, expect, it } from 'vitest';
import type { Attributes } from '../../../../processor/src/otlp/model.js';
import {
  canonicalAttributes,
  hash64,
  metricIdentity,
  resourceIdentity,
  streamKey,
  streamKeyOf,
} from '../../../../processor/src/streams/identity.js';
import {
  SIGNALS,
  modelKeyFrom,
  modelKeyOf,
  modelOf,
  parseSlotKey,
  resourceKeySuffix,
  resourcePart,
  slotKeyOf,
  slotOf,
} from '../../../../processor/src/model/signals.js';

const parts = {
  resource: { 'service.name': 'api', 'service.instance.id': 'a' },
  scope: { name: '@otel-ml/instrumentation', version: '0.1.0' },
  metric: { name: 'ml.feature.value', unit: '1', type: 'histogram', temporality: 'cumulative' },
};

describe('stream identity', () => {
  it('does not depend on attribute order', () => {
    expect(canonicalAttributes({ a: 1, b: 'x' })).toBe(canonicalAttributes({ b: 'x', a: 1 }));
    expect(streamKeyOf(parts, { x: '1', y: '2' })).toBe(streamKeyOf(parts, { y: '2', x: '1' }));
  });

  it('distinguishes value types as OTLP does', () => {
    const keys = new Set(
      [{ v: '1' }, { v: 1 }, { v: 1n }, { v: true }, { v: 'true' }, { v: null }, { v: ['1'] }, { v: [1] }].map(
        canonicalAttributes,
      ),
    );
    expect(keys.size).toBe(8);
  });

  it('changes with every identifying part', () => {
    const base = streamKeyOf(parts, { k: 'v' });
    expect(streamKeyOf({ ...parts, resource: { ...parts.resource, 'service.instance.id': 'b' } }, { k: 'v' })).not.toBe(
      base,
    );
    expect(streamKeyOf({ ...parts, scope: { ...parts.scope, version: '0.2.0' } }, { k: 'v' })).not.toBe(base);
    expect(streamKeyOf({ ...parts, metric: { ...parts.metric, unit: 's' } }, { k: 'v' })).not.toBe(base);
    expect(streamKeyOf({ ...parts, metric: { ...parts.metric, temporality: 'delta' } }, { k: 'v' })).not.toBe(base);
    expect(streamKeyOf({ ...parts, metric: { ...parts.metric, type: 'exponential_histogram' } }, { k: 'v' })).not.toBe(
      base,
    );
    expect(streamKeyOf(parts, { k: 'w' })).not.toBe(base);
    expect(streamKeyOf(parts, { k: 'v' })).toBe(base);
  });

  it('is a stable 64-bit hex hash without collisions on many near-identical keys', () => {
    expect(hash64('')).toMatch(/^[0-9a-f]{16}$/);
    expect(hash64('abc')).toBe(hash64('abc'));
    const metricId = metricIdentity(resourceIdentity(parts.resource), parts.scope, parts.metric);
    const seen = new Set<string>();
    for (let i = 0; i < 50_000; i++)
      seen.add(
        streamKey(metricId, { 'ml.feature.name': `f${i % 500}`, 'ml.feature.category': `c${Math.floor(i / 500)}` }),
      );
    expect(seen.size).toBe(50_000);
  });
});

describe('analysis identity', () => {
  const attrs = { 'ml.model.name': 'churn', 'ml.model.version': '3', 'ml.feature.name': 'age' };

  it('ignores resource attributes outside the allow-list, so instances merge', () => {
    const allow = ['deployment.environment.name'];
    const keys = ['a', 'b', 'c'].map((id) => {
      const res = resourcePart(
        { 'service.name': 'api', 'service.instance.id': id, 'deployment.environment.name': 'prod', 'host.name': id },
        allow,
      );
      return modelKeyOf(modelOf(attrs, res)!, allow);
    });
    expect(new Set(keys).size).toBe(1);
    const staging = modelKeyOf(
      modelOf(attrs, resourcePart({ 'deployment.environment.name': 'staging' }, allow))!,
      allow,
    );
    expect(staging).not.toBe(keys[0]);
  });

  it('defaults the role to primary and separates roles and versions', () => {
    const m = modelOf(attrs, {})!;
    expect(m).toEqual({ name: 'churn', version: '3', role: 'primary', resource: {} });
    expect(modelKeyOf(modelOf({ ...attrs, 'ml.deployment.role': 'shadow' }, {})!, [])).not.toBe(modelKeyOf(m, []));
    expect(modelKeyOf(modelOf({ ...attrs, 'ml.model.version': '4' }, {})!, [])).not.toBe(modelKeyOf(m, []));
    expect(modelOf({ 'ml.feature.name': 'age' }, {})).toBeUndefined();
  });

  it('derives the slot from the metric name and its dimensions', () => {
    const cat = slotOf(SIGNALS.get('ml.feature.category.count')!, { ...attrs, 'ml.feature.category': 'DE' });
    expect(cat).toMatchObject({ id: { signal: 'feature.category', subject: 'age', dims: ['DE'] } });
    expect(slotOf(SIGNALS.get('ml.feature.category.count')!, attrs)).toEqual({ missing: 'ml.feature.category' });
    expect(slotOf(SIGNALS.get('ml.feature.value')!, { 'ml.model.name': 'churn' })).toEqual({
      missing: 'ml.feature.name',
    });
    expect(slotOf(SIGNALS.get('ml.predictions')!, attrs)).toMatchObject({
      id: { signal: 'predictions', subject: '', dims: ['', ''] },
    });
    expect(SIGNALS.has('http.server.request.duration')).toBe(false);
  });
});

describe('hot-path keys', () => {
  it('modelKeyFrom equals modelKeyOf(modelOf(...)), also with odd characters', () => {
    const allow = ['deployment.environment.name', 'cloud.region'];
    const res = resourcePart({ 'deployment.environment.name': 'pr"od', 'cloud.region': 'eu\u001f1' }, allow);
    const cases: Attributes[] = [
      { 'ml.model.name': 'a"b', 'ml.model.version': 'v\\1' },
      { 'ml.model.name': 'm', 'ml.deployment.role': 'shadow', 'ml.model.version': 2 },
      { 'ml.model.name': 'm', 'ml.deployment.role': '' },
    ];
    for (const attrs of cases) {
      expect(modelKeyFrom(attrs, resourceKeySuffix(res, allow))).toBe(modelKeyOf(modelOf(attrs, res)!, allow));
    }
    expect(modelKeyFrom({}, '')).toBeUndefined();
  });

  it('slotKeyOf round-trips through parseSlotKey', () => {
    const key = slotKeyOf(SIGNALS.get('ml.outcomes')!, { 'ml.prediction.class': 'a', 'ml.outcome.label': 'b' });
    expect(parseSlotKey(key as string)).toEqual({ signal: 'outcomes', subject: '', dims: ['a', 'b'] });
  });
});
