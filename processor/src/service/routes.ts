/**
 * The HTTP routes of the live processor beside OTLP: health (`/healthz`, `/readyz`), the latest
 * reports (`/api/reports`), the retraining recommendations (`/api/retraining`), the alert
 * playbooks (`/playbooks/`) and the status page (`/`). The review decisions
 * (`/api/retraining/<id>/approve|reject`) are the receiver's fallback (review-api.ts).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ModelReport } from '../analysis/report-types.js';
import { requestedKind } from '../analysis/reference-choice.js';
import type { ModelIdentity } from '../model/signals.js';
import type { RouteHandler } from '../receiver/index.js';
import { parseModelKey, type ProcessorStats, type StreamProcessor } from '../streams/processor.js';
import type { ReferenceKind } from '../windows/references.js';
import type { WindowSnapshot } from '../windows/snapshot.js';
import { modelConfigFor, type ServiceConfig } from './config.js';
import type { ResultsEmitter } from './emit.js';
import { listRecommendations } from './review-api.js';
import type { ReviewGate } from './review.js';
import { renderStatusPage, statusPageView, type PendingModel } from './status-page.js';

export interface RouteOptions {
  readonly config: ServiceConfig;
  readonly processor: StreamProcessor;
  readonly emitter: ResultsEmitter;
  readonly gate: ReviewGate;
  /** Recent reports per model key (the evaluation loop's). */
  readonly history: ReadonlyMap<string, readonly ModelReport[]>;
  /** The processor's counters, with the points the decoder refused. */
  readonly stats: () => ProcessorStats;
  /** Whether the receivers accept points. */
  readonly ready: () => boolean;
  readonly clock: () => number;
}

/**
 * The alert playbooks (docs/playbooks/*.md of the repository this processor runs from), served at
 * /playbooks/<name>.md (and the index at /playbooks/) so that notifications link somewhere by
 * default. None when the files are not there (an installed package).
 */
function playbookRoutes(): [string, string][] {
  const dir = new URL('../../../docs/playbooks/', import.meta.url);
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir).filter((f) => f.endsWith('.md'));
  const out = files.map((f): [string, string] => [`/playbooks/${f}`, new URL(f, dir).pathname]);
  if (files.includes('README.md')) out.push(['/playbooks/', new URL('README.md', dir).pathname]);
  return out;
}

const sendJson = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

/** Models with windows but no evaluation yet, for the status page: still without a reference, or waiting for their first window. */
function pendingModels(o: RouteOptions, open: readonly WindowSnapshot[]): PendingModel[] {
  const { config, processor } = o;
  const reports = o.emitter.reports();
  const keys = processor.models().filter((k) => !reports.has(k));
  if (keys.length === 0) return [];
  const openByKey = new Map(open.map((w) => [w.modelKey, w]));
  const hasReference = (key: string, model: ModelIdentity) => {
    const refs = processor.references(key);
    const kind = requestedKind(modelConfigFor(config, { model })?.reference, refs);
    // a rolling reference is made of the closed windows kept so far when the next window closes;
    // a seasonal one falls back on the baseline, else on the rolling reference, until a period has passed
    const rolling = processor.results.history(key).some((w) => !w.belowMinRows);
    if (kind === 'seasonal') return refs.baseline !== undefined || refs.rolling !== undefined || rolling;
    return refs[kind as ReferenceKind] !== undefined || (kind === 'rolling' && rolling);
  };
  return keys.map((key) => {
    const w = openByKey.get(key);
    const closed = processor.results.history(key);
    const model = w?.model ?? closed[closed.length - 1]?.model ?? parseModelKey(key);
    let referenced = hasReference(key, model);
    if (!referenced && model.role !== 'primary') {
      // a canary or shadow without references of its own is compared with its primary's (same name and resource)
      const tail = JSON.stringify((JSON.parse(key) as string[]).slice(3));
      const primary = processor.models().find((k) => {
        const p = JSON.parse(k) as string[];
        return p[0] === model.name && p[2] === 'primary' && JSON.stringify(p.slice(3)) === tail;
      });
      referenced = primary !== undefined && hasReference(primary, parseModelKey(primary));
    }
    return {
      key,
      model: { name: model.name, version: model.version || null, role: model.role },
      state: referenced ? 'awaiting_comparison' : 'collecting_reference',
      referenceKind: requestedKind(modelConfigFor(config, { model })?.reference, processor.references(key)),
      closedRows: closed.reduce((a, c) => a + c.rows, 0),
      closedWindows: closed.length,
      openRows: w?.rows ?? 0,
      openUntil: w?.end ?? null,
      openExtended: (w?.extensions ?? 0) > 0,
    };
  });
}

/** The routes, by path, in the order they are added to the receiver. */
export function serviceRoutes(o: RouteOptions): [string, RouteHandler][] {
  const { processor, emitter, gate } = o;
  const summaryStats = () => {
    const s = o.stats();
    return {
      receivedPoints: s.receivedPoints,
      droppedPoints: s.droppedPoints,
      liveStreams: s.liveStreams,
      openWindows: s.openWindows,
      exportFailures: emitter.exportFailuresTotal,
      exportFailuresByType: emitter.exportFailuresByType(),
    };
  };
  const routes: [string, RouteHandler][] = [
    ['/healthz', (_req: IncomingMessage, res: ServerResponse) => sendJson(res, 200, { status: 'ok' })],
    [
      '/readyz',
      (_req, res) =>
        sendJson(res, o.ready() ? 200 : 503, { status: o.ready() ? 'ready' : 'starting', ...summaryStats() }),
    ],
    ['/api/reports', (_req, res) => sendJson(res, 200, Object.fromEntries(emitter.reports()))],
    ['/api/retraining', listRecommendations(gate)],
  ];
  for (const [path, file] of playbookRoutes()) {
    routes.push([
      path,
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/markdown; charset=utf-8' });
        res.end(readFileSync(file));
      },
    ]);
  }
  if (o.config.statusPage.enabled) {
    routes.push([
      '/',
      (req, res) => {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        const open = processor.openWindows();
        res.end(
          renderStatusPage(
            {
              reports: emitter.reports(),
              history: o.history,
              pending: pendingModels(o, open),
              stats: processor.stats(),
              open,
              now: o.clock(),
              retraining: gate.list(),
            },
            statusPageView(req.url),
          ),
        );
      },
    ]);
  }
  return routes;
}
