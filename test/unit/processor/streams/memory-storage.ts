/**
 * The stream state's storage (`streams/storage.ts`) in memory, for tests of the stream state
 * without SQLite. A transaction that throws leaves the stored rows as they were. Rows are kept as
 * given (cursors and slots are the processor's own objects, which it changes in place): loading
 * again after a failed commit does not undo memory changes, as the state file does; tests of that
 * use the state file.
 */
import type { BaselineFile } from '@otel-ml/conventions';
import type { Cursor } from '../../../../processor/src/model/cursor.js';
import type { RetrainingRecord, RetrainingStore, ReviewState } from '../../../../processor/src/store/retraining.js';
import type {
  IngestChanges,
  ResultStorage,
  StoredWindow,
  StreamStorage,
  WindowRow,
} from '../../../../processor/src/streams/storage.js';
import type { Slot } from '../../../../processor/src/windows/accumulator.js';
import type { WindowSnapshot } from '../../../../processor/src/windows/snapshot.js';

class MemoryResults implements ResultStorage {
  baselines = new Map<string, BaselineFile>();
  /** Model key → closed windows, oldest end first. */
  closed = new Map<string, WindowSnapshot[]>();
  refs = new Map<string, { snapshot: WindowSnapshot; updatedAt: number }>();
  evaluations = new Map<string, { windowEnd: number; body: unknown; createdAt: number }>();
  evaluationsKept = new Map<string, { windowEnd: number; body: unknown }[]>();

  constructor(
    private readonly layoutModels: () => Set<string>,
    private readonly windowModels: () => Set<string>,
    private readonly forget: (modelKey: string) => void,
  ) {}

  putBaseline(b: BaselineFile): void {
    this.baselines.set(JSON.stringify([b.model.name, b.model.version ?? '']), b);
  }
  loadBaselines(): BaselineFile[] {
    return [...this.baselines.values()];
  }
  appendHistory(s: WindowSnapshot, keep: number, limit: number): void {
    const list = (this.closed.get(s.modelKey) ?? []).filter((x) => x.end !== s.end);
    list.push(s);
    list.sort((x, y) => x.end - y.end);
    list.splice(0, Math.min(limit, Math.max(0, list.length - keep)));
    this.closed.set(s.modelKey, list);
  }
  prune(
    historyBefore: number,
    evaluationsBefore: number,
    limit: number,
  ): { history: number; evaluations: number; forgotten: string[] } {
    let history = 0;
    for (const [key, list] of this.closed) {
      const kept: WindowSnapshot[] = [];
      for (const s of list) {
        if (s.end < historyBefore && history < limit) history++;
        else kept.push(s);
      }
      if (kept.length === 0) this.closed.delete(key);
      else this.closed.set(key, kept);
    }
    let evaluations = 0;
    for (const [key, list] of this.evaluationsKept) {
      const kept: { windowEnd: number; body: unknown }[] = [];
      for (const e of list) {
        if (e.windowEnd < evaluationsBefore && history + evaluations < limit) evaluations++;
        else kept.push(e);
      }
      if (kept.length === 0) this.evaluationsKept.delete(key);
      else this.evaluationsKept.set(key, kept);
    }
    const forgotten: string[] = [];
    if (history + evaluations < limit) {
      const rolling = [...this.refs.keys()]
        .map((k) => JSON.parse(k) as [string, string])
        .filter(([, kind]) => kind === 'rolling')
        .map(([m]) => m);
      for (const key of new Set([...this.evaluations.keys(), ...rolling, ...this.layoutModels()])) {
        if (this.windowModels().has(key) || this.closed.has(key) || this.evaluationsKept.has(key)) continue;
        this.evaluations.delete(key);
        this.refs.delete(JSON.stringify([key, 'rolling']));
        this.forget(key);
        forgotten.push(key);
      }
    }
    return { history, evaluations, forgotten };
  }
  recentUsableHistory(modelKey: string, k: number): WindowSnapshot[] {
    return this.history(modelKey)
      .filter((s) => s.belowMinRows !== true)
      .slice(-k);
  }
  historyAt(modelKey: string, t: number): WindowSnapshot | undefined {
    return this.history(modelKey).find((s) => s.start <= t && t < s.end);
  }
  historySpan(modelKey: string): { first: number; last: number } | undefined {
    const list = this.history(modelKey);
    return list.length === 0
      ? undefined
      : { first: Math.min(...list.map((s) => s.start)), last: list[list.length - 1]!.end };
  }
  history(modelKey: string): WindowSnapshot[] {
    return [...(this.closed.get(modelKey) ?? [])];
  }
  historyModels(): string[] {
    return [...this.closed.keys()];
  }
  putReference(modelKey: string, kind: string, s: WindowSnapshot, now: number): void {
    this.refs.set(JSON.stringify([modelKey, kind]), { snapshot: s, updatedAt: now });
  }
  deleteReference(modelKey: string, kind: string): void {
    this.refs.delete(JSON.stringify([modelKey, kind]));
  }
  reference(modelKey: string, kind: string): { snapshot: WindowSnapshot; updatedAt: number } | undefined {
    return this.refs.get(JSON.stringify([modelKey, kind]));
  }
  putEvaluation(modelKey: string, windowEnd: number, body: unknown, now: number, keep: number): void {
    this.evaluations.set(modelKey, { windowEnd, body, createdAt: now });
    const list = (this.evaluationsKept.get(modelKey) ?? []).filter((e) => e.windowEnd !== windowEnd);
    list.push({ windowEnd, body });
    list.sort((a, b) => a.windowEnd - b.windowEnd);
    this.evaluationsKept.set(modelKey, list.slice(Math.max(0, list.length - keep)));
  }
  evaluationHistory(modelKey: string): unknown[] {
    return (this.evaluationsKept.get(modelKey) ?? []).map((e) => e.body);
  }
  evaluation(modelKey: string): { windowEnd: number; body: unknown; createdAt: number } | undefined {
    return this.evaluations.get(modelKey);
  }
}

class MemoryRetraining implements RetrainingStore {
  private readonly records = new Map<string, RetrainingRecord>();
  save(record: RetrainingRecord): void {
    this.records.set(record.id, record);
  }
  get(id: string): RetrainingRecord | undefined {
    return this.records.get(id);
  }
  inState(state: ReviewState): RetrainingRecord[] {
    return [...this.records.values()].filter((r) => r.state === state).sort((a, b) => a.createdAt - b.createdAt);
  }
  recent(limit: number): RetrainingRecord[] {
    return [...this.records.values()].sort((a, b) => b.createdAt - a.createdAt).slice(0, limit);
  }
}

export class MemoryStorage implements StreamStorage {
  readonly metaValues = new Map<string, string>();
  readonly cursors = new Map<string, Cursor>();
  readonly windows = new Map<string, WindowRow>();
  /** Model key → slot key → slot. */
  readonly slots = new Map<string, Map<string, Slot>>();
  /** Model key → slot key → boundaries. */
  readonly layouts = new Map<string, Map<string, readonly number[]>>();
  readonly results: MemoryResults;
  private readonly bounds = new Map<string, readonly number[]>();
  private readonly retrainingStore = new MemoryRetraining();
  /** Transactions committed. */
  commits = 0;
  closed = false;
  onCommitFailure: ((e: Error) => void) | undefined;

  constructor(now: number) {
    this.metaValues.set('created_at', String(now));
    this.results = new MemoryResults(
      () => new Set(this.layouts.keys()),
      () => new Set(this.windows.keys()),
      (key) => this.layouts.delete(key),
    );
  }

  replayJournal(): void {}
  meta(key: string): string | undefined {
    return this.metaValues.get(key);
  }
  setMeta(key: string, value: string): void {
    this.metaValues.set(key, value);
  }
  loadCursors(): Map<string, Cursor> {
    return new Map(this.cursors);
  }
  loadWindows(): StoredWindow[] {
    return [...this.windows.values()].map((w) => ({ ...w, slots: [...(this.slots.get(w.modelKey)?.values() ?? [])] }));
  }
  loadLayouts(): Map<string, Map<string, readonly number[]>> {
    return new Map([...this.layouts].map(([k, m]) => [k, new Map(m)]));
  }
  internBounds(b: readonly number[]): readonly number[] {
    const text = b.join(',');
    let shared = this.bounds.get(text);
    if (shared === undefined) this.bounds.set(text, (shared = [...b]));
    return shared;
  }
  discardPendingBounds(): void {}

  /** Runs `fn`; when it throws, the rows are put back as they were. */
  transaction<T>(fn: () => T): T {
    const saved = {
      meta: new Map(this.metaValues),
      cursors: new Map(this.cursors),
      windows: new Map(this.windows),
      layouts: this.loadLayouts(),
      slots: new Map([...this.slots].map(([k, m]) => [k, new Map(m)])),
    };
    try {
      const r = fn();
      this.commits++;
      return r;
    } catch (e) {
      const restore = <K, V>(to: Map<K, V>, from: Map<K, V>) => {
        to.clear();
        for (const [k, v] of from) to.set(k, v);
      };
      restore(this.metaValues, saved.meta);
      restore(this.cursors, saved.cursors);
      restore(this.windows, saved.windows);
      restore(this.layouts, saved.layouts);
      restore(this.slots, saved.slots);
      throw e;
    }
  }
  ingestTransaction(fn: () => void): void {
    this.transaction(fn);
  }
  writeIngest(ch: IngestChanges): void {
    for (const [key, c] of ch.cursors) this.cursors.set(key, c);
    for (const w of ch.windows)
      this.windows.set(w.modelKey, {
        modelKey: w.modelKey,
        model: w.model,
        task: w.task,
        start: w.start,
        end: w.end,
        extensions: w.extensions,
      });
    for (const [slot, modelKey] of ch.slots) {
      let m = this.slots.get(modelKey);
      if (m === undefined) this.slots.set(modelKey, (m = new Map()));
      m.set(slot.key, slot);
    }
    for (const [modelKey, slotKey, b] of ch.layouts) {
      let m = this.layouts.get(modelKey);
      if (m === undefined) this.layouts.set(modelKey, (m = new Map()));
      m.set(slotKey, b);
    }
  }
  writeWindow(w: WindowRow): void {
    this.windows.set(w.modelKey, {
      modelKey: w.modelKey,
      model: w.model,
      task: w.task,
      start: w.start,
      end: w.end,
      extensions: w.extensions,
    });
  }
  deleteWindow(modelKey: string): void {
    this.windows.delete(modelKey);
    this.slots.delete(modelKey);
  }
  deleteCursors(keys: Iterable<string>): void {
    for (const k of keys) this.cursors.delete(k);
  }
  sync(): Promise<void> {
    return Promise.resolve();
  }
  retraining(): RetrainingStore {
    return this.retrainingStore;
  }
  close(): void {
    this.closed = true;
  }
}
