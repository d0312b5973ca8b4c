/**
 * Report sections beyond drift, as text and as HTML: the label-free performance estimate,
 * fairness across slices, the canary/shadow comparison, attribution shifts, the retraining
 * recommendation and the verdicts that alerts fire on. Each renders nothing when its section is null (or absent in older reports).
 */
import type { DistributionReport, ModelReport } from '../analysis/report-types.js';
import { esc } from './svg.js';
import { htmlTable, textTable, type Cell } from './table.js';
import { fmt, pct, pval } from './format.js';
import { qualitySectionsHtml, qualitySectionsText } from './quality.js';

const interval = (i: readonly [number, number] | null | undefined) => (i ? `[${fmt(i[0])}, ${fmt(i[1])}]` : '-');

/** Where a realized value lies against its estimated band: below or above it, or null (inside, or no value or band). */
export function outsideBand(
  value: number | null | undefined,
  band: readonly [number, number] | null | undefined,
): 'below' | 'above' | null {
  if (value === null || value === undefined || !band) return null;
  return value < band[0] ? 'below' : value > band[1] ? 'above' : null;
}

/** A realized value, marked when it falls outside its estimated band. */
function realizedCell(value: number | null | undefined, band?: readonly [number, number]): Cell {
  const side = outsideBand(value, band);
  if (side === null) return fmt(value);
  return {
    text: `${fmt(value)} (${side} band)`,
    cls: 'drift outside',
    title: `realized value ${side} the 95% band of the estimate`,
  };
}

function estimatedRows(r: ModelReport): Cell[][] {
  const e = r.estimated!;
  const real = e.realized;
  return [
    ['accuracy', fmt(e.accuracy), interval(e.accuracyInterval), realizedCell(real?.accuracy, e.accuracyInterval)],
    ['precision', fmt(e.precision), '-', realizedCell(real?.precision)],
    ['recall', fmt(e.recall), '-', realizedCell(real?.recall)],
    ['F1', fmt(e.f1), '-', realizedCell(real?.f1)],
    ['ROC AUC', fmt(e.rocAuc), '-', realizedCell(real?.rocAuc)],
  ];
}
const ESTIMATED_HEAD = ['metric', 'estimated', '95% band', 'realized'];
const estimatedMeta = (r: ModelReport) =>
  `${r.estimated!.count} scored rows, calibration map from ${r.estimated!.referenceOutcomes} reference outcomes, threshold ${r.estimated!.threshold}${r.estimated!.realized ? `; ${r.estimated!.realized.count} outcomes in the window` : '; no outcomes in the window'}`;

function sliceRows(f: NonNullable<ModelReport['fairness']>['keys'][string]): string[][] {
  return f.slices.map((s) => [
    s.slice + (s.eligible ? '' : ' (too few)'),
    String(s.count),
    fmt(s.accuracy),
    fmt(s.tpr),
    fmt(s.fpr),
    `${fmt(s.positiveRate)} ${interval(s.positiveRateInterval)}`,
    fmt(s.ece),
  ]);
}
const SLICE_HEAD = ['slice', 'n', 'accuracy', 'TPR', 'FPR', 'positive rate [95%]', 'ECE'];

function disparityLines(f: NonNullable<ModelReport['fairness']>['keys'][string]): string[] {
  const out: string[] = [];
  for (const [name, d, cmp] of [
    ['demographic parity difference', f.demographicParityDifference, '<='],
    ['equal opportunity difference', f.equalOpportunityDifference, '<='],
    ['disparate impact ratio', f.disparateImpactRatio, '>='],
  ] as const) {
    if (!d) continue;
    out.push(
      `${name} ${fmt(d.value)} (${d.lowest} vs ${d.highest}, ${pval(d.pValue)}; limit ${cmp} ${d.limit})${d.violated ? '  VIOLATED' : ''}`,
    );
  }
  return out;
}

function comparisonLines(r: ModelReport): string[] {
  const c = r.comparison!;
  const out = [`verdict ${c.verdict.replace(/_/g, ' ')}: ${c.reasons.join('; ')}`];
  if (c.performance?.accuracy)
    out.push(
      `accuracy ${fmt(c.performance.accuracy.candidate)} vs primary ${fmt(c.performance.accuracy.primary)} (${pval(c.performance.accuracy.pValue)})`,
    );
  if (c.performance?.rocAuc)
    out.push(
      `ROC AUC ${fmt(c.performance.rocAuc.candidate)} vs primary ${fmt(c.performance.rocAuc.primary)} (${pval(c.performance.rocAuc.pValue)})`,
    );
  if (c.score)
    out.push(
      `score distribution JS ${fmt(c.score.jensenShannon)}, PSI ${fmt(c.score.psi)}, KS ${fmt(c.score.ks)} (${pval(c.score.pValue)})`,
    );
  if (c.agreement) out.push(`agreement ${pct(c.agreement.rate)} of ${c.agreement.count} compared rows`);
  if (c.latency)
    out.push(
      `mean latency ${fmt(c.latency.candidateMean, 4)} s vs primary ${fmt(c.latency.primaryMean, 4)} s (${pval(c.latency.pValue)})`,
    );
  if (c.errors)
    out.push(
      `error rate ${pct(c.errors.candidateRate)} vs primary ${pct(c.errors.primaryRate)} (${pval(c.errors.pValue)})`,
    );
  return out;
}
const comparisonTitle = (r: ModelReport) =>
  `${r.comparison!.candidate.role} ${r.comparison!.candidate.version ?? ''} vs primary ${r.comparison!.primary.version ?? ''}`
    .replace(/\s+/g, ' ')
    .trim();

function attributionRows(r: ModelReport): string[][] {
  const a = r.attribution!;
  const order = [...a.ranking, ...Object.keys(a.features).filter((n) => !a.ranking.includes(n))];
  return order.map((n) => {
    const f = a.features[n]!;
    return [
      n,
      fmt(f.meanAbsolute),
      fmt(f.referenceMeanAbsolute),
      fmt(f.shift),
      f.distribution ? f.distribution.drift.verdict.replace('_', ' ') : '-',
    ];
  });
}
const ATTRIBUTION_HEAD = ['feature', 'mean |attr|', 'reference', 'shift', 'drift'];

/** The verdict tests (performance, calibration, shares, missing values) with their evidence. */
function verdictRows(r: ModelReport): string[][] {
  const v = r.verdicts!;
  const held = (check: string, feature: string | null = null, cls: string | null = null) => {
    const c = v.checks.find((x) => x.check === check && x.feature === feature && x.class === cls);
    return c ? `${c.windows}` : '-';
  };
  const row = (
    what: string,
    t: NonNullable<typeof v.accuracy>,
    check: string,
    feature: string | null = null,
    cls: string | null = null,
  ) => [
    what,
    t.verdict.replace(/_/g, ' '),
    fmt(t.current),
    fmt(t.reference),
    interval(t.interval),
    t.pValue === null ? '-' : pval(t.pValue),
    held(check, feature, cls),
  ];
  const rows: string[][] = [];
  if (v.accuracy) rows.push(row('accuracy', v.accuracy, 'accuracy'));
  if (v.rocAuc) rows.push(row('ROC AUC', v.rocAuc, 'roc_auc'));
  if (v.calibration) rows.push(row('calibration (ECE)', v.calibration, 'calibration'));
  for (const [c, t] of Object.entries(v.predictedShare))
    rows.push(row(`share predicted ${c}`, t, 'predicted_share', null, c));
  for (const [f, t] of Object.entries(v.missing)) rows.push(row(`missing ${f}`, t, 'missing', f));
  return rows;
}
const VERDICT_HEAD = ['check', 'verdict', 'window', 'reference', 'interval (difference)', 'p', 'windows held'];
const flaggedLine = (r: ModelReport) => {
  const f = r.verdicts!.checks.filter((c) => c.flagged);
  return f.length
    ? `flagged: ${f.map((c) => `${c.check}${c.feature ? ` ${c.feature}` : ''}${c.class ? ` ${c.class}` : ''} (${c.windows} window${c.windows === 1 ? '' : 's'})`).join(', ')}`
    : 'nothing flagged';
};
const VERDICTS_META = (r: ModelReport) =>
  `each flags the window when significant at alpha ${r.verdicts!.alpha} and its interval lies beyond the limit; ${flaggedLine(r)}`;
const retrainLine = (r: ModelReport) =>
  r.retrain!.recommended
    ? `RECOMMENDED after this window: ${r.retrain!.details.join('; ')}`
    : `not recommended after this window (drift in ${r.retrain!.driftWindows} consecutive window(s))`;

type SliceKey = NonNullable<ModelReport['sliceDrift']>['keys'][string];
const SLICE_DRIFT_HEAD = ['slice', 'rows', 'reference rows', 'share of movement', 'drifted', 'note'];
function sliceDriftRows(k: SliceKey): Cell[][] {
  return k.slices.map((s) => [
    s.slice,
    String(s.count),
    String(s.referenceCount),
    s.share === null ? '-' : pct(s.share),
    s.drifted.length
      ? {
          text: s.drifted.map((n) => `${n} (PSI ${fmt((n === 'score' ? s.score : s.features[n])?.psi)})`).join(', '),
          cls: 'drift',
        }
      : s.status === 'ok'
        ? 'none'
        : '-',
    s.status === 'ok' ? '' : { text: `insufficient data: ${s.reason ?? ''}`, cls: 'na' },
  ]);
}
/** "where it moved" for one slice key. */
export function whereItMoved(key: string, k: SliceKey): string {
  if (k.located === null) return `${key}: nothing drifted in any slice`;
  const top = k.slices[0]!;
  return `${key}: where it moved: ${top.slice} (${pct(top.share ?? 0)} of the movement of ${k.basis.join(', ')}${top.drifted.length ? `; drifted there: ${top.drifted.join(', ')}` : ''})`;
}
const sliceDriftMeta = (r: ModelReport, k: SliceKey) =>
  `slices with at least ${r.sliceDrift!.minRows} rows in the window and the reference are tested; Benjamini-Hochberg across the ${k.tested} tests (slices x features and score) at alpha ${r.sliceDrift!.alpha}${k.unranked.length ? `; left out of the ranking: ${k.unranked.join(', ')}` : ''}`;

/** Joint drift (random projections of the numeric features): the verdict line and its reasons. */
function jointLines(r: ModelReport): string[] {
  const j = r.joint!;
  const head = `${j.drift.verdict.replace(/_/g, ' ')}${j.basis ? ` (${j.projections} projections of basis ${j.basis}, ${j.count} rows against ${j.referenceCount})` : ''}`;
  const moved = j.drifted.length
    ? [
        `moved most: ${j.drifted
          .slice(0, 5)
          .map((i) => `projection ${i} (W1 ${fmt(j.byProjection[i]!.wasserstein)}, PSI ${fmt(j.byProjection[i]!.psi)})`)
          .join(', ')}`,
      ]
    : [];
  return [head, ...j.drift.reasons, ...moved];
}

/** The sections as plain text (empty string when none applies). */
/** The moved bins with trace samples (score first, then drifted features): what to open in the trace backend. */
function traceSampleRows(r: ModelReport): string[][] {
  const rows: string[][] = [];
  const add = (name: string, d: DistributionReport | null | undefined) => {
    for (const b of d?.topMovers ?? []) {
      if (b.traces === undefined) continue;
      rows.push([
        name,
        b.label,
        `${pct(b.reference)} -> ${pct(b.current)}`,
        b.traces.length ? b.traces.map((t) => t.traceId).join(' ') : '(no prediction of the window in this bin)',
      ]);
    }
  };
  add('score', r.prediction.score);
  for (const n of r.drifted) add(n, r.features[n]);
  return rows;
}
const TRACE_HEAD = ['distribution', 'bin', 'share', 'sampled traces'];
const TRACES_META =
  "sampled prediction spans of the window in the bins that moved most (feature bins need the instrumentation's captureFeatures)";

export function renderSectionsText(r: ModelReport): string {
  const out: string[] = [];
  if (r.estimated)
    out.push(
      '',
      `Estimated performance (CBPE, without labels): ${estimatedMeta(r)}`,
      textTable(ESTIMATED_HEAD, estimatedRows(r)),
    );
  for (const [key, f] of Object.entries(r.fairness?.keys ?? {})) {
    out.push(
      '',
      `Fairness by ${key} (slices with at least ${r.fairness!.minCount} rows are compared)`,
      textTable(SLICE_HEAD, sliceRows(f)),
      ...disparityLines(f).map((l) => `  ${l}`),
    );
  }
  for (const [key, k] of Object.entries(r.sliceDrift?.keys ?? {})) {
    out.push(
      '',
      `Drift by ${key}: ${whereItMoved(key, k).slice(key.length + 2)}`,
      `  ${sliceDriftMeta(r, k)}`,
      textTable(SLICE_DRIFT_HEAD, sliceDriftRows(k)),
    );
  }
  if (r.comparison) out.push('', `Comparison: ${comparisonTitle(r)}`, ...comparisonLines(r).map((l) => `  ${l}`));
  if (r.attribution)
    out.push(
      '',
      'Attributions (features by shift of mean |attribution|)',
      textTable(ATTRIBUTION_HEAD, attributionRows(r)),
    );
  if (r.retrain) out.push('', `Retraining: ${retrainLine(r)}`);
  if (r.joint)
    out.push(
      '',
      `Joint drift: ${jointLines(r)[0]!}`,
      ...jointLines(r)
        .slice(1)
        .map((l) => `  ${l}`),
    );
  if (r.verdicts && verdictRows(r).length)
    out.push('', `Verdicts: ${VERDICTS_META(r)}`, textTable(VERDICT_HEAD, verdictRows(r)));
  if (traceSampleRows(r).length)
    out.push('', `Sampled traces: ${TRACES_META}`, textTable(TRACE_HEAD, traceSampleRows(r)));
  out.push(...qualitySectionsText(r));
  return out.length ? `${out.join('\n')}\n` : '';
}

/** The sections as HTML fragments (empty string when none applies). */
export function renderSectionsHtml(r: ModelReport): string {
  const out: string[] = [];
  if (r.estimated)
    out.push(
      `<h2>Estimated performance</h2><p class="meta">${esc(estimatedMeta(r))}</p>${htmlTable('estimated', ESTIMATED_HEAD, estimatedRows(r))}`,
    );
  const keys = Object.entries(r.fairness?.keys ?? {});
  if (keys.length) {
    out.push('<h2>Fairness</h2>');
    for (const [key, f] of keys) {
      const lines = disparityLines(f)
        .map((l) => `<p class="${l.endsWith('VIOLATED') ? 'drift' : 'meta'}">${esc(l)}</p>`)
        .join('');
      out.push(
        `<h3>${esc(key)}</h3>${htmlTable('fairness', SLICE_HEAD, sliceRows(f), ` data-slice-key="${esc(key)}"`)}${lines}`,
      );
    }
  }
  const sliceKeys = Object.entries(r.sliceDrift?.keys ?? {});
  if (sliceKeys.length) {
    out.push('<h2>Drift by slice</h2>');
    for (const [key, k] of sliceKeys) {
      out.push(
        `<h3>${esc(key)}</h3><p class="${k.located === null ? 'meta' : 'drift'}" data-located="${esc(k.located ?? '')}">${esc(whereItMoved(key, k))}</p><p class="meta">${esc(sliceDriftMeta(r, k))}</p>${htmlTable('slice-drift', SLICE_DRIFT_HEAD, sliceDriftRows(k), ` data-slice-key="${esc(key)}"`)}`,
      );
    }
  }
  if (r.comparison) {
    const bad = r.comparison.verdict === 'candidate_worse';
    out.push(
      `<h2>Comparison: ${esc(comparisonTitle(r))}</h2><div class="banner ${bad ? 'bad' : 'good'}" data-verdict="${r.comparison.verdict}">${esc(comparisonLines(r)[0]!)}</div>${comparisonLines(
        r,
      )
        .slice(1)
        .map((l) => `<p class="meta">${esc(l)}</p>`)
        .join('')}`,
    );
  }
  if (r.attribution) out.push(`<h2>Attributions</h2>${htmlTable('attribution', ATTRIBUTION_HEAD, attributionRows(r))}`);
  if (r.retrain)
    out.push(
      `<h2>Retraining</h2><div class="banner ${r.retrain.recommended ? 'bad' : 'good'}">${esc(retrainLine(r))}</div>`,
    );
  if (r.joint) {
    const [head, ...rest] = jointLines(r);
    const cls = r.joint.drift.verdict === 'drift' ? 'bad' : r.joint.drift.verdict === 'no_drift' ? 'good' : 'na';
    out.push(
      `<h2>Joint drift</h2><div class="banner ${cls}" data-joint="${esc(r.joint.drift.verdict)}">${esc(head!)}</div>${rest.map((l) => `<p class="meta">${esc(l)}</p>`).join('')}`,
    );
  }
  if (r.verdicts && verdictRows(r).length)
    out.push(
      `<h2>Verdicts</h2><p class="meta">${esc(VERDICTS_META(r))}</p>${htmlTable('verdicts', VERDICT_HEAD, verdictRows(r))}`,
    );
  if (traceSampleRows(r).length)
    out.push(
      `<h2>Sampled traces</h2><p class="meta">${esc(TRACES_META)}</p>${htmlTable('trace-samples', TRACE_HEAD, traceSampleRows(r))}`,
    );
  out.push(...qualitySectionsHtml(r));
  return out.join('\n');
}
