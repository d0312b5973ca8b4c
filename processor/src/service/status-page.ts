/**
 * The status page served at GET /: an overview of every model (drifted first), then the models'
 * latest windows in detail, a page at a time: features by severity with reference vs current
 * overlays, the reliability diagram and trend charts over windows (max PSI, accuracy and ROC
 * AUC, ECE), with the drift and retraining verdicts of the recent windows. `?page=N` turns pages
 * (`?per=N` models each, default 10); `?model=<key>` shows one model. Plain HTML with inline
 * SVG; no scripts, no network access. Retraining recommendations under review are listed with a
 * plain form each (approve or reject, with the token) posting to the review API.
 */
import { unresolvedFeatures, type ModelReport, type ReferenceKindName } from '../analysis/report-types.js';
import { calibrationSection, featureCard, featureTable, performanceSection, STYLE } from '../render/html.js';
import { referenceLine } from '../render/reference.js';
import { qualitySummary } from '../render/quality.js';
import { renderSectionsHtml, whereItMoved } from '../render/sections.js';
import { esc } from '../render/svg.js';
import { trendCharts } from '../render/trends.js';
import { runVerdicts } from '../render/run.js';
import { driftedNames, summarizeRun } from '../analysis/run.js';
import { bySeverity, slicesDrifted } from '../render/text.js';
import type { ProcessorStats } from '../streams/processor.js';
import type { WindowSnapshot } from '../windows/snapshot.js';
import type { RetrainingRecord } from '../store/retraining.js';

/** A model with windows but nothing evaluated yet. */
export interface PendingModel {
  readonly key: string;
  readonly model: { readonly name: string; readonly version: string | null; readonly role: string };
  /**
   * `collecting_reference`: there is no reference to compare with yet (a rolling or pinned
   * reference is made of the model's own windows); `awaiting_comparison`: the reference is there
   * (or, rolling, is made of the closed windows when the next one closes) and the open window is
   * the first to be compared with it.
   */
  readonly state: 'collecting_reference' | 'awaiting_comparison';
  readonly referenceKind: ReferenceKindName;
  /** Rows in its closed windows (not evaluated) and in its open window. */
  readonly closedRows: number;
  readonly closedWindows: number;
  readonly openRows: number;
  /** When its open window closes (ms), if one is open. */
  readonly openUntil: number | null;
  /** The open window was extended for lack of rows (absent: no). */
  readonly openExtended?: boolean;
}

export interface StatusPageInput {
  readonly reports: ReadonlyMap<string, ModelReport>;
  readonly history: ReadonlyMap<string, readonly ModelReport[]>;
  /** Models without an evaluated window yet (absent: none). */
  readonly pending?: readonly PendingModel[];
  readonly stats: ProcessorStats;
  readonly open: readonly WindowSnapshot[];
  readonly now: number;
  /** Retraining recommendations under review, newest first (absent: none). */
  readonly retraining?: readonly RetrainingRecord[];
}

/** Which part of the page to show (from the query string: {@link statusPageView}). */
export interface StatusPageView {
  /** 1-based page of model details. */
  readonly page: number;
  /** Models in detail per page. */
  readonly perPage: number;
  /**
   * Only the models of this name, instead of a page (`?model=fraud-detector`), narrowed by
   * `version` and `role` when given; a model's key (the JSON array) also finds it.
   */
  readonly model?: string;
  readonly version?: string;
  readonly role?: string;
}

export const DEFAULT_MODELS_PER_PAGE = 10;

/**
 * The view a request's query string asks for (`page`, `per` at most 100, `model`, `version`,
 * `role`); bad numbers fall back to the defaults, empty values count as absent.
 */
export function statusPageView(url: string | undefined): StatusPageView {
  const q = new URL(url ?? '/', 'http://status.invalid').searchParams;
  const int = (v: string | null, fallback: number, max: number) => {
    const n = v === null ? Number.NaN : Number(v);
    return Number.isInteger(n) && n >= 1 ? Math.min(n, max) : fallback;
  };
  const text = (k: string) => {
    const v = q.get(k);
    return v ? { [k]: v } : {};
  };
  return {
    page: int(q.get('page'), 1, Number.MAX_SAFE_INTEGER),
    perPage: int(q.get('per'), DEFAULT_MODELS_PER_PAGE, 100),
    ...text('model'),
    ...(q.get('model') ? { ...text('version'), ...text('role') } : {}),
  };
}

const link = (params: Record<string, string | number>) =>
  `?${new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)])).toString()}`;

/**
 * The status page's link to one model, relative to the page: `?model=<name>&version=<version>&role=<role>`
 * (no version for an unversioned model). Notifications link to `<base>/` followed by the same.
 */
export function modelLink(m: {
  readonly name: string;
  readonly version: string | null;
  readonly role: string;
}): string {
  return link({ model: m.name, ...(m.version ? { version: m.version } : {}), role: m.role });
}

/** A model on the page: evaluated (its latest report) or pending. */
type Entry =
  | {
      readonly key: string;
      readonly model: ModelReport['model'] | PendingModel['model'];
      readonly report: ModelReport;
      readonly pending?: undefined;
    }
  | {
      readonly key: string;
      readonly model: PendingModel['model'];
      readonly report?: undefined;
      readonly pending: PendingModel;
    };

/** Whether the view's `model` (and `version`, `role`) selects this model. */
function selects(view: StatusPageView, e: Entry): boolean {
  if (view.model === undefined) return true;
  if (e.key === view.model) return true;
  return (
    e.model.name === view.model &&
    (view.version === undefined || (e.model.version ?? '') === view.version) &&
    (view.role === undefined || e.model.role === view.role)
  );
}

const pendingRows = (p: PendingModel) => p.closedRows + p.openRows;
const pendingStatus = (p: PendingModel) =>
  `<span class="na">${p.state === 'collecting_reference' ? `collecting reference (${pendingRows(p)} rows)` : `awaiting first comparison (${p.openRows} rows)`}</span>`;

/** What a pending model waits for, in a sentence or two. */
function pendingText(p: PendingModel): string {
  const until =
    p.openUntil !== null
      ? ` (open until ${new Date(p.openUntil).toISOString()}${p.openExtended ? ', extended: fewer rows than a window needs' : ''})`
      : '';
  const closed = `${p.closedRows} rows in ${p.closedWindows} closed window${p.closedWindows === 1 ? '' : 's'}`;
  const rows =
    p.closedWindows === 0
      ? `${p.openRows} rows in its first window${until}`
      : p.openUntil === null
        ? closed
        : `${closed} and ${p.openRows} in the open one${until}`;
  if (p.state === 'awaiting_comparison') {
    return `Nothing evaluated yet: ${rows}. The ${p.referenceKind} reference is ready${p.referenceKind === 'rolling' ? ' (made of its closed windows)' : ''}; ${p.openUntil === null ? 'its next window is compared with it' : 'the open window is compared with it when it closes'}.`;
  }
  const how =
    p.referenceKind === 'rolling'
      ? `Its windows are compared with its own previous windows (a rolling reference): ${p.closedWindows ? 'its closed windows had fewer rows than a window needs; the first one with enough becomes the reference.' : 'the first window is the reference, the one after it the first compared.'}`
      : p.referenceKind === 'pinned'
        ? 'A window of its own is pinned as the reference (the first one, or the one containing the configured time); the windows after it are compared with it.'
        : p.referenceKind === 'seasonal'
          ? 'Each window is compared with the window one period earlier; until there is one, with the baseline, else with the previous windows (a rolling reference).'
          : 'It is configured to compare with a baseline, but no baseline is loaded for this version.';
  return `No reference to compare with yet: ${rows}. ${how}`;
}

function statusOf(r: ModelReport): string {
  const noFeatureData = Object.keys(r.features).length > 0 && Object.values(r.features).every((f) => f.count === 0);
  const drifted = driftedNames(r);
  const unresolved = unresolvedFeatures(r);
  // overall nothing drifted, but within a slice something did (diluted in the whole)
  const located = slicesDrifted(r);
  // a badge beside the verdict: these features were neither flagged nor cleared
  const badge = unresolved.length
    ? ` <span class="sig" data-insufficient-resolution="${unresolved.length}">insufficient resolution: ${esc(unresolved.join(', '))}</span>`
    : '';
  return (
    (r.status === 'insufficient_data'
      ? '<span class="na">insufficient data</span>'
      : drifted.length
        ? `<span class="drift">drift: ${esc(drifted.join(', '))}</span>`
        : located.length
          ? `<span class="drift" data-slice-drift>drift within ${esc(located.map((l) => `${l.key}=${l.slice}`).join(', '))}</span>`
          : noFeatureData
            ? '<span class="na">no feature data in this window</span>'
            : '<span class="ok">no drift</span>') + badge
  );
}

const titleOf = (r: { readonly model: Entry['model'] }) =>
  `${r.model.name}${r.model.version ? ` v${r.model.version}` : ''} · ${r.model.role}`;

function pendingSection(p: PendingModel): string {
  return `<section class="model pending" data-model="${esc(p.model.name)}" data-key="${esc(p.key)}" data-state="${p.state}">
<h2>${esc(titleOf({ model: p.model }))} — ${pendingStatus(p)}</h2>
<p class="meta">${esc(pendingText(p))}</p>
</section>`;
}

/** Why a window lacks part of its data (`ModelReport.window.partial`, docs/scale-out.md). */
const PARTIAL_REASONS: Record<string, string> = {
  joined:
    'joined: its stream reached this instance after the window began (a restart, or routed here from another instance)',
  resumed: 'resumed: its stream came back after a gap longer than streams.handoffGap',
  left: 'left: its last point came more than streams.handoffGap before the window ended (routed away, or stopped)',
};

function partialLine(reasons: readonly string[]): string {
  return `Partial window: ${reasons.map((w) => PARTIAL_REASONS[w] ?? w).join('; ')}. Its verdicts are on the rows it has.`;
}

function modelSection(key: string, r: ModelReport, history: readonly ModelReport[]): string {
  const title = titleOf(r);
  const status = statusOf(r);
  const trends = trendCharts(history);
  const v = history.length > 1 ? runVerdicts(summarizeRun(history), history, { recent: true }) : undefined;
  const verdicts = v
    ? `<p class="verdicts"><span class="${v.bad.drift ? 'drift' : 'ok'}" data-verdict="drift">${esc(v.drift)}</span>${v.retrain ? `<br><span class="${v.bad.retrain ? 'drift' : 'ok'}" data-verdict="retrain">${esc(v.retrain)}</span>` : ''}</p>`
    : '';
  const top = bySeverity(r.features).slice(0, 12);
  return `<section class="model" data-model="${esc(r.model.name)}" data-key="${esc(key)}">
<h2>${esc(title)} — ${status}</h2>
<p class="meta">window ${esc(r.window?.start ?? '-')} – ${esc(r.window?.end ?? '-')} · ${r.current.count} rows · reference ${esc(referenceLine(r))}</p>
${r.window?.partial ? `<p class="na" data-partial="${esc(r.window.partial.join(' '))}">${esc(partialLine(r.window.partial))}</p>` : ''}
${qualitySummary(r)
  .map((l) => `<p class="drift">${esc(l)}</p>`)
  .join('')}
${Object.entries(r.sliceDrift?.keys ?? {})
  .filter(([, k]) => k.located !== null)
  .map(([key, k]) => `<p class="drift" data-where-it-moved="${esc(key)}">${esc(whereItMoved(key, k))}</p>`)
  .join('')}
${verdicts}
${trends ? `<h3>Over the last ${history.length} windows</h3>${trends}` : ''}
${featureTable(r)}
<div class="cards">${top.map(([n, f]) => featureCard(n, f)).join('')}</div>
${calibrationSection(r)}
${performanceSection(r)}
${renderSectionsHtml(r)}
</section>`;
}

const isoMinute = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

/**
 * The review gate's section: each pending recommendation with a form (the token, an optional
 * reviewer and comment; approve or reject, posted to the API, no scripts), then the latest
 * decided ones.
 */
function retrainingSection(records: readonly RetrainingRecord[]): string {
  if (records.length === 0) return '';
  const title = (r: RetrainingRecord) =>
    `${r.model.name}${r.model.version ? ` v${r.model.version}` : ''} (${r.model.role})`;
  const pending = records.filter((r) => r.state === 'pending');
  const done = records.filter((r) => r.state !== 'pending').slice(0, 10);
  const forms = pending
    .map((r) => {
      const id = encodeURIComponent(r.id);
      return `<form class="review" method="post" action="api/retraining/${id}/approve" data-id="${esc(r.id)}">
<p><strong>${esc(title(r))}</strong> · ${esc(r.reasons.join(', '))} · window ${esc(r.window.start)} – ${esc(r.window.end)} · recommended ${isoMinute(r.createdAt)} · expires ${isoMinute(r.expiresAt)}</p>
<label>token <input type="password" name="token" required autocomplete="off"></label>
<label>reviewer <input type="text" name="reviewer" maxlength="500"></label>
<label>comment <input type="text" name="comment" maxlength="500"></label>
<button type="submit">approve</button> <button type="submit" formaction="api/retraining/${id}/reject">reject</button>
</form>`;
    })
    .join('\n');
  const rows = done
    .map(
      (r) =>
        `<tr data-id="${esc(r.id)}"><td>${esc(title(r))}</td><td>${esc(r.state)}</td><td>${esc(r.reasons.join(', '))}</td><td>${isoMinute(r.createdAt)}</td><td>${isoMinute(r.updatedAt)}</td><td>${esc(r.decision?.reviewer ?? '')}</td></tr>`,
    )
    .join('');
  return `<section id="retraining"><h2>Retraining review</h2>
${pending.length ? `<p class="meta">${pending.length} recommendation${pending.length === 1 ? '' : 's'} awaiting a decision; only an approval sends the retraining webhook. This page does not refresh itself while one waits.</p>${forms}` : '<p class="meta">Nothing awaits a decision.</p>'}
${rows ? `<table class="retraining"><thead><tr><th>model</th><th>state</th><th>reasons</th><th>recommended</th><th>last change</th><th>reviewer</th></tr></thead><tbody>${rows}</tbody></table>` : ''}
</section>`;
}

export function renderStatusPage(
  input: StatusPageInput,
  view: StatusPageView = { page: 1, perPage: DEFAULT_MODELS_PER_PAGE },
): string {
  const s = input.stats;
  const dropped = Object.entries(s.droppedPoints)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  // drifted models first, then by name (and key, so that the order is total); models without an evaluation are listed as such
  const drifted = (e: Entry) => (e.report ? driftedNames(e.report).length : 0);
  const models: Entry[] = [
    ...[...input.reports.entries()].map(([key, report]) => ({ key, model: report.model, report })),
    ...(input.pending ?? [])
      .filter((p) => !input.reports.has(p.key))
      .map((p) => ({ key: p.key, model: p.model, pending: p })),
  ].sort(
    (a, b) =>
      drifted(b) - drifted(a) ||
      (a.model.name < b.model.name ? -1 : a.model.name > b.model.name ? 1 : a.key < b.key ? -1 : 1),
  );
  const pages = Math.max(1, Math.ceil(models.length / view.perPage));
  const page = view.page;
  const beyond = view.model === undefined && page > pages;
  const shown =
    view.model !== undefined
      ? models.filter((e) => selects(view, e))
      : models.slice((page - 1) * view.perPage, page * view.perPage);
  const sections = shown
    .map((e) =>
      e.report ? modelSection(e.key, e.report, input.history.get(e.key) ?? [e.report]) : pendingSection(e.pending),
    )
    .join('\n');
  const overviewRow = (e: Entry) => {
    const r = e.report;
    const cells = r
      ? [
          statusOf(r),
          r.retrain?.recommended ? '<span class="drift">RECOMMENDED</span>' : r.retrain ? 'no' : '-',
          esc(r.window?.end ?? '-'),
          String(r.current.count),
        ]
      : [pendingStatus(e.pending), '-', '-', String(pendingRows(e.pending))];
    return `<tr data-key="${esc(e.key)}"><td><a href="${esc(modelLink(e.model))}">${esc(titleOf(e))}</a></td>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
  };
  const overview =
    models.length > 1
      ? `<table class="overview"><thead><tr><th>model</th><th>status</th><th>retraining</th><th>window end</th><th>rows</th></tr></thead><tbody>${models.map(overviewRow).join('')}</tbody></table>`
      : '';
  const nav =
    view.model !== undefined
      ? `<p class="nav"><a href="${esc(link({ page: 1, per: view.perPage }))}">all models</a></p>`
      : beyond
        ? `<p class="nav beyond">There is no page ${page}: ${models.length} model${models.length === 1 ? '' : 's'} fit on ${pages === 1 ? 'one page' : `${pages} pages`} of ${view.perPage}. <a href="${esc(link({ page: pages, per: view.perPage }))}">Back to ${pages === 1 ? 'the first page' : `the last page (${pages})`}</a></p>`
        : pages > 1
          ? `<p class="nav">${page > 1 ? `<a href="${esc(link({ page: page - 1, per: view.perPage }))}" rel="prev">previous</a> · ` : ''}models ${(page - 1) * view.perPage + 1}-${Math.min(page * view.perPage, models.length)} of ${models.length} (page ${page} of ${pages})${
              page < pages ? ` · <a href="${esc(link({ page: page + 1, per: view.perPage }))}" rel="next">next</a>` : ''
            }</p>`
          : '';
  const wanted = `${view.model}${view.version !== undefined ? ` version ${view.version}` : ''}${view.role !== undefined ? ` role ${view.role}` : ''}`;
  const unknownModel =
    view.model !== undefined && shown.length === 0
      ? `<p class="meta unknown">No model ${esc(wanted)}.${models.length ? ` Models: ${models.map((e) => `<a href="${esc(modelLink(e.model))}">${esc(titleOf(e))}</a>`).join(', ')}.` : ''}</p>`
      : '';
  const open = input.open
    .map(
      (w) =>
        `<tr><td>${esc(w.model.name)}${w.model.version ? ` v${esc(w.model.version)}` : ''}</td><td>${esc(w.model.role)}</td><td>${new Date(w.start).toISOString()}</td><td>${w.rows}</td></tr>`,
    )
    .join('');
  const retraining = input.retraining ?? [];
  // a person typing a token must not lose it to the refresh
  const refresh = retraining.some((r) => r.state === 'pending') ? '' : '<meta http-equiv="refresh" content="15">';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">${refresh}<title>otel-ml processor</title><style>${STYLE}</style></head><body>
<h1>otel-ml processor</h1>
<p class="meta">${new Date(input.now).toISOString()} · ${s.receivedPoints} points received · ${s.liveStreams} live streams · ${s.closedWindows} windows closed${dropped ? ` · dropped: ${esc(dropped)}` : ''}</p>
${overview}${retrainingSection(retraining)}${nav}${unknownModel}
${sections || (models.length === 0 ? '<p class="meta">No model has sent anything yet. Point an OTLP exporter at this processor; results appear when the first window closes.</p>' : '')}
${sections && !beyond ? nav : ''}
<h2>Open windows</h2>
${open ? `<table class="open"><thead><tr><th>model</th><th>role</th><th>since</th><th>rows</th></tr></thead><tbody>${open}</tbody></table>` : '<p class="meta">none</p>'}
</body></html>
`;
}
