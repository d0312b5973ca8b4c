/**
 * Offline entry into the live data model: the instrumentation's aggregator snapshot (plain data,
 * keyed by metric name and attributes, exactly what it would export over OTLP) goes through the
 * same signal mapping (`streams/signals.ts`) and window snapshot (`windows/snapshot.ts`) as OTLP
 * points do in the service. That shared path is what makes offline and live numbers identical.
 */
import type { AggregationSnapshot } from '@otel-ml/instrumentation';
import {
  addToHistogram,
  counterSlot,
  exponentialSlot,
  histogramSlot,
  type OpenWindow,
  type Slot,
} from '../windows/accumulator.js';
import { snapshotOf, type WindowSnapshot } from '../windows/snapshot.js';
import {
  EXPONENTIAL_SIGNALS,
  SIGNALS,
  exponentialSlotKey,
  parseSlotKey,
  sliceSlotKeys,
  slotOf,
  type ModelIdentity,
} from '../model/signals.js';

/** Slots of one role of an aggregator snapshot. */
export function slotsFromSnapshot(snapshot: AggregationSnapshot, role = 'primary'): Map<string, Slot> {
  const slots = new Map<string, Slot>();
  const ofRole = (attrs: Readonly<Record<string, unknown>>): boolean => {
    const r = attrs['ml.deployment.role'];
    return (typeof r === 'string' && r !== '' ? r : 'primary') === role;
  };
  for (const metric of Object.values(snapshot.metrics)) {
    const spec = SIGNALS.get(metric.name);
    if (!spec) continue;
    if (metric.kind === 'exponential_histogram') {
      // Exponential points have a slot of their own, merged as the stream processor merges them.
      if (!EXPONENTIAL_SIGNALS.has(spec.signal)) continue;
      for (const p of metric.points) {
        const at = ofRole(p.attributes) ? slotOf(spec, p.attributes) : undefined;
        if (at === undefined || 'missing' in at) continue;
        const plain = exponentialSlotKey(at.key);
        for (const key of [plain, ...sliceSlotKeys(spec.signal, plain, p.attributes)]) {
          const existing = slots.get(key);
          const slot = existing?.kind === 'exponential' ? existing : exponentialSlot(key, parseSlotKey(key));
          slot.histogram.add(p.histogram);
          slots.set(key, slot);
        }
      }
      continue;
    }
    for (const p of metric.points) {
      const at = ofRole(p.attributes) ? slotOf(spec, p.attributes) : undefined;
      if (at === undefined || 'missing' in at) continue;
      // The plain slot, and one per allow-listed ml.slice.<key> value (as the stream processor does).
      const targets = [
        at,
        ...sliceSlotKeys(spec.signal, at.key, p.attributes).map((key) => ({ key, id: parseSlotKey(key) })),
      ];
      for (const { key, id } of targets) {
        const existing = slots.get(key);
        if ('value' in p) {
          const slot = existing?.kind === 'counter' ? existing : counterSlot(key, id);
          slot.value += p.value;
          slots.set(key, slot);
        } else {
          const h = p.histogram;
          const slot = existing?.kind === 'histogram' ? existing : histogramSlot(key, id, h.boundaries);
          addToHistogram(slot, { count: h.count, sum: h.sum, counts: h.counts, min: h.min, max: h.max });
          slots.set(key, slot);
        }
      }
    }
  }
  return slots;
}

/** The window snapshot of an aggregator's data for one role, as the live service would build it. */
export function windowFromAggregator(
  snapshot: AggregationSnapshot,
  role = 'primary',
  times: { start?: number; end?: number } = {},
): WindowSnapshot {
  const model: ModelIdentity = { name: snapshot.model.name, version: snapshot.model.version ?? '', role, resource: {} };
  const w: OpenWindow = {
    modelKey: JSON.stringify([model.name, model.version, role]),
    model,
    task: snapshot.model.task,
    start: times.start ?? 0,
    end: times.end ?? snapshot.timeMs,
    extensions: 0,
    slots: slotsFromSnapshot(snapshot, role),
  };
  return snapshotOf(w);
}
