/**
 * The retraining review gate (`retrain.review: required`, globally or per model): a retraining
 * recommendation waits in `pending` until a person approves or rejects it (`review-api.ts`, or the
 * form on the status page); only an approval sends the retraining webhook. Pending
 * recommendations expire after `retrain.reviewExpiry` (default {@link DEFAULT_REVIEW_EXPIRY_MS}).
 *
 *   pending ──approve──> approved ──webhook delivered──> sent
 *      │                    └──────webhook given up────> failed
 *      ├──reject──> rejected
 *      └──expiry──> expired
 *
 * Every transition is saved in the state file (`store/retraining.ts`) before it is announced (an
 * `ml.retrain.review` event, `emit-review.ts`), so it survives restarts: a pending recommendation
 * can still be decided after one, and an approved one whose webhook was not delivered when the
 * service stopped is sent again at the next start, with the same delivery id
 * (`x-otel-ml-delivery`, the recommendation's id) so the pipeline can tell a repeat.
 *
 * One pending recommendation per model (name, version, role, resource): a new recommendation
 * (reasons changed) while one waits updates its evidence (window, reasons, webhook body) and keeps
 * its id and expiry.
 */
import { randomUUID } from 'node:crypto';
import type { RetrainingRecord, RetrainingStore, ReviewState } from '../store/retraining.js';
import type { DeliveryOutcome } from './webhook.js';

/** How long a recommendation waits for a decision by default. */
export const DEFAULT_REVIEW_EXPIRY_MS = 7 * 86_400_000;

/** Longest reviewer name and comment kept (characters; longer ones are cut). */
export const MAX_REVIEW_TEXT = 500;

/** Recommendations the API and the status page list at most. */
export const LISTED_RECOMMENDATIONS = 100;

export interface ReviewGateOptions {
  readonly store: RetrainingStore;
  readonly clock: () => number;
  /** Announces a transition (after it was saved). */
  readonly onTransition: (record: RetrainingRecord) => void;
  /** Sends the webhook of an approved recommendation; absent without a webhook (approved stays final). */
  readonly send?: (
    record: RetrainingRecord,
    body: Record<string, unknown>,
    done: (outcome: DeliveryOutcome) => void,
  ) => void;
}

export interface Decision {
  readonly reviewer?: string | null;
  readonly comment?: string | null;
}

export type DecisionResult =
  | { readonly status: 'ok'; readonly record: RetrainingRecord }
  | { readonly status: 'not_found' }
  | { readonly status: 'conflict'; readonly record: RetrainingRecord };

// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g;

/** A reviewer's free text: control characters removed, trimmed, at most {@link MAX_REVIEW_TEXT} characters; null when empty. */
export function reviewText(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const t = v.replace(CONTROL_CHARACTERS, ' ').trim().slice(0, MAX_REVIEW_TEXT);
  return t === '' ? null : t;
}

export class ReviewGate {
  private closed = false;

  constructor(private readonly o: ReviewGateOptions) {}

  /** Sends again the webhook of approved recommendations not delivered before the last stop. */
  resume(): void {
    for (const r of this.o.store.inState('approved')) this.deliver(r);
  }

  /**
   * A new recommendation of model `modelKey` (its webhook body `payload`): pending until decided
   * or `expiryMs` from now; or, when one of the model is pending already, new evidence for it.
   */
  recommend(
    modelKey: string,
    model: RetrainingRecord['model'],
    window: RetrainingRecord['window'],
    reasons: readonly string[],
    payload: Record<string, unknown>,
    expiryMs: number,
  ): RetrainingRecord {
    const now = this.o.clock();
    this.expireDue(now);
    const waiting = this.o.store.inState('pending').find((r) => r.modelKey === modelKey);
    if (waiting) {
      const updated: RetrainingRecord = { ...waiting, window, reasons: [...reasons], payload, updatedAt: now };
      this.o.store.save(updated);
      return updated;
    }
    const record: RetrainingRecord = {
      id: randomUUID(),
      modelKey,
      model,
      state: 'pending',
      createdAt: now,
      expiresAt: now + expiryMs,
      updatedAt: now,
      window,
      reasons: [...reasons],
      payload,
      transitions: [{ state: 'pending', at: now }],
    };
    this.o.store.save(record);
    this.o.onTransition(record);
    return record;
  }

  approve(id: string, d: Decision = {}): DecisionResult {
    return this.decide(id, 'approved', d);
  }

  reject(id: string, d: Decision = {}): DecisionResult {
    return this.decide(id, 'rejected', d);
  }

  /** Expires the pending recommendations whose time is up at `now`; returns them. */
  expireDue(now: number = this.o.clock()): RetrainingRecord[] {
    if (this.closed) return [];
    const out: RetrainingRecord[] = [];
    for (const r of this.o.store.inState('pending')) {
      if (r.expiresAt > now) continue;
      const expired = this.transition(r, 'expired', now);
      out.push(expired);
    }
    return out;
  }

  get(id: string): RetrainingRecord | undefined {
    this.expireDue();
    return this.o.store.get(id);
  }

  /** The newest recommendations (at most {@link LISTED_RECOMMENDATIONS}), newest first, after expiring the due ones. */
  list(state?: ReviewState): RetrainingRecord[] {
    this.expireDue();
    const all =
      state === undefined
        ? this.o.store.recent(LISTED_RECOMMENDATIONS)
        : this.o.store.inState(state).reverse().slice(0, LISTED_RECOMMENDATIONS);
    return all;
  }

  /** Stops: deliveries that end later change nothing (an approved one is sent again at the next start). */
  close(): void {
    this.closed = true;
  }

  private decide(id: string, to: 'approved' | 'rejected', d: Decision): DecisionResult {
    const now = this.o.clock();
    this.expireDue(now);
    const r = this.o.store.get(id);
    if (!r) return { status: 'not_found' };
    if (r.state !== 'pending') return { status: 'conflict', record: r };
    const decided = this.transition(
      { ...r, decision: { at: now, reviewer: reviewText(d.reviewer), comment: reviewText(d.comment) } },
      to,
      now,
    );
    if (to === 'approved') this.deliver(decided);
    return { status: 'ok', record: decided };
  }

  private transition(
    r: RetrainingRecord,
    state: ReviewState,
    now: number,
    extra: Partial<RetrainingRecord> = {},
  ): RetrainingRecord {
    const next: RetrainingRecord = {
      ...r,
      ...extra,
      state,
      updatedAt: now,
      transitions: [...r.transitions, { state, at: now }],
    };
    this.o.store.save(next);
    this.o.onTransition(next);
    return next;
  }

  /** The webhook body of an approved recommendation: the evidence, and who approved it when. */
  private deliver(r: RetrainingRecord): void {
    const send = this.o.send;
    if (!send || this.closed) return;
    const body = {
      ...r.payload,
      reviewRequired: false,
      review: {
        id: r.id,
        state: 'approved',
        recommendedAt: new Date(r.createdAt).toISOString(),
        decidedAt: r.decision ? new Date(r.decision.at).toISOString() : null,
        reviewer: r.decision?.reviewer ?? null,
        comment: r.decision?.comment ?? null,
      },
    };
    send(r, body, (outcome) => {
      // closed: the service stopped first; the recommendation stays approved and is sent again at the next start
      if (this.closed || (!outcome.ok && outcome.closed)) return;
      const current = this.o.store.get(r.id);
      if (current?.state !== 'approved') return;
      const now = this.o.clock();
      this.transition(current, outcome.ok ? 'sent' : 'failed', now, {
        delivery: { at: now, detail: outcome.ok ? 'delivered' : outcome.detail },
      });
    });
  }
}
