/**
 * Constructed windows for the evaluation benchmarks (`bench:processor` part 2, `bench:evaluation`):
 * one reference and one current WindowSnapshot per model, `features` numeric features per model,
 * 20 explicit buckets each (a bell over 0..100); every tenth feature of the current window moved
 * by `shift` buckets, so `drifted` is known. Regression models with 10,000 rows.
 */
import { evaluate } from '../src/analysis/evaluate.js';
import type { ModelReport } from '../src/analysis/report-types.js';
import { emptySnapshot, type WindowSnapshot } from '../src/windows/snapshot.js';
import { GCProfiler } from 'node:v8';

export const BOUNDS = Array.from({ length: 19 }, (_, i) => (i + 1) * 5);
export const BUCKETS = BOUNDS.length + 1;
const HOUR_MS = 3_600_000;

/** One model's window starting at `start`, every tenth feature shifted by `shift` buckets. */
export function evaluationSnapshot(model: number, start: number, shift: number, features: number): WindowSnapshot {
  const s = emptySnapshot(
    `m${model}`,
    { name: `model-${model}`, version: '1', role: 'primary', resource: {} },
    start,
    start + HOUR_MS,
  );
  s.task = 'regression';
  s.rows = 10_000;
  s.predictions.rows = 10_000;
  for (let f = 0; f < features; f++) {
    const drift = f % 10 === 0 ? shift : 0;
    const counts = [...BOUNDS, 0].map((_, j) => 50 + Math.round(400 * Math.exp(-(((j - 10 - drift) / 4) ** 2))));
    const count = counts.reduce((a, b) => a + b, 0);
    s.features[`feature_${f}`] = {
      histogram: { boundaries: BOUNDS, counts, count, sum: count * 50, min: 0, max: 120 },
      missing: 0,
    };
  }
  return s;
}

/** Reference (hour 0) and current (hour 1, shifted by 2 buckets) windows of `models` models. */
export function evaluationWindows(
  models: number,
  features: number,
): { refs: WindowSnapshot[]; curs: WindowSnapshot[] } {
  return {
    refs: Array.from({ length: models }, (_, m) => evaluationSnapshot(m, 0, 0, features)),
    curs: Array.from({ length: models }, (_, m) => evaluationSnapshot(m, HOUR_MS, 2, features)),
  };
}

/** One evaluation pass: every model's current window against its reference, as the service does. */
export function evaluateAll(refs: readonly WindowSnapshot[], curs: readonly WindowSnapshot[]): ModelReport[] {
  return curs.map((cur, m) =>
    evaluate(refs[m]!, cur, {
      model: { name: cur.model.name, version: '1', task: 'regression' },
      referenceKind: 'rolling',
      window: { start: new Date(cur.start), end: new Date(cur.end) },
    }),
  );
}

/** Drifted features expected of `evaluationWindows(models, features)`: every tenth feature of every model. */
export const expectedDrifted = (models: number, features: number): number => models * Math.ceil(features / 10);

/** Heap in use after a full collection (exact with node --expose-gc, else whatever is live or not yet collected). */
export function heapUsed(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}

export const hasGc = (): boolean => typeof (globalThis as { gc?: unknown }).gc === 'function';

/**
 * Bytes allocated on the V8 heap while `fn` runs: the growth of the heap in use plus what each
 * collection during the run freed (GCProfiler's heap statistics before and after every GC).
 */
export function allocatedBy<T>(fn: () => T): { result: T; bytes: number; ms: number } {
  const profiler = new GCProfiler();
  const before = process.memoryUsage().heapUsed;
  profiler.start();
  const t0 = performance.now();
  const result = fn();
  const ms = performance.now() - t0;
  const after = process.memoryUsage().heapUsed;
  const data = profiler.stop();
  let freed = 0;
  for (const g of data?.statistics ?? [])
    freed += Math.max(0, g.beforeGC.heapStatistics.usedHeapSize - g.afterGC.heapStatistics.usedHeapSize);
  return { result, bytes: Math.max(0, after - before + freed), ms };
}
