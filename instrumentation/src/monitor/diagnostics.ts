import { diag } from '@opentelemetry/api';
import type { IssueKind } from '../aggregation/types.js';

/**
 * Reports counted input problems through the OpenTelemetry `diag` logger without flooding it:
 * the 1st, 2nd, 4th, 8th, ... occurrence of each kind is logged (log2(n) lines for n problems).
 */
export function issueReporter(
  model: string,
): (kind: IssueKind | 'mapping_error' | 'shadow_error', detail: string) => void {
  const counts = new Map<string, number>();
  return (kind, detail) => {
    const n = (counts.get(kind) ?? 0) + 1;
    counts.set(kind, n);
    if ((n & (n - 1)) === 0)
      diag.warn(`@otel-ml/instrumentation: model "${model}": ${kind} (${n} so far): ${detail.slice(0, 200)}`);
  };
}
