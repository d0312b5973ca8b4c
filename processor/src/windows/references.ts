/**
 * References a window is compared with, per model:
 * - 'baseline': the model's BaselineFile, as a snapshot (see `baselineSnapshot`);
 * - 'pinned': a past window snapshot chosen by the operator;
 * - 'rolling': the merge of the last K closed windows before the one being evaluated, recomputed
 *   when a window closes and the last refresh is at least `rollingRefreshMs` old (so the reference
 *   does not chase the very drift it should reveal).
 * Reference boundaries for live histograms come from the baseline where it defines them
 * ({@link baselineEdges}); otherwise the first boundaries seen for a slot become its layout.
 */
import type { BaselineFile } from '@otel-ml/conventions';
import type { SlotId } from '../model/signals.js';
import type { WindowSnapshot } from './snapshot.js';
import { mergeSnapshots } from './snapshot.js';

export type ReferenceKind = 'baseline' | 'pinned' | 'rolling';

export interface ReferenceOptions {
  /** K: windows merged into the rolling reference. Default 12. */
  readonly rollingWindows: number;
  /** Minimum time between two refreshes of the rolling reference (ms). Default 1 hour. */
  readonly rollingRefreshMs: number;
}

export const DEFAULT_REFERENCE_OPTIONS: ReferenceOptions = { rollingWindows: 12, rollingRefreshMs: 3_600_000 };

export function referenceOptions(o: Partial<ReferenceOptions> = {}): ReferenceOptions {
  const out = { ...DEFAULT_REFERENCE_OPTIONS, ...o };
  if (!Number.isInteger(out.rollingWindows) || out.rollingWindows < 1)
    throw new RangeError(`rollingWindows must be a positive integer, got ${out.rollingWindows}`);
  if (!(out.rollingRefreshMs >= 0)) throw new RangeError(`rollingRefreshMs must be >= 0, got ${out.rollingRefreshMs}`);
  return out;
}

/** Rolling reference from closed windows (oldest first): the last K windows that had enough rows. */
export function rollingReference(history: readonly WindowSnapshot[], k: number): WindowSnapshot | undefined {
  const usable = history.filter((s) => !s.belowMinRows);
  return mergeSnapshots(usable.slice(Math.max(0, usable.length - k)));
}

/** Boundaries the baseline prescribes for a histogram slot, if any. */
export function baselineEdges(b: BaselineFile, id: SlotId): readonly number[] | undefined {
  switch (id.signal) {
    case 'feature.value': {
      const f = b.features[id.subject];
      return f?.type === 'numeric' ? f.boundaries : undefined;
    }
    case 'prediction.score':
      return b.prediction?.score?.boundaries;
    case 'outcome.score':
      return b.outcomes?.scoreByLabel?.[id.dims[0] ?? '']?.boundaries ?? b.prediction?.score?.boundaries;
    case 'prediction.value':
      return b.prediction?.value?.boundaries;
    default:
      return undefined;
  }
}

/** Whether baseline `b` applies to a model (same name; same version unless the baseline has none). */
export function baselineApplies(b: BaselineFile, name: string, version: string): boolean {
  return (
    b.model.name === name && (b.model.version === undefined || b.model.version === '' || b.model.version === version)
  );
}
