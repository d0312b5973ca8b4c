/**
 * The results kept in the state file: closed-window history, references (pinned, rolling),
 * baselines, the last evaluation and the evaluation history of each model, and the passes of
 * time retention over them. Its writes run on the caller's connection, inside the caller's
 * transaction (see {@link StateDb.transaction}).
 */
import type Database from 'better-sqlite3';
import type { BaselineFile } from '@otel-ml/conventions';
import type { WindowSnapshot } from '../windows/snapshot.js';

/** JSON writes a NaN sum (unknown) as null; read it back as NaN. */
function parseSnapshot(text: string): WindowSnapshot {
  return JSON.parse(text, (k, v: unknown) => (k === 'sum' && v === null ? Number.NaN : v)) as WindowSnapshot;
}

function statements(db: Database.Database) {
  return {
    putHistory: db.prepare('INSERT OR REPLACE INTO history (model_key, end, body) VALUES (?, ?, ?)'),
    // at most `limit` rows past the newest `keep` of a model (bounded work per call)
    pruneHistory: db.prepare(
      'DELETE FROM history WHERE rowid IN (SELECT rowid FROM history WHERE model_key = ? ORDER BY end DESC LIMIT ? OFFSET ?)',
    ),
    expireHistory: db.prepare('DELETE FROM history WHERE rowid IN (SELECT rowid FROM history WHERE end < ? LIMIT ?)'),
    expireEvaluationHistory: db.prepare(
      'DELETE FROM evaluation_history WHERE rowid IN (SELECT rowid FROM evaluation_history WHERE window_end < ? LIMIT ?)',
    ),
    // models with a last evaluation, a rolling reference or layouts but nothing else kept
    forgottenModels: db
      .prepare(
        "SELECT model_key FROM (SELECT model_key FROM evaluations UNION SELECT model_key FROM refs WHERE kind = 'rolling' UNION SELECT model_key FROM layouts) " +
          'WHERE model_key NOT IN (SELECT model_key FROM windows) AND model_key NOT IN (SELECT model_key FROM history) AND model_key NOT IN (SELECT model_key FROM evaluation_history) LIMIT ?',
      )
      .pluck(),
    forgetEvaluation: db.prepare('DELETE FROM evaluations WHERE model_key = ?'),
    forgetRolling: db.prepare("DELETE FROM refs WHERE model_key = ? AND kind = 'rolling'"),
    forgetLayouts: db.prepare('DELETE FROM layouts WHERE model_key = ?'),
    getHistory: db.prepare('SELECT body FROM history WHERE model_key = ? ORDER BY end').pluck(),
    getRecentUsableHistory: db
      .prepare(
        "SELECT body FROM (SELECT body, end FROM history WHERE model_key = ? AND json_extract(body, '$.belowMinRows') IS NOT 1 ORDER BY end DESC LIMIT ?) ORDER BY end",
      )
      .pluck(),
    getHistoryAfter: db
      .prepare('SELECT body FROM history WHERE model_key = ? AND end > ? ORDER BY end LIMIT 1')
      .pluck(),
    getHistoryEnds: db.prepare(
      "SELECT MIN(json_extract(body, '$.start')) AS first, MAX(end) AS last FROM history WHERE model_key = ?",
    ),
    putRef: db.prepare('INSERT OR REPLACE INTO refs (model_key, kind, body, updated_at) VALUES (?, ?, ?, ?)'),
    deleteRef: db.prepare('DELETE FROM refs WHERE model_key = ? AND kind = ?'),
    getRef: db.prepare('SELECT body, updated_at FROM refs WHERE model_key = ? AND kind = ?'),
    putBaseline: db.prepare('INSERT OR REPLACE INTO baselines (model_name, model_version, body) VALUES (?, ?, ?)'),
    putEvaluation: db.prepare(
      'INSERT OR REPLACE INTO evaluations (model_key, window_end, body, created_at) VALUES (?, ?, ?, ?)',
    ),
    getEvaluation: db.prepare('SELECT window_end, body, created_at FROM evaluations WHERE model_key = ?'),
    putEvaluationHistory: db.prepare(
      'INSERT OR REPLACE INTO evaluation_history (model_key, window_end, body) VALUES (?, ?, ?)',
    ),
    pruneEvaluationHistory: db.prepare(
      'DELETE FROM evaluation_history WHERE rowid IN (SELECT rowid FROM evaluation_history WHERE model_key = ? ORDER BY window_end DESC LIMIT ? OFFSET ?)',
    ),
    getEvaluationHistory: db
      .prepare('SELECT body FROM evaluation_history WHERE model_key = ? ORDER BY window_end')
      .pluck(),
  };
}

export class HistoryTables {
  private readonly stmt: ReturnType<typeof statements>;

  constructor(private readonly db: Database.Database) {
    this.stmt = statements(db);
  }

  putBaseline(b: BaselineFile): void {
    this.stmt.putBaseline.run(b.model.name, b.model.version ?? '', JSON.stringify(b));
  }

  loadBaselines(): BaselineFile[] {
    return (this.db.prepare('SELECT body FROM baselines').pluck().all() as string[]).map(
      (s) => JSON.parse(s) as BaselineFile,
    );
  }

  /** Appends a closed window to the model's history, keeping the newest `keep` (deleting at most `limit` older ones). */
  appendHistory(s: WindowSnapshot, keep: number, limit: number): void {
    this.stmt.putHistory.run(s.modelKey, s.end, JSON.stringify(s));
    this.stmt.pruneHistory.run(s.modelKey, limit, keep);
  }

  /**
   * One pass of time retention (see `streams/retention.ts`): deletes at most `limit` rows in all,
   * closed windows that ended before `historyBefore` first, then evaluations of windows that
   * ended before `evaluationsBefore`, then what is left of forgotten models. Returns the
   * forgotten model keys with the counts (the caller drops its memory of their layouts).
   */
  prune(
    historyBefore: number,
    evaluationsBefore: number,
    limit: number,
  ): { history: number; evaluations: number; forgotten: string[] } {
    const history = this.stmt.expireHistory.run(historyBefore, limit).changes;
    const evaluations =
      history < limit ? this.stmt.expireEvaluationHistory.run(evaluationsBefore, limit - history).changes : 0;
    let left = limit - history - evaluations;
    const forgotten: string[] = [];
    if (left > 0) {
      for (const key of this.stmt.forgottenModels.all(left) as string[]) {
        left -=
          this.stmt.forgetEvaluation.run(key).changes +
          this.stmt.forgetRolling.run(key).changes +
          this.stmt.forgetLayouts.run(key).changes;
        forgotten.push(key);
        if (left <= 0) break;
      }
    }
    return { history, evaluations, forgotten };
  }

  /**
   * The newest `k` closed windows of a model that reached the minimum rows, oldest first: what a
   * rolling reference is made of, without parsing the whole history.
   */
  recentUsableHistory(modelKey: string, k: number): WindowSnapshot[] {
    return (this.stmt.getRecentUsableHistory.all(modelKey, k) as string[]).map((s) => parseSnapshot(s));
  }

  /** The closed window of a model whose [start, end) contains `t`, if kept. */
  historyAt(modelKey: string, t: number): WindowSnapshot | undefined {
    const body = this.stmt.getHistoryAfter.get(modelKey, t) as string | undefined;
    const s = body === undefined ? undefined : parseSnapshot(body);
    return s !== undefined && s.start <= t ? s : undefined;
  }

  /** Start of the oldest and end of the newest kept closed window of a model. */
  historySpan(modelKey: string): { first: number; last: number } | undefined {
    const r = this.stmt.getHistoryEnds.get(modelKey) as { first: number | null; last: number | null };
    return r.first === null || r.last === null ? undefined : { first: r.first, last: r.last };
  }

  /** Closed windows of a model, oldest first. */
  history(modelKey: string): WindowSnapshot[] {
    return (this.stmt.getHistory.all(modelKey) as string[]).map((s) => parseSnapshot(s));
  }

  /** Model keys that have closed windows. */
  historyModels(): string[] {
    return this.db.prepare('SELECT DISTINCT model_key FROM history').pluck().all() as string[];
  }

  putReference(modelKey: string, kind: string, s: WindowSnapshot, now: number): void {
    this.stmt.putRef.run(modelKey, kind, JSON.stringify(s), now);
  }

  deleteReference(modelKey: string, kind: string): void {
    this.stmt.deleteRef.run(modelKey, kind);
  }

  reference(modelKey: string, kind: string): { snapshot: WindowSnapshot; updatedAt: number } | undefined {
    const r = this.stmt.getRef.get(modelKey, kind) as { body: string; updated_at: number } | undefined;
    return r === undefined ? undefined : { snapshot: parseSnapshot(r.body), updatedAt: r.updated_at };
  }

  /** Saves a model's evaluation as its last one and in its history, keeping the newest `keep` there (deleting at most `limit` older ones). */
  putEvaluation(modelKey: string, windowEnd: number, body: unknown, now: number, keep: number, limit: number): void {
    const text = JSON.stringify(body);
    this.stmt.putEvaluation.run(modelKey, windowEnd, text, now);
    this.stmt.putEvaluationHistory.run(modelKey, windowEnd, text);
    this.stmt.pruneEvaluationHistory.run(modelKey, limit, keep);
  }

  /** A model's kept evaluations, oldest first. */
  evaluationHistory(modelKey: string): unknown[] {
    return (this.stmt.getEvaluationHistory.all(modelKey) as string[]).map((t) => JSON.parse(t) as unknown);
  }

  evaluation(modelKey: string): { windowEnd: number; body: unknown; createdAt: number } | undefined {
    const r = this.stmt.getEvaluation.get(modelKey) as
      { window_end: number; body: string; created_at: number } | undefined;
    return r === undefined
      ? undefined
      : { windowEnd: r.window_end, body: JSON.parse(r.body) as unknown, createdAt: r.created_at };
  }
}
