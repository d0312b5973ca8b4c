/**
 * The status page served at GET /: an overview of every model (drifted first), then the models'
 * latest windows in detail, a page at a time: features by severity with reference vs current
 * overlays, the reliability diagram and performance over windows. `?page=N` turns pages
 * (`?per=N` models each, default 10); `?model=<key>` shows one model. Plain HTML with inline
 * SVG; no scripts, no network access.
 */
import { unresolvedFeatures, type ModelReport } from '../analysis/report-types.js';
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

/** Which part of the page to show (from the query string: {@link statusPageView}). */
export interface StatusPageView {
  /** 1-based page of model details. */
  readonly page: number;
  /** Models in detail per page. */
  readonly perPage: number;
  /** Only this model (its key), instead of a page. */
  readonly model?: string;
}

export const DEFAULT_MODELS_PER_PAGE = 10;

/** The view a request's query string asks for (`page`, `per` at most 100, `model`); bad numbers fall back to the defaults. */
export function statusPageView(url: string | undefined): StatusPageView {
  const q = new URL(url ?? '/', 'http://status.invalid').searchParams;
  const int = (v: string | null, fallback: number, max: number) => {
    const n = v === null ? Number.NaN : Number(v);
    return Number.isInteger(n) && n >= 1 ? Math.min(n, max) : fallback;
  };
  const model = q.get('model');
  return { page: int(q.get('page'), 1, Number.MAX_SAFE_INTEGER), perPage: int(q.get('per'), DEFAULT_MODELS_PER_PAGE, 100), ...(model ? { model } : {}) };
}

const link = (params: Record<string, string | number>) => `?${new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)])).toString()}`;

function statusOf(r: ModelReport): string {
  const noFeatureData = Object.keys(r.features).length > 0 && Object.values(r.features).every((f) => f.count === 0);
  const unresolved = unresolvedFeatures(r);
  // a badge beside the verdict: these features were neither flagged nor cleared
  const badge = unresolved.length ? ` <span class="sig" data-insufficient-resolution="${unresolved.length}">insufficient resolution: ${esc(unresolved.join(', '))}</span>` : '';
  return (r.status === 'insufficient_data'
    ? '<span class="na">insufficient data</span>'
    : r.drifted.length
      ? `<span class="drift">drift: ${esc(r.drifted.join(', '))}</span>`
      : noFeatureData
        ? '<span class="na">no feature data in this window</span>'
        : '<span class="ok">no drift</span>') + badge;
}

const titleOf = (r: ModelReport) => `${r.model.name}${r.model.version ? ` v${r.model.version}` : ''} · ${r.model.role}`;

function modelSection(key: string, r: ModelReport, history: readonly ModelReport[]): string {
  const title = titleOf(r);
  const status = statusOf(r);
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

export function renderStatusPage(input: StatusPageInput, view: StatusPageView = { page: 1, perPage: DEFAULT_MODELS_PER_PAGE }): string {
  const s = input.stats;
  const dropped = Object.entries(s.droppedPoints)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  // drifted models first, then by name (and key, so that the order is total)
  const models = [...input.reports.entries()].sort(
    ([ka, a], [kb, b]) => b.drifted.length - a.drifted.length || (a.model.name < b.model.name ? -1 : a.model.name > b.model.name ? 1 : ka < kb ? -1 : 1),
  );
  const pages = Math.max(1, Math.ceil(models.length / view.perPage));
  const page = Math.min(view.page, pages);
  const shown = view.model !== undefined ? models.filter(([k]) => k === view.model) : models.slice((page - 1) * view.perPage, page * view.perPage);
  const sections = shown.map(([k, r]) => modelSection(k, r, input.history.get(k) ?? [r])).join('\n');
  const overview =
    models.length > 1
      ? `<table class="overview"><thead><tr><th>model</th><th>status</th><th>window end</th><th>rows</th></tr></thead><tbody>${models
          .map(([k, r]) => `<tr><td><a href="${esc(link({ model: k }))}">${esc(titleOf(r))}</a></td><td>${statusOf(r)}</td><td>${esc(r.window?.end ?? '-')}</td><td>${r.current.count}</td></tr>`)
          .join('')}</tbody></table>`
      : '';
  const nav =
    view.model !== undefined
      ? `<p class="nav"><a href="${esc(link({ page: 1, per: view.perPage }))}">all models</a></p>`
      : pages > 1
        ? `<p class="nav">${page > 1 ? `<a href="${esc(link({ page: page - 1, per: view.perPage }))}" rel="prev">previous</a> · ` : ''}models ${(page - 1) * view.perPage + 1}-${Math.min(page * view.perPage, models.length)} of ${models.length} (page ${page} of ${pages})${
            page < pages ? ` · <a href="${esc(link({ page: page + 1, per: view.perPage }))}" rel="next">next</a>` : ''
          }</p>`
        : '';
  const unknownModel = view.model !== undefined && shown.length === 0 ? `<p class="meta">No evaluated model with key ${esc(view.model)}.</p>` : '';
  const open = input.open
    .map((w) => `<tr><td>${esc(w.model.name)}${w.model.version ? ` v${esc(w.model.version)}` : ''}</td><td>${esc(w.model.role)}</td><td>${new Date(w.start).toISOString()}</td><td>${w.rows}</td></tr>`)
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta http-equiv="refresh" content="15"><title>otel-ml processor</title><style>${STYLE}</style></head><body>
<h1>otel-ml processor</h1>
<p class="meta">${new Date(input.now).toISOString()} · ${s.receivedPoints} points received · ${s.liveStreams} live streams · ${s.closedWindows} windows closed${dropped ? ` · dropped: ${esc(dropped)}` : ''}</p>
${overview}${nav}${unknownModel}
${sections || (models.length === 0 ? '<p class="meta">No window evaluated yet. Point an OTLP exporter at this processor; results appear when the first window closes.</p>' : '')}
${sections ? nav : ''}
<h2>Open windows</h2>
${open ? `<table class="open"><thead><tr><th>model</th><th>role</th><th>since</th><th>rows</th></tr></thead><tbody>${open}</tbody></table>` : '<p class="meta">none</p>'}
</body></html>
`;
}
