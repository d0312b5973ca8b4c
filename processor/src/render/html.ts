/**
 * A self-contained HTML report: one file, inline CSS and SVG, no scripts, no network access.
 */
import { referenceLine } from './reference.js';
import {
  isInsufficientResolution,
  unresolvedFeatures,
  type DistributionReport,
  type ModelReport,
} from '../analysis/report-types.js';
import { esc, histogramOverlay, reliabilityDiagram } from './svg.js';
import { bySeverity, driftSentence, fmt, pct, performanceRows, pval, slicesDrifted, verdictText } from './text.js';
import { windowDrifted } from '../analysis/retrain.js';
import { renderSectionsHtml } from './sections.js';
import { HTML_STATISTIC_HEADS, cardStatistics, htmlStatisticCells } from './drift-columns.js';

export const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#1d2733;max-width:1200px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #e3e8ee;padding-bottom:4px}
.meta{color:#5b6776;margin:0 0 12px} table{border-collapse:collapse;margin:8px 0} td,th{padding:4px 10px;border-bottom:1px solid #eef1f4;text-align:right}
td:first-child,th:first-child{text-align:left} th{font-weight:600;color:#3c4856;background:#f7f9fb}
.drift{color:#c92a2a;font-weight:600} .sig{color:#b35c00} .ok{color:#2b8a3e} .na{color:#868e96}
.banner{padding:10px 14px;border-radius:6px;margin:12px 0;font-weight:600} .banner.bad{background:#fff0f0;color:#a61e1e} .banner.good{background:#ebfbee;color:#1e6b30} .banner.warn{background:#fff8e6;color:#8a5300}
.cards{display:flex;flex-wrap:wrap;gap:14px} .card{border:1px solid #e3e8ee;border-radius:8px;padding:10px 12px;background:#fff}
.card h3{margin:0 0 4px;font-size:14px} .card p{margin:2px 0;color:#5b6776;font-size:12px} .card.feature{width:370px}
.trends{display:flex;flex-wrap:wrap;gap:14px;margin:8px 0} .card.trend{padding:6px 4px}
table.timeline th,table.timeline td:first-child,table.timeline td:nth-child(2),table.timeline td:nth-child(6){white-space:nowrap} table.timeline td:nth-child(4),table.timeline th:nth-child(4){text-align:left} table.overview td:nth-child(2),table.overview th:nth-child(2){text-align:left} .detail{font-weight:600} p.verdicts{margin:4px 0 10px;line-height:1.6} .est{color:#5b6776;font-style:italic} h2.detail{margin-top:40px;border-bottom:2px solid #c3cad3}
`;

const cls = (f: DistributionReport) =>
  f.drift.verdict === 'drift'
    ? 'drift'
    : f.drift.significant || isInsufficientResolution(f)
      ? 'sig'
      : f.drift.verdict === 'insufficient_data'
        ? 'na'
        : 'ok';

/** The line saying which features could not be binned (neither flagged nor cleared), or ''. */
export function unresolvedBanner(r: ModelReport): string {
  const u = unresolvedFeatures(r);
  return u.length
    ? `<div class="banner warn" data-insufficient-resolution="${u.length}">Insufficient resolution in ${u.length} feature(s), neither flagged nor cleared: ${esc(u.join(', '))}</div>`
    : '';
}

export function featureCard(name: string, f: DistributionReport): string {
  const stats = cardStatistics(f);
  return `<div class="card feature" data-feature="${esc(name)}" data-verdict="${f.drift.verdict}"><h3>${esc(name)} <span class="${cls(f)}">${esc(verdictText(f))}</span></h3><p>${esc(stats)}</p>${f.drift.reasons.length ? `<p>${esc(f.drift.reasons.join('; '))}</p>` : ''}${histogramOverlay(f.bins, { title: `${name}: reference vs current` })}</div>`;
}

export function featureTable(r: ModelReport): string {
  const rows = bySeverity(r.features)
    .map(
      ([n, f]) =>
        `<tr data-feature="${esc(n)}"><td>${esc(n)}</td><td>${f.type}</td><td>${f.count}</td><td>${pct(f.missingRate)}</td>${htmlStatisticCells(
          f,
        )
          .map((c) => `<td>${c}</td>`)
          .join('')}<td>${pval(f.drift.adjustedPValue)}</td><td class="${cls(f)}">${esc(verdictText(f))}</td></tr>`,
    )
    .join('');
  return `<table class="features"><thead><tr><th>feature</th><th>type</th><th>n</th><th>missing</th>${HTML_STATISTIC_HEADS.map((h) => `<th>${esc(h)}</th>`).join('')}<th>BH p</th><th>verdict</th></tr></thead><tbody>${rows}</tbody></table>`;
}

export function calibrationSection(r: ModelReport): string {
  if (!r.calibration) return '';
  const c = r.calibration;
  return `<h2>Calibration</h2><p class="meta">${c.count} predictions with outcomes · ECE ${fmt(c.ece)} · MCE ${fmt(c.mce)} · Brier ${fmt(c.brier)}</p><div class="cards"><div class="card">${reliabilityDiagram(c.bins)}</div></div>`;
}

export function performanceSection(r: ModelReport): string {
  if (!r.performance) return '';
  const p = r.performance;
  const body = performanceRows(p)
    .map(([n, v, ref]) => `<tr><td>${n}</td><td>${fmt(v)}</td><td>${fmt(ref)}</td></tr>`)
    .join('');
  return `<h2>Performance</h2><p class="meta">${p.count} predictions with outcomes${p.threshold !== null ? ` · threshold ${p.threshold}` : ''}</p><table class="performance"><thead><tr><th>metric</th><th>current</th><th>reference</th></tr></thead><tbody>${body}</tbody></table>`;
}

/** The drift rule a report applies, in a sentence. */
export const ruleHtml = (r: ModelReport) =>
  `<p class="meta">Drift = chi-square p &lt; ${r.settings.alpha} after Benjamini-Hochberg across features, and PSI ≥ ${r.settings.minPsi} or Jensen-Shannon ≥ ${r.settings.minJensenShannon}; at least ${r.settings.minRows} rows.</p>`;

/** A whole HTML document around `body`. */
export const htmlPage = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title><style>${STYLE}</style></head><body>
${body}
</body></html>
`;

/** Everything a single-window report shows below its heading: the verdict, features, predictions, calibration, performance and the sections beyond drift. */
export function windowDetailsHtml(r: ModelReport): string {
  const banner =
    r.status === 'insufficient_data'
      ? `<div class="banner bad">Insufficient data: ${r.current.count} rows, fewer than ${r.settings.minRows}. Nothing is flagged.</div>`
      : `<div class="banner ${windowDrifted(r) || slicesDrifted(r).length > 0 ? 'bad' : 'good'}">${esc(driftSentence(r))}</div>`;
  const preds = (['score', 'classes', 'value'] as const)
    .map((k) => [k, r.prediction[k]] as const)
    .filter((x): x is readonly [(typeof x)[0], DistributionReport] => x[1] !== null)
    .map(([k, f]) => featureCard(`prediction ${k}`, f))
    .join('');
  return `${banner}${unresolvedBanner(r)}
<h2>Features</h2>${featureTable(r)}
<div class="cards">${bySeverity(r.features)
    .map(([n, f]) => featureCard(n, f))
    .join('')}</div>
${preds ? `<h2>Predictions</h2><div class="cards">${preds}</div>` : ''}
${calibrationSection(r)}
${performanceSection(r)}
${renderSectionsHtml(r)}`;
}

export const modelTitle = (r: ModelReport) => `${r.model.name}${r.model.version ? ` v${r.model.version}` : ''}`;

export function renderHtml(r: ModelReport): string {
  const title = modelTitle(r);
  return htmlPage(
    `otel-ml report: ${title}`,
    `<h1>otel-ml report: ${esc(title)}</h1>
<p class="meta">${esc(r.model.task ?? 'task unknown')} · role ${esc(r.model.role)} · reference ${esc(referenceLine(r))} · current ${r.current.count} rows${r.window ? ` · ${esc(r.window.start)} – ${esc(r.window.end)}` : ''}</p>
${ruleHtml(r)}
${windowDetailsHtml(r)}`,
  );
}
