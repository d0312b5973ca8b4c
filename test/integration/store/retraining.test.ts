/** The state file's table of retraining recommendations under review: saved, queried, kept across reopening, finished ones pruned. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  FINISHED_RECOMMENDATIONS_KEPT,
  type RetrainingRecord,
  type ReviewState,
} from '../../../processor/src/store/retraining.js';
import { StateDb } from '../../../processor/src/store/sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'otel-ml-retraining-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const record = (i: number, state: ReviewState): RetrainingRecord => ({
  id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  modelKey: JSON.stringify(['m', '1', 'primary', '']),
  model: { name: 'm', version: '1', role: 'primary' },
  state,
  createdAt: 1_000 + i,
  expiresAt: 2_000 + i,
  updatedAt: 1_000 + i,
  window: { start: '2026-11-25T12:00:00.000Z', end: '2026-11-25T12:01:00.000Z' },
  reasons: ['drift'],
  payload: { type: 'ml.retrain.recommended', n: i },
  transitions: [{ state, at: 1_000 + i }],
});

describe('retraining store', () => {
  it('keeps records across reopening; pending and approved are never pruned, finished ones beyond the limit are', () => {
    const path = join(dir, 'state.db');
    const db = StateDb.open(path, { checkpointer: false });
    const store = db.retraining();
    store.save(record(0, 'pending'));
    store.save(record(1, 'approved'));
    for (let i = 2; i < FINISHED_RECOMMENDATIONS_KEPT + 12; i++) store.save(record(i, i % 2 ? 'rejected' : 'sent'));
    store.save({ ...record(0, 'pending'), reasons: ['drift', 'performance'] });
    db.close();

    const again = StateDb.open(path, { checkpointer: false });
    try {
      const s = again.retraining();
      expect(s.get(record(0, 'pending').id)).toMatchObject({
        state: 'pending',
        reasons: ['drift', 'performance'],
        payload: { n: 0 },
      });
      expect(s.inState('approved').map((r) => r.id)).toEqual([record(1, 'approved').id]);
      const all = s.recent(10_000);
      expect(all).toHaveLength(FINISHED_RECOMMENDATIONS_KEPT + 2);
      // newest first; the oldest finished ones went
      expect(all[0]!.payload).toEqual({ type: 'ml.retrain.recommended', n: FINISHED_RECOMMENDATIONS_KEPT + 11 });
      expect(s.get(record(2, 'sent').id)).toBeUndefined();
      expect(s.get(record(12, 'sent').id)).toBeDefined();
      expect(s.recent(3)).toHaveLength(3);
      expect(s.get('00000000-0000-4000-8000-999999999999')).toBeUndefined();
    } finally {
      again.close();
    }
  });
});
