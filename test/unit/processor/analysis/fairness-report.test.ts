/**
 * Fairness end to end through the instrumentation's aggregator and the processor's window
 * snapshot (the offline path of the live data model), checked against the scikit-learn oracle
 * (test/fixtures/fairness/slices.json).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ModelAggregator } from '@otel-ml/instrumentation';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../../processor/src/analysis/evaluate.js';
import { windowFromAggregator } from '../../../../processor/src/analysis/view.js';
import { renderText } from '../../../../processor/src/render/text.js';
import { renderHtml } from '../../../../processor/src/render/html.js';
import { reportPoints } from '../../../../processor/src/service/emit.js';

interface OracleCase {
  name: string;
  rows: [string, number, number][];
  slices: Record<
    string,
    { count: number; accuracy: number; tpr: number | null; fpr: number | null; positiveRate: number }
  >;
  demographicParityDifference?: number;
  disparateImpactRatio?: number;
}
const file = fileURLToPath(new URL('../../../fixtures/fairness/slices.json', import.meta.url));
const { cases } = JSON.parse(readFileSync(file, 'utf8')) as { cases: OracleCase[] };

function window(c: OracleCase) {
  const agg = new ModelAggregator({ model: { name: 'credit', task: 'binary_classification' }, slices: ['group'] });
  for (const [g, y, s] of c.rows) {
    agg.observe({ score: s, slices: { group: g } });
    agg.recordOutcome({ score: s, label: y, slices: { group: g } });
  }
  return windowFromAggregator(agg.snapshot());
}

describe('fairness report', () => {
  const c = cases.find((x) => x.name === 'biased')!;
  const cur = window(c);
  const r = evaluate(cur, cur, { model: { name: 'credit' }, referenceKind: 'baseline' });

  it('per-slice metrics equal scikit-learn on the same rows', () => {
    const f = r.fairness!.keys['group']!;
    expect(f.slices.map((s) => s.slice)).toEqual(Object.keys(c.slices).sort());
    for (const s of f.slices) {
      const o = c.slices[s.slice]!;
      expect(s.count).toBe(o.count);
      expect(s.accuracy).toBeCloseTo(o.accuracy, 12);
      expect(s.positiveRate).toBeCloseTo(o.positiveRate, 12);
      expect(s.tpr!).toBeCloseTo(o.tpr!, 12);
      expect(s.fpr!).toBeCloseTo(o.fpr!, 12);
    }
    expect(f.demographicParityDifference!.value).toBeCloseTo(c.demographicParityDifference!, 12);
    expect(f.disparateImpactRatio!.value).toBeCloseTo(c.disparateImpactRatio!, 12);
    expect(
      r.fairness!.violations.some((v) => v.startsWith('group: disparate impact ratio 0.709 (b vs a, limit 0.8)')),
    ).toBe(true);
  });
  it('emits per-slice gauges with ml.slice.<key> and the disparities with their violation flags', () => {
    const points = reportPoints(r);
    const acc = points.filter((p) => p.metric === 'ml.fairness.accuracy');
    expect(acc.map((p) => p.attributes['ml.slice.group']).sort()).toEqual(['a', 'b', 'tiny']);
    expect(acc.every((p) => p.attributes['ml.fairness.slice.key'] === 'group')).toBe(true);
    const dir = points.find((p) => p.metric === 'ml.fairness.disparate_impact_ratio')!;
    expect(dir.value).toBeCloseTo(c.disparateImpactRatio!, 12);
    const v = points.find(
      (p) => p.metric === 'ml.fairness.violation' && p.attributes['ml.fairness.disparity'] === 'disparate_impact_ratio',
    )!;
    expect(v.value).toBe(1);
  });
  it('renders a fairness section in text and HTML', () => {
    expect(renderText(r)).toMatch(/Fairness by group/);
    expect(renderHtml(r)).toContain('data-slice-key="group"');
  });
  it('no fairness section without slices', () => {
    const agg = new ModelAggregator({ model: { name: 'credit', task: 'binary_classification' } });
    agg.observe({ score: 0.7 });
    agg.recordOutcome({ score: 0.7, label: 1 });
    const w = windowFromAggregator(agg.snapshot());
    expect(evaluate(w, w, { model: { name: 'credit' }, referenceKind: 'baseline' }).fairness).toBeNull();
  });
});
