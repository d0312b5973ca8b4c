/** Seeded synthetic tabular data for tests: a fraud-like binary classifier with known shifts. */
import { seededUniform as rng } from '../../processor/src/statistics/random.js';

export { rng };

export function normal(r: () => number): number {
  const u = Math.max(r(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

export interface SyntheticOptions {
  readonly rows: number;
  readonly seed: number;
  /** Mean shift of log(amount), in standard deviations. */
  readonly amountShift?: number;
  /** Share of rows whose amount is missing. */
  readonly missing?: number;
  /** Country mix override. */
  readonly countryWeights?: readonly number[];
}

export const COUNTRIES = ['DE', 'FR', 'US', 'UK'];

export interface SyntheticRow {
  readonly id: number;
  readonly amount: number | null;
  readonly age: number;
  readonly country: string;
  readonly score: number;
  readonly label: 0 | 1;
}

export function syntheticRows(o: SyntheticOptions): SyntheticRow[] {
  const r = rng(o.seed);
  const weights = o.countryWeights ?? [0.4, 0.3, 0.2, 0.1];
  const out: SyntheticRow[] = [];
  for (let i = 0; i < o.rows; i++) {
    const logAmount = 3 + (o.amountShift ?? 0) + normal(r);
    const age = 40 + 12 * normal(r);
    let u = r();
    let c = 0;
    while (c < weights.length - 1 && u >= weights[c]!) u -= weights[c++]!;
    const country = COUNTRIES[c]!;
    const z = -1 + 0.6 * (logAmount - 3) + 0.03 * (age - 40) + (country === 'US' ? 0.5 : 0);
    const score = 1 / (1 + Math.exp(-z));
    const label = r() < score ? 1 : 0;
    const amount = r() < (o.missing ?? 0.02) ? null : Math.exp(logAmount);
    out.push({ id: i, amount, age, country, score, label });
  }
  return out;
}

export function toCsv(rows: readonly SyntheticRow[]): string {
  const lines = ['id,amount,age,country,score,label'];
  for (const x of rows)
    lines.push(
      `${x.id},${x.amount === null ? '' : x.amount.toFixed(4)},${x.age.toFixed(3)},${x.country},${x.score.toFixed(6)},${x.label}`,
    );
  return `${lines.join('\n')}\n`;
}
