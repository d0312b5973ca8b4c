/**
 * Synthetic fraud-scoring traffic: six numeric features, a logistic model whose scores are
 * calibrated on the training distribution, and drift that moves inputs (covariate shift) and the
 * relationship between inputs and fraud (concept drift).
 */
import type { LogisticModelSpec } from '../models/onnx-model.js';
import { seededUniform as rng } from '../../processor/src/statistics/random.js';

export const FEATURES = ['amount', 'age', 'account_age_days', 'tx_24h', 'merchant_risk', 'hour'] as const;

/** The served model: sigmoid(w . x + b), calibrated for the training distribution. */
export const MODEL_SPEC: LogisticModelSpec = { weights: [0.006, -0.02, -0.002, 0.25, 2.2, 0.01], bias: -3.1 };

export interface DriftPlan {
  /** Shift of log(amount). */
  readonly amountShift: number;
  /** Extra transactions in the last 24 h. */
  readonly txShift: number;
  /** 0: fraud follows the model; 1: fraud depends more on merchant risk than the model knows. */
  readonly concept: number;
}

export interface TrafficRow {
  readonly features: number[];
  readonly label: 0 | 1;
  readonly score: number;
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

export function generate(n: number, seed: number, drift: DriftPlan): { rows: TrafficRow[]; csv: string } {
  const r = rng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(Math.max(r(), 1e-12))) * Math.cos(2 * Math.PI * r());
  const poisson = (lambda: number) => {
    let k = 0;
    let p = Math.exp(-lambda);
    let s = p;
    const u = r();
    while (u > s && k < 200) {
      p *= lambda / ++k;
      s += p;
    }
    return k;
  };
  const rows: TrafficRow[] = [];
  const lines = [`${FEATURES.join(',')},score,label`];
  for (let i = 0; i < n; i++) {
    const amount = Math.exp(3.6 + drift.amountShift + 0.9 * gauss());
    const age = Math.max(18, 41 + 13 * gauss());
    const accountAge = Math.max(0, Math.round(-400 * Math.log(Math.max(r(), 1e-9))));
    const tx = poisson(2 + drift.txShift);
    const risk = Math.min(1, Math.max(0, r() ** 2));
    const hour = Math.floor(r() * 24);
    const x = [amount, age, accountAge, tx, risk, hour];
    const score = sigmoid(x.reduce((z, v, k) => z + v * MODEL_SPEC.weights[k]!, MODEL_SPEC.bias));
    const truth = sigmoid(Math.log(score / (1 - score)) + drift.concept * (2.5 * risk - 0.8));
    const label: 0 | 1 = r() < truth ? 1 : 0;
    rows.push({ features: x, label, score });
    lines.push(
      `${x.map((v) => (Number.isInteger(v) ? String(v) : v.toFixed(4))).join(',')},${score.toFixed(6)},${label}`,
    );
  }
  return { rows, csv: `${lines.join('\n')}\n` };
}
