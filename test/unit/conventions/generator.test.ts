import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '..', '..', '..');
const dirs: string[] = [];

/** A scratch copy of conventions/ whose registry the test may break. */
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'otel-ml-conv-'));
  dirs.push(dir);
  for (const part of ['model', 'scripts', 'src', 'docs'])
    cpSync(join(repo, 'conventions', part), join(dir, part), { recursive: true });
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

function run(dir: string, ...args: string[]) {
  return spawnSync(process.execPath, [join(dir, 'scripts', 'generate.mjs'), ...args], { cwd: dir, encoding: 'utf8' });
}

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('conventions generator', () => {
  it('finds the committed output up to date', () => {
    const r = run(scratch(), '--check');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('detects stale output after a registry change', () => {
    const dir = scratch();
    const file = join(dir, 'model', 'registry', 'ml-feature.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('Name of the input feature.', 'Name of the model input.'));
    const r = run(dir, '--check');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/stale.*\n.*generated\/attributes\.ts/);
    expect(run(dir).status).toBe(0);
    expect(run(dir, '--check').status).toBe(0);
  });

  it('refuses an unbounded attribute on a metric', () => {
    const dir = scratch();
    const file = join(dir, 'model', 'metrics-instrumentation.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('      - ref: ml.feature.category\n', '      - ref: ml.prediction.id\n'),
    );
    const r = run(dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/metric\.ml\.feature\.category\.count.*"ml\.prediction\.id" is not allowed on metrics/);
  });

  it('refuses references to undefined attributes and bad instruments', () => {
    const dir = scratch();
    const file = join(dir, 'model', 'metrics-instrumentation.yaml');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace('      - ref: ml.business.metric\n', '      - ref: ml.business.kpi\n'));
    expect(run(dir).stderr).toMatch(/ml\.business\.kpi.*not define/);
    writeFileSync(file, text.replace('instrument: counter', 'instrument: meter'));
    expect(run(dir).stderr).toMatch(/invalid instrument "meter"/);
  });
});

describe('conventions docs', () => {
  it('render every attribute, metric, span and event of the registry', async () => {
    const { REGISTRY } = await import('@otel-ml/conventions');
    const docs = join(repo, 'conventions', 'docs');
    const index = readFileSync(join(docs, 'README.md'), 'utf8');
    for (const name of Object.keys(REGISTRY.metrics)) expect(index).toContain(`[\`${name}\`]`);
    for (const name of Object.keys(REGISTRY.events)) expect(index).toContain(`\`${name}\``);
    for (const span of REGISTRY.spans) expect(index).toContain(span.id);
    const pages = [
      'registry-ml-model.md',
      'registry-ml-inference.md',
      'registry-ml-feature.md',
      'registry-ml-outcome.md',
      'registry-ml-analysis.md',
    ]
      .map((p) => readFileSync(join(docs, p), 'utf8'))
      .join('\n');
    for (const [id, def] of Object.entries(REGISTRY.attributes)) {
      if (def.external) continue;
      expect(pages).toContain(`\`${def.template ? `${id}.<key>` : id}\``);
    }
    const scorePage = readFileSync(join(docs, 'metric-ml-prediction-score.md'), 'utf8');
    expect(scorePage).toMatch(/\| `ml.prediction.score` \| histogram \| `1` \| `development` \|/);
    expect(scorePage).toContain('199 in all');
  });
});
