/**
 * What the receivers hand decoded OTLP metrics to. The processor's stream state implements
 * MetricsConsumer; the receivers only translate its answers into OTLP responses.
 */
import type { ConsumeResult, MetricsExport } from '../otlp/model.js';
import type { Rejection } from '../otlp/validate.js';

export type { ConsumeResult } from '../otlp/model.js';

export interface ReceiveContext {
  readonly transport: 'http' | 'grpc';
  readonly encoding: 'protobuf' | 'json';
  /** Points the decoder already dropped as invalid (not part of the export), by reason and metric. */
  readonly decodeRejections: readonly Rejection[];
  readonly decodeRejectedDataPoints: number;
}

export interface MetricsConsumer {
  /**
   * Takes one decoded export. Return how many of its points were refused (and why) for an OTLP
   * partial success; throw OverloadedError to make the sender retry later.
   */
  consume(exp: MetricsExport, ctx: ReceiveContext): ConsumeResult | Promise<ConsumeResult>;
}

/**
 * Thrown by a consumer (or raised by a receiver's in-flight limit) when it cannot take data now.
 * `throttled` asks the client to slow down (HTTP 429 / gRPC RESOURCE_EXHAUSTED), `unavailable`
 * reports a temporary outage (HTTP 503 / gRPC UNAVAILABLE); both carry a retry delay, which OTLP
 * clients honour (HTTP Retry-After header, gRPC google.rpc.RetryInfo).
 */
export class OverloadedError extends Error {
  override readonly name = 'OverloadedError';

  constructor(
    readonly retryAfterSeconds: number,
    readonly kind: 'throttled' | 'unavailable' = 'unavailable',
    message = kind === 'throttled' ? 'too many requests' : 'temporarily unavailable',
  ) {
    super(message);
  }
}

/** Counts concurrent requests; `tryAcquire` fails when `max` are already being handled. */
export class InFlightLimiter {
  private active = 0;

  constructor(readonly max: number) {
    if (!(max >= 1)) throw new RangeError('max in-flight requests must be >= 1');
  }

  get inFlight(): number {
    return this.active;
  }

  tryAcquire(): boolean {
    if (this.active >= this.max) return false;
    this.active++;
    return true;
  }

  release(): void {
    if (this.active > 0) this.active--;
  }
}
