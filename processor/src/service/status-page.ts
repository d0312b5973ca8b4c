/**
 * The status page served at GET /: every model, its latest window, features by severity with
 * reference vs current overlays, the reliability diagram and performance over windows. Plain
 * HTML with inline SVG; no scripts, no network access.
 */
import type { ModelReport } from '../analysis/report-types.js';
import { calibrationSection, featureCard, featureTable, performanceSection, STYLE } from '../report/html.js';
import { renderSectionsHtml } from '../report/sections.js';
import { esc, lineChart } from '../report/svg.js';
import { bySeverity } from '../report/text.js';
import type { ProcessorStats } from '../streams/processor.js';
import type { WindowSnapshot } from '../windows/snapshot.js';

export interface StatusPageInput {
  readonly reports: ReadonlyMap<string, ModelReport>;
  readonly history: ReadonlyMap<string, readonly ModelReport[]>;
  readonly stats: ProcessorStats;
  readonly open: readonly WindowSnapshot[];
  readonly now: number;
}

function modelSection(key: string, r: ModelReport, history: readonly ModelReport[]): string {
  const title = `${r.model.name}${r.model.version ? ` v${r.model.version}` : ''} · ${r.model.role}`;
  const noFeatureData = Object.keys(r.features).length > 0 && Object.values(r.features).every((f) => f.count === 0);
  const status =
    r.status === 'insufficient_data'
      ? '<span class="na">insufficient data</span>'
      : r.drifted.length
        ? `<span class="drift">drift: ${esc(r.drifted.join(', '))}</span>`
        : noFeatureData
          ? '<span class="na">no feature data in this window</span>'
          : '<span class="ok">no drift</span>';
  const perf = history.length > 1
    ? `<div class="card"><h3>Over the last ${history.length} windows</h3>${lineChart(
        [
          { name: 'accuracy', points: history.map((h) => h.performance?.accuracy ?? null) },
          { name: 'ROC AUC', points: history.map((h) => h.performance?.rocAuc ?? null) },
          { name: 'ECE', points: history.map((h) => h.calibration?.ece ?? null) },
          { name: 'max PSI', points: history.map((h) => Math.max(0, ...Object.values(h.features).map((f) => f.psi ?? 0))) },
        ],
        { min: 0, max: 1, title: `${r.model.name} over windows` },
      )}</div>`
    : '';
  const top = bySeverity(r.features).slice(0, 12);
  return `<section class="model" data-model="${esc(r.model.name)}" data-key="${esc(key)}">
<h2>${esc(title)} — ${status}</h2>
<p class="meta">window ${esc(r.window?.start ?? '-')} – ${esc(r.window?.end ?? '-')} · ${r.current.count} rows · reference ${r.reference.kind} (${r.reference.count} rows)</p>
${featureTable(r)}
<div class="cards">${top.map(([n, f]) => featureCard(n, f)).join('')}${perf}</div>
${calibrationSection(r)}
${performanceSection(r)}
${renderSectionsHtml(r)}
</section>`;
}

export function renderStatusPage(input: StatusPageInput): string {
  const s = input.stats;
  const dropped = Object.entries(s.droppedPoints)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const sections = [...input.reports.entries()]
    .sort(([, a], [, b]) => b.drifted.length - a.drifted.length || (a.model.name < b.model.name ? -1 : 1))
    .map(([k, r]) => modelSection(k, r, input.history.get(k) ?? [r]))
    .join('\n');
  const open = input.open
    .map((w) => `<tr><td>${esc(w.model.name)}${w.model.version ? ` v${esc(w.model.version)}` : ''}</td><td>${esc(w.model.role)}</td><td>${new Date(w.start).toISOString()}</td><td>${w.rows}</td></tr>`)
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta http-equiv="refresh" content="15"><title>otel-ml processor</title><style>${STYLE}</style></head><body>
<h1>otel-ml processor</h1>
<p class="meta">${new Date(input.now).toISOString()} · ${s.receivedPoints} points received · ${s.liveStreams} live streams · ${s.closedWindows} windows closed${dropped ? ` · dropped: ${esc(dropped)}` : ''}</p>
${sections || '<p class="meta">No window evaluated yet. Point an OTLP exporter at this processor; results appear when the first window closes.</p>'}
<h2>Open windows</h2>
${open ? `<table class="open"><thead><tr><th>model</th><th>role</th><th>since</th><th>rows</th></tr></thead><tbody>${open}</tbody></table>` : '<p class="meta">none</p>'}
</body></html>
`;
}
