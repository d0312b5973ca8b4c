/**
 * /metrics with exemplars: Accept negotiation, the exporter's Prometheus text turned into
 * OpenMetrics, and the moved-bin counter with one exemplar per series.
 */
import { describe, expect, it } from 'vitest';
import { MovedBins, toOpenMetrics, wantsOpenMetrics } from '../../../../processor/src/service/exemplars.js';
import type { ModelReport } from '../../../../processor/src/analysis/report-types.js';

const trace = (n: number, value: string) => ({
  traceId: String(n).padStart(32, '0'),
  spanId: String(n).padStart(16, '0'),
  value,
  timeMs: 1_700_000_000_000 + n,
});
const report = (traces: ReturnType<typeof trace>[]) =>
  ({
    model: { name: 'fraud', version: '1', role: 'primary' },
    features: {
      country: {
        topMovers: [{ label: 'DE', lower: null, upper: null, reference: 0.1, current: 0.4, traces: [trace(9, 'DE')] }],
      },
    },
    prediction: {
      score: {
        topMovers: [
          { label: '(0.5, 1]', lower: 0.5, upper: 1, reference: 0.2, current: 0.6, traces },
          { label: '(0, 0.5]', lower: 0, upper: 0.5, reference: 0.8, current: 0.4 },
        ],
      },
      classes: null,
      value: null,
    },
  }) as unknown as ModelReport;

describe('OpenMetrics negotiation', () => {
  it('answers OpenMetrics when the scraper accepts it (Prometheus with exemplar storage), Prometheus text otherwise', () => {
    expect(
      wantsOpenMetrics(
        'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
      ),
    ).toBe(true);
    expect(wantsOpenMetrics('text/plain;version=0.0.4;q=1,*/*;q=0.1')).toBe(false);
    expect(wantsOpenMetrics('application/openmetrics-text;q=0')).toBe(false);
    expect(wantsOpenMetrics(undefined)).toBe(false);
  });

  it('turns the exporter text into OpenMetrics: counter families without _total, no UNIT or blank lines, # EOF', () => {
    const prom = [
      '# HELP target_info Target metadata',
      '# TYPE target_info gauge',
      'target_info{service_name="p"} 1',
      '# HELP ml_processor_points_received_total Points received',
      '# UNIT ml_processor_points_received_total {point}',
      '# TYPE ml_processor_points_received_total counter',
      'ml_processor_points_received_total 12',
      '',
      '# HELP x_thing A thing',
      '# TYPE x_thing untyped',
      'x_thing 1',
      '',
    ].join('\n');
    expect(toOpenMetrics(prom, 'extra 1\n')).toBe(
      [
        '# HELP target_info Target metadata',
        '# TYPE target_info gauge',
        'target_info{service_name="p"} 1',
        '# HELP ml_processor_points_received Points received',
        '# TYPE ml_processor_points_received counter',
        'ml_processor_points_received_total 12',
        '# HELP x_thing A thing',
        '# TYPE x_thing unknown',
        'x_thing 1',
        'extra 1',
        '# EOF',
        '',
      ].join('\n'),
    );
  });
});

describe('the moved-bin counter', () => {
  it("counts windows per moved bin with samples; the exemplar is the latest window's first sample", () => {
    const m = new MovedBins();
    expect(m.render(true)).toBe('');
    m.record('k', report([trace(1, '0.8')]));
    m.record('k', report([trace(2, '0.7'), trace(3, '0.9')]));
    const om = m.render(true).split('\n');
    expect(om[0]).toMatch(/^# HELP ml_drift_bin_moved /);
    expect(om[1]).toBe('# TYPE ml_drift_bin_moved counter');
    expect(om).toContain(
      `ml_drift_bin_moved_total{ml_model_name="fraud",ml_model_version="1",ml_deployment_role="primary",ml_drift_signal="score",ml_drift_bin="(0.5, 1]"} 2 # {trace_id="${trace(2, '').traceId}",span_id="${trace(2, '').spanId}"} 0.7 1700000000.002`,
    );
    // a category: exemplar value 1; the bin without samples is not counted
    expect(om.find((l) => l.includes('ml_feature_name="country"'))).toMatch(
      / 2 # \{trace_id="0+9",span_id="0+9"\} 1 1700000000\.009$/,
    );
    expect(om.filter((l) => l.includes('(0, 0.5]'))).toEqual([]);
    // the exemplar's label set stays within OpenMetrics' 128 characters
    for (const l of om.filter((x) => x.includes(' # {'))) {
      const labels = [.../# \{([^}]*)\}/.exec(l)![1]!.matchAll(/(\w+)="([^"]*)"/g)];
      expect(labels.map((m) => m[1]).sort()).toEqual(['span_id', 'trace_id']);
      expect(labels.reduce((n, m) => n + m[1]!.length + m[2]!.length, 0)).toBeLessThanOrEqual(128);
    }
    expect(m.render(false)).not.toContain('# {');
    expect(m.render(false).split('\n')[1]).toBe('# TYPE ml_drift_bin_moved_total counter');
    m.forget('k');
    expect(m.render(true)).toBe('');
  });
});
