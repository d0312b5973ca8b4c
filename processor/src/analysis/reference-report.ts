/** The `reference` section of a report: what the window was compared with, and why. */
import type { ReferenceKindName, ReferenceReport } from './report-types.js';
import type { WindowSnapshot } from '../windows/snapshot.js';

/** What the live service knows about its choice of reference (analysis/reference-choice.ts). */
export interface ReferenceChoiceContext {
  readonly requested: ReferenceKindName;
  readonly fallback: string | null;
  /** The primary whose reference a canary or shadow uses. */
  readonly of: { readonly version: string | null; readonly role: string } | null;
}

export function referenceReport(
  kind: ReferenceKindName,
  reference: WindowSnapshot,
  choice: ReferenceChoiceContext | undefined,
): ReferenceReport {
  // a baseline snapshot has no production window (start = end = 0)
  const window =
    reference.end > reference.start
      ? { start: new Date(reference.start).toISOString(), end: new Date(reference.end).toISOString() }
      : null;
  return {
    kind,
    count: reference.rows,
    requested: choice?.requested ?? kind,
    fallback: choice?.fallback ?? null,
    window,
    of: choice?.of ?? null,
  };
}
