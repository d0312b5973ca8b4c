import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { METRIC_ML_OUTCOME_SCORE_BUCKETS, bucketIndex } from '@otel-ml/conventions';
import { describe, expect, it } from 'vitest';
import { confusionAtThreshold, fairness, type LabelSplitScores } from '../../../../processor/src/statistics/index.js';

interface OracleSlice {
  count: number;
  positives: number;
  accuracy: number;
  tpr: number | null;
  fpr: number | null;
  positiveRate: number;
  positiveRateInterval: [number, number];
}
interface OracleCase {
  name: string;
  minCount: number;
  alpha: number;
  rows: [string, number, number][];
  slices: Record<string, OracleSlice>;
  demographicParityDifference?: number;
  disparateImpactRatio?: number;
  parityPValue?: number;
  equalOpportunityDifference?: number;
  opportunityPValue?: number;
}

const file = fileURLToPath(new URL('../../../fixtures/fairness/slices.json', import.meta.url));
const { cases } = JSON.parse(readFileSync(file, 'utf8')) as { cases: OracleCase[] };
const B = METRIC_ML_OUTCOME_SCORE_BUCKETS;

function splits(rows: OracleCase['rows']): Map<string, LabelSplitScores> {
  const out = new Map<string, { boundaries: readonly number[]; positive: number[]; negative: number[] }>();
  for (const [g, y, s] of rows) {
    const v = out.get(g) ?? {
      boundaries: B,
      positive: new Array<number>(B.length + 1).fill(0),
      negative: new Array<number>(B.length + 1).fill(0),
    };
    (y === 1 ? v.positive : v.negative)[bucketIndex(B, s)]! += 1;
    out.set(g, v);
  }
  return out;
}

describe('fairness against scikit-learn (test/fixtures/fairness, scripts/oracle/fairness_fixtures.py)', () => {
  for (const c of cases) {
    it(c.name, () => {
      const inputs = [...splits(c.rows)].map(([slice, scores]) => ({
        slice,
        counts: confusionAtThreshold(scores, 0.5),
        scores,
      }));
      const f = fairness(inputs, { minCount: c.minCount, alpha: c.alpha });
      expect(f.slices.map((s) => s.slice).sort()).toEqual(Object.keys(c.slices).sort());
      for (const s of f.slices) {
        const o = c.slices[s.slice]!;
        expect(s.count).toBe(o.count);
        expect(s.positives).toBe(o.positives);
        expect(s.accuracy).toBeCloseTo(o.accuracy, 12);
        expect(s.positiveRate).toBeCloseTo(o.positiveRate, 12);
        if (o.tpr === null) expect(s.tpr).toBeNull();
        else expect(s.tpr!).toBeCloseTo(o.tpr, 12);
        if (o.fpr === null) expect(s.fpr).toBeNull();
        else expect(s.fpr!).toBeCloseTo(o.fpr, 12);
        expect(s.positiveRateInterval[0]).toBeCloseTo(o.positiveRateInterval[0], 9);
        expect(s.positiveRateInterval[1]).toBeCloseTo(o.positiveRateInterval[1], 9);
        expect(s.eligible).toBe(o.count >= c.minCount);
        expect(s.ece).not.toBeNull();
      }
      if (c.demographicParityDifference === undefined) expect(f.demographicParityDifference).toBeNull();
      else {
        const d = f.demographicParityDifference!;
        expect(d.value).toBeCloseTo(c.demographicParityDifference, 12);
        expect(d.pValue).toBeCloseTo(c.parityPValue!, 9);
        expect(d.violated).toBe(c.demographicParityDifference > 0.1 && c.parityPValue! < c.alpha);
        expect(f.disparateImpactRatio!.value).toBeCloseTo(c.disparateImpactRatio!, 12);
        expect(f.disparateImpactRatio!.violated).toBe(c.disparateImpactRatio! < 0.8 && c.parityPValue! < c.alpha);
      }
      if (c.equalOpportunityDifference === undefined) expect(f.equalOpportunityDifference).toBeNull();
      else {
        expect(f.equalOpportunityDifference!.value).toBeCloseTo(c.equalOpportunityDifference, 12);
        expect(f.equalOpportunityDifference!.pValue).toBeCloseTo(c.opportunityPValue!, 9);
      }
    });
  }
  it('the biased case violates the four-fifths rule; its tiny slice stays out of the disparities', () => {
    const c = cases.find((x) => x.name === 'biased')!;
    const inputs = [...splits(c.rows)].map(([slice, scores]) => ({ slice, counts: confusionAtThreshold(scores, 0.5) }));
    const f = fairness(inputs, { minCount: 30 });
    expect(f.disparateImpactRatio!.violated).toBe(true);
    expect(f.disparateImpactRatio!.highest).toBe('a');
    expect(f.slices.find((s) => s.slice === 'tiny')!.eligible).toBe(false);
  });
});

describe('fairness on constructed counts', () => {
  it('exact disparities; a large gap between small slices is not significant, so not flagged', () => {
    const f = fairness(
      [
        { slice: 'm', counts: { tp: 6, fp: 4, tn: 8, fn: 2 } },
        { slice: 'f', counts: { tp: 2, fp: 1, tn: 13, fn: 4 } },
      ],
      { minCount: 20 },
    );
    const m = f.slices.find((s) => s.slice === 'm')!;
    expect(m.positiveRate).toBe(0.5);
    expect(m.tpr).toBe(0.75);
    expect(m.fpr).toBe(4 / 12);
    expect(m.accuracy).toBe(0.7);
    expect(f.demographicParityDifference!.value).toBeCloseTo(0.35, 12);
    expect(f.disparateImpactRatio!.value).toBeCloseTo(0.3, 12);
    expect(f.disparateImpactRatio!.lowest).toBe('f');
    // scipy chi2_contingency([[10,10],[3,17]], correction=False): 5.584, p = 0.018125 -> significant; ratio 0.3 < 0.8 -> violated.
    expect(f.disparateImpactRatio!.pValue).toBeCloseTo(0.0181248071506895, 10);
    expect(f.disparateImpactRatio!.violated).toBe(true);
    // Fewer than 20 positives per slice: no equal-opportunity comparison.
    expect(f.equalOpportunityDifference).toBeNull();
    const small = fairness(
      [
        { slice: 'm', counts: { tp: 3, fp: 2, tn: 4, fn: 1 } },
        { slice: 'f', counts: { tp: 1, fp: 1, tn: 6, fn: 2 } },
      ],
      { minCount: 10 },
    );
    expect(small.disparateImpactRatio!.value).toBeCloseTo(0.4, 12);
    expect(small.disparateImpactRatio!.pValue).toBeCloseTo(0.15959894244264472, 10);
    expect(small.disparateImpactRatio!.violated).toBe(false);
  });
  it('one eligible slice: no disparities', () => {
    const f = fairness([
      { slice: 'a', counts: { tp: 50, fp: 5, tn: 40, fn: 5 } },
      { slice: 'b', counts: { tp: 1, fp: 0, tn: 1, fn: 0 } },
    ]);
    expect(f.demographicParityDifference).toBeNull();
    expect(f.slices).toHaveLength(2);
  });
});
