/**
 * V8 settings of the long-running service (`otel-ml serve`).
 *
 * Between two full collections V8 lets the old generation grow to its live size times a factor
 * it picks from the measured collection and allocation speeds, between 1.1 and 4. Under steady
 * ingest the service's live heap is 30-40 MiB, and the soak benchmark saw the old generation
 * reach 100 MiB before a full collection: RSS peaks 15-40% above its usual level, with nothing
 * leaking (docs/RELIABILITY.md). A fixed factor of 1.3 (`--heap-growing-percent=30`, V8's own
 * flag) bounds the peaks at the price of more frequent, mostly concurrent, full collections.
 *
 * `OTEL_ML_V8_FLAGS` replaces these flags (space-separated V8 options; empty for V8's defaults).
 */
import { setFlagsFromString } from 'node:v8';

export const SERVICE_V8_FLAGS = '--heap-growing-percent=30';

/** Applies the service's V8 flags (or `OTEL_ML_V8_FLAGS`); returns what was applied. */
export function applyServiceV8Flags(env: NodeJS.ProcessEnv = process.env): string[] {
  const flags = (env.OTEL_ML_V8_FLAGS ?? SERVICE_V8_FLAGS).split(/\s+/).filter(Boolean);
  for (const f of flags) setFlagsFromString(f);
  return flags;
}
