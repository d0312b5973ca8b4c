/**
 * The processor as a library (`@otel-ml/processor`, the package's entry point): the offline
 * commands and the configuration through the exported functions only, as a program would use them.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  DEFAULT_ALPHA,
  InputError,
  buildBaseline,
  renderText,
  runReport,
  startService,
  validateConfig,
} from '@otel-ml/processor';
import { syntheticRows, toCsv } from '../../helpers/synthetic.js';

const REPO = join(import.meta.dirname, '..', '..', '..');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'otel-ml-library-'));
  writeFileSync(join(dir, 'train.csv'), toCsv(syntheticRows({ rows: 5_000, seed: 1 })));
  writeFileSync(join(dir, 'same.csv'), toCsv(syntheticRows({ rows: 2_000, seed: 2 })));
  writeFileSync(join(dir, 'shifted.csv'), toCsv(syntheticRows({ rows: 2_000, seed: 3, amountShift: 1 })));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('@otel-ml/processor', () => {
  it('names an entry point that the build produces from a source file', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'processor', 'package.json'), 'utf8')) as { main: string };
    expect(pkg.main).toBe('./dist/index.js');
    expect(existsSync(join(REPO, 'processor', 'src', 'index.ts'))).toBe(true);
  });

  it('builds a baseline and reports drift against it', async () => {
    const cols = { scoreColumn: 'score', labelColumn: 'label', exclude: ['id'], progress: false };
    const { baseline } = await buildBaseline({
      data: join(dir, 'train.csv'),
      model: 'fraud',
      task: 'binary_classification',
      ...cols,
    });
    expect(baseline.model.name).toBe('fraud');

    const same = await runReport({ baseline, data: join(dir, 'same.csv'), ...cols });
    expect(same.features['amount']!.drift.verdict).toBe('no_drift');
    const shifted = await runReport({ baseline, data: join(dir, 'shifted.csv'), ...cols });
    expect(shifted.features['amount']!.drift.verdict).toBe('drift');
    expect(shifted.features['age']!.drift.verdict).toBe('no_drift');
    expect(renderText(shifted)).toContain('amount');
    expect(DEFAULT_ALPHA).toBe(0.01);
  });

  it('checks a configuration and says what to fix', () => {
    const c = validateConfig({ windows: { length: '5m' }, models: [{ name: 'fraud', reference: 'rolling' }] });
    expect(c.models.map((m) => m.name)).toEqual(['fraud']);
    let err: unknown;
    try {
      validateConfig({ windows: { length: 'soon' } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect(err).toBeInstanceOf(InputError);
    expect(String((err as Error).message)).toMatch(/windows/);
    expect(typeof startService).toBe('function');
  });
});
