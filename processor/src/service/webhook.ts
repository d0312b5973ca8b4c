/**
 * The retraining webhook: POSTs a recommendation (JSON) to an external pipeline, signed with
 * HMAC-SHA256, retried with exponential backoff, from a bounded queue. `enqueue` never blocks
 * or throws, so evaluation never waits on the pipeline; the pipeline keeps its own human review
 * gate (the webhook only asks it to start).
 *
 * Request headers:
 * - `x-otel-ml-timestamp`: Unix seconds when the attempt was signed;
 * - `x-otel-ml-signature`: `sha256=` + hex HMAC-SHA256(secret, timestamp + "." + body), so a
 *   receiver verifies origin and integrity and can refuse stale timestamps (replays);
 * - `x-otel-ml-delivery`: one id per recommendation, the same on every retry (idempotency).
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { diag } from '@opentelemetry/api';
import type { ModelReport } from '../analysis/report-types.js';

export interface WebhookOptions {
  readonly url: string;
  readonly secret: string;
  /** Attempts per delivery, the first included (default 5). */
  readonly maxAttempts?: number;
  /** Delay before the first retry; doubles each retry up to `maxBackoffMs` (defaults 1 s, 60 s). */
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Per-attempt timeout (default 10 s). */
  readonly timeoutMs?: number;
  /** Deliveries waiting at most; the oldest is dropped when full (default 100). */
  readonly maxQueue?: number;
  /** Clock in ms (tests). */
  readonly clock?: () => number;
}

export interface WebhookStats {
  readonly delivered: number;
  /** Deliveries given up after `maxAttempts` or a non-retryable answer. */
  readonly failed: number;
  /** Deliveries dropped because the queue was full. */
  readonly dropped: number;
  readonly attempts: number;
  readonly pending: number;
}

/** The signature header value for a body signed at `timestamp` (Unix seconds). */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Receiver-side check of {@link signWebhook} in constant time. */
export function verifyWebhook(secret: string, timestamp: number, body: string, signature: string): boolean {
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const got = Buffer.from(signature);
  return expected.length === got.length && timingSafeEqual(expected, got);
}

/** How a delivery ended: delivered, given up (with why), or dropped because the webhook closed. */
export type DeliveryOutcome =
  { readonly ok: true } | { readonly ok: false; readonly closed: boolean; readonly detail: string };

export interface EnqueueOptions {
  /** The delivery id (`x-otel-ml-delivery`); a new UUID by default. Reuse it to deliver the same recommendation again. */
  readonly id?: string;
  /** Called once when the delivery ends (not called for a delivery still queued when a closed webhook drops it: `closed`). */
  readonly onDone?: (outcome: DeliveryOutcome) => void;
}

interface Delivery {
  readonly id: string;
  readonly body: string;
  readonly onDone?: (outcome: DeliveryOutcome) => void;
}

/** Retryable: network errors, timeouts, 408, 425, 429 and 5xx. */
const retryable = (status: number) => status === 408 || status === 425 || status === 429 || status >= 500;

export class RetrainWebhook {
  private readonly queue: Delivery[] = [];
  private running: Promise<void> | undefined;
  private closed = false;
  private wake: (() => void) | undefined;
  private readonly abort = new AbortController();
  private counts = { delivered: 0, failed: 0, dropped: 0, attempts: 0 };
  private readonly o: Required<Omit<WebhookOptions, 'clock'>> & { clock: () => number };

  constructor(opts: WebhookOptions) {
    const u = new URL(opts.url);
    if (u.protocol !== 'https:' && u.protocol !== 'http:')
      throw new Error(`retrain webhook: ${opts.url} is not an http(s) URL`);
    if (opts.secret === '') throw new Error('retrain webhook: the secret is empty');
    this.o = {
      maxAttempts: 5,
      initialBackoffMs: 1000,
      maxBackoffMs: 60_000,
      timeoutMs: 10_000,
      maxQueue: 100,
      clock: Date.now,
      ...opts,
    };
  }

  /** Queues a delivery of `payload` (JSON-serialisable); returns its delivery id. Never blocks. */
  enqueue(payload: unknown, opts: EnqueueOptions = {}): string {
    const d: Delivery = { id: opts.id ?? randomUUID(), body: JSON.stringify(payload), onDone: opts.onDone };
    if (this.closed) {
      this.counts.dropped++;
      d.onDone?.({ ok: false, closed: true, detail: 'the webhook is closed' });
      return d.id;
    }
    if (this.queue.length >= this.o.maxQueue) {
      this.queue
        .shift()!
        .onDone?.({ ok: false, closed: false, detail: `dropped: more than ${this.o.maxQueue} deliveries waiting` });
      this.counts.dropped++;
    }
    this.queue.push(d);
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
    return d.id;
  }

  stats(): WebhookStats {
    return { ...this.counts, pending: this.queue.length };
  }

  /** Resolves when the queue is empty and nothing is in flight. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Stops: waits at most `graceMs` for the queue to drain, then aborts and drops the rest. */
  async close(graceMs = 2000): Promise<void> {
    this.closed = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.idle(), new Promise<void>((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    this.abort.abort();
    this.wake?.();
    this.counts.dropped += this.queue.length;
    for (const d of this.queue.splice(0))
      d.onDone?.({ ok: false, closed: true, detail: 'the webhook closed before delivery' });
    await this.idle();
  }

  private async drain(): Promise<void> {
    // Bounded: every delivery leaves the queue after at most maxAttempts attempts.
    for (let d = this.queue.shift(); d !== undefined; d = this.queue.shift()) {
      const outcome = await this.deliver(d);
      // a delivery in flight when the webhook closed counts as failed here (the caller learns it was `closed`)
      if (outcome.ok) this.counts.delivered++;
      else this.counts.failed++;
      d.onDone?.(outcome);
    }
  }

  private async deliver(d: Delivery): Promise<DeliveryOutcome> {
    let detail = 'no attempt';
    for (let attempt = 1; attempt <= this.o.maxAttempts && !this.abort.signal.aborted; attempt++) {
      this.counts.attempts++;
      const ts = Math.floor(this.o.clock() / 1000);
      let status = 0;
      try {
        const res = await fetch(this.o.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-otel-ml-timestamp': String(ts),
            'x-otel-ml-signature': signWebhook(this.o.secret, ts, d.body),
            'x-otel-ml-delivery': d.id,
          },
          body: d.body,
          signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.o.timeoutMs)]),
        });
        status = res.status;
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) return { ok: true };
        detail = `answered ${status}`;
        if (!retryable(status)) {
          diag.warn(`otel-ml: retrain webhook answered ${status}; not retried`);
          return { ok: false, closed: false, detail: `${detail}; not retried` };
        }
      } catch (err) {
        detail = (err as Error).message;
        diag.debug(`otel-ml: retrain webhook attempt ${attempt} failed: ${detail}`);
      }
      if (attempt < this.o.maxAttempts)
        await this.sleep(Math.min(this.o.maxBackoffMs, this.o.initialBackoffMs * 2 ** (attempt - 1)));
    }
    if (this.abort.signal.aborted) return { ok: false, closed: true, detail: 'the webhook closed during delivery' };
    diag.warn(`otel-ml: retrain webhook delivery ${d.id} failed after ${this.o.maxAttempts} attempts`);
    return { ok: false, closed: false, detail: `${detail} (${this.o.maxAttempts} attempts)` };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      t.unref();
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
  }
}

/** The JSON body POSTed for a recommendation: who, which window, why, and the evidence. */
export function retrainPayload(r: ModelReport): Record<string, unknown> {
  return {
    type: 'ml.retrain.recommended',
    model: r.model,
    window: r.window,
    reference: r.reference,
    reasons: r.retrain?.reasons ?? [],
    details: r.retrain?.details ?? [],
    driftWindows: r.retrain?.driftWindows ?? 0,
    drifted: r.drifted,
    accuracy: r.retrain?.accuracy ?? null,
    accuracySource: r.retrain?.accuracySource ?? null,
    baselineAgeMs: r.retrain?.baselineAgeMs ?? null,
    attributionShift: r.attribution?.ranking ?? [],
    reviewRequired: true,
  };
}
