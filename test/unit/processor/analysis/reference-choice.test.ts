/**
 * The choice of reference as a pure function: it reads the kept windows through ReferenceState
 * and returns the window to pin instead of pinning it (the service's evaluation loop stores it).
 */
import { describe, expect, it } from 'vitest';
import {
  chooseReference,
  primaryKeyOf,
  requestedKind,
  type ReferenceState,
} from '../../../../processor/src/analysis/reference-choice.js';
import type { ReferenceKind } from '../../../../processor/src/windows/references.js';
import type { WindowSnapshot } from '../../../../processor/src/windows/snapshot.js';
import { snapshot } from './helpers.js';

const MIN = 60_000;

/** A read-only state holding `history` per key and the given references. */
function state(
  history: Record<string, WindowSnapshot[]>,
  refs: Record<string, Partial<Record<ReferenceKind, WindowSnapshot>>> = {},
): ReferenceState {
  return {
    references: (k) => refs[k] ?? {},
    history: (k) => history[k] ?? [],
    historyAt: (k, t) => (history[k] ?? []).find((w) => w.start <= t && t < w.end),
    historySpan: (k) =>
      history[k]?.length ? { first: history[k][0]!.start, last: history[k].at(-1)!.end } : undefined,
    models: () => Object.keys(history),
  };
}

const window = (role: string, end: number, rows = 100) => {
  const s = snapshot(role, '1', end);
  s.rows = rows;
  return s;
};

describe('chooseReference', () => {
  it('asks for the configured kind, else the baseline, else a pinned window, else rolling', () => {
    const w = window('primary', 5 * MIN);
    expect(requestedKind('seasonal', { baseline: w })).toBe('seasonal');
    expect(requestedKind(undefined, { baseline: w, pinned: w })).toBe('baseline');
    expect(requestedKind(undefined, { pinned: w })).toBe('pinned');
    expect(requestedKind(undefined, {})).toBe('rolling');
  });

  it('returns the window to pin, without pinning it: the first window itself, or the one holding the configured time', () => {
    const first = window('primary', 5 * MIN);
    const st = state({ [first.modelKey]: [first] });
    const own = chooseReference(st, first, undefined, { reference: 'pinned', rollingWindows: 3 });
    expect(own).toMatchObject({
      snapshot: undefined,
      pinned: true,
      pin: first,
      reason: expect.stringMatching(/pinned as the reference/),
    });

    const second = window('primary', 10 * MIN);
    const at = new Date(first.start + MIN).toISOString();
    const chosen = chooseReference(state({ [first.modelKey]: [first, second] }), second, undefined, {
      reference: 'pinned',
      pin: at,
      rollingWindows: 3,
    });
    expect(chosen).toMatchObject({ snapshot: first, kind: 'pinned', pin: first, fallback: null });
    // nothing was stored: the same state still has no pinned reference
    expect(st.references(first.modelKey).pinned).toBeUndefined();
  });

  it('a canary takes its primary reference; a seasonal one falls back on the baseline with the reason', () => {
    const primary = window('primary', 5 * MIN);
    const canary = window('canary', 5 * MIN);
    const baseline = window('primary', 0);
    const st = state({ [primary.modelKey]: [primary], [canary.modelKey]: [] }, { [primary.modelKey]: { baseline } });
    const key = primaryKeyOf(canary, [primary, canary], st);
    expect(key).toBe(primary.modelKey);
    expect(chooseReference(st, canary, key, { rollingWindows: 3 })).toMatchObject({
      snapshot: baseline,
      kind: 'baseline',
      owner: primary.modelKey,
    });
    const seasonal = chooseReference(st, primary, undefined, {
      reference: 'seasonal',
      periodMs: 60 * MIN,
      rollingWindows: 3,
    });
    expect(seasonal).toMatchObject({
      snapshot: baseline,
      kind: 'baseline',
      requested: 'seasonal',
      fallback: expect.stringMatching(/history shorter than the period \(1h\)/),
    });
  });
});
