/**
 * HTTP API of the retraining review gate (`review.ts`), on the HTTP receiver's port:
 *
 * - `GET /api/retraining` (`?state=pending` to filter): the newest recommendations with their
 *   state, as `{ "recommendations": [...] }`. Protected like `/api/reports` (`auth.protectStatusPage`).
 * - `POST /api/retraining/{id}/approve` and `.../reject`: always need the bearer token
 *   (`Authorization: Bearer <token>`, checked with auth.ts before anything else): 401 without it or
 *   with a wrong one, 404 for an unknown id, 409 (with the current state) when the recommendation
 *   is no longer pending, 200 with the recommendation otherwise. An optional JSON body
 *   `{ "reviewer": "...", "comment": "..." }` is kept with the decision.
 *
 * The status page's form (no scripts) posts `application/x-www-form-urlencoded` fields `token`,
 * `reviewer`, `comment`: the token field is accepted in place of the header for that content type
 * only, and a success redirects (303) back to the status page. A cross-site form cannot know the
 * token, so the form needs no other CSRF protection. Bodies are limited to {@link MAX_BODY_BYTES}.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { diag } from '@opentelemetry/api';
import type { Authenticator } from '../receiver/security.js';
import { UNAUTHENTICATED_MESSAGE } from '../receiver/security.js';
import { REVIEW_STATES, type ReviewState } from '../store/retraining.js';
import type { ReviewGate } from './review.js';

export const MAX_BODY_BYTES = 8 * 1024;

const DECISION_PATH = /^\/api\/retraining\/([^/]+)\/(approve|reject)$/;
const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface ReviewApiOptions {
  readonly gate: ReviewGate;
  /** Undefined when no token is configured: then no decision is accepted. */
  readonly authenticator: Authenticator | undefined;
  /** Resolves when the state file has the decision on stable storage. */
  readonly sync: () => Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

/** `GET /api/retraining`. */
export function listRecommendations(gate: ReviewGate) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const state = new URL(req.url ?? '/', 'http://api.invalid').searchParams.get('state');
    if (state !== null && !REVIEW_STATES.includes(state as ReviewState)) {
      sendJson(res, 400, { error: `state must be one of ${REVIEW_STATES.join(', ')}` });
      return;
    }
    sendJson(res, 200, { recommendations: gate.list((state ?? undefined) as ReviewState | undefined) });
  };
}

class BodyError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw new BodyError(413, `body larger than ${MAX_BODY_BYTES} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY_BYTES) throw new BodyError(413, `body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The receiver's fallback for `POST /api/retraining/{id}/approve|reject`: answers and returns
 * true for those paths, false for any other.
 */
export function decisionHandler(o: ReviewApiOptions) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? '/').split('?')[0]!;
    const m = DECISION_PATH.exec(path);
    if (!m) return false;
    if (req.method !== 'POST') {
      sendJson(res, 405, { error: `method ${req.method} not allowed on ${path}` }, { allow: 'POST' });
      return true;
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const form = type === 'application/x-www-form-urlencoded';
    const unauthenticated = () =>
      sendJson(res, 401, { error: UNAUTHENTICATED_MESSAGE }, { 'www-authenticate': 'Bearer', connection: 'close' });
    const byHeader =
      req.headers.authorization !== undefined && o.authenticator?.check(req.headers.authorization) === true;
    // without a valid header only a form may carry the token; nothing else is read from a stranger
    if (!byHeader && !(form && o.authenticator)) {
      unauthenticated();
      return true;
    }
    if (type !== '' && type !== 'application/json' && !form) {
      sendJson(res, 415, { error: 'send application/json or application/x-www-form-urlencoded' });
      return true;
    }
    let fields: Record<string, unknown>;
    try {
      const text = await readBody(req);
      if (form) fields = Object.fromEntries(new URLSearchParams(text));
      else if (text.trim() === '') fields = {};
      else {
        const parsed = JSON.parse(text) as unknown;
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
          throw new BodyError(400, 'the body must be a JSON object');
        fields = parsed as Record<string, unknown>;
      }
    } catch (e) {
      if (!byHeader) unauthenticated();
      else
        sendJson(res, e instanceof BodyError ? e.status : 400, {
          error: e instanceof BodyError ? e.message : 'the body is not valid JSON',
        });
      return true;
    }
    if (!byHeader && !o.authenticator!.check(typeof fields.token === 'string' ? `Bearer ${fields.token}` : undefined)) {
      unauthenticated();
      return true;
    }
    const id = m[1]!;
    if (!ID.test(id)) {
      sendJson(res, 404, { error: 'no such retraining recommendation' });
      return true;
    }
    const decision = { reviewer: fields.reviewer as string | undefined, comment: fields.comment as string | undefined };
    const result = m[2] === 'approve' ? o.gate.approve(id, decision) : o.gate.reject(id, decision);
    if (result.status === 'not_found') {
      sendJson(res, 404, { error: 'no such retraining recommendation' });
      return true;
    }
    if (result.status === 'conflict') {
      sendJson(res, 409, {
        error: `the recommendation is ${result.record.state}, not pending`,
        state: result.record.state,
      });
      return true;
    }
    await o
      .sync()
      .catch((e: unknown) =>
        diag.warn(
          `otel-ml: retraining decision ${id} saved, but syncing the state file failed: ${(e as Error).message}`,
        ),
      );
    if (form) {
      // back to the status page (relative, so that it works behind a path prefix too)
      res.writeHead(303, { location: '../../../#retraining', 'cache-control': 'no-store' });
      res.end();
    } else sendJson(res, 200, { recommendation: result.record });
    return true;
  };
}
