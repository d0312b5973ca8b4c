/**
 * compareNumeric on exponential histograms against the exact statistics of the raw rows
 * (scipy, scripts/oracle/accuracy_fixtures.py): for each distribution, 1,000 and 10,000 rows,
 * no change / mean shift / scale change, the rows binned as a live service would (scale lowered
 * from 20 until each sign fits 160 or 320 buckets), the reference binned the same way or finer
 * (2,048 buckets, as a baseline file), the reference's raw decile edges given.
 */
import { describe, expect, it } from 'vitest';
import { compareNumeric, exponentialFromValues } from '../../../../processor/src/statistics/index.js';
import { accuracyRows, loadFixture, type AccuracyFixture } from './fixtures.js';

const fx = loadFixture<AccuracyFixture>('accuracy.json');

/** |ours - exact| within 5% of the exact value or 0.005, whichever is larger (the binned target). */
const binnedClose = (ours: number, exact: number, abs = 0.005): boolean =>
  Math.abs(ours - exact) <= Math.max(0.05 * Math.abs(exact), abs);

const settings = [
  { buckets: 160, referenceBuckets: 160 },
  { buckets: 320, referenceBuckets: 320 },
  { buckets: 160, referenceBuckets: 2048 },
  { buckets: 320, referenceBuckets: 2048 },
] as const;

describe('compareNumeric on exponential histograms against scipy on the raw rows', () => {
  for (const d of fx.distributions) {
    describe(d.distribution, () => {
      for (const c of d.cases) {
        const rows = accuracyRows(d, c);
        for (const s of settings) {
          it(`${c.size} rows, ${c.change}, ${s.buckets} buckets, reference ${s.referenceBuckets}`, () => {
            const ref = exponentialFromValues(rows.reference, { maxBuckets: s.referenceBuckets });
            const cur = exponentialFromValues(rows.current, { maxBuckets: s.buckets });
            const r = compareNumeric(ref, cur, { decileEdges: c.decileEdges });
            expect(r.status).toBe('ok');
            expect(r.binEdges).toBe('given');
            expect(
              Math.abs(r.ks!.statistic - c.ks.statistic),
              `KS ${r.ks!.statistic} vs ${c.ks.statistic}`,
            ).toBeLessThanOrEqual(0.01);
            expect(
              Math.abs(r.wasserstein! / c.wasserstein - 1),
              `W1 ${r.wasserstein} vs ${c.wasserstein}`,
            ).toBeLessThanOrEqual(0.05);
            const b = r.binned!;
            const e = c.binned;
            expect(binnedClose(b.psi, e.psi), `PSI ${b.psi} vs ${e.psi}`).toBe(true);
            expect(binnedClose(b.kl, e.kl), `KL ${b.kl} vs ${e.kl}`).toBe(true);
            // Without drift at 1,000 rows and 160 buckets, JS and Hellinger (about 0.04) are sampling
            // noise, a part of which lies inside the buckets where no histogram can see it: the
            // 0.005 target is missed in some samples (bench:accuracy measures how often), 0.01 holds.
            const abs = c.change === 'none' && c.size === 1_000 && s.buckets === 160 ? 0.01 : 0.005;
            expect(
              binnedClose(b.jensenShannon, e.jensenShannon, abs),
              `JS ${b.jensenShannon} vs ${e.jensenShannon}`,
            ).toBe(true);
            expect(binnedClose(b.hellinger, e.hellinger, abs), `Hellinger ${b.hellinger} vs ${e.hellinger}`).toBe(true);
            expect(b.chiSquare.pValue <= 0.01, `chi-square p ${b.chiSquare.pValue} vs ${e.chiSquare.pValue}`).toBe(
              e.chiSquare.pValue <= 0.01,
            );
          });
        }
      }
      it('bins discrete and zero-inflated rows exactly where every value has its own bucket', () => {
        if (d.distribution !== 'poisson' && d.distribution !== 'zero-inflated') return;
        const c = d.cases.find((x) => x.size === 10_000 && x.change === 'none')!;
        const rows = accuracyRows(d, c);
        const r = compareNumeric(exponentialFromValues(rows.reference), exponentialFromValues(rows.current), {
          decileEdges: c.decileEdges,
        });
        if (d.distribution === 'poisson') {
          expect(r.referenceBinCounts).toEqual(c.refDecileCounts);
          expect(r.currentBinCounts).toEqual(c.curDecileCounts);
        } else {
          // the zero cell is exact: as many rows at or below 0 as in the raw rows
          const k = c.decileEdges.indexOf(0);
          expect(k).toBeGreaterThan(0);
          const upTo = (counts: readonly number[]): number => counts.slice(0, k + 1).reduce((a, b) => a + b, 0);
          expect(upTo(r.referenceBinCounts)).toBeCloseTo(upTo(c.refDecileCounts), 9);
          expect(upTo(r.currentBinCounts)).toBeCloseTo(upTo(c.curDecileCounts), 9);
        }
      });
    });
  }
});
