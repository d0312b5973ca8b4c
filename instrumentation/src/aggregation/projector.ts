import {
  DEFAULT_PROJECTION_COUNT,
  DEFAULT_PROJECTION_SEED,
  projectionBasisId,
  projectionDirections,
  type ProjectionBasis,
} from '@otel-ml/conventions';
import type { ProjectionOptions } from './types.js';

/** Upper bound of k (each projection is one histogram series per attribute set). */
export const MAX_PROJECTIONS = 256;
const DEFAULT_LEARN_ROWS = 1000;

/**
 * Projects rows of d numeric features on k seeded unit directions after standardizing them
 * (`ml.feature.projection`; formula in `projection.ts` of `@otel-ml/conventions`). The
 * standardization is given, or learned (mean and standard deviation, Welford's algorithm) from
 * the first `learnRows` complete rows; nothing is projected before it is fixed.
 */
export class Projector {
  readonly count: number;
  readonly seed: number;
  /** Projected feature names, in order. */
  readonly features: readonly string[];
  private readonly d: number;
  private readonly learnRows: number;
  /**
   * The directions with the standardization folded in: weights w_ij = u_ij / scale_j and offsets
   * b_i = sum_j w_ij center_j, so p_i = sum_j w_ij x_j - b_i. The weights are stored in blocks of
   * four directions, feature-major within a block (w[(q*d + j)*4 + r] for direction 4q + r, zero
   * for the padding of the last block), so that one pass over a row's features feeds four
   * independent sums: a quarter of the loads of x and of the loop overhead.
   */
  private weights: Float64Array | undefined;
  private offsets: Float64Array | undefined;
  /** Running mean while learning. */
  private center: Float64Array;
  /** Projections of the latest row (valid after `project` returned true). */
  readonly out: Float64Array;
  private learned = 0;
  private readonly m2: Float64Array;
  private basisValue: ProjectionBasis | undefined;
  private basisIdValue: string | undefined;

  constructor(options: ProjectionOptions, numericFeatures: readonly string[], onInvalid: (detail: string) => void) {
    const k = options.count ?? DEFAULT_PROJECTION_COUNT;
    if (!Number.isInteger(k) || k < 1 || k > MAX_PROJECTIONS)
      throw new RangeError(`projections.count must be an integer in [1, ${MAX_PROJECTIONS}], got ${String(k)}`);
    const seed = options.seed ?? DEFAULT_PROJECTION_SEED;
    if (!Number.isInteger(seed)) throw new RangeError(`projections.seed must be an integer, got ${String(seed)}`);
    const known = new Set(numericFeatures);
    const features = (options.features ?? numericFeatures).filter((f) => {
      if (known.has(f)) return true;
      onInvalid(`projections: ${f} is not a declared numeric feature; left out`);
      return false;
    });
    if (features.length < 2) throw new RangeError('projections need at least two numeric features');
    this.count = k;
    this.seed = seed >>> 0;
    this.features = features;
    this.d = features.length;
    this.learnRows = Math.max(2, Math.floor(options.learnRows ?? DEFAULT_LEARN_ROWS));
    this.center = new Float64Array(this.d);
    this.m2 = new Float64Array(this.d);
    this.out = new Float64Array(k);
    const { center, scale } = options;
    if (center !== undefined || scale !== undefined) {
      const c: number[] = [];
      const s: number[] = [];
      for (const f of features) {
        // arrays are indexed by position (embedding components are named by their index)
        const cv = (center as Readonly<Record<string, number>> | undefined)?.[f];
        const sv = (scale as Readonly<Record<string, number>> | undefined)?.[f];
        if (
          typeof cv !== 'number' ||
          !Number.isFinite(cv) ||
          typeof sv !== 'number' ||
          !(sv > 0) ||
          !Number.isFinite(sv)
        ) {
          throw new RangeError(`projections: center and scale must give a finite center and a positive scale for ${f}`);
        }
        c.push(cv);
        s.push(sv);
      }
      this.fix(c, s);
    }
  }

  /** The basis once the standardization is fixed. */
  get basis(): ProjectionBasis | undefined {
    return this.basisValue;
  }

  /** `ml.feature.projection.basis` once the standardization is fixed. */
  get basisId(): string | undefined {
    return this.basisIdValue;
  }

  private fix(center: readonly number[], scale: readonly number[]): void {
    const k = this.count;
    const d = this.d;
    const u = projectionDirections(this.seed, k, d);
    const w = new Float64Array(Math.ceil(k / 4) * 4 * d);
    const b = new Float64Array(k);
    for (let i = 0; i < k; i++) {
      const at = (i >> 2) * 4 * d + (i & 3);
      for (let j = 0; j < d; j++) {
        const wij = u[i * d + j]! / scale[j]!;
        w[at + j * 4] = wij;
        b[i]! += wij * center[j]!;
      }
    }
    this.weights = w;
    this.offsets = b;
    this.basisValue = {
      seed: this.seed,
      count: this.count,
      features: this.features,
      center: [...center],
      scale: [...scale],
    };
    this.basisIdValue = projectionBasisId(this.basisValue);
  }

  /**
   * Takes the raw values of the projected features (NaN where missing or not numeric). Returns
   * true when `out` holds the row's k projections; false for an incomplete row or while learning.
   */
  project(x: Float64Array): boolean {
    const d = this.d;
    for (let j = 0; j < d; j++) if (!Number.isFinite(x[j]!)) return false;
    const w = this.weights;
    if (w === undefined) {
      this.learn(x);
      return false;
    }
    const out = this.out;
    const k = this.count;
    const b = this.offsets!;
    // a block of four directions per pass over the features: four independent sums, each in feature order
    for (let q = 0, t = 0; q < k; q += 4) {
      let p0 = 0;
      let p1 = 0;
      let p2 = 0;
      let p3 = 0;
      for (let j = 0; j < d; j++, t += 4) {
        const xj = x[j]!;
        p0 += w[t]! * xj;
        p1 += w[t + 1]! * xj;
        p2 += w[t + 2]! * xj;
        p3 += w[t + 3]! * xj;
      }
      out[q] = p0 - b[q]!;
      if (q + 1 < k) out[q + 1] = p1 - b[q + 1]!;
      if (q + 2 < k) out[q + 2] = p2 - b[q + 2]!;
      if (q + 3 < k) out[q + 3] = p3 - b[q + 3]!;
    }
    return true;
  }

  private learn(x: Float64Array): void {
    const n = ++this.learned;
    for (let j = 0; j < this.d; j++) {
      const delta = x[j]! - this.center[j]!;
      this.center[j]! += delta / n;
      this.m2[j]! += delta * (x[j]! - this.center[j]!);
    }
    if (n < this.learnRows) return;
    const center = Array.from(this.center);
    // a constant feature gets scale 1 (its standardized value is then always 0)
    const scale = Array.from(this.m2, (m) => {
      const sd = Math.sqrt(m / (n - 1));
      return sd > 0 && Number.isFinite(sd) ? sd : 1;
    });
    this.fix(center, scale);
  }
}
