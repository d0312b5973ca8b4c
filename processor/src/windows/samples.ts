/**
 * Trace samples: per model and window, a bounded, evenly sampled reservoir of prediction spans
 * per bin of each score and feature stream, so that the bins that moved most in an evaluated
 * window can be named with traces of predictions that fell in them.
 *
 * - Bins are those of the drift statistic: the reference's decile edges of the stream (given by
 *   the caller once per window and stream, see streams/spans.ts), a value v going to the bin
 *   (e[j-1], e[j]] as the statistic counts raw rows; the category for categorical values. Where
 *   the statistic's edges differ from the ones known at ingest (a rolling reference refreshed, a
 *   coarser common resolution), the samples are still matched to the moved bins by value, so a
 *   moved bin may then find none.
 * - Each bin keeps `samplesPerBin` spans by reservoir sampling (Vitter's Algorithm R: the n-th
 *   span of the bin replaces a kept one with probability k/n), so each span of the window in that
 *   bin is equally likely to be kept, whatever the order and rate of arrival; rare bins keep
 *   theirs because the budget is per bin, not per stream.
 * - Memory is bounded and small: at most `maxBinsPerStream` bins per stream, `maxStreamsPerModel`
 *   streams per model and `maxModels` models; a sample is 40 bytes in one buffer per stream (trace
 *   id, span id, value, time; the category is the bin's key). Spans beyond a bound are counted,
 *   not kept.
 * - Reservoirs live in memory only: a restart starts them empty (the window's metrics survive in
 *   the state file, its samples do not).
 *
 * Reference: J. S. Vitter, "Random sampling with a reservoir", ACM TOMS 11(1), 1985 (Algorithm R).
 */
import { bucketIndex, seededUniform } from '@otel-ml/conventions';

export interface SampleOptions {
  /** Spans kept per bin of a stream. Default 2. */
  readonly samplesPerBin: number;
  /** Bins kept per stream: the decile bins of a numeric stream (11 with the tails), categories. Default 64. */
  readonly maxBinsPerStream: number;
  /** Streams per model: the score and this many features minus one. Default 64. */
  readonly maxStreamsPerModel: number;
  /** Models with a reservoir at once. Default 1,000. */
  readonly maxModels: number;
}

export const DEFAULT_SAMPLE_OPTIONS: SampleOptions = { samplesPerBin: 2, maxBinsPerStream: 64, maxStreamsPerModel: 64, maxModels: 1000 };

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
  /** 32 lowercase hex digits. */
  readonly traceId: string;
  /** 16 lowercase hex digits. */
  readonly spanId: string;
  /** The numeric value (score, numeric feature), or NaN for a category. */
  readonly value: number;
  /** The value as text: the category, or the number. */
  readonly text: string;
  /** Span end time, ms since the epoch. */
  readonly timeMs: number;
}

/** The stream of the score (`score`) or of one feature (`feature:<name>`). */
export const SCORE_STREAM = 'score';
export const featureStream = (name: string): string => `feature:${name}`;

/** Bytes of one sample in a stream's buffer: trace id 16, span id 8, value 8, time 8. */
const SAMPLE_BYTES = 40;

const binIndex = bucketIndex;

/** The bin key of a numeric value on edges (the bin (e[j-1], e[j]] is j; no edges: one bin). */
export function numericBin(value: number, edges: readonly number[] | undefined): number {
  return edges === undefined ? 0 : binIndex(edges, value);
}

/** Where a stream's bins are: numeric bin j → slot + 1 (0: none yet), categories by name. */
interface StreamBins {
  readonly numeric: number[];
  categories: Map<string, number> | undefined;
  count: number;
}

/** Samples by which the buffer of a window grows. */
const GROW_SAMPLES = 8;

function writeHex(out: Uint8Array, at: number, hex: string, bytes: number): void {
  for (let i = 0; i < bytes; i++) out[at + i] = (hexDigit(hex.charCodeAt(2 * i)) << 4) | hexDigit(hex.charCodeAt(2 * i + 1));
}
const hexDigit = (c: number): number => (c <= 57 ? c - 48 : (c | 32) - 87);

/**
 * The reservoirs of one model's window: per stream its bins, each bin a slot of `samplesPerBin`
 * samples in one buffer for the whole window (40 bytes a sample), and per slot the spans seen.
 */
export class WindowSamples {
  private readonly streams = new Map<string, StreamBins>();
  /** Spans of the window seen per slot (kept: min(seen, samplesPerBin)). */
  private readonly seen: number[] = [];
  private u8 = new Uint8Array(0);
  private f64 = new Float64Array(0);
  /** Bin edges of each stream for this window (see streams/spans.ts); null: none known; 'categorical': bins are the values. */
  readonly edges = new Map<string, readonly number[] | null | 'categorical'>();
  /** Spans not kept because a bound was reached. */
  refused = 0;

  constructor(
    readonly since: number,
    private readonly options: SampleOptions,
    private readonly random: () => number,
  ) {}

  /** The slot of a bin of a stream, created when the bounds allow (undefined otherwise). */
  private slot(stream: string, bin: number | string): number | undefined {
    let b = this.streams.get(stream);
    if (b === undefined) {
      if (this.streams.size >= this.options.maxStreamsPerModel) return undefined;
      this.streams.set(stream, (b = { numeric: [], categories: undefined, count: 0 }));
    }
    const existing = typeof bin === 'number' ? b.numeric[bin] : b.categories?.get(bin);
    if (existing !== undefined && existing > 0) return existing - 1;
    if (b.count >= this.options.maxBinsPerStream) return undefined;
    const s = this.seen.length;
    this.seen.push(0);
    b.count++;
    if (typeof bin === 'number') {
      for (let i = b.numeric.length; i < bin; i++) b.numeric.push(0);
      b.numeric[bin] = s + 1;
    } else (b.categories ??= new Map()).set(bin, s + 1);
    const need = (s + 1) * this.options.samplesPerBin * SAMPLE_BYTES;
    if (need > this.u8.length) {
      const grown = new Uint8Array(need + GROW_SAMPLES * SAMPLE_BYTES);
      grown.set(this.u8);
      this.u8 = grown;
      this.f64 = new Float64Array(grown.buffer);
    }
    return s;
  }

  /**
   * Offers one value of a prediction span to the bin `bin` of `stream` (a number from
   * {@link numericBin}, or the category). False when a bound refused it.
   */
  offer(stream: string, bin: number | string, traceId: string, spanId: string, value: number, timeMs: number): boolean {
    const s = this.slot(stream, bin);
    if (s === undefined) {
      this.refused++;
      return false;
    }
    const k = this.options.samplesPerBin;
    const n = ++this.seen[s]!;
    const j = n <= k ? n - 1 : Math.floor(this.random() * n);
    if (j >= k) return true;
    const o = (s * k + j) * SAMPLE_BYTES;
    writeHex(this.u8, o, traceId, 16);
    writeHex(this.u8, o + 16, spanId, 8);
    this.f64[(o + 24) / 8] = value;
    this.f64[(o + 32) / 8] = timeMs;
    return true;
  }

  private read(s: number, text: string | undefined): TraceSample[] {
    const k = this.options.samplesPerBin;
    const out: TraceSample[] = [];
    for (let j = 0; j < Math.min(this.seen[s]!, k); j++) {
      const o = (s * k + j) * SAMPLE_BYTES;
      const value = this.f64[(o + 24) / 8]!;
      out.push({
        traceId: Buffer.from(this.u8.buffer, this.u8.byteOffset + o, 16).toString('hex'),
        spanId: Buffer.from(this.u8.buffer, this.u8.byteOffset + o + 16, 8).toString('hex'),
        value,
        text: text ?? String(value),
        timeMs: this.f64[(o + 32) / 8]!,
      });
    }
    return out;
  }

  /** Kept samples in all bins of a stream. */
  all(stream: string): TraceSample[] {
    const b = this.streams.get(stream);
    if (b === undefined) return [];
    const out: TraceSample[] = [];
    for (const s of b.numeric) if (s > 0) out.push(...this.read(s - 1, undefined));
    for (const [c, s] of b.categories ?? []) out.push(...this.read(s - 1, c));
    return out;
  }

  /**
   * Up to `max` samples of `stream` in a drift bin: numeric (lower, upper] (a null edge is open),
   * or a category; newest first.
   */
  inBin(stream: string, bin: { readonly lower: number | null; readonly upper: number | null; readonly category?: string }, max: number): TraceSample[] {
    const b = this.streams.get(stream);
    if (b === undefined) return [];
    let found: TraceSample[];
    if (bin.category !== undefined) {
      const s = b.categories?.get(bin.category);
      found = s === undefined ? [] : this.read(s - 1, bin.category);
    } else {
      found = this.all(stream).filter((x) => !Number.isNaN(x.value) && (bin.lower === null || x.value > bin.lower) && (bin.upper === null || x.value <= bin.upper));
    }
    return found.sort((a, b2) => b2.timeMs - a.timeMs).slice(0, max);
  }

  /** Number of kept samples (all streams). */
  get size(): number {
    let n = 0;
    for (const x of this.seen) n += Math.min(x, this.options.samplesPerBin);
    return n;
  }
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

  /** The reservoir being filled for a model, started at `now` when it has none (undefined: too many models). */
  window(modelKey: string, now: number): WindowSamples | undefined {
    let w = this.models.get(modelKey);
    if (w === undefined) {
      if (this.models.size >= this.options.maxModels) return undefined;
      this.models.set(modelKey, (w = new WindowSamples(now, this.options, this.random)));
    }
    return w;
  }

  /** Offers a value (see {@link WindowSamples.offer}) to a model's window reservoir. */
  offer(w: WindowSamples | undefined, stream: string, bin: number | string, traceId: string, spanId: string, value: number, timeMs: number): void {
    this.offered++;
    if (w === undefined || !w.offer(stream, bin, traceId, spanId, value, timeMs)) this.refusedTotal++;
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

  /** The reservoir being filled for a model, if any. */
  current(modelKey: string): WindowSamples | undefined {
    return this.models.get(modelKey);
  }

  counts(): SampleCounts {
    let kept = 0;
    for (const w of this.models.values()) kept += w.size;
    return { offered: this.offered, refused: this.refusedTotal, models: this.models.size, kept };
  }
}
