import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, TSX_IMPORT } from '../helpers/tsx.js';

describe('npm start (the demo on embedded defaults)', () => {
  it('serves an instrumented ONNX model, detects the injected drift and leaves a report', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'otel-ml-demo-'));
    try {
      const r = spawnSync(process.execPath, [...TSX_IMPORT, join(REPO, 'examples', 'demo', 'main.ts'), '--fast', '--windows', '6'], { cwd, encoding: 'utf8', timeout: 120_000 });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/window 1 .*600 rows\s+15\d spans.*no drift/);
      expect(r.stdout).toMatch(/window 4 .*DRIFT: .*amount/);
      expect(r.stdout).toMatch(/Drift detected in 3 of 6 windows \(first: window 4/);
      const report = JSON.parse(readFileSync(join(cwd, 'reports', 'demo-report.json'), 'utf8')) as { windows: { drifted: string[]; current: { count: number } }[] };
      expect(report.windows).toHaveLength(6);
      expect(report.windows.slice(0, 3).every((w) => w.drifted.length === 0)).toBe(true);
      expect(report.windows.slice(3).every((w) => w.drifted.includes('amount') && w.drifted.includes('tx_24h'))).toBe(true);
      expect(report.windows.every((w) => w.current.count === 600)).toBe(true);
      expect(existsSync(join(cwd, 'reports', 'demo-report.html'))).toBe(true);
      expect(existsSync(join(cwd, '.otel-ml', 'demo', 'state.db'))).toBe(true);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  }, 150_000);
});
