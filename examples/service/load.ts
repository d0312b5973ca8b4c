/**
 * Traffic for the example service: synthetic fraud-scoring requests (examples/demo/traffic.ts),
 * optionally drifted, with some feature values missing, and the true labels posted to /outcome.
 *
 *   npx tsx examples/service/load.ts --url http://127.0.0.1:8080 [--rows 2000] [--drift] [--missing amount=0.3]
 */
import { FEATURES, type Instance } from './model.js';
import { generate, type DriftPlan } from '../demo/traffic.js';
import { isMain } from './options.js';
import { parseArgs } from 'node:util';

export const NO_DRIFT: DriftPlan = { amountShift: 0, txShift: 0, concept: 0 };
/** Larger amounts, more transactions per day, and fraud that follows merchant risk more than the model knows. */
export const DRIFT: DriftPlan = { amountShift: 0.9, txShift: 2, concept: 1 };

export interface TrafficOptions {
  readonly url: string;
  readonly rows: number;
  readonly seed: number;
  readonly drift?: DriftPlan;
  /** Share of rows with the feature missing, per feature (a broken upstream pipeline). */
  readonly missing?: Partial<Record<(typeof FEATURES)[number], number>>;
  readonly batchSize?: number;
  /** Prefix of the prediction ids. */
  readonly idPrefix?: string;
}

export interface Labelled {
  readonly id: string;
  readonly label: boolean;
}

async function post(url: string, body: unknown): Promise<Response> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  if (res.status >= 500 || res.status === 400) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
  return res;
}

/** Sends `rows` predictions; returns their ids with the true labels (to post later with {@link sendOutcomes}). */
export async function sendPredictions(o: TrafficOptions): Promise<Labelled[]> {
  const { rows } = generate(o.rows, o.seed, o.drift ?? NO_DRIFT);
  let u = (o.seed * 2654435761) % 4294967296;
  const rand = () => (u = (u * 1664525 + 1013904223) % 4294967296) / 4294967296;
  const out: Labelled[] = [];
  const batch = o.batchSize ?? 20;
  for (let i = 0; i < rows.length; i += batch) {
    const instances = rows.slice(i, i + batch).map((r, k) => {
      const features: Instance = {};
      FEATURES.forEach((f, j) => {
        features[f] = rand() < (o.missing?.[f] ?? 0) ? null : r.features[j]!;
      });
      return { id: `${o.idPrefix ?? 's'}${o.seed}-${i + k}`, features };
    });
    const res = await post(`${o.url}/predict`, { instances });
    const { predictions } = (await res.json()) as { predictions: { id: string }[] };
    predictions.forEach((p, k) => out.push({ id: p.id, label: rows[i + k]!.label === 1 }));
  }
  return out;
}

/** Posts the true labels; returns how many were joined. */
export async function sendOutcomes(url: string, labelled: readonly Labelled[]): Promise<number> {
  let joined = 0;
  for (const l of labelled) if ((await post(`${url}/outcome`, l)).status === 202) joined++;
  return joined;
}

if (isMain(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: 'http://127.0.0.1:8080' },
      rows: { type: 'string', default: '2000' },
      seed: { type: 'string', default: '1' },
      drift: { type: 'boolean', default: false },
      missing: { type: 'string', multiple: true, default: [] },
    },
  });
  const missing = Object.fromEntries(values.missing.map((m) => m.split('=')).map(([f, r]) => [f, Number(r)]));
  sendPredictions({
    url: values.url,
    rows: Number(values.rows),
    seed: Number(values.seed),
    drift: values.drift ? DRIFT : NO_DRIFT,
    missing,
  })
    .then(async (labelled) => {
      const joined = await sendOutcomes(values.url, labelled);
      console.log(
        `${labelled.length} predictions, ${joined} outcomes joined${values.drift ? ' (drifted traffic)' : ''}`,
      );
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
