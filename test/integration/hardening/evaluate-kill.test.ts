/**
 * kill -9 while the service evaluates: closing a window and saving each model's evaluation are
 * separate transactions, so a kill can land before the close, between the close and some of the
 * saves, or after them. After every kill the state file must hold every acknowledged value once
 * (in an open window or a closed one), and the restarted service must evaluate exactly the
 * windows that were closed but not evaluated (`owed`): no window lost, none evaluated twice.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StreamProcessor } from '../../../processor/src/streams/processor.js';
import { TSX_IMPORT } from '../../helpers/tsx.js';
import { EVAL_MODELS, EVAL_T0, EVAL_WINDOW, valuesPerFeature } from './evaluate-batches.js';

const CHILD = fileURLToPath(new URL('./evaluate-child.ts', import.meta.url));
const TSCONFIG = fileURLToPath(new URL('../store/tsconfig.child.json', import.meta.url));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'otel-ml-eval-kill-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  lines: string[];
  killed: boolean;
}

/** Runs rounds from..to-1; kills the child `delayMs` after the `killAt`-th `eval-start` (never when undefined). */
function runChild(db: string, from: number, to: number, killAt?: number, delayMs = 0): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...TSX_IMPORT, CHILD, db, String(from), String(to)], {
      env: { ...process.env, TSX_TSCONFIG_PATH: TSCONFIG },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    let buf = '';
    let starts = 0;
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const parts = buf.split('\n');
      buf = parts.pop()!;
      for (const l of parts) {
        lines.push(l);
        if (l.startsWith('eval-start ') && ++starts === killAt) setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ lines, killed: true });
      else if (code === 0) resolve({ lines, killed: false });
      else reject(new Error(`child exited with ${code}: ${stderr}`));
    });
  });
}

const modelKey = (i: number) => JSON.stringify([`m${i}`, '1', 'primary', '']);

/** Values of feature f0 per model in the state file (open and closed windows), and the closed window ends. */
function stateOf(db: string) {
  const p = StreamProcessor.open({ path: db, windows: { lengthMs: EVAL_WINDOW, minRows: 1 } });
  try {
    return Array.from({ length: EVAL_MODELS }, (_, i) => {
      const key = modelKey(i);
      const windows = [...p.openWindows().filter((w) => w.modelKey === key), ...p.results.history(key)];
      return {
        values: windows.reduce((a, w) => a + (w.features.f0?.histogram?.count ?? 0), 0),
        closed: p.results.history(key).map((w) => w.end),
        owed: p.unevaluatedWindows(key).map((w) => w.end),
        evaluatedUpTo: p.results.evaluation(key)?.windowEnd,
      };
    });
  } finally {
    p.close();
  }
}

const acked = (r: Run) => r.lines.filter((l) => l.startsWith('ack ')).map((l) => Number(l.slice(4)));

describe('kill -9 during evaluation', () => {
  it('loses no value and no window, and evaluates no window twice', async () => {
    const db = join(dir, 'state.db');
    const TOTAL = 14;
    const reported = new Map<string, number>();
    const note = (r: Run) => {
      for (const l of r.lines.filter((x) => x.startsWith('report ')))
        reported.set(l.slice(7), (reported.get(l.slice(7)) ?? 0) + 1);
    };
    let next = 0;
    let expected = 0;
    let kills = 0;
    let owedSeen = 0;
    // the kill lands from before the window is closed to the middle or the end of the saves
    for (const [killAt, delayMs] of [
      [2, 0],
      [1, 8],
      [3, 25],
      [1, 3],
      [2, 60],
    ] as const) {
      const run = await runChild(db, next, TOTAL, killAt, delayMs);
      expect(run.killed).toBe(true);
      kills++;
      note(run);
      const done = acked(run);
      for (const k of done) expected += valuesPerFeature(k);
      next = done.at(-1)! + 1;
      const before = stateOf(db);
      for (const m of before) expect(m.values).toBe(expected);
      // the next start reports what it owes: exactly the closed windows without a saved evaluation
      const restart = await runChild(db, next, next);
      owedSeen += restart.lines.filter((l) => l.startsWith('owed ')).length;
      before.forEach((m, i) => {
        const owed = restart.lines.filter((l) => l.startsWith(`owed m${i} `)).map((l) => Number(l.split(' ')[2]));
        expect(owed).toEqual(m.owed);
      });
      // (the restart with no rounds evaluated nothing: it closes no window)
      expect(restart.lines.filter((l) => l.startsWith('report '))).toEqual([]);
    }
    const last = await runChild(db, next, TOTAL);
    expect(last.killed).toBe(false);
    note(last);
    for (const k of acked(last)) expected += valuesPerFeature(k);
    const end = stateOf(db);
    for (const m of end) {
      expect(m.values).toBe(expected);
      expect(m.owed).toEqual([]);
      expect(m.evaluatedUpTo).toBe(EVAL_T0 + TOTAL * EVAL_WINDOW);
    }
    // no window evaluated twice; every window after the first (no reference yet) evaluated once,
    // except at most those whose report was saved just before a kill and never printed
    for (const [key, n] of reported) expect(n, key).toBe(1);
    // the first window has no rolling reference, also when it is owed after a restart (the
    // reference built later covers it; a window is never compared with itself)
    const first = end[0]!.closed[0]!;
    for (const key of reported.keys()) expect(Number(key.split(' ')[1]), key).toBeGreaterThan(first);
    const expectedReports = EVAL_MODELS * (end[0]!.closed.length - 1);
    expect(reported.size).toBeLessThanOrEqual(expectedReports);
    expect(reported.size).toBeGreaterThanOrEqual(expectedReports - kills * EVAL_MODELS);
    expect(kills).toBe(5);
    if (process.env.OTEL_ML_DEBUG_KILL)
      console.log(`windows owed after kills: ${owedSeen}, reports ${reported.size} of ${expectedReports}`);
  });
});
