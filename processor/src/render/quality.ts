/**
 * The data-quality and business-impact sections of a report, as text and as HTML, and the one-line
 * summaries the status page shows. Render nothing for reports without them (older reports too).
 */
import type { ChangeTest, ModelReport } from '../analysis/report-types.js';
import { esc } from './svg.js';
import { htmlTable, textTable } from './table.js';
import { fmt, pct, pval } from './format.js';

const DQ_HEAD = ['feature', 'check', 'verdict', 'window', 'reference', 'interval (difference)', 'p', 'detail'];
const BUSINESS_HEAD = [
  'metric',
  'per prediction',
  'reference',
  'change',
  'interval (difference)',
  'window total',
  'p',
  'verdict',
];
const CHECK_TEXT: Readonly<Record<string, string>> = {
  missing: 'missing',
  invalid_value: 'wrong type',
  out_of_range: 'outside range',
  new_category: 'new categories',
  unknown_feature: 'unknown feature',
};

const interval = (t: ChangeTest) => (t.interval ? `[${fmt(t.interval[0])}, ${fmt(t.interval[1])}]` : '-');
const verdict = (t: ChangeTest) => t.verdict.replace(/_/g, ' ');
const named = (xs: readonly { value: string; count: number }[]) => xs.map((x) => `${x.value} (${x.count})`).join(', ');

interface DqRow {
  readonly check: string;
  readonly cells: string[];
}

function dataQualityRows(r: ModelReport): DqRow[] {
  const dq = r.dataQuality;
  if (!dq) return [];
  const rows: DqRow[] = [];
  const row = (feature: string, check: string, t: ChangeTest, detail: string) =>
    rows.push({
      check,
      cells: [
        feature,
        CHECK_TEXT[check]!,
        verdict(t),
        pct(t.current),
        pct(t.reference),
        interval(t),
        t.pValue === null ? '-' : pval(t.pValue),
        detail || (t.verdict.startsWith('insufficient') ? t.reasons[0]! : ''),
      ],
    });
  for (const [f, t] of Object.entries(r.verdicts?.missing ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)))
    row(f, 'missing', t, '');
  for (const [f, d] of Object.entries(dq.features).sort(([a], [b]) => (a < b ? -1 : 1))) {
    row(f, 'invalid_value', d.invalid, '');
    const o = d.outOfRange;
    if (o)
      row(
        f,
        'out_of_range',
        o.test,
        `range ${o.exact ? '' : '~'}[${fmt(o.range[0])}, ${fmt(o.range[1])}]; below ${o.below[0] === o.below[1] ? o.below[0] : `${o.below[0]}-${o.below[1]}`}, above ${o.above[0] === o.above[1] ? o.above[0] : `${o.above[0]}-${o.above[1]}`} of ${o.count}`,
      );
    const n = d.newCategory;
    if (n)
      row(
        f,
        'new_category',
        n.test,
        [named(n.categories), n.unseen.length ? `unseen: ${named(n.unseen)}` : ''].filter(Boolean).join('; '),
      );
  }
  for (const u of dq.unknownFeatures) {
    rows.push({
      check: 'unknown_feature',
      cells: [
        u.name,
        CHECK_TEXT.unknown_feature!,
        'spike',
        '-',
        '-',
        '-',
        '-',
        u.source === 'sender' ? `in ${u.rows} of the rows the sender checked` : `${u.rows} rows; not in the reference`,
      ],
    });
  }
  // grouped by feature (the sort is stable: checks keep their order)
  return rows.sort((a, b) => (a.cells[0]! < b.cells[0]! ? -1 : a.cells[0]! > b.cells[0]! ? 1 : 0));
}

function businessRows(r: ModelReport): string[][] {
  return Object.entries(r.business?.metrics ?? {}).map(([m, b]) => [
    m,
    fmt(b.mean),
    fmt(b.referenceMean),
    pct(b.relativeChange),
    interval(b.test),
    fmt(b.total),
    b.test.pValue === null ? '-' : pval(b.test.pValue),
    verdict(b.test),
  ]);
}

const DQ_META =
  'each against the reference: a rate that rose significantly and beyond its limit flags the window (spike); unknown features always do';
const businessMeta = (r: ModelReport) => {
  const any = Object.values(r.business?.metrics ?? {})[0];
  return `per prediction (predictions without a value count as 0; ${any ? `${any.predictions} in the window, ${any.referencePredictions} in the reference` : ''}); Welch's t-test, degraded when significantly lower by more than the limit ${any ? pct(any.test.limit) : ''}`;
};

/** The sections as text lines (empty when none applies). */
export function qualitySectionsText(r: ModelReport): string[] {
  const out: string[] = [];
  const dq = dataQualityRows(r);
  if (dq.length)
    out.push(
      '',
      `Data quality: ${DQ_META}`,
      textTable(
        DQ_HEAD,
        dq.map((x) => x.cells),
      ),
    );
  const b = businessRows(r);
  if (b.length) out.push('', `Business impact: ${businessMeta(r)}`, textTable(BUSINESS_HEAD, b));
  return out;
}

/** The sections as HTML fragments (empty when none applies). */
export function qualitySectionsHtml(r: ModelReport): string[] {
  const out: string[] = [];
  const dq = dataQualityRows(r);
  if (dq.length)
    out.push(
      `<h2>Data quality</h2><p class="meta">${esc(DQ_META)}</p>${htmlTable(
        'data-quality',
        DQ_HEAD,
        dq.map((x) => x.cells),
        '',
        (i) => ` data-check="${dq[i]!.check}" data-verdict="${esc(dq[i]!.cells[2]!)}"`,
      )}`,
    );
  const b = businessRows(r);
  if (b.length)
    out.push(
      `<h2>Business impact</h2><p class="meta">${esc(businessMeta(r))}</p>${htmlTable('business', BUSINESS_HEAD, b)}`,
    );
  return out;
}

/** One line each for the status page: the flagged data-quality checks and business metrics (nothing when none is flagged). */
export function qualitySummary(r: ModelReport): string[] {
  const out: string[] = [];
  const byFeature = new Map<string, string[]>();
  for (const c of r.verdicts?.checks ?? []) {
    if (!c.flagged || !(c.check in CHECK_TEXT) || c.feature === null) continue;
    const unseen =
      c.check === 'new_category'
        ? (r.dataQuality?.features[c.feature]?.newCategory?.unseen ?? []).map((u) => u.value)
        : [];
    const list = byFeature.get(c.feature) ?? [];
    list.push(`${CHECK_TEXT[c.check]}${unseen.length ? `: ${unseen.join(', ')}` : ''}`);
    byFeature.set(c.feature, list);
  }
  if (byFeature.size)
    out.push(
      `data quality: ${[...byFeature]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([f, l]) => `${f} (${l.join('; ')})`)
        .join(', ')}`,
    );
  const down = Object.entries(r.business?.metrics ?? {}).filter(([, b]) => b.test.verdict === 'degraded');
  if (down.length)
    out.push(
      `business value: ${down.map(([m, b]) => `${m} ${pct(b.relativeChange)} per prediction against the reference`).join(', ')}`,
    );
  return out;
}
