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
 * - Each bin keeps `samplesPerBin` spans by bottom-k (priority) sampling: every span draws one
 *   uniform key, and a bin keeps the spans with the k smallest keys among those that fell in it,
 *   a uniform sample without replacement of them, whatever the order and rate of arrival; rare
 *   bins keep theirs because the budget is per bin, not per stream. Once every bin a stream can
 *   have (its edges plus one) is full, a span whose key is above all the kept ones enters none,
 *   and its value is not read at all: the cost per span falls as the window fills.
 * - Memory is bounded and small: at most `maxBinsPerStream` bins per stream, `maxStreamsPerModel`
 *   streams per model and `maxModels` models; a sample is 40 bytes in one buffer per model window (trace
 *   id, span id, value, end time, key; the category is the bin's key). Spans beyond a bound are counted,
 *   not kept.
 * - Reservoirs live in memory only: a restart starts them empty (the window's metrics survive in
 *   the state file, its samples do not).
 *
 * Reference: E. Cohen, H. Kaplan, "Summarizing data using bottom-k sketches", PODC 2007 (a
 * bottom-k sample of uniform keys is a uniform sample without replacement).
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

export const DEFAULT_SAMPLE_OPTIONS: SampleOptions = {
  samplesPerBin: 2,
  maxBinsPerStream: 64,
  maxStreamsPerModel: 64,
  maxModels: 1000,
};

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

/** Bytes of one sample in a window's buffer: trace id 16, span id 8, value 8, end time 4 (s), priority key 4. */
const SAMPLE_BYTES = 40;
// layout: trace id [0, 16), span id [16, 24), value float64 [24, 32), end time uint32 s [32, 36), key float32 [36, 40)

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
  /** Bins the stream can have: its edges plus one; Infinity for categories (new ones may come). */
  readonly bins: number;
  /** Slots holding samplesPerBin samples. */
  full: number;
  /** The largest key kept in any bin once every bin is full (a span above it enters none); 1 before. */
  threshold: number;
}

/** Samples by which the buffer of a window grows. */
const GROW_SAMPLES = 8;

function writeHex(out: Uint8Array, at: number, hex: string, bytes: number): void {
  for (let i = 0; i < bytes; i++)
    out[at + i] = (hexDigit(hex.charCodeAt(2 * i)) << 4) | hexDigit(hex.charCodeAt(2 * i + 1));
}
const hexDigit = (c: number): number => (c <= 57 ? c - 48 : (c | 32) - 87);

/**
 * The reservoirs of one model's window: per stream its bins, each bin a slot of `samplesPerBin`
 * samples in one buffer for the whole window (40 bytes a sample: trace id, span id, value, end
 * time in seconds, priority key).
 */
export class WindowSamples {
  private readonly streams = new Map<string, StreamBins>();
  /** Samples kept per slot. */
  private readonly kept: number[] = [];
  private u8 = new Uint8Array(0);
  private f64 = new Float64Array(0);
  private u32 = new Uint32Array(0);
  private f32 = new Float32Array(0);
  /** Bin edges of each stream for this window (see streams/spans.ts); null: none known; 'categorical': bins are the values. */
  readonly edges = new Map<string, readonly number[] | null | 'categorical'>();
  /** Spans not kept because a bound was reached. */
  refused = 0;

  constructor(
    readonly since: number,
    private readonly options: SampleOptions,
  ) {}

  /**
   * True when a span with priority key `u` cannot enter any bin of `stream`: every bin the stream
   * can have holds its samples, all with smaller keys. Its value need not even be read.
   */
  skips(stream: string, u: number): boolean {
    const b = this.streams.get(stream);
    return b !== undefined && u >= b.threshold;
  }

  /** The slot of a bin of a stream, created when the bounds allow (undefined otherwise). */
  private slot(stream: string, bin: number | string): { readonly b: StreamBins; readonly s: number } | undefined {
    let b = this.streams.get(stream);
    if (b === undefined) {
      if (this.streams.size >= this.options.maxStreamsPerModel) return undefined;
      const e = this.edges.get(stream);
      const bins = Array.isArray(e) ? e.length + 1 : e === null ? 1 : Infinity;
      this.streams.set(stream, (b = { numeric: [], categories: undefined, count: 0, bins, full: 0, threshold: 1 }));
    }
    const existing = typeof bin === 'number' ? b.numeric[bin] : b.categories?.get(bin);
    if (existing !== undefined && existing > 0) return { b, s: existing - 1 };
    if (b.count >= this.options.maxBinsPerStream) return undefined;
    const s = this.kept.length;
    this.kept.push(0);
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
      this.u32 = new Uint32Array(grown.buffer);
      this.f32 = new Float32Array(grown.buffer);
    }
    return { b, s };
  }

  /** The largest key kept in slot `s` and where it is. */
  private largest(s: number): { readonly j: number; readonly u: number } {
    const k = this.options.samplesPerBin;
    let j = 0;
    let u = -1;
    for (let i = 0; i < this.kept[s]!; i++) {
      const x = this.f32[((s * k + i) * SAMPLE_BYTES + 36) / 4]!;
      if (x > u) {
        u = x;
        j = i;
      }
    }
    return { j, u };
  }

  /** Once every bin of the stream is full: the largest key kept in any of them. */
  private refresh(b: StreamBins): void {
    if (b.full < b.bins) return;
    let t = 0;
    for (const s of b.numeric) if (s > 0) t = Math.max(t, this.largest(s - 1).u);
    b.threshold = t;
  }

  /**
   * Offers one value of a prediction span with priority key `u` (uniform in [0, 1), drawn once per
   * span) to the bin `bin` of `stream` (a number from {@link numericBin}, or the category). False
   * when a bound refused it.
   */
  offer(
    stream: string,
    bin: number | string,
    u: number,
    traceId: string,
    spanId: string,
    value: number,
    timeMs: number,
  ): boolean {
    const at = this.slot(stream, bin);
    if (at === undefined) {
      this.refused++;
      return false;
    }
    const { b, s } = at;
    const k = this.options.samplesPerBin;
    let j: number;
    if (this.kept[s]! < k) {
      j = this.kept[s]!++;
      // (a category in a numeric stream, a value that is not a number, does not count towards its bins)
      if (this.kept[s] === k && typeof bin === 'number') b.full++;
    } else {
      const top = this.largest(s);
      if (u >= top.u) return true;
      j = top.j;
    }
    const o = (s * k + j) * SAMPLE_BYTES;
    writeHex(this.u8, o, traceId, 16);
    writeHex(this.u8, o + 16, spanId, 8);
    this.f64[(o + 24) / 8] = value;
    this.u32[(o + 32) / 4] = Math.floor(timeMs / 1000);
    // the key as stored (float32), so that comparisons with it agree
    this.f32[(o + 36) / 4] = u;
    this.refresh(b);
    return true;
  }

  private read(s: number, text: string | undefined): TraceSample[] {
    const k = this.options.samplesPerBin;
    const out: TraceSample[] = [];
    for (let j = 0; j < this.kept[s]!; j++) {
      const o = (s * k + j) * SAMPLE_BYTES;
      const value = this.f64[(o + 24) / 8]!;
      out.push({
        traceId: Buffer.from(this.u8.buffer, this.u8.byteOffset + o, 16).toString('hex'),
        spanId: Buffer.from(this.u8.buffer, this.u8.byteOffset + o + 16, 8).toString('hex'),
        value,
        text: text ?? String(value),
        timeMs: this.u32[(o + 32) / 4]! * 1000,
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
  inBin(
    stream: string,
    bin: { readonly lower: number | null; readonly upper: number | null; readonly category?: string },
    max: number,
  ): TraceSample[] {
    const b = this.streams.get(stream);
    if (b === undefined) return [];
    let found: TraceSample[];
    if (bin.category !== undefined) {
      const s = b.categories?.get(bin.category);
      found = s === undefined ? [] : this.read(s - 1, bin.category);
    } else {
      found = this.all(stream).filter(
        (x) =>
          !Number.isNaN(x.value) &&
          (bin.lower === null || x.value > bin.lower) &&
          (bin.upper === null || x.value <= bin.upper),
      );
    }
    return found.sort((a, b2) => b2.timeMs - a.timeMs).slice(0, max);
  }

  /** Number of kept samples (all streams). */
  get size(): number {
    let n = 0;
    for (const x of this.kept) n += x;
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
      this.models.set(modelKey, (w = new WindowSamples(now, this.options)));
    }
    return w;
  }

  /** A span's priority key: uniform in [0, 1), one per span for all its values. */
  priority(): number {
    return this.random();
  }

  /** Offers a value (see {@link WindowSamples.offer}) to a model's window reservoir. */
  offer(
    w: WindowSamples | undefined,
    stream: string,
    bin: number | string,
    u: number,
    traceId: string,
    spanId: string,
    value: number,
    timeMs: number,
  ): void {
    this.offered++;
    if (w === undefined || !w.offer(stream, bin, u, traceId, spanId, value, timeMs)) this.refusedTotal++;
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
