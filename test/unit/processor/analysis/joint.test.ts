/**
 * Joint drift (analysis/joint.ts) on snapshots built by the instrumentation's aggregator: the
 * verdict, and insufficient_data with the reason whenever it cannot be decided (never a silent
 * no_drift).
 */
import { describe, expect, it } from 'vitest';
import { ModelAggregator, type FeatureSpec } from '@otel-ml/instrumentation';
import { jointDrift } from '../../../../processor/src/analysis/joint.js';
import { windowFromAggregator } from '../../../../processor/src/analysis/view.js';
import type { WindowSnapshot } from '../../../../processor/src/windows/snapshot.js';
import { seededUniform } from '../../../../processor/src/statistics/index.js';

const FEATURES: FeatureSpec[] = [
  { name: 'x', type: 'numeric' },
  { name: 'y', type: 'numeric' },
];
const SETTINGS = { alpha: 0.01, minRows: 50, minPsi: 0.1, minJensenShannon: 0.1 };

function window(
  rows: number,
  rho: number,
  seed: number,
  projections: { seed?: number; scale?: number } | null = {},
): WindowSnapshot {
  const u = seededUniform(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const agg = new ModelAggregator({
    model: { name: 'm', task: 'regression' },
    features: FEATURES,
    ...(projections === null
      ? {}
      : {
          projections: {
            count: 8,
            seed: projections.seed ?? 3,
            center: { x: 0, y: 0 },
            scale: { x: projections.scale ?? 1, y: 1 },
          },
        }),
  });
  for (let i = 0; i < rows; i++) {
    const x = normal();
    agg.observe({ features: [x, rho * x + Math.sqrt(1 - rho * rho) * normal()], prediction: 0 });
  }
  return windowFromAggregator(agg.snapshot());
}

describe('jointDrift', () => {
  it('drift when the correlation changes, no_drift when it does not', () => {
    const ref = window(2000, 0, 1);
    const same = jointDrift(ref, window(1000, 0, 2), SETTINGS)!;
    expect(same.drift.verdict).toBe('no_drift');
    expect(same.projections).toBe(8);
    expect(same.drifted).toEqual([]);
    const moved = jointDrift(ref, window(1000, 0.8, 3), SETTINGS)!;
    expect(moved.drift.verdict).toBe('drift');
    expect(moved.drifted.length).toBeGreaterThan(0);
    expect(moved.slicedWasserstein!).toBeGreaterThan(same.slicedWasserstein!);
    // drifted projections are listed by decreasing W1
    const w = moved.drifted.map((i) => moved.byProjection[i]!.wasserstein!);
    expect([...w].sort((a, b) => b - a)).toEqual(w);
    expect(moved.drift.reasons[0]).toMatch(/projections drifted \(Benjamini-Hochberg/);
  });

  it('null without projections on either side', () => {
    expect(jointDrift(window(100, 0, 1, null), window(100, 0, 2, null), SETTINGS)).toBeNull();
  });

  it('insufficient_data with the reason: no reference projections, another basis, too few rows, none in the window', () => {
    const cur = window(1000, 0, 2);
    const noRef = jointDrift(window(1000, 0, 1, null), cur, SETTINGS)!;
    expect(noRef.drift.verdict).toBe('insufficient_data');
    expect(noRef.drift.reasons[0]).toMatch(/reference has no projections/);
    const other = jointDrift(window(1000, 0, 1, { seed: 4 }), cur, SETTINGS)!;
    expect(other.drift.verdict).toBe('insufficient_data');
    expect(other.drift.reasons[0]).toMatch(/another basis/);
    const rescaled = jointDrift(window(1000, 0, 1, { scale: 2 }), cur, SETTINGS)!;
    expect(rescaled.drift.reasons[0]).toMatch(/another basis/);
    const few = jointDrift(window(1000, 0, 1), window(20, 0.9, 2), SETTINGS)!;
    expect(few.drift.verdict).toBe('insufficient_data');
    expect(few.drift.reasons[0]).toMatch(/20 projected rows < minimum 50/);
    const none = jointDrift(window(1000, 0, 1), window(1000, 0, 2, null), SETTINGS)!;
    expect(none.drift.verdict).toBe('insufficient_data');
    expect(none.drift.reasons[0]).toMatch(/no projections .* in the current window/);
  });
});
