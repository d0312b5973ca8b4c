/**
 * Offline entry into the live data model: the instrumentation's aggregator snapshot (plain data,
 * keyed by metric name and attributes, exactly what it would export over OTLP) goes through the
 * same signal mapping (`streams/signals.ts`) and window snapshot (`windows/snapshot.ts`) as OTLP
 * points do in the service. That shared path is what makes offline and live numbers identical.
 */
import type { ExplicitHistogram } from '@otel-ml/conventions';
import type { AggregationSnapshot } from '@otel-ml/instrumentation';
import { addToHistogram, counterSlot, histogramSlot, type OpenWindow, type Slot } from '../windows/accumulator.js';
import { snapshotOf, type WindowSnapshot } from '../windows/snapshot.js';
import { SIGNALS, parseSlotKey, sliceSlotKeys, slotOf, type ModelIdentity } from '../streams/signals.js';

/** Slots of one role of an aggregator snapshot. */
export function slotsFromSnapshot(snapshot: AggregationSnapshot, role = 'primary'): Map<string, Slot> {
  const slots = new Map<string, Slot>();
  for (const metric of Object.values(snapshot.metrics)) {
    const spec = SIGNALS.get(metric.name);
    if (!spec) continue;
    for (const p of metric.points) {
      const r = p.attributes['ml.deployment.role'];
      if ((typeof r === 'string' && r !== '' ? r : 'primary') !== role) continue;
      const at = slotOf(spec, p.attributes);
      if ('missing' in at) continue;
      // The plain slot, and one per allow-listed ml.slice.<key> value (as the stream processor does).
      const targets = [at, ...sliceSlotKeys(spec.signal, at.key, p.attributes).map((key) => ({ key, id: parseSlotKey(key) }))];
      for (const { key, id } of targets) {
        const existing = slots.get(key);
        if ('value' in p) {
          const slot = existing?.kind === 'counter' ? existing : counterSlot(key, id);
          slot.value += p.value;
          slots.set(key, slot);
        } else {
          const h: ExplicitHistogram = p.histogram;
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
export function windowFromAggregator(snapshot: AggregationSnapshot, role = 'primary', times: { start?: number; end?: number } = {}): WindowSnapshot {
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
