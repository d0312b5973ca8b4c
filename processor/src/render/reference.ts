/**
 * The reference a report was compared with, in one line: the kind and its rows, the windows it is
 * made of, whose reference it is (a canary's or shadow's is its primary's) and, while a seasonal
 * reference falls back, what was asked for and why it was not used.
 */
import type { ModelReport } from '../analysis/report-types.js';

export function referenceLine(r: ModelReport): string {
  const ref = r.reference;
  const parts = [`${ref.kind}, ${ref.count} rows`];
  if (ref.window) parts.push(`windows ${ref.window.start} – ${ref.window.end}`);
  if (ref.of) parts.push(`the primary's${ref.of.version ? ` (v${ref.of.version})` : ''}`);
  // older reports (kept in a state file) have neither `requested` nor `fallback`
  if (ref.fallback) parts.push(`in place of ${ref.requested ?? 'the configured reference'}: ${ref.fallback}`);
  return parts.join('; ');
}
