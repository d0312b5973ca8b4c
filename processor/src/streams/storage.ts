/**
 * What the stream state (`processor.ts`) needs from storage: its committed state to load at
 * start and after a failed commit, the transactions that write its changes, and the results kept
 * per model. The SQLite state file (`store/sqlite.ts`, `StateDb`) implements it; a test can give
 * {@link StreamProcessorOptions.storage} an implementation in memory instead.
 *
 * Contract: a write made inside {@link StreamStorage.transaction} or
 * {@link StreamStorage.ingestTransaction} is part of that transaction; when the function throws,
 * nothing of it is kept. Loads return the committed state only.
 */
import type { BaselineFile } from '@otel-ml/conventions';
import type { Cursor } from '../model/cursor.js';
import type { RetrainingStore } from '../store/retraining.js';
import type { IngestChanges, StoredWindow } from '../store/sqlite.js';
import type { WindowSnapshot } from '../windows/snapshot.js';

export type { IngestChanges, StoredWindow } from '../store/sqlite.js';

/** An open window's row (its slots are written with the ingest changes). */
export type WindowRow = Omit<StoredWindow, 'slots'>;

/** Closed-window history, references, baselines and evaluations of each model. */
export interface ResultStorage {
  putBaseline(b: BaselineFile): void;
  loadBaselines(): BaselineFile[];
  /** Appends a closed window to the model's history, keeping the newest `keep` (deleting at most `limit` older ones). */
  appendHistory(s: WindowSnapshot, keep: number, limit: number): void;
  /**
   * One pass of time retention: deletes at most `limit` rows in all (closed windows that ended
   * before `historyBefore`, evaluations of windows that ended before `evaluationsBefore`, what is
   * left of forgotten models); returns the forgotten model keys with the counts.
   */
  prune(
    historyBefore: number,
    evaluationsBefore: number,
    limit: number,
  ): { history: number; evaluations: number; forgotten: string[] };
  /** The newest `k` closed windows of a model that reached the minimum rows, oldest first. */
  recentUsableHistory(modelKey: string, k: number): WindowSnapshot[];
  /** The closed window of a model whose [start, end) contains `t`, if kept. */
  historyAt(modelKey: string, t: number): WindowSnapshot | undefined;
  /** Start of the oldest and end of the newest kept closed window of a model. */
  historySpan(modelKey: string): { first: number; last: number } | undefined;
  /** Closed windows of a model, oldest first. */
  history(modelKey: string): WindowSnapshot[];
  /** Model keys that have closed windows. */
  historyModels(): string[];
  putReference(modelKey: string, kind: string, s: WindowSnapshot, now: number): void;
  deleteReference(modelKey: string, kind: string): void;
  reference(modelKey: string, kind: string): { snapshot: WindowSnapshot; updatedAt: number } | undefined;
  /** Saves a model's evaluation as its last one and in its history, keeping the newest `keep` there (deleting at most `limit` older ones). */
  putEvaluation(modelKey: string, windowEnd: number, body: unknown, now: number, keep: number, limit: number): void;
  /** A model's kept evaluations, oldest first. */
  evaluationHistory(modelKey: string): unknown[];
  evaluation(modelKey: string): { windowEnd: number; body: unknown; createdAt: number } | undefined;
}

/** The reading half of {@link ResultStorage}. */
export type ResultReader = Pick<
  ResultStorage,
  | 'history'
  | 'historyAt'
  | 'historySpan'
  | 'historyModels'
  | 'recentUsableHistory'
  | 'reference'
  | 'evaluationHistory'
  | 'evaluation'
>;

/** The stream state's storage: cursors, open windows and their slots, layouts, metadata, and the results. */
export interface StreamStorage {
  readonly results: ResultStorage;
  /**
   * Called when a commit handed on (see {@link ingestTransaction}) failed after it returned: the
   * memory state is then ahead of the committed one and must be loaded again.
   */
  onCommitFailure: ((e: Error) => void) | undefined;
  /** Brings the committed state up to date before it is loaded (a journal replayed, for instance). */
  replayJournal(): void;
  meta(key: string): string | undefined;
  setMeta(key: string, value: string): void;
  loadCursors(): Map<string, Cursor>;
  loadWindows(): StoredWindow[];
  loadLayouts(): Map<string, Map<string, readonly number[]>>;
  /** The shared instance of a boundary list (equal lists: the same array). */
  internBounds(b: readonly number[]): readonly number[];
  /** Forgets boundary lists interned since the last commit (after a failed one). */
  discardPendingBounds(): void;
  transaction<T>(fn: () => T): T;
  /** A transaction of ingest writes; it may commit after it returns (then {@link sync} tells). */
  ingestTransaction(fn: () => void): void;
  writeIngest(ch: IngestChanges): void;
  writeWindow(w: WindowRow): void;
  deleteWindow(modelKey: string): void;
  deleteCursors(keys: Iterable<string>): void;
  /** Resolves when every transaction so far is committed and on stable storage; rejects when one failed. */
  sync(): Promise<void>;
  retraining(): RetrainingStore;
  close(): void;
}
