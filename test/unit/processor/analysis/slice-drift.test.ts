/**
 * Drift per slice through the instrumentation's aggregator and the processor's window snapshot
 * (the offline path of the live data model): verdicts per slice value, one Benjamini-Hochberg
 * family across slices x features, minimum rows, and where the drift moved.
 */
import { ModelAggregator } from '@otel-ml/instrumentation';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../../processor/src/analysis/evaluate.js';
import { windowFromAggregator } from '../../../../processor/src/analysis/view.js';
import { renderText } from '../../../../processor/src/render/text.js';
import { renderHtml } from '../../../../processor/src/render/html.js';
import { driftEvent, reportPoints } from '../../../../processor/src/service/emit.js';
import { FEATURES, REGIONS, sliceTraffic, type SliceRow } from '../../../helpers/slices.js';

function window(rows: readonly SliceRow[], opts: { slices?: boolean } = {}) {
  const agg = new ModelAggregator({
    model: { name: 'm', task: 'binary_classification' },
    features: FEATURES,
    slices: opts.slices === false ? [] : ['region'],
  });
  for (const r of rows) agg.observe({ features: r.features, score: r.score, slices: { region: r.region } });
  return windowFromAggregator(agg.snapshot());
}

const ref = window(sliceTraffic({ seed: 1, rowsPerSlice: 1000 }));

describe('drift per slice', () => {
  it('locates a shift confined to one slice of five, which the overall features miss', () => {
    const cur = window(sliceTraffic({ seed: 2, rowsPerSlice: 1000, shift: { region: 'c', x1: 0.5 } }));
    const r = evaluate(ref, cur, { model: { name: 'm' }, referenceKind: 'pinned' });
    const k = r.sliceDrift!.keys.region!;
    expect(k.slices.map((s) => s.slice)[0]).toBe('c');
    expect(k.located).toBe('c');
    const c = k.slices[0]!;
    expect(r.features.x1!.drift.verdict).toBe('no_drift');
    expect(c.drifted).toContain('x1');
    expect(c.features.x1!.verdict).toBe('drift');
    expect(c.share!).toBeGreaterThan(0.4);
    for (const s of k.slices.slice(1)) expect(s.share!).toBeLessThan(c.share! / 2);
    expect(k.slices.reduce((a, s) => a + s.share!, 0)).toBeCloseTo(1, 9);
    // the other slices' x1 does not drift; the family spans 5 slices x (5 features + score)
    for (const s of k.slices.slice(1)) expect(s.features.x1!.verdict).toBe('no_drift');
    expect(k.tested).toBe(30);
    expect(k.basis).toContain('x1');
    expect(r.sliceDrift!.located[0]).toMatchObject({ key: 'region', slice: 'c' });
    expect(r.sliceDrift!.minRows).toBe(100);
  });

  it('is emitted under the conventions and rendered in the text and HTML reports', () => {
    const cur = window(sliceTraffic({ seed: 2, rowsPerSlice: 1000, shift: { region: 'c', x1: 0.5 } }));
    const r = evaluate(ref, cur, { model: { name: 'm' }, referenceKind: 'pinned' });
    const points = reportPoints(r);
    const at = (metric: string, slice: string, feature?: string) =>
      points.filter(
        (p) =>
          p.metric === metric &&
          p.attributes['ml.slice.region'] === slice &&
          p.attributes['ml.drift.slice.key'] === 'region' &&
          (feature === undefined || p.attributes['ml.feature.name'] === feature),
      );
    expect(at('ml.drift.slice.detected', 'c', 'x1').map((p) => p.value)).toEqual([1]);
    expect(at('ml.drift.slice.detected', 'a', 'x1').map((p) => p.value)).toEqual([0]);
    expect(at('ml.drift.slice.psi', 'c', 'x1')[0]!.value).toBeGreaterThan(0.1);
    const shares = REGIONS.map((g) => at('ml.drift.slice.share', g)[0]!.value);
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    expect(
      points.some(
        (p) =>
          p.metric === 'ml.drift.slice.detected' &&
          p.attributes['ml.drift.signal'] === 'score' &&
          p.attributes['ml.slice.region'] === 'c',
      ),
    ).toBe(true);
    // the drift event (a drift within a slice alone emits it) says where it moved
    const body = JSON.parse(driftEvent(r).body) as {
      whereItMoved: { key: string; slice: string; share: number; drifted: { name: string; psi: number }[] }[];
    };
    expect(body.whereItMoved).toHaveLength(1);
    expect(body.whereItMoved[0]).toMatchObject({ key: 'region', slice: 'c' });
    expect(body.whereItMoved[0]!.drifted.map((d) => d.name).sort()).toEqual(['score', 'x1']);
    const text = renderText(r);
    expect(text).toMatch(
      /Drift by region: where it moved: c \(\d+\.\d% of the movement of score, x1; drifted there: x1, score\)/,
    );
    expect(text).toMatch(/No feature drifted\.( |.)*Within slices: region=c \(x1, score; \d+\.\d% of the movement\)\./);
    expect(renderHtml(r)).toContain('data-located="c"');
    expect(renderHtml(r)).toMatch(/<div class="banner bad">No feature drifted\.[^<]*Within slices: region=c/);
  });

  it('shares a shift of every slice about evenly: no single slice explains it', () => {
    const rows = sliceTraffic({ seed: 5, rowsPerSlice: 1000 }).map((r) => ({
      ...r,
      features: { ...r.features, x1: r.features.x1 + 0.5 },
    }));
    const r = evaluate(ref, window(rows), { model: { name: 'm' }, referenceKind: 'pinned' });
    expect(r.features.x1!.drift.verdict).toBe('drift');
    const k = r.sliceDrift!.keys.region!;
    for (const s of k.slices) {
      expect(s.features.x1!.verdict, s.slice).toBe('drift');
      expect(s.share!, s.slice).toBeGreaterThan(0.12);
      expect(s.share!, s.slice).toBeLessThan(0.3);
    }
  });

  it('says nothing moved when nothing did', () => {
    const cur = window(sliceTraffic({ seed: 3, rowsPerSlice: 1000 }));
    const r = evaluate(ref, cur, { model: { name: 'm' }, referenceKind: 'pinned' });
    const k = r.sliceDrift!.keys.region!;
    expect(k.located).toBeNull();
    expect(k.basis).toEqual([]);
    expect(k.slices.map((s) => s.slice)).toEqual([...REGIONS]);
    for (const s of k.slices) {
      expect(s.status).toBe('ok');
      expect(s.share).toBeNull();
      expect(s.drifted).toEqual([]);
      expect(s.score!.verdict).toBe('no_drift');
    }
  });

  it('a slice below the minimum rows is insufficient_data with the reason, never no_drift', () => {
    const rows = sliceTraffic({ seed: 4, rowsPerSlice: 1000 }).filter((r, i) => r.region !== 'e' || i % 250 === 4);
    const cur = window(rows);
    const r = evaluate(ref, cur, { model: { name: 'm' }, referenceKind: 'pinned' });
    const e = r.sliceDrift!.keys.region!.slices.find((s) => s.slice === 'e')!;
    expect(e.count).toBe(20);
    expect(e.status).toBe('insufficient_data');
    expect(e.reason).toMatch(/20 rows of region=e in the window, fewer than 100/);
    for (const f of Object.values(e.features)) expect(f.verdict).toBe('insufficient_data');
    expect(e.score!.verdict).toBe('insufficient_data');
    // its tests are not in the family
    expect(r.sliceDrift!.keys.region!.tested).toBe(24);
  });

  it('a slice of the reference missing from the window takes part with 0 rows (insufficient_data), its traffic counted as moved', () => {
    const cur = window(sliceTraffic({ seed: 6, rowsPerSlice: 1000 }).filter((r) => r.region !== 'e'));
    const r = evaluate(ref, cur, { model: { name: 'm' }, referenceKind: 'pinned' });
    const k = r.sliceDrift!.keys.region!;
    const e = k.slices.find((s) => s.slice === 'e')!;
    expect(e).toMatchObject({ count: 0, referenceCount: 1000, status: 'insufficient_data' });
    expect(e.reason).toMatch(/0 rows of region=e in the window/);
    expect(k.tested).toBe(24);
  });

  it('a reference without slices gives insufficient_data with the reason', () => {
    const plain = window(sliceTraffic({ seed: 1, rowsPerSlice: 1000 }), { slices: false });
    const cur = window(sliceTraffic({ seed: 2, rowsPerSlice: 1000, shift: { region: 'c', x1: 0.5 } }));
    const r = evaluate(plain, cur, { model: { name: 'm' }, referenceKind: 'baseline' });
    const k = r.sliceDrift!.keys.region!;
    expect(k.tested).toBe(0);
    for (const s of k.slices) {
      expect(s.status).toBe('insufficient_data');
      expect(s.reason).toMatch(/reference has no per-slice data/);
      expect(s.features.x1?.verdict ?? 'insufficient_data').toBe('insufficient_data');
      expect(s.score!.verdict).toBe('insufficient_data');
    }
  });

  it('no report without slices', () => {
    const plain = window(sliceTraffic({ seed: 1, rowsPerSlice: 200 }), { slices: false });
    expect(evaluate(plain, plain, { model: { name: 'm' }, referenceKind: 'baseline' }).sliceDrift).toBeNull();
  });
});
