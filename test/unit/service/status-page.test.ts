import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../processor/src/analysis/evaluate.js';
import type { ModelReport } from '../../../processor/src/analysis/report-types.js';
import { renderStatusPage, statusPageView } from '../../../processor/src/service/status-page.js';
import type { ProcessorStats } from '../../../processor/src/streams/processor.js';
import { hist, snapshot } from '../analysis/helpers.js';

const B = [1, 2, 3];

/** A report of model `m<i>`; drifted when `drifted`. */
function report(i: number, drifted: boolean): [string, ModelReport] {
  const ref = snapshot('primary', String(i));
  const cur = snapshot('primary', String(i));
  ref.rows = cur.rows = 2000;
  ref.features = { x: { missing: 0, histogram: hist(B, [500, 500, 500, 500]) } };
  cur.features = { x: { missing: 0, histogram: drifted ? hist(B, [1700, 100, 100, 100]) : hist(B, [500, 500, 500, 500]) } };
  const r = evaluate(ref, cur, { model: { name: `m${String(i).padStart(2, '0')}`, version: '1', task: 'binary_classification' }, referenceKind: 'baseline' });
  return [`key-${i}`, r];
}

const stats: ProcessorStats = {
  receivedPoints: 0, acceptedPoints: 0, droppedPoints: {} as ProcessorStats['droppedPoints'], rejectedPoints: 0, liveStreams: 0, openWindows: 0, closedWindows: 0, expiredStreams: 0, horizonUnixNano: 0n,
};

function page(reports: [string, ModelReport][], url: string): string {
  return renderStatusPage({ reports: new Map(reports), history: new Map(), stats, open: [], now: 0 }, statusPageView(url));
}

const detailed = (html: string) => [...html.matchAll(/<section class="model" data-model="([^"]+)"/g)].map((m) => m[1]);

describe('status page', () => {
  // 25 models; 3, 7 and 20 drifted
  const reports = Array.from({ length: 25 }, (_, i) => report(i, [3, 7, 20].includes(i)));

  it('lists every model in the overview, drifted first, and shows details a page at a time', () => {
    const first = page(reports, '/');
    const overview = [...first.matchAll(/<tr><td><a href="\?model=([^"]+)">/g)].map((m) => decodeURIComponent(m[1]!));
    expect(overview).toHaveLength(25);
    expect(overview.slice(0, 3)).toEqual(['key-3', 'key-7', 'key-20']);
    expect(detailed(first)).toEqual(['m03', 'm07', 'm20', 'm00', 'm01', 'm02', 'm04', 'm05', 'm06', 'm08']);
    expect(first).toContain('models 1-10 of 25 (page 1 of 3)');
    expect(first).toContain('<a href="?page=2&#38;per=10" rel="next">next</a>');
    expect(first).not.toContain('rel="prev"');

    const last = page(reports, '/?page=3');
    expect(detailed(last)).toEqual(['m19', 'm21', 'm22', 'm23', 'm24']);
    expect(last).toContain('models 21-25 of 25 (page 3 of 3)');
    expect(last).not.toContain('rel="next"');
    // every model appears in exactly one page
    const all = [1, 2, 3].flatMap((p) => detailed(page(reports, `/?page=${p}`)));
    expect(new Set(all).size).toBe(25);
  });

  it('shows one model by key, pages of another size, and falls back on bad parameters', () => {
    const one = page(reports, '/?model=key-12');
    expect(detailed(one)).toEqual(['m12']);
    expect(one).toContain('all models');
    expect(page(reports, '/?model=nope')).toContain('No evaluated model with key nope.');
    expect(detailed(page(reports, '/?per=5&page=2'))).toHaveLength(5);
    // past the end: the last page; nonsense: the defaults
    expect(detailed(page(reports, '/?page=99'))).toEqual(['m19', 'm21', 'm22', 'm23', 'm24']);
    expect(statusPageView('/?page=-1&per=abc')).toEqual({ page: 1, perPage: 10 });
    expect(statusPageView('/?per=100000').perPage).toBe(100);
  });

  it('a single model needs no overview or navigation', () => {
    const html = page(reports.slice(0, 1), '/');
    expect(detailed(html)).toEqual(['m00']);
    expect(html).not.toContain('class="overview"');
    expect(html).not.toContain('class="nav"');
  });
});
