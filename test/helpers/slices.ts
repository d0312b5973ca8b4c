/**
 * Seeded traffic of a model over five slices (`ml.slice.region` = a..e, 20% each), for the
 * per-slice drift tests and `npm run bench:slices`: four standard-normal features, a categorical
 * plan and a score from a logistic model of them; optionally a shift confined to one slice.
 */
import { rng, normal } from './synthetic.js';

export const REGIONS = ['a', 'b', 'c', 'd', 'e'] as const;
export const PLANS = ['free', 'basic', 'pro'] as const;
export const FEATURES = [
  { name: 'x1', type: 'numeric' as const },
  { name: 'x2', type: 'numeric' as const },
  { name: 'x3', type: 'numeric' as const },
  { name: 'x4', type: 'numeric' as const },
  { name: 'plan', type: 'categorical' as const, categories: [...PLANS] },
];

export interface SliceRow {
  readonly features: { x1: number; x2: number; x3: number; x4: number; plan: string };
  readonly score: number;
  readonly region: string;
}

export interface SliceTrafficOptions {
  readonly seed: number;
  /** Rows per slice. */
  readonly rowsPerSlice: number;
  /** The slice whose x1 moves, and by how many standard deviations. */
  readonly shift?: { readonly region: string; readonly x1: number };
}

/** Rows of one window, slices interleaved. */
export function sliceTraffic(o: SliceTrafficOptions): SliceRow[] {
  const r = rng(o.seed);
  const out: SliceRow[] = [];
  for (let i = 0; i < o.rowsPerSlice; i++) {
    for (const region of REGIONS) {
      const x1 = normal(r) + (o.shift !== undefined && o.shift.region === region ? o.shift.x1 : 0);
      const x2 = normal(r);
      const x3 = normal(r);
      const x4 = normal(r);
      const u = r();
      const plan = u < 0.5 ? 'free' : u < 0.8 ? 'basic' : 'pro';
      const z = -0.5 + 0.8 * x1 + 0.4 * x2 - 0.3 * x3 + (plan === 'pro' ? 0.5 : 0);
      out.push({ features: { x1, x2, x3, x4, plan }, score: 1 / (1 + Math.exp(-z)), region });
    }
  }
  return out;
}
