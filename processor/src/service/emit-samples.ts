/**
 * The trace samples in the `ml.drift.detected` event: per moved bin of the score and of each
 * drifted feature, the sampled traces (`traces` in the details), and all of them once in
 * `ml.drift.trace_ids`. Nothing without trace samples.
 */
import type { Attributes } from '@opentelemetry/api';
import { ATTR_ML_DRIFT_TRACE_IDS } from '@otel-ml/conventions';
import type { BinShare, ModelReport } from '../analysis/report-types.js';

const round = (v: number) => Math.round(v * 10_000) / 10_000;

/** The `traces` of a moved bin in the event details (absent without trace samples). */
export function binTraces(b: BinShare): { traces?: string[] } {
  return b.traces === undefined ? {} : { traces: b.traces.map((t) => t.traceId) };
}

/** Event details of the score's moved bins with their traces; undefined without samples. */
export function scoreSamplesDetail(r: ModelReport): { topMovers: unknown[] } | undefined {
  const movers = r.prediction.score?.topMovers ?? [];
  if (!movers.some((b) => b.traces !== undefined)) return undefined;
  return {
    topMovers: movers.map((b) => ({
      bin: b.label,
      reference: round(b.reference),
      current: round(b.current),
      ...binTraces(b),
    })),
  };
}

/** `ml.drift.trace_ids`: the traces of the score's and the drifted features' moved bins, each once. */
export function traceIdsAttribute(r: ModelReport): Attributes {
  const ids = new Set<string>();
  for (const d of [r.prediction.score, ...r.drifted.map((n) => r.features[n])])
    for (const b of d?.topMovers ?? []) for (const t of b.traces ?? []) ids.add(t.traceId);
  return ids.size > 0 ? { [ATTR_ML_DRIFT_TRACE_IDS]: [...ids] } : {};
}
