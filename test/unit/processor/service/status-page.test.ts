import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../../processor/src/analysis/evaluate.js';
import type { ModelReport } from '../../../../processor/src/analysis/report-types.js';
import { renderStatusPage, statusPageView } from '../../../../processor/src/service/status-page.js';
import type { ProcessorStats } from '../../../../processor/src/streams/processor.js';
import { hist, snapshot } from '../analysis/helpers.js';

const B = [1, 2, 3];

/** A report of model `m<i>` (version 1 unless given, role primary unless given); drifted when `drifted`. */
function report(i: number, drifted: boolean, version = '1', role = 'primary'): [string, ModelReport] {
  const ref = snapshot(role, version);
  const cur = snapshot(role, version);
  ref.rows = cur.rows = 2000;
  ref.features = { x: { missing: 0, histogram: hist(B, [500, 500, 500, 500]) } };
  cur.features = {
    x: { missing: 0, histogram: drifted ? hist(B, [1700, 100, 100, 100]) : hist(B, [500, 500, 500, 500]) },
  };
  const name = `m${String(i).padStart(2, '0')}`;
  const r = evaluate(ref, cur, {
    model: { name, version, role, task: 'binary_classification' },
    referenceKind: 'baseline',
  });
  return [JSON.stringify([name, version, role, 'prod']), r];
}

const stats: ProcessorStats = {
  receivedPoints: 0,
  acceptedPoints: 0,
  droppedPoints: {} as ProcessorStats['droppedPoints'],
  rejectedPoints: 0,
  liveStreams: 0,
  openWindows: 0,
  closedWindows: 0,
  expiredStreams: 0,
  horizonUnixNano: 0n,
  pruned: { history: 0, evaluations: 0, models: 0 },
};

function page(reports: [string, ModelReport][], url: string): string {
  return renderStatusPage(
    { reports: new Map(reports), history: new Map(), stats, open: [], now: 0 },
    statusPageView(url),
  );
}

const detailed = (html: string) => [...html.matchAll(/<section class="model" data-model="([^"]+)"/g)].map((m) => m[1]);

describe('status page', () => {
  // 25 models; 3, 7 and 20 drifted
  const reports = Array.from({ length: 25 }, (_, i) => report(i, [3, 7, 20].includes(i)));

  it('lists every model in the overview, drifted first, and shows details a page at a time', () => {
    const first = page(reports, '/');
    const overview = [...first.matchAll(/<tr data-key="[^"]+"><td><a href="([^"]+)">/g)].map((m) =>
      m[1]!.replace(/&#38;/g, '&'),
    );
    expect(overview).toHaveLength(25);
    expect(overview.slice(0, 3)).toEqual([
      '?model=m03&version=1&role=primary',
      '?model=m07&version=1&role=primary',
      '?model=m20&version=1&role=primary',
    ]);
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

  it('finds a model by name, narrowed by version and role, and by its key (the older form)', () => {
    const versions = [...reports, report(12, false, '2'), report(12, true, '2', 'canary')];
    expect(detailed(page(versions, '/?model=m12'))).toEqual(['m12', 'm12', 'm12']);
    expect(detailed(page(versions, '/?model=m12&version=2'))).toEqual(['m12', 'm12']);
    const one = page(versions, '/?model=m12&version=2&role=canary');
    expect(
      [...one.matchAll(/<section class="model" data-model="m12" data-key="([^"]+)"/g)].map((m) =>
        m[1]!.replace(/&#34;/g, '"'),
      ),
    ).toEqual(['["m12","2","canary","prod"]']);
    expect(one).toContain('all models');
    expect(detailed(page(versions, '/?model=m12&role=canary'))).toEqual(['m12']);
    expect(detailed(page(versions, `/?model=${encodeURIComponent('["m12","1","primary","prod"]')}`))).toEqual(['m12']);
    // empty values count as absent
    expect(statusPageView('/?model=m12&version=&role=')).toEqual({ page: 1, perPage: 10, model: 'm12' });
    // the overview links with the same form
    expect(page(versions, '/')).toContain('<a href="?model=m12&#38;version=2&#38;role=canary">m12 v2 · canary</a>');
    const none = page(versions, '/?model=m12&version=9');
    expect(detailed(none)).toEqual([]);
    expect(none).toContain('No model m12 version 9.');
    expect(none).toContain('<a href="?model=m12&#38;version=2&#38;role=canary">m12 v2 · canary</a>');
  });

  it('says that a page beyond the last does not exist, and links back', () => {
    const beyond = page(reports, '/?page=4');
    expect(detailed(beyond)).toEqual([]);
    expect(beyond).toContain(
      'There is no page 4: 25 models fit on 3 pages of 10. <a href="?page=3&#38;per=10">Back to the last page (3)</a>',
    );
    const single = page(reports.slice(0, 1), '/?page=2');
    expect(detailed(single)).toEqual([]);
    expect(single).toContain(
      'There is no page 2: 1 model fit on one page of 10. <a href="?page=1&#38;per=10">Back to the first page</a>',
    );
  });

  it('pages of another size, and falls back on bad parameters', () => {
    expect(detailed(page(reports, '/?per=5&page=2'))).toHaveLength(5);
    expect(statusPageView('/?page=-1&per=abc')).toEqual({ page: 1, perPage: 10 });
    expect(statusPageView('/?per=100000').perPage).toBe(100);
  });

  it('a partial window shows its mark with the reason; a complete one none', () => {
    const [key, r] = report(0, false);
    const partial: ModelReport = {
      ...r,
      window: { start: '2026-03-02T00:00:00.000Z', end: '2026-03-02T00:01:00.000Z', partial: ['joined', 'left'] },
    };
    const html = page([[key, partial]], '/');
    expect(html).toContain(
      '<p class="na" data-partial="joined left">Partial window: joined: its stream reached this instance after the window began (a restart, or routed here from another instance); left: its last point came more than streams.handoffGap before the window ended (routed away, or stopped). Its verdicts are on the rows it has.</p>',
    );
    expect(page([report(0, false)], '/')).not.toContain('data-partial');
  });

  it('a single model needs no overview or navigation', () => {
    const html = page(reports.slice(0, 1), '/');
    expect(detailed(html)).toEqual(['m00']);
    expect(html).not.toContain('class="overview"');
    expect(html).not.toContain('class="nav"');
  });
});
