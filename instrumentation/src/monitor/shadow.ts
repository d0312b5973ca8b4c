import type { ModelTask, PredictionOutput, SliceValues } from '../aggregation/types.js';
import type { ObservedCall, ShadowHandle, ShadowOptions } from './types.js';

/** What a shadow runner needs from its monitor. */
export interface ShadowHost {
  readonly task: ModelTask;
  predictedClass(out: PredictionOutput): string | undefined;
  recordShadowRows(outputs: readonly PredictionOutput[], ids: readonly string[], slices: SliceValues | undefined): void;
  recordShadowCall(seconds: number, errorType: string | undefined, rows: number): void;
  recordShadowComparison(result: 'agree' | 'disagree' | 'error', n: number): void;
  reportIssue(kind: 'shadow_error', detail: string): void;
  errorTypeOf(err: unknown): string;
  isPromiseLike(v: unknown): v is PromiseLike<unknown>;
}

type OutputMapping = (output: unknown, ...args: unknown[]) => readonly PredictionOutput[] | undefined;

/**
 * Runs a candidate model on a sample of the primary's calls, after the primary call returned
 * (scheduled with `setImmediate`, so never on the request path), compares per-row outputs and
 * records them under role shadow. Nothing it does can throw into the primary call.
 */
export class ShadowRunner implements ShadowHandle {
  private stopped = false;
  private inFlight = 0;
  private skippedCalls = 0;
  private readonly sampleRate: number;
  private readonly tolerance: number;
  private readonly maxConcurrent: number;

  constructor(
    private readonly host: ShadowHost,
    private readonly candidate: (...args: unknown[]) => unknown,
    private readonly options: ShadowOptions<unknown[], unknown>,
    private readonly onStop: () => void,
  ) {
    const rate = options.sampleRate ?? 1;
    this.sampleRate = Number.isFinite(rate) ? Math.min(1, Math.max(0, rate)) : 0;
    this.tolerance = options.tolerance ?? 0.05;
    this.maxConcurrent = options.maxConcurrent ?? 8;
  }

  get skipped(): number {
    return this.skippedCalls;
  }

  stop(): void {
    this.stopped = true;
    this.onStop();
  }

  /** Called after a successful primary call; maybe schedules the candidate. */
  offer(call: ObservedCall, primaryMapping: OutputMapping | undefined): void {
    if (this.stopped || this.sampleRate === 0 || (this.sampleRate < 1 && Math.random() >= this.sampleRate)) return;
    if (this.inFlight >= this.maxConcurrent) {
      this.skippedCalls++;
      return;
    }
    this.inFlight++;
    setImmediate(() => {
      void this.run(call, (this.options.outputs as OutputMapping | undefined) ?? primaryMapping).finally(() => {
        this.inFlight--;
      });
    });
  }

  private async run(call: ObservedCall, mapping: OutputMapping | undefined): Promise<void> {
    const rows = call.outputs.length;
    const start = performance.now();
    let output: unknown;
    try {
      output = this.candidate(...call.args);
      if (this.host.isPromiseLike(output)) output = await output;
    } catch (err) {
      this.host.recordShadowCall((performance.now() - start) / 1000, this.host.errorTypeOf(err), rows);
      this.host.recordShadowComparison('error', rows);
      this.host.reportIssue('shadow_error', `candidate failed: ${String(err)}`);
      return;
    }
    try {
      this.host.recordShadowCall((performance.now() - start) / 1000, undefined, 0);
      const outputs = mapping === undefined ? undefined : mapping(output, ...call.args);
      if (!Array.isArray(outputs)) {
        this.host.recordShadowComparison('error', rows);
        this.host.reportIssue('shadow_error', 'no outputs mapping for the candidate');
        return;
      }
      this.host.recordShadowRows(outputs, call.ids, call.slices);
      let agree = 0;
      let disagree = 0;
      let errors = 0;
      for (let i = 0; i < rows; i++) {
        const p = call.outputs[i];
        const c = outputs[i] as PredictionOutput | undefined;
        if (p === undefined || c === undefined) {
          errors++;
          continue;
        }
        if (this.agrees(p, c)) agree++;
        else disagree++;
      }
      if (agree > 0) this.host.recordShadowComparison('agree', agree);
      if (disagree > 0) this.host.recordShadowComparison('disagree', disagree);
      if (errors > 0) this.host.recordShadowComparison('error', errors);
    } catch (err) {
      this.host.recordShadowComparison('error', rows);
      this.host.reportIssue('shadow_error', `comparing outputs: ${String(err)}`);
    }
  }

  private agrees(p: PredictionOutput, c: PredictionOutput): boolean {
    if (this.options.agree !== undefined) return this.options.agree(p, c) === true;
    const task = this.host.task;
    if (task === 'regression') {
      const a = Number(p.prediction);
      const b = Number(c.prediction);
      return Number.isFinite(a) && Number.isFinite(b) && Math.abs(a - b) <= this.tolerance * Math.max(1, Math.abs(a));
    }
    if (task === 'ranking') {
      return (
        typeof p.score === 'number' && typeof c.score === 'number' && Math.abs(p.score - c.score) <= this.tolerance
      );
    }
    const a = this.host.predictedClass(p);
    return a !== undefined && a === this.host.predictedClass(c);
  }
}
