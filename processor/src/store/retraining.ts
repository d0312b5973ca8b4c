/**
 * Retraining recommendations under review, kept in the state file (table `retraining`, one row
 * per recommendation; the row's `body` is the whole record as JSON, `state` and `created_at`
 * are columns for the queries). The service's review gate (`service/review.ts`) owns the state
 * machine; this module only stores records and answers the few queries it needs.
 *
 * Finished records (rejected, expired, sent, failed) are kept for the record, the newest
 * {@link FINISHED_RECOMMENDATIONS_KEPT}; pending and approved ones are never pruned.
 */
import type Database from 'better-sqlite3';

export type ReviewState = 'pending' | 'approved' | 'rejected' | 'expired' | 'sent' | 'failed';

export const REVIEW_STATES: readonly ReviewState[] = ['pending', 'approved', 'rejected', 'expired', 'sent', 'failed'];

/** Finished recommendations kept in the state file (the oldest beyond this are deleted). */
export const FINISHED_RECOMMENDATIONS_KEPT = 500;

export interface RetrainingRecord {
  readonly id: string;
  readonly modelKey: string;
  readonly model: { readonly name: string; readonly version: string | null; readonly role: string };
  readonly state: ReviewState;
  /** When it was recommended, and when it expires while pending (ms since the epoch). */
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly updatedAt: number;
  /** The window of the (latest) recommendation, ISO 8601. */
  readonly window: { readonly start: string; readonly end: string };
  readonly reasons: readonly string[];
  /** The webhook body an approval sends (the evidence of the latest recommendation). */
  readonly payload: Record<string, unknown>;
  /** Set by an approval or a rejection: when, and the reviewer and comment as given. */
  readonly decision?: { readonly at: number; readonly reviewer: string | null; readonly comment: string | null };
  /** Set when the webhook of an approved recommendation was delivered or given up. */
  readonly delivery?: { readonly at: number; readonly detail: string };
  /** Every state entered, oldest first. */
  readonly transitions: readonly { readonly state: ReviewState; readonly at: number }[];
}

/** What the service's review gate needs from storage. */
export interface RetrainingStore {
  /** Inserts or replaces a record, committed before this returns. */
  save(record: RetrainingRecord): void;
  get(id: string): RetrainingRecord | undefined;
  /** Records in one state, oldest first. */
  inState(state: ReviewState): RetrainingRecord[];
  /** The newest `limit` records, newest first. */
  recent(limit: number): RetrainingRecord[];
}

export const RETRAINING_SCHEMA = `
CREATE TABLE IF NOT EXISTS retraining (id TEXT PRIMARY KEY, model_key TEXT NOT NULL, state TEXT NOT NULL, created_at INTEGER NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS retraining_state ON retraining (state, created_at);
`;

const FINISHED = ['rejected', 'expired', 'sent', 'failed'] as const;

/** {@link RetrainingStore} on the state file's connection; `transaction` runs a write transaction. */
export class SqliteRetrainingStore implements RetrainingStore {
  private readonly stmt;

  constructor(
    db: Database.Database,
    private readonly transaction: (fn: () => void) => void,
  ) {
    const finished = FINISHED.map((s) => `'${s}'`).join(', ');
    this.stmt = {
      put: db.prepare(
        'INSERT OR REPLACE INTO retraining (id, model_key, state, created_at, body) VALUES (?, ?, ?, ?, ?)',
      ),
      prune: db.prepare(
        `DELETE FROM retraining WHERE state IN (${finished}) AND id NOT IN (SELECT id FROM retraining WHERE state IN (${finished}) ORDER BY created_at DESC, id DESC LIMIT ?)`,
      ),
      get: db.prepare('SELECT body FROM retraining WHERE id = ?').pluck(),
      inState: db.prepare('SELECT body FROM retraining WHERE state = ? ORDER BY created_at, id').pluck(),
      recent: db.prepare('SELECT body FROM retraining ORDER BY created_at DESC, id DESC LIMIT ?').pluck(),
    };
  }

  save(record: RetrainingRecord): void {
    this.transaction(() => {
      this.stmt.put.run(record.id, record.modelKey, record.state, record.createdAt, JSON.stringify(record));
      if ((FINISHED as readonly string[]).includes(record.state)) this.stmt.prune.run(FINISHED_RECOMMENDATIONS_KEPT);
    });
  }

  get(id: string): RetrainingRecord | undefined {
    const body = this.stmt.get.get(id) as string | undefined;
    return body === undefined ? undefined : (JSON.parse(body) as RetrainingRecord);
  }

  inState(state: ReviewState): RetrainingRecord[] {
    return (this.stmt.inState.all(state) as string[]).map((b) => JSON.parse(b) as RetrainingRecord);
  }

  recent(limit: number): RetrainingRecord[] {
    return (this.stmt.recent.all(limit) as string[]).map((b) => JSON.parse(b) as RetrainingRecord);
  }
}
