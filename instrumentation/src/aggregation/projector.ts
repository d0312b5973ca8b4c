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
  private directions: Float64Array | undefined;
  private center: Float64Array;
  private invScale: Float64Array;
  private readonly z: Float64Array;
  /** Projections of the latest row (valid after `project` returned true). */
  readonly out: Float64Array;
  private learned = 0;
  private readonly m2: Float64Array;
  private basisValue: ProjectionBasis | undefined;
  private basisIdValue: string | undefined;

  constructor(options: ProjectionOptions, numericFeatures: readonly string[], onInvalid: (detail: string) => void) {
    const k = options.count ?? DEFAULT_PROJECTION_COUNT;
    if (!Number.isInteger(k) || k < 1 || k > MAX_PROJECTIONS) throw new RangeError(`projections.count must be an integer in [1, ${MAX_PROJECTIONS}], got ${String(k)}`);
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
    this.invScale = new Float64Array(this.d);
    this.m2 = new Float64Array(this.d);
    this.z = new Float64Array(this.d);
    this.out = new Float64Array(k);
    const { center, scale } = options;
    if (center !== undefined || scale !== undefined) {
      const c: number[] = [];
      const s: number[] = [];
      for (const f of features) {
        const cv = center?.[f];
        const sv = scale?.[f];
        if (typeof cv !== 'number' || !Number.isFinite(cv) || typeof sv !== 'number' || !(sv > 0) || !Number.isFinite(sv)) {
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
    this.center = Float64Array.from(center);
    this.invScale = Float64Array.from(scale, (s) => 1 / s);
    this.directions = projectionDirections(this.seed, this.count, this.d);
    this.basisValue = { seed: this.seed, count: this.count, features: this.features, center: [...center], scale: [...scale] };
    this.basisIdValue = projectionBasisId(this.basisValue);
  }

  /**
   * Takes the raw values of the projected features (NaN where missing or not numeric). Returns
   * true when `out` holds the row's k projections; false for an incomplete row or while learning.
   */
  project(x: Float64Array): boolean {
    const d = this.d;
    for (let j = 0; j < d; j++) if (!Number.isFinite(x[j]!)) return false;
    const dirs = this.directions;
    if (dirs === undefined) {
      this.learn(x);
      return false;
    }
    const z = this.z;
    const c = this.center;
    const inv = this.invScale;
    for (let j = 0; j < d; j++) z[j] = (x[j]! - c[j]!) * inv[j]!;
    const out = this.out;
    const k = this.count;
    for (let i = 0, o = 0; i < k; i++, o += d) {
      let p = 0;
      for (let j = 0; j < d; j++) p += dirs[o + j]! * z[j]!;
      out[i] = p;
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
