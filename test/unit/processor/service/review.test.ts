/**
 * The review gate's state machine on the real store (an in-memory state file): one pending
 * recommendation per model, decisions only while pending, expiry, what an approval sends, the
 * reviewer's text bounded; the event of each transition; the status page's section escapes what
 * reviewers and models bring.
 */
import { describe, expect, it } from 'vitest';
import { reviewEvent } from '../../../../processor/src/service/emit-review.js';
import type { DeliveryOutcome } from '../../../../processor/src/service/webhook.js';
import { MAX_REVIEW_TEXT, ReviewGate, reviewText } from '../../../../processor/src/service/review.js';
import { renderStatusPage } from '../../../../processor/src/service/status-page.js';
import type { RetrainingRecord } from '../../../../processor/src/store/retraining.js';
import { StateDb } from '../../../../processor/src/store/sqlite.js';
import type { ProcessorStats } from '../../../../processor/src/streams/processor.js';

const KEY = JSON.stringify(['fraud', '3', 'primary', '']);
const MODEL = { name: 'fraud', version: '3', role: 'primary' };
const W1 = { start: '2026-11-25T12:00:00.000Z', end: '2026-11-25T12:01:00.000Z' };
const W2 = { start: '2026-11-25T12:01:00.000Z', end: '2026-11-25T12:02:00.000Z' };

function setup(withWebhook = true) {
  let now = 1_000_000;
  const db = StateDb.open(':memory:');
  const events: RetrainingRecord[] = [];
  const sent: { id: string; body: Record<string, unknown>; done: (o: DeliveryOutcome) => void }[] = [];
  const gate = new ReviewGate({
    store: db.retraining(),
    clock: () => now,
    onTransition: (r) => events.push(r),
    send: withWebhook ? (r, body, done) => sent.push({ id: r.id, body, done }) : undefined,
  });
  return { gate, events, sent, db, advance: (ms: number) => (now += ms), now: () => now };
}

describe('review gate', () => {
  it('keeps one pending recommendation per model: new evidence updates it, id and expiry stay', () => {
    const { gate, events, db } = setup();
    const a = gate.recommend(KEY, MODEL, W1, ['drift'], { n: 1 }, 60_000);
    const b = gate.recommend(KEY, MODEL, W2, ['drift', 'performance'], { n: 2 }, 60_000);
    expect(b).toMatchObject({
      id: a.id,
      expiresAt: a.expiresAt,
      window: W2,
      reasons: ['drift', 'performance'],
      payload: { n: 2 },
      state: 'pending',
    });
    expect(gate.list()).toHaveLength(1);
    expect(events.map((e) => e.state)).toEqual(['pending']);
    // another model gets its own
    gate.recommend(
      JSON.stringify(['churn', '', 'primary', '']),
      { name: 'churn', version: null, role: 'primary' },
      W1,
      ['baseline_age'],
      {},
      60_000,
    );
    expect(gate.list('pending')).toHaveLength(2);
    db.close();
  });

  it('an approval sends the evidence with the decision; the delivery outcome is the last transition', () => {
    const { gate, events, sent, db } = setup();
    const r = gate.recommend(
      KEY,
      MODEL,
      W1,
      ['drift'],
      { type: 'ml.retrain.recommended', reviewRequired: true },
      60_000,
    );
    expect(sent).toHaveLength(0);
    const ok = gate.approve(r.id, { reviewer: ' ana\n', comment: 'x'.repeat(MAX_REVIEW_TEXT + 50) });
    expect(ok.status).toBe('ok');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body).toMatchObject({
      type: 'ml.retrain.recommended',
      reviewRequired: false,
      review: { id: r.id, state: 'approved', reviewer: 'ana' },
    });
    expect((sent[0]!.body.review as { comment: string }).comment).toHaveLength(MAX_REVIEW_TEXT);
    expect(gate.approve(r.id)).toMatchObject({ status: 'conflict', record: { state: 'approved' } });
    expect(gate.reject(r.id)).toMatchObject({ status: 'conflict' });
    sent[0]!.done({ ok: false, closed: false, detail: 'answered 400; not retried' });
    expect(gate.get(r.id)).toMatchObject({ state: 'failed', delivery: { detail: 'answered 400; not retried' } });
    expect(events.map((e) => e.state)).toEqual(['pending', 'approved', 'failed']);
    expect(gate.approve('00000000-0000-4000-8000-000000000000')).toEqual({ status: 'not_found' });
    db.close();
  });

  it('a delivery cut short by a stop leaves the recommendation approved, and resume() sends it again', () => {
    const { gate, sent, db } = setup();
    const r = gate.recommend(KEY, MODEL, W1, ['drift'], {}, 60_000);
    gate.approve(r.id);
    sent[0]!.done({ ok: false, closed: true, detail: 'the webhook closed during delivery' });
    expect(gate.get(r.id)!.state).toBe('approved');
    gate.resume();
    expect(sent.map((s) => s.id)).toEqual([r.id, r.id]);
    sent[1]!.done({ ok: true });
    expect(gate.get(r.id)!.state).toBe('sent');
    db.close();
  });

  it('without a webhook an approval is final; rejection and expiry send nothing', () => {
    const { gate, events, advance, db } = setup(false);
    const a = gate.recommend(KEY, MODEL, W1, ['drift'], {}, 60_000);
    expect(gate.approve(a.id).status).toBe('ok');
    expect(gate.get(a.id)!.state).toBe('approved');
    const b = gate.recommend(KEY, MODEL, W2, ['drift'], {}, 60_000);
    expect(b.id).not.toBe(a.id);
    expect(gate.reject(b.id, { reviewer: '' })).toMatchObject({
      status: 'ok',
      record: { state: 'rejected', decision: { reviewer: null } },
    });
    const c = gate.recommend(KEY, MODEL, W2, ['drift'], {}, 60_000);
    advance(59_999);
    expect(gate.expireDue()).toEqual([]);
    advance(1);
    expect(gate.expireDue().map((r) => r.id)).toEqual([c.id]);
    expect(gate.approve(c.id)).toMatchObject({ status: 'conflict', record: { state: 'expired' } });
    expect(events.map((e) => e.state)).toEqual(['pending', 'approved', 'pending', 'rejected', 'pending', 'expired']);
    db.close();
  });

  it('reviewer text: control characters removed, trimmed, bounded, empty is none', () => {
    expect(reviewText('a\u0000b\u001b[31mc ')).toBe('a b [31mc');
    expect(reviewText('   ')).toBeNull();
    expect(reviewText(42)).toBeNull();
    expect(reviewText('y'.repeat(MAX_REVIEW_TEXT * 2))).toHaveLength(MAX_REVIEW_TEXT);
  });

  it('the event carries the id, the state and the reasons; pending, expired and failed are warnings', () => {
    const { gate, events, db } = setup();
    const r = gate.recommend(KEY, MODEL, W1, ['drift'], {}, 60_000);
    gate.reject(r.id, { reviewer: 'bo' });
    const [pending, rejected] = events.map(reviewEvent);
    expect(pending!.attributes).toMatchObject({
      'ml.model.name': 'fraud',
      'ml.model.version': '3',
      'ml.retrain.recommendation.id': r.id,
      'ml.retrain.review.state': 'pending',
      'ml.retrain.reasons': ['drift'],
    });
    expect(pending!.severityText).toBe('WARN');
    expect(rejected!.severityText).toBe('INFO');
    expect(JSON.parse(rejected!.body)).toMatchObject({ id: r.id, state: 'rejected', decision: { reviewer: 'bo' } });
    db.close();
  });

  it('the status page escapes model names and reviewer text and posts forms to the API', () => {
    const { gate, db } = setup();
    const evil = { name: '<img src=x onerror=alert(1)>', version: null, role: 'primary' };
    const p = gate.recommend(JSON.stringify([evil.name, '', 'primary', '']), evil, W1, ['drift'], {}, 60_000);
    const d = gate.recommend(KEY, MODEL, W1, ['drift'], {}, 60_000);
    gate.reject(d.id, { reviewer: '<script>alert(1)</script>' });
    const stats = {
      receivedPoints: 0,
      acceptedPoints: 0,
      droppedPoints: {},
      rejectedPoints: 0,
      liveStreams: 0,
      openWindows: 0,
      closedWindows: 0,
      expiredStreams: 0,
      horizonUnixNano: 0n,
    } as unknown as ProcessorStats;
    const html = renderStatusPage({
      reports: new Map(),
      history: new Map(),
      stats,
      open: [],
      now: 0,
      retraining: gate.list(),
    });
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;');
    expect(html).toContain(`action="api/retraining/${p.id}/approve"`);
    expect(html).toContain('type="password" name="token"');
    db.close();
  });
});
