/** Constructed window snapshots for the analysis tests. */
import type { ExplicitHistogram } from '@otel-ml/conventions';
import { emptySnapshot, type WindowSnapshot } from '../../../../processor/src/windows/snapshot.js';

export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function hist(boundaries: readonly number[], counts: readonly number[], sum?: number): ExplicitHistogram {
  const count = counts.reduce((a, b) => a + b, 0);
  // Without a sum, rows sit at their bucket's upper edge (the last bucket at the last edge + 1).
  const s =
    sum ??
    counts.reduce(
      (a, c, i) => a + c * (i < boundaries.length ? boundaries[i]! : boundaries[boundaries.length - 1]! + 1),
      0,
    );
  return { boundaries: [...boundaries], counts: [...counts], count, sum: s };
}

export function snapshot(role = 'primary', version = '1', end = 300_000): Mutable<WindowSnapshot> {
  const model = { name: 'm', version, role, resource: { 'deployment.environment.name': '' } };
  const s = emptySnapshot(JSON.stringify(['m', version, role, '']), model, end - 300_000, end);
  s.task = 'binary_classification';
  return s;
}
