/**
 * Which reference a closed window is compared with. One decision, for every deployment:
 *
 * - A primary uses its model's configured kind (`models[].reference`; default: the baseline when
 *   there is one, else rolling): its baseline, its pinned window (pinned here when there is none
 *   yet), its rolling reference, or, with `seasonal`, its window one `period` earlier.
 * - A canary or shadow uses the reference chosen for its primary (same model name and resource
 *   values, role primary), whatever the kind, in every window: a candidate is judged against what
 *   the primary is judged against, not against its own past (its references of its own, made of
 *   its own windows, would hide what the candidate changed). Only a candidate without any primary
 *   falls back to its own references.
 * - A seasonal reference falls back, with the reason, while the history is shorter than the
 *   period (or when the window one period earlier is missing or too small): to the baseline when
 *   the model has one, else to the rolling reference.
 *
 * Pure: it reads the kept windows and references through {@link ReferenceState} and changes
 * nothing; a window to pin as a model's reference is returned (`pin`) for the caller to store.
 */
import { rollingReference, type ReferenceKind } from '../windows/references.js';
import type { WindowSnapshot } from '../windows/snapshot.js';
import type { ReferenceKindName } from './report-types.js';

/** What the choice reads of the kept state (the live service's stream processor). */
export interface ReferenceState {
  /** A model's stored references (baseline, pinned, rolling). */
  references(modelKey: string): Partial<Record<ReferenceKind, WindowSnapshot>>;
  /** A model's kept closed windows, oldest first. */
  history(modelKey: string): readonly WindowSnapshot[];
  /** The kept window of a model containing time `t`. */
  historyAt(modelKey: string, t: number): WindowSnapshot | undefined;
  /** Start of a model's first kept window and end of its latest one; undefined before any. */
  historySpan(modelKey: string): { first: number; last: number } | undefined;
  /** Every model key with state. */
  models(): readonly string[];
}

export interface ChoiceSettings {
  /** The kind configured for the model, if any. */
  readonly reference?: ReferenceKindName;
  /** `pinned`: a time inside the window to pin (RFC 3339); else the first window is pinned. */
  readonly pin?: string;
  /** `seasonal`: the period in ms. */
  readonly periodMs?: number;
  /** Windows merged into a rolling reference. */
  readonly rollingWindows: number;
}

export interface ChosenReference {
  readonly snapshot: WindowSnapshot;
  /** The kind used. */
  readonly kind: ReferenceKindName;
  /** The kind asked for. */
  readonly requested: ReferenceKindName;
  /** Why `kind` is not `requested` (null when it is). */
  readonly fallback: string | null;
  /** The model key whose reference this is (the primary's for a canary or shadow). */
  readonly owner: string;
  /** A window to pin as the reference of the window's model (`pinned` with a configured time). */
  readonly pin?: WindowSnapshot;
}

/** No reference: the window is not evaluated, for `reason`; `pinned` when the window itself became the reference. */
export interface NoReference {
  readonly snapshot: undefined;
  readonly reason: string;
  readonly pinned: boolean;
  /** The kind asked for. */
  readonly requested: ReferenceKindName;
  /** A window to pin as the reference of the window's model (`pinned`: the window itself). */
  readonly pin?: WindowSnapshot;
}

/** The kind of reference a model's windows are compared with: the configured one, else its baseline, else a pinned one, else rolling. */
export function requestedKind(
  configured: ReferenceKindName | undefined,
  refs: Partial<Record<ReferenceKind, WindowSnapshot>>,
): ReferenceKindName {
  return configured ?? (refs.baseline ? 'baseline' : refs.pinned ? 'pinned' : 'rolling');
}

const iso = (t: number) => new Date(t).toISOString();

/** Model key parts: [name, version, role, ...resource values]. */
const partsOf = (key: string) => JSON.parse(key) as string[];

/**
 * The primary model key of a candidate window: the primary closed in the same pass if any, else
 * the primary (same name and resource values) whose latest window ended last. Undefined for a
 * primary window or a candidate without any primary.
 */
export function primaryKeyOf(
  snap: Pick<WindowSnapshot, 'modelKey' | 'model' | 'end'>,
  closed: readonly WindowSnapshot[],
  state: ReferenceState,
): string | undefined {
  if (snap.model.role === 'primary') return undefined;
  const mine = partsOf(snap.modelKey);
  const same = (key: string) => {
    const p = partsOf(key);
    return (
      p[0] === mine[0] &&
      p[2] === 'primary' &&
      p.length === mine.length &&
      p.slice(3).every((v, i) => v === mine[3 + i])
    );
  };
  const now = closed.find((s) => s.end === snap.end && same(s.modelKey));
  if (now) return now.modelKey;
  let best: { key: string; end: number } | undefined;
  for (const key of state.models()) {
    if (!same(key)) continue;
    const end = state.historySpan(key)?.last ?? -Infinity;
    if (!best || end > best.end) best = { key, end };
  }
  return best?.key;
}

/**
 * The reference an open window will likely be compared with, for what must be decided before it
 * closes (the bins its trace samples are kept in, streams/spans.ts): a canary's or shadow's is its
 * primary's, else the model's own, of the requested kind (`configured(modelKey)`, see
 * {@link requestedKind}); before that kind exists (and for `seasonal`), the first there is of the
 * baseline, the pinned window and the rolling reference, else the latest kept window with enough
 * rows, which is what the evaluation compares with while a rolling reference is being built.
 */
export function openWindowReference(
  state: ReferenceState,
  modelKey: string,
  configured: (modelKey: string) => ReferenceKindName | undefined,
): WindowSnapshot | undefined {
  const own = (key: string) => {
    const refs = state.references(key);
    return (
      refs[requestedKind(configured(key), refs) as ReferenceKind] ??
      refs.baseline ??
      refs.pinned ??
      refs.rolling ??
      state.history(key).findLast((w) => !w.belowMinRows)
    );
  };
  const [name = '', version = '', role = 'primary'] = partsOf(modelKey);
  const primary =
    role === 'primary'
      ? undefined
      : primaryKeyOf({ modelKey, model: { name, version, role, resource: {} }, end: NaN }, [], state);
  return (primary === undefined ? undefined : own(primary)) ?? own(modelKey);
}

/**
 * The window of `snap`'s model to pin: the one containing the configured time `at` (from the kept
 * history), or `snap` itself without a configured time; undefined when none contains it yet.
 */
function toPin(state: ReferenceState, snap: WindowSnapshot, at: string | undefined): WindowSnapshot | undefined {
  if (at === undefined) return snap;
  const t = Date.parse(at);
  return [...state.history(snap.modelKey), snap].find((w) => w.start <= t && t < w.end);
}

/**
 * The reference `snap` is compared with, or why there is none (see the module comment); with
 * `pin` set, the caller pins that window as the model's reference.
 */
export function chooseReference(
  state: ReferenceState,
  snap: WindowSnapshot,
  primaryKey: string | undefined,
  s: ChoiceSettings,
): ChosenReference | NoReference {
  const owner = primaryKey ?? snap.modelKey;
  const refs = state.references(owner);
  const requested = requestedKind(s.reference, refs);
  const whose = primaryKey === undefined ? '' : 'the primary has ';
  const chosen = (
    snapshot: WindowSnapshot,
    kind: ReferenceKindName = requested,
    fallback: string | null = null,
  ): ChosenReference => ({ snapshot, kind, requested, fallback, owner });
  const none = (reason: string, pinned = false): NoReference => ({ snapshot: undefined, reason, pinned, requested });

  if (requested === 'pinned') {
    if (refs.pinned) return chosen(refs.pinned);
    // Only a primary's window is pinned; its candidates wait for it.
    if (primaryKey !== undefined) return none(`${whose}no pinned reference yet`);
    const p = toPin(state, snap, s.pin);
    // the history may already hold `snap` (closing a window appends it): compare windows, not objects
    if (p !== undefined && p.start === snap.start && p.end === snap.end)
      return { ...none(`window ${iso(snap.start)} pinned as the reference`, true), pin: p };
    if (p) return { ...chosen(p), pin: p };
    return none(`no pinned reference yet (no window containing ${s.pin} yet)`);
  }
  if (requested === 'baseline') return refs.baseline ? chosen(refs.baseline) : none(`${whose}no baseline`);
  if (requested === 'rolling') {
    const r = rolling(state, snap, owner, refs.rolling, s.rollingWindows);
    return r ? chosen(r) : none(`${whose}no rolling reference yet`);
  }
  // seasonal: the owner's window one period before this one
  const period = s.periodMs ?? 0;
  const t = snap.start - period;
  const earlier = state.historyAt(owner, t);
  let why: string;
  if (earlier && !earlier.belowMinRows) return chosen(earlier);
  if (earlier) why = `the window one period earlier (${iso(earlier.start)}) had too few rows`;
  else {
    const first = state.historySpan(owner)?.first;
    why =
      first === undefined || first > t
        ? `history shorter than the period (${formatPeriod(period)}): no window at ${iso(t)} yet`
        : `no window at ${iso(t)} (the model sent nothing then)`;
  }
  if (refs.baseline) return chosen(refs.baseline, 'baseline', why);
  const r = rolling(state, snap, owner, refs.rolling, s.rollingWindows);
  return r ? chosen(r, 'rolling', why) : none(`${why}; no baseline or earlier window to fall back on`);
}

/**
 * The rolling reference of `owner` for `snap`: the stored one, or, for a window owed from before a
 * restart that the stored one already covers, the windows before it.
 */
function rolling(
  state: ReferenceState,
  snap: WindowSnapshot,
  owner: string,
  stored: WindowSnapshot | undefined,
  k: number,
): WindowSnapshot | undefined {
  if (stored === undefined || stored.end <= snap.start) return stored;
  return rollingReference(
    state.history(owner).filter((w) => w.end <= snap.start),
    k,
  );
}

/** "1d", "7d", "90m": the period as configured. */
export function formatPeriod(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const)
    if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}
