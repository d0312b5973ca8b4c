/**
 * The registry of drift statistics (processor/src/statistics/registry.ts) is complete: every
 * statistic has its metric in the conventions, a gauge the processor creates and publishes, its
 * fields in the report and its columns in the text and HTML reports (or a stated reason why the
 * tables leave it out). A statistic added to one place only fails here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REGISTRY } from '@otel-ml/conventions';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../../processor/src/analysis/evaluate.js';
import type { ModelReport } from '../../../../processor/src/analysis/report-types.js';
import { renderHtml } from '../../../../processor/src/render/html.js';
import { renderText } from '../../../../processor/src/render/text.js';
import { ResultsEmitter, driftEvent, reportPoints } from '../../../../processor/src/service/emit.js';
import { renderStatusPage } from '../../../../processor/src/service/status-page.js';
import { DRIFT_STATISTICS, readDriftStatistic } from '../../../../processor/src/statistics/registry.js';
import { REPO } from '../../../helpers/tsx.js';
import {
  DEFAULT_MIN_JENSEN_SHANNON,
  DEFAULT_MIN_KS,
  DEFAULT_MIN_PSI,
} from '../../../../processor/src/statistics/defaults.js';
import { hist, snapshot } from '../analysis/helpers.js';

/** A report with a shifted numeric feature (every statistic computed) and a categorical one. */
function report(): ModelReport {
  const edges = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const ref = snapshot('primary', '1', 300_000);
  const cur = snapshot('primary', '1', 600_000);
  ref.rows = 2000;
  cur.rows = 2000;
  ref.features['age'] = { histogram: hist(edges, [10, 50, 200, 400, 500, 400, 200, 150, 60, 20, 10]), missing: 0 };
  cur.features['age'] = { histogram: hist(edges, [5, 10, 50, 100, 200, 400, 500, 400, 200, 100, 35]), missing: 0 };
  ref.features['country'] = { categories: { de: 800, fr: 700, it: 500 }, missing: 0 };
  cur.features['country'] = { categories: { de: 400, fr: 600, it: 1000 }, missing: 0 };
  return evaluate(ref, cur, {
    model: { name: 'm', version: '1', task: 'binary_classification' },
    referenceKind: 'baseline',
    window: { start: new Date(300_000), end: new Date(600_000) },
  });
}

/** The gauges a ResultsEmitter creates: name -> unit. */
function createdGauges(): Map<string, string | undefined> {
  const gauges = new Map<string, string | undefined>();
  const meter = new Proxy(
    {},
    {
      get: (_t, method) => (name: string, opts?: { unit?: string }) => {
        if (method === 'createObservableGauge') gauges.set(name, opts?.unit);
        return { add() {}, record() {} };
      },
    },
  );
  new ResultsEmitter({
    meter: meter as never,
    stats: () => ({ receivedPoints: 0, liveStreams: 0, closedWindows: 0, droppedPoints: {} }) as never,
  });
  return gauges;
}

describe('registry of drift statistics', () => {
  const r = report();
  const age = r.features['age']!;
  const country = r.features['country']!;
  const statisticValues = REGISTRY.attributes['ml.drift.statistic']?.values ?? [];

  it('has each statistic once, by name, report field and gauge', () => {
    for (const key of ['name', 'field', 'metric'] as const) {
      const values = DRIFT_STATISTICS.map((s) => s[key]);
      expect(new Set(values).size, key).toBe(values.length);
    }
  });

  it.each(DRIFT_STATISTICS.map((s) => [s.name, s] as const))('%s: in the conventions, with its unit', (_name, s) => {
    expect(statisticValues, 'a value of ml.drift.statistic').toContain(s.name);
    for (const metric of [s.metric, ...(s.pValue ? [s.pValue.metric] : [])]) {
      const m = REGISTRY.metrics[metric];
      expect(m, `${metric} in conventions/model`).toBeDefined();
      expect(m!.instrument).toBe('gauge');
      expect(m!.unit).toBe(s.unit);
    }
  });

  it.each(DRIFT_STATISTICS.map((s) => [s.name, s] as const))(
    '%s: a gauge created and published for a distribution',
    (_name, s) => {
      const gauges = createdGauges();
      const points = reportPoints(r);
      const feature = (name: string) =>
        points.filter((p) => p.attributes['ml.feature.name'] === name && p.attributes['ml.drift.signal'] === 'feature');
      const d = s.input === 'ordered' ? age : country;
      const reading = readDriftStatistic(s, d);
      expect(reading.value, 'computed for a distribution with its input').not.toBeNull();
      expect(gauges.get(s.metric)).toBe(s.unit);
      expect(feature(s.input === 'ordered' ? 'age' : 'country').find((p) => p.metric === s.metric)?.value).toBe(
        reading.value,
      );
      if (s.pValue) {
        expect(gauges.has(s.pValue.metric)).toBe(true);
        expect(feature('age').find((p) => p.metric === s.pValue!.metric)?.value).toBe(
          readDriftStatistic(s, age).pValue,
        );
      }
      if (s.critical) {
        const critical = feature('age').find(
          (p) => p.metric === 'ml.drift.critical_value' && p.attributes['ml.drift.statistic'] === s.name,
        );
        expect(critical?.value).toBe(age.critical[s.critical]);
      }
    },
  );

  it.each(DRIFT_STATISTICS.map((s) => [s.name, s] as const))(
    '%s: its fields in the report, null where its input is missing',
    (_name, s) => {
      const fields = Object.keys(age);
      expect(fields).toContain(s.field);
      if (s.report === 'value+critical') expect(fields).toContain(`${s.field}Critical`);
      if (s.report === 'value+pValue') expect(fields).toContain(`${s.field}PValue`);
      expect(readDriftStatistic(s, age).value).not.toBeNull();
      // categories have no order
      expect(readDriftStatistic(s, country).value === null).toBe(s.input === 'ordered');
    },
  );

  it.each(DRIFT_STATISTICS.map((s) => [s.name, s] as const))(
    '%s: a column in the text and HTML reports and the status page, or the reason why not',
    (_name, s) => {
      const { text, html, card, hidden } = s.display;
      if (text === null && html.length === 0 && card === null) {
        expect(hidden, 'shown nowhere: the registry says why').toBeTruthy();
        return;
      }
      expect(hidden).toBeUndefined();
      const textReport = renderText(r);
      const htmlReport = renderHtml(r);
      const status = renderStatusPage({
        reports: new Map([['m', r]]),
        history: new Map(),
        stats: { receivedPoints: 0, liveStreams: 0, closedWindows: 0, droppedPoints: {} } as never,
        open: [],
        now: 0,
      });
      if (text) expect(textReport.split('\n').find((l) => l.startsWith('feature '))).toContain(text[0]);
      for (const [head] of html) {
        expect(htmlReport).toContain(`<th>${head}</th>`);
        expect(status).toContain(`<th>${head}</th>`);
      }
      if (card) expect(htmlReport).toContain(`${card[0]} `);
    },
  );

  it.each(DRIFT_STATISTICS.map((s) => [s.name, s] as const))(
    '%s: docs/report.md documents its report fields in the DistributionReport table',
    (_, s) => {
      const doc = readFileSync(join(REPO, 'docs', 'report.md'), 'utf8');
      const table = doc.slice(doc.indexOf('## `DistributionReport`'));
      const rows = table
        .slice(0, table.indexOf('\n## '))
        .split('\n')
        .filter((l) => l.startsWith('| `'));
      const documented = new Set(rows.flatMap((l) => [...l.split('|')[1]!.matchAll(/`(\w+)`/g)].map((m) => m[1]!)));
      const fields = [
        s.field,
        ...(s.report === 'value+critical' ? [`${s.field}Critical`] : []),
        ...(s.report === 'value+pValue' ? [`${s.field}PValue`] : []),
      ];
      for (const f of fields) expect(documented, `docs/report.md has no row for \`${f}\``).toContain(f);
    },
  );

  it('the ml.drift.detected event repeats the statistics the registry names for it, in registry order', () => {
    expect(r.drifted).toContain('age');
    const details = JSON.parse(driftEvent(r).body) as Record<string, Record<string, unknown>>;
    const keys = Object.keys(details['age']!);
    expect(keys.slice(0, 5)).toEqual(['psi', 'psiCritical', 'jensenShannon', 'ks', 'wasserstein']);
    expect(details['age']!['psi']).toBe(age.psi);
    expect(keys).not.toContain('kl');
  });

  it('the effect-size minimums are the decision defaults', () => {
    const minimum = Object.fromEntries(
      DRIFT_STATISTICS.filter((s) => s.defaultMinimum !== null).map((s) => [s.name, s.defaultMinimum]),
    );
    expect(minimum).toEqual({ psi: DEFAULT_MIN_PSI, jensen_shannon: DEFAULT_MIN_JENSEN_SHANNON, ks: DEFAULT_MIN_KS });
  });
});
