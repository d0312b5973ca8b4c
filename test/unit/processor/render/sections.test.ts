import { describe, expect, it } from 'vitest';
import { compareDeployments } from '../../../../processor/src/analysis/compare.js';
import { evaluate } from '../../../../processor/src/analysis/evaluate.js';
import { retrainDecision } from '../../../../processor/src/analysis/retrain.js';
import { renderHtml } from '../../../../processor/src/render/html.js';
import { outsideBand } from '../../../../processor/src/render/sections.js';
import { fmt, renderText } from '../../../../processor/src/render/text.js';
import { hist, snapshot } from '../analysis/helpers.js';

const T = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
const at = (a: number, b: number) => [0, 0, a, 0, 0, 0, 0, 0, 0, b];

function win(role: string, version: string, wrong: number) {
  const s = snapshot(role, version);
  s.rows = 200;
  s.predictions.rows = 200;
  s.score = hist(T, at(100, 100));
  s.outcomes.scoreByLabel = { '1': hist(T, at(wrong, 100 - wrong)), '0': hist(T, at(100 - wrong, wrong)) };
  s.features = { x: { missing: 0, attribution: hist([0.5, 1], [100, 100, 0], 100) } };
  return s;
}

describe('report sections beyond drift', () => {
  const p = win('primary', '1', 10);
  const c = win('canary', '2', 40);
  const base = evaluate(p, c, { model: { name: 'm', version: '2', role: 'canary' }, referenceKind: 'baseline' });
  const r = {
    ...base,
    comparison: compareDeployments(p, c),
    retrain: retrainDecision(base, [], { now: 0 }, { minAccuracy: 0.9 }),
  };

  it('text', () => {
    const t = renderText(r);
    // Reference calibration: 10% wrong; the estimate on the same scores is accuracy 0.9, realized 0.6.
    expect(t).toMatch(
      /Estimated performance \(CBPE, without labels\): 200 scored rows, calibration map from 200 reference outcomes/,
    );
    expect(t).toMatch(/accuracy +0\.900 +\[0\.\d{3}, 0\.\d{3}\] +0\.600/);
    expect(t).toContain('Comparison: canary 2 vs primary 1');
    expect(t).toMatch(/verdict candidate worse: accuracy worse by 0\.300/);
    expect(t).toContain('Attributions (features by shift of mean |attribution|)');
    expect(t).toContain('Retraining: RECOMMENDED after this window: realized accuracy 0.600 below 0.9');
    // The verdicts alerts fire on: accuracy 0.6 against 0.9 on 200 outcomes is degraded.
    expect(t).toMatch(
      /Verdicts: each flags the window when significant at alpha 0\.01 and its interval lies beyond the limit; flagged: accuracy \(1 window\), roc_auc \(1 window\), calibration \(1 window\)$/m,
    );
    expect(t).toMatch(/accuracy +degraded +0\.600 +0\.900 +\[-0\.\d{3}, -0\.\d{3}\] +<1e-4 +1/);
  });
  it('HTML', () => {
    const h = renderHtml(r);
    expect(h).toContain('<h2>Estimated performance</h2>');
    expect(h).toMatch(
      /<h2>Verdicts<\/h2><p class="meta">[^<]*flagged: accuracy \(1 window\), roc_auc \(1 window\), calibration \(1 window\)<\/p><table class="verdicts">/,
    );
    expect(h).toContain('data-verdict="candidate_worse"');
    expect(h).toContain('<table class="attribution">');
    expect(h).toContain('<h2>Retraining</h2><div class="banner bad">');
  });
  it('shows every value the report has: reference precision and recall, realized precision, recall and F1', () => {
    const perf = r.performance!;
    const real = r.estimated!.realized!;
    expect([real.accuracy, real.precision, real.recall, real.f1]).toEqual([
      perf.accuracy,
      perf.precision,
      perf.recall,
      perf.f1,
    ]);
    expect(perf.reference.precision).not.toBeNull();
    expect(perf.reference.recall).not.toBeNull();
    const t = renderText(r);
    const h = renderHtml(r);
    for (const [name, v, ref] of [
      ['precision', perf.precision, perf.reference.precision],
      ['recall', perf.recall, perf.reference.recall],
      ['F1', perf.f1, perf.reference.f1],
    ] as const) {
      expect(t).toMatch(new RegExp(`\\n${name} +${fmt(v)} +${fmt(ref)}\\n`));
      expect(h).toContain(`<tr><td>${name}</td><td>${fmt(v)}</td><td>${fmt(ref)}</td></tr>`);
      const estimated = r.estimated![name === 'F1' ? 'f1' : name];
      expect(t).toMatch(new RegExp(`\\n${name} +${fmt(estimated)} +- +${fmt(real[name === 'F1' ? 'f1' : name])}\\n`));
    }
    expect(t).not.toMatch(/\n(precision|recall|F1) +[\d.]+ +- +-\n/);
  });
  it('marks a realized accuracy outside the estimated band, and only then', () => {
    expect(outsideBand(0.6, [0.85, 0.95])).toBe('below');
    expect(outsideBand(0.97, [0.85, 0.95])).toBe('above');
    expect(outsideBand(0.9, [0.85, 0.95])).toBeNull();
    expect(renderText(r)).toMatch(/accuracy +0\.900 +\[0\.\d{3}, 0\.\d{3}\] +0\.600 \(below band\)/);
    expect(renderHtml(r)).toContain(
      '<td class="drift outside" title="realized value below the 95% band of the estimate">0.600 (below band)</td>',
    );
    // the same window against itself: the realized accuracy is the estimate, inside its band
    const same = evaluate(p, p, { model: { name: 'm', version: '1' }, referenceKind: 'baseline' });
    expect(same.estimated!.realized!.accuracy).toBeCloseTo(same.estimated!.accuracy, 9);
    expect(renderText(same)).not.toContain('band)');
    expect(renderHtml(same)).not.toContain('class="drift outside"');
  });
  it('older reports without the new sections still render', () => {
    const { estimated: _e, fairness: _f, comparison: _c, attribution: _a, retrain: _r, ...old } = r;
    expect(renderText(old as typeof r)).not.toContain('Estimated performance');
  });
});
