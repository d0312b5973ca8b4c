/**
 * The simulated world of the scenario harness: a fraud-like binary classifier's traffic, window by
 * window, with one change switched on from a given window. Seeded: the same seed gives the same
 * rows. Everything a service would record per prediction is here: features, the score, the true
 * label (arriving in the same window), a business value and the inference latency.
 */
import { normal, rng } from '../helpers/synthetic.js';

/** What changes in the traffic from the scenario's `from` window on. */
export type Change =
  | 'none'
  | 'mean_shift'
  | 'scale_change'
  | 'complete_shift'
  | 'missingness_spike'
  | 'new_category'
  | 'concept_drift'
  | 'business_value_drop'
  | 'latency_regression'
  | 'seasonal_cycle'
  /** 10% of `age` values arrive as text ('n/a'). */
  | 'invalid_values'
  /** Every row carries an undeclared `coupon` key. */
  | 'unknown_feature';

export const COUNTRIES = ['DE', 'FR', 'US', 'UK'] as const;
const COUNTRY_WEIGHTS = [0.4, 0.3, 0.2, 0.1];
/** Unseen categories of the `new_category` change (NL most frequent). */
export const NEW_COUNTRIES = ['NL', 'BE', 'AT'] as const;

export interface WorldRow {
  readonly amount: number | null;
  readonly age: number;
  readonly country: string;
  readonly score: number;
  readonly label: 0 | 1;
  /** Revenue attributed to the prediction (`ml.business.value`, metric `revenue`). */
  readonly revenue: number;
  /** The value of `age` as sent: the number, or text of the wrong type. */
  readonly sentAge: number | string;
  /** An undeclared key sent with the features. */
  readonly coupon: string | null;
}

export interface WindowTraffic {
  readonly rows: readonly WorldRow[];
  /** Inference latency of each batch (seconds) and its row count. */
  readonly batches: readonly { readonly seconds: number; readonly rows: number }[];
}

export interface WindowSpec {
  /** 1-based window index. */
  readonly index: number;
  readonly rows: number;
  readonly seed: number;
  /** The change and whether it is on in this window. */
  readonly change: Change;
  readonly changed: boolean;
  /** seasonal_cycle: length of the cycle in windows. */
  readonly period?: number;
}

/** Amount of a seasonal cycle in window `index`: a log-mean offset (in SD) that repeats every `period` windows. */
export function seasonalOffset(index: number, period: number): number {
  return 1.2 * Math.sin((2 * Math.PI * ((index - 1) % period)) / period);
}

const logistic = (z: number) => 1 / (1 + Math.exp(-z));

/** One window of traffic. The reference (training) data is window 0 with no change. */
export function windowTraffic(w: WindowSpec): WindowTraffic {
  const r = rng(w.seed * 1_000_003 + w.index * 7919 + 17);
  const on = w.changed;
  const rows: WorldRow[] = [];
  for (let i = 0; i < w.rows; i++) {
    let logAmount = 3 + normal(r);
    if (on && w.change === 'mean_shift') logAmount += 0.8;
    if (w.change === 'seasonal_cycle' && w.period) logAmount += seasonalOffset(w.index, w.period);
    let age = 40 + 12 * normal(r);
    if (on && w.change === 'scale_change') age = 40 + 2.5 * (age - 40);
    if (on && w.change === 'complete_shift') age += 90;
    let u = r();
    let c = 0;
    while (c < COUNTRY_WEIGHTS.length - 1 && u >= COUNTRY_WEIGHTS[c]!) u -= COUNTRY_WEIGHTS[c++]!;
    let country: string = COUNTRIES[c]!;
    if (on && w.change === 'new_category') {
      const v = r();
      if (v < 0.15) country = NEW_COUNTRIES[0];
      else if (v < 0.2) country = NEW_COUNTRIES[1];
      else if (v < 0.22) country = NEW_COUNTRIES[2];
    }
    const z = -1 + 0.6 * (logAmount - 3) + 0.03 * (age - 40) + (country === 'US' ? 0.5 : 0);
    const score = logistic(z);
    // concept drift: the inputs and the scores stay, the truth no longer follows them
    const p = on && w.change === 'concept_drift' ? logistic(1 - 0.6 * (logAmount - 3)) : score;
    const label: 0 | 1 = r() < p ? 1 : 0;
    const missing = on && w.change === 'missingness_spike' ? 0.2 : 0.02;
    const amount = r() < missing ? null : Math.exp(logAmount);
    const margin = on && w.change === 'business_value_drop' ? 0.3 : 1;
    // revenue: a fee on each legitimate transaction the model lets through, a chargeback on missed fraud
    const approved = score < 0.5;
    const revenue = approved ? (label === 0 ? margin : -1) : 0;
    const sentAge = on && w.change === 'invalid_values' && r() < 0.1 ? 'n/a' : age;
    const coupon = on && w.change === 'unknown_feature' ? `C${i % 7}` : null;
    rows.push({ amount, age, country, score, label, revenue, sentAge, coupon });
  }
  const batches: { seconds: number; rows: number }[] = [];
  const slow = on && w.change === 'latency_regression' ? 2.5 : 1;
  for (let i = 0; i < w.rows; i += 4)
    batches.push({ seconds: 0.004 * slow * Math.exp(0.3 * normal(r)), rows: Math.min(4, w.rows - i) });
  return { rows, batches };
}

/** The reference data as CSV (for `otel-ml baseline`). */
export function referenceCsv(rows: number, seed: number): string {
  const t = windowTraffic({ index: 0, rows, seed: seed + 1_000, change: 'none', changed: false });
  const lines = ['amount,age,country,score,label'];
  for (const x of t.rows)
    lines.push(
      `${x.amount === null ? '' : x.amount.toFixed(4)},${x.age.toFixed(3)},${x.country},${x.score.toFixed(6)},${x.label}`,
    );
  return `${lines.join('\n')}\n`;
}
