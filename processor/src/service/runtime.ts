/**
 * V8 settings of the long-running service (`otel-ml serve`).
 *
 * `--no-allocation-site-pretenuring`: a request of 1,000 histogram points allocates a few MiB
 * (points, bucket arrays, attributes, cursors) that are alive while it is applied. When a
 * young-generation collection finds most objects of an allocation site alive, V8 decides to
 * allocate that site's objects in the old generation from then on ("pretenuring"); for the
 * service that decision is wrong (the objects die with the request), and the old generation then
 * grows by megabytes per request: a full collection every request or two, with V8's helper
 * threads marking concurrently. Measured through the real HTTP path (`npm run bench:http`, 200
 * buckets, one request at a time): about 55,000 histogram points per CPU second of the service
 * with pretenuring and 100,000-140,000 without; full collections in 10 s: 102 against 1-4.
 *
 * Until this, the service set a fixed heap growing factor of 1.3 (`--heap-growing-percent=30`)
 * to bound RSS peaks of the old generation (docs/RELIABILITY.md). Any fixed factor (30, 50, 100)
 * made V8 start a full collection every few MiB of promotions: 26-100 per 10 s under that load,
 * and 40-50% less throughput. The peaks it bounded came from the pretenured allocations; without
 * them the old generation stays within a few MiB of its live size between collections.
 *
 * `OTEL_ML_V8_FLAGS` replaces these flags (space-separated V8 options; empty for V8's defaults).
 */
import { setFlagsFromString } from 'node:v8';

export const SERVICE_V8_FLAGS = '--no-allocation-site-pretenuring';

/** Applies the service's V8 flags (or `OTEL_ML_V8_FLAGS`); returns what was applied. */
export function applyServiceV8Flags(env: NodeJS.ProcessEnv = process.env): string[] {
  const flags = (env.OTEL_ML_V8_FLAGS ?? SERVICE_V8_FLAGS).split(/\s+/).filter(Boolean);
  for (const f of flags) setFlagsFromString(f);
  return flags;
}
