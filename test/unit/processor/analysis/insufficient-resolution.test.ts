/**
 * No silent blindness: a feature whose verdict is `insufficient_resolution` (the statistics could
 * not bin its reference, a constant feature here, and the KS fallback did not decide) is counted
 * and shown everywhere a report goes: gauges (never a `ml.drift.detected` 0), the drift event's details, the JSON
 * report, the text and HTML reports and the status page.
 */
import { describe, expect, it } from 'vitest';
import { liveCheck } from '@otel-ml/conventions/live-check';
import { evaluate } from '../../../../processor/src/analysis/evaluate.js';
import { ExponentialAccumulator, type ExponentialHistogram } from '@otel-ml/conventions';
import { unresolvedFeatures, type ModelReport } from '../../../../processor/src/analysis/report-types.js';
import { renderHtml } from '../../../../processor/src/render/html.js';
import { renderText } from '../../../../processor/src/render/text.js';
import { driftEvent, reportPoints } from '../../../../processor/src/service/emit.js';
import { renderStatusPage } from '../../../../processor/src/service/status-page.js';
import type { ProcessorStats } from '../../../../processor/src/streams/processor.js';
import { hist, snapshot } from './helpers.js';

const B = [1, 2, 3];

/** A constant feature as the instrumentation records it (an exponential histogram of one bucket). */
function constant(value: number, n: number): ExponentialHistogram {
  const a = new ExponentialAccumulator(320);
  for (let i = 0; i < n; i++) a.record(value);
  return a.histogram();
}

/** A report with `x` drifted, `flat` (constant in both) unresolved and `y` unchanged. */
function report(): ModelReport {
  const ref = snapshot();
  const cur = snapshot();
  ref.rows = cur.rows = 2000;
  ref.features = {
    x: { missing: 0, histogram: hist(B, [500, 500, 500, 500]) },
    y: { missing: 0, histogram: hist(B, [500, 500, 500, 500]) },
    flat: { missing: 0, exponential: constant(7.25, 2000) },
  };
  cur.features = {
    x: { missing: 0, histogram: hist(B, [1700, 100, 100, 100]) },
    y: { missing: 0, histogram: hist(B, [500, 500, 500, 500]) },
    flat: { missing: 0, exponential: constant(7.25, 2000) },
  };
  return evaluate(ref, cur, {
    model: { name: 'm', version: '1', task: 'binary_classification' },
    referenceKind: 'rolling',
  });
}

describe('insufficient resolution, counted and shown', () => {
  const r = report();

  const REASON = r.features.flat!.drift.reasons.join('; ');

  it('is the verdict of a constant feature, with the reason, and listed in the JSON report', () => {
    expect(r.features.flat!.drift.verdict).toBe('insufficient_resolution');
    expect(REASON).toMatch(
      /^insufficient resolution: the reference is constant \(all 2000 values are 7\.25\d*\); decided on KS/,
    );
    expect(r.features.flat!.psi).toBeNull();
    expect(r.features.flat!.ks).toBe(0);
    expect(r.drifted).toEqual(['x']);
    expect(r.insufficientResolution).toEqual(['flat']);
    expect(JSON.parse(JSON.stringify(r)).insufficientResolution).toEqual(['flat']);
  });

  it('gives ml.drift.insufficient_resolution 1 and no ml.drift.detected point, under the conventions', () => {
    const points = reportPoints(r);
    const of = (metric: string, feature: string) =>
      points.filter((p) => p.metric === metric && p.attributes['ml.feature.name'] === feature).map((p) => p.value);
    expect(of('ml.drift.insufficient_resolution', 'flat')).toEqual([1]);
    expect(of('ml.drift.insufficient_resolution', 'x')).toEqual([0]);
    expect(of('ml.drift.insufficient_resolution', 'y')).toEqual([0]);
    expect(of('ml.drift.detected', 'flat')).toEqual([]);
    expect(of('ml.drift.detected', 'x')).toEqual([1]);
    expect(of('ml.drift.detected', 'y')).toEqual([0]);
  });

  it('is named with its reason in the drift event', () => {
    const e = driftEvent(r);
    expect(JSON.parse(e.body).insufficientResolution).toEqual([
      { feature: 'flat', reasons: r.features.flat!.drift.reasons },
    ]);
    expect(
      liveCheck({ logs: [{ eventName: 'ml.drift.detected', attributes: e.attributes }] as never }).violations,
    ).toEqual([]);
  });

  it('is shown in the text and HTML reports and on the status page', () => {
    const text = renderText(r);
    expect(text).toContain(`INSUFFICIENT RESOLUTION in 1 feature(s), neither flagged nor cleared: flat (${REASON})`);
    expect(text).toMatch(/flat .* resolution too low/);
    expect(renderHtml(r)).toContain(
      '<div class="banner warn" data-insufficient-resolution="1">Insufficient resolution in 1 feature(s), neither flagged nor cleared: flat</div>',
    );
    const stats = {
      receivedPoints: 0,
      acceptedPoints: 0,
      droppedPoints: {},
      rejectedPoints: 0,
      liveStreams: 0,
      openWindows: 0,
      closedWindows: 0,
      expiredStreams: 0,
      horizonUnixNano: 0n,
    } as unknown as ProcessorStats;
    const page = renderStatusPage({ reports: new Map([['k', r]]), history: new Map(), stats, open: [], now: 0 });
    expect(page).toContain('data-insufficient-resolution="1">insufficient resolution: flat</span>');
    // reports kept from before the field existed are read from their features
    const { insufficientResolution: _drop, ...old } = r;
    expect(unresolvedFeatures(old as ModelReport)).toEqual(['flat']);
  });
});
