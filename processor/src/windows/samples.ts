/**
 * Trace samples: per model and window, a bounded, evenly sampled reservoir of prediction spans
 * per bin of each score and feature stream, so that the bins that moved most in an evaluated
 * window can be named with traces of predictions that fell in them.
 *
 * - A sample is kept per *fine* bin: the bucket the value falls into on the stream's own
 *   histogram layout in the open window (explicit boundaries, or the base-2 exponential scale),
 *   the category for categorical values. The drift statistic's bins (the reference's deciles at
 *   the common resolution, or the categories) are unions of those buckets, so every drift bin
 *   with rows in the window contains a fine bin that has samples. Before the window knows the
 *   layout (spans arrive before the first metrics export), values are put on exponential buckets
 *   at {@link FALLBACK_SCALE}.
 * - Each fine bin keeps `samplesPerBin` spans by reservoir sampling (Vitter's Algorithm R: the
 *   n-th span of the bin replaces a kept one with probability k/n), so each span of the window in
 *   that bin is equally likely to be kept, whatever the order and rate of arrival; rare bins keep
 *   theirs because the budget is per bin, not per stream.
 * - Memory is bounded: at most `maxBinsPerStream` fine bins per stream, `maxStreamsPerModel`
 *   streams per model and `maxModels` models; spans beyond a bound are counted, not kept.
 * - Reservoirs live in memory only: a restart starts them empty (the window's metrics survive
 *   in the state file, its samples do not).
 *
 * Reference: J. S. Vitter, "Random sampling with a reservoir", ACM TOMS 11(1), 1985 (Algorithm R).
 */
import { bucketIndex, exponentialIndex, seededUniform } from '@otel-ml/conventions';

export interface SampleOptions {
  /** Spans kept per fine bin of a stream. Default 2. */
  readonly samplesPerBin: number;
  /** Fine bins kept per stream (score, or one feature). Default 160 (the exponential histogram's usual size). */
  readonly maxBinsPerStream: number;
  /** Streams per model: the score and this many features minus one. Default 64. */
  readonly maxStreamsPerModel: number;
  /** Models with a reservoir at once. Default 1,000. */
  readonly maxModels: number;
}

export const DEFAULT_SAMPLE_OPTIONS: SampleOptions = { samplesPerBin: 2, maxBinsPerStream: 160, maxStreamsPerModel: 64, maxModels: 1000 };

/** Exponential scale of the fine bins of a numeric stream whose layout the window does not know yet (8 bins per doubling). */
export const FALLBACK_SCALE = 3;

/** The options with their defaults (other keys of `o` are ignored); a bound below 1 is a RangeError. */
export function sampleOptions(o: Partial<SampleOptions> = {}): SampleOptions {
  const d = DEFAULT_SAMPLE_OPTIONS;
  const out: SampleOptions = {
    samplesPerBin: o.samplesPerBin ?? d.samplesPerBin,
    maxBinsPerStream: o.maxBinsPerStream ?? d.maxBinsPerStream,
    maxStreamsPerModel: o.maxStreamsPerModel ?? d.maxStreamsPerModel,
    maxModels: o.maxModels ?? d.maxModels,
  };
  for (const [k, v] of Object.entries(out)) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`traces.${k} must be an integer >= 1, got ${v}`);
  }
  return out;
}

/** One sampled prediction: the span that carried it, the value it had on the stream. */
export interface TraceSample {
  readonly traceId: string;
  readonly spanId: string;
  /** ml.prediction.id, when the span or its feature event carried one. */
  readonly predictionId?: string;
  /** The numeric value (score, numeric feature), or NaN for a category. */
  readonly value: number;
  /** The value as the span carried it (a category, or the number's text). */
  readonly text: string;
  /** Span end time, ms since the epoch. */
  readonly timeMs: number;
}

/** How a stream's values are bucketed in the open window. */
export type SampleLayout =
  | { readonly kind: 'explicit'; readonly bounds: readonly number[] }
  | { readonly kind: 'exponential'; readonly scale: number };

/** The stream of the score (`score`) or of one feature (`feature:<name>`). */
export const SCORE_STREAM = 'score';
export const featureStream = (name: string): string => `feature:${name}`;

interface BinReservoir {
  /** Spans of the window that fell in this bin. */
  seen: number;
  readonly kept: TraceSample[];
}

/** The reservoirs of one model's window. */
export class WindowSamples {
  /** stream → fine bin key → reservoir */
  readonly streams = new Map<string, Map<string, BinReservoir>>();
  /** Spans not kept because a bound was reached. */
  refused = 0;

  constructor(readonly since: number) {}

  /** Kept samples in all bins of a stream (a test and the status page read it). */
  all(stream: string): TraceSample[] {
    const out: TraceSample[] = [];
    for (const r of this.streams.get(stream)?.values() ?? []) out.push(...r.kept);
    return out;
  }

  /**
   * Up to `max` samples of `stream` in a drift bin: numeric (lower, upper] (a null edge is open),
   * or a category. Spread over the fine bins inside it (one from each in turn), newest first within one.
   */
  inBin(stream: string, bin: { readonly lower: number | null; readonly upper: number | null; readonly category?: string }, max: number): TraceSample[] {
    const groups: TraceSample[][] = [];
    for (const r of this.streams.get(stream)?.values() ?? []) {
      const g = r.kept.filter((s) =>
        bin.category !== undefined ? s.text === bin.category : !Number.isNaN(s.value) && (bin.lower === null || s.value > bin.lower) && (bin.upper === null || s.value <= bin.upper),
      );
      if (g.length > 0) groups.push(g.sort((a, b) => b.timeMs - a.timeMs));
    }
    const out: TraceSample[] = [];
    for (let i = 0; out.length < max && groups.some((g) => i < g.length); i++) {
      for (const g of groups) if (i < g.length && out.length < max) out.push(g[i]!);
    }
    return out;
  }

  /** Number of kept samples (all streams). */
  get size(): number {
    let n = 0;
    for (const bins of this.streams.values()) for (const r of bins.values()) n += r.kept.length;
    return n;
  }
}

/** Fine bin key of a value on a layout (see the module comment). */
export function fineBin(value: number, layout: SampleLayout | undefined): string {
  if (layout?.kind === 'explicit') return `e${bucketIndex(layout.bounds, value)}`;
  const scale = layout?.kind === 'exponential' ? layout.scale : FALLBACK_SCALE;
  if (value === 0 || !Number.isFinite(value)) return `z${value}`;
  const i = exponentialIndex(Math.abs(value), scale);
  return `x${scale}${value < 0 ? '-' : '+'}${i}`;
}

export interface SampleCounts {
  /** Values offered to the reservoirs. */
  readonly offered: number;
  /** Offered values not kept because a bound (models, streams, bins) was reached. */
  readonly refused: number;
  /** Models with a reservoir now. */
  readonly models: number;
  /** Samples kept now. */
  readonly kept: number;
}

/** The reservoirs of all models, each for the window being filled; `take` hands one over when its window closes. */
export class SampleReservoirs {
  readonly options: SampleOptions;
  private readonly models = new Map<string, WindowSamples>();
  private readonly random: () => number;
  private offered = 0;
  private refusedTotal = 0;

  constructor(options: Partial<SampleOptions> = {}, seed = 0x5eed) {
    this.options = sampleOptions(options);
    this.random = seededUniform(seed);
  }

  /**
   * Offers one value of a prediction span: `bin` is its fine bin (see {@link fineBin}, or the
   * category), `now` the arrival time (starts the model's reservoir).
   */
  offer(modelKey: string, stream: string, bin: string, sample: TraceSample, now: number): void {
    this.offered++;
    let w = this.models.get(modelKey);
    if (w === undefined) {
      if (this.models.size >= this.options.maxModels) return this.refuse(undefined);
      this.models.set(modelKey, (w = new WindowSamples(now)));
    }
    let bins = w.streams.get(stream);
    if (bins === undefined) {
      if (w.streams.size >= this.options.maxStreamsPerModel) return this.refuse(w);
      w.streams.set(stream, (bins = new Map()));
    }
    let r = bins.get(bin);
    if (r === undefined) {
      if (bins.size >= this.options.maxBinsPerStream) return this.refuse(w);
      bins.set(bin, (r = { seen: 0, kept: [] }));
    }
    r.seen++;
    const k = this.options.samplesPerBin;
    if (r.kept.length < k) r.kept.push(sample);
    else {
      const j = Math.floor(this.random() * r.seen);
      if (j < k) r.kept[j] = sample;
    }
  }

  private refuse(w: WindowSamples | undefined): void {
    this.refusedTotal++;
    if (w !== undefined) w.refused++;
  }

  /** The samples of a model's window that just closed; its next window starts empty. */
  take(modelKey: string): WindowSamples | undefined {
    const w = this.models.get(modelKey);
    this.models.delete(modelKey);
    return w;
  }

  /** Forgets reservoirs started before `before` (models whose windows no longer close: gone, or never sent metrics). */
  prune(before: number): void {
    for (const [k, w] of this.models) if (w.since < before) this.models.delete(k);
  }

  /** The reservoir being filled for a model (read-only use). */
  current(modelKey: string): WindowSamples | undefined {
    return this.models.get(modelKey);
  }

  counts(): SampleCounts {
    let kept = 0;
    for (const w of this.models.values()) kept += w.size;
    return { offered: this.offered, refused: this.refusedTotal, models: this.models.size, kept };
  }
}
