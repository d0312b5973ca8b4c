/**
 * What the receivers hand decoded OTLP metrics to. The processor's stream state implements
 * MetricsConsumer; the receivers only translate its answers into OTLP responses.
 */
import type { ConsumeResult, MetricsExport, TracesExport } from '../otlp/model.js';
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
 * What the receivers hand decoded OTLP traces to, when the processor consumes them (trace
 * samples); without one, trace exports are read and discarded.
 */
export interface TracesConsumer {
  /** Takes one decoded trace export; throw OverloadedError to make the sender retry later. */
  consumeTraces(exp: TracesExport): void;
}

export { OverloadedError } from '../model/errors.js';

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
