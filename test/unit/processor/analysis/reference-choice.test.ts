/**
 * The choice of reference as a pure function: it reads the kept windows through ReferenceState
 * and returns the window to pin instead of pinning it (the service's evaluation loop stores it).
 */
import { describe, expect, it } from 'vitest';
import {
  chooseReference,
  openWindowReference,
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

describe('openWindowReference', () => {
  it("bins a primary's open window on its requested reference, else the first there is, else its latest window with enough rows", () => {
    const base = window('primary', 1 * MIN);
    const rolling = window('primary', 2 * MIN);
    const kept = window('primary', 3 * MIN);
    const small = window('primary', 4 * MIN);
    small.belowMinRows = true;
    const key = kept.modelKey;
    const st = (refs: Partial<Record<ReferenceKind, WindowSnapshot>>) =>
      state({ [key]: [kept, small] }, { [key]: refs });
    expect(openWindowReference(st({ baseline: base, rolling }), key, () => 'rolling')).toBe(rolling);
    expect(openWindowReference(st({ baseline: base, rolling }), key, () => undefined)).toBe(base);
    // seasonal has no stored reference: the first of baseline, pinned, rolling
    expect(openWindowReference(st({ rolling }), key, () => 'seasonal')).toBe(rolling);
    expect(openWindowReference(st({}), key, () => undefined)).toBe(kept);
    expect(openWindowReference(state({}), key, () => undefined)).toBeUndefined();
  });

  it("bins a canary's open window on its primary's reference, and on its own without a primary", () => {
    const primary = window('primary', 2 * MIN);
    const canary = window('canary', 2 * MIN);
    const pRef = window('primary', 1 * MIN);
    const cRef = window('canary', 1 * MIN);
    const refs = { [primary.modelKey]: { baseline: pRef }, [canary.modelKey]: { baseline: cRef } };
    expect(openWindowReference(state({ [primary.modelKey]: [primary] }, refs), canary.modelKey, () => undefined)).toBe(
      pRef,
    );
    expect(openWindowReference(state({}, refs), canary.modelKey, () => undefined)).toBe(cRef);
  });
});
