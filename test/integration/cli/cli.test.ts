import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBaselineFile } from '@otel-ml/conventions';
import { syntheticRows, toCsv } from '../../helpers/synthetic.js';
import { otelMlIn } from '../../helpers/tsx.js';

let dir: string;
const otelMl = (...args: string[]) => otelMlIn(dir, ...args);

const COLS = ['--score-column', 'score', '--label-column', 'label', '--exclude', 'id'];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'otel-ml-cli-'));
  writeFileSync(join(dir, 'train.csv'), toCsv(syntheticRows({ rows: 20_000, seed: 1 })));
  writeFileSync(join(dir, 'same.csv'), toCsv(syntheticRows({ rows: 3_000, seed: 2 })));
  writeFileSync(join(dir, 'shifted.csv'), toCsv(syntheticRows({ rows: 3_000, seed: 3, amountShift: 0.7 })));
  writeFileSync(join(dir, 'tiny.csv'), toCsv(syntheticRows({ rows: 20, seed: 4, amountShift: 2 })));
  const r = otelMl('baseline', '--data', 'train.csv', '--model', 'fraud', '--model-version', '3', '--task', 'binary_classification', ...COLS, '--out', 'fraud.baseline.json');
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('otel-ml baseline', () => {
  it('writes a versioned baseline with decile and fine boundaries, categories, score and outcome histograms', () => {
    const b = parseBaselineFile(JSON.parse(readFileSync(join(dir, 'fraud.baseline.json'), 'utf8')));
    expect(b.model).toEqual({ name: 'fraud', version: '3', task: 'binary_classification' });
    expect(b.source.rows).toBe(20_000);
    expect(b.source.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.keys(b.features).sort()).toEqual(['age', 'amount', 'country']);
    const amount = b.features.amount!;
    if (amount.type !== 'numeric') throw new Error('amount should be numeric');
    expect(amount.boundaries.length).toBeGreaterThan(90);
    expect(amount.decileBoundaries).toHaveLength(9);
    expect(amount.decileBoundaries.every((d) => amount.boundaries.includes(d))).toBe(true);
    expect(amount.missing).toBeGreaterThan(300);
    expect(amount.histogram.count + amount.missing).toBe(20_000);
    // version 2: every value also as a high-resolution exponential histogram (at most 4,096 buckets per sign)
    expect(b.schemaVersion).toBe(2);
    const e = amount.exponential!;
    expect(e.count).toBe(amount.histogram.count);
    expect(e.positive.bucketCounts.length).toBeLessThanOrEqual(4096);
    expect(e.positive.bucketCounts.length).toBeGreaterThan(2048);
    expect(e.scale).toBeGreaterThanOrEqual(7);
    expect([e.min, e.max]).toEqual([amount.histogram.min, amount.histogram.max]);
    const country = b.features.country!;
    if (country.type !== 'categorical') throw new Error('country should be categorical');
    expect(country.categories).toEqual(['DE', 'FR', 'US', 'UK']);
    expect(b.prediction?.score?.count).toBe(20_000);
    const byLabel = b.outcomes?.scoreByLabel ?? {};
    expect((byLabel['0']?.count ?? 0) + (byLabel['1']?.count ?? 0)).toBe(20_000);
  });
});

describe('otel-ml report', () => {
  it('flags the shifted feature and nothing else, in the documented JSON shape', () => {
    const r = otelMl('report', '--baseline', 'fraud.baseline.json', '--data', 'shifted.csv', ...COLS, '--format', 'json');
    expect(r.status).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep.drifted).toEqual(['amount']);
    expect(rep.reference).toEqual({ kind: 'baseline', count: 20_000 });
    expect(rep.current.count).toBe(3_000);
    const a = rep.features.amount;
    for (const k of ['type', 'count', 'missingRate', 'psi', 'psiCritical', 'kl', 'jensenShannon', 'hellinger', 'ks', 'wasserstein', 'chiSquare', 'drift']) expect(a).toHaveProperty(k);
    expect(a.psi).toBeGreaterThan(0.3);
    expect(a.drift.verdict).toBe('drift');
    expect(a.chiSquare.dof).toBe(9);
    expect(rep.features.age.drift.verdict).toBe('no_drift');
    expect(rep.features.country.ks).toBeNull();
    expect(rep.calibration.bins).toHaveLength(10);
    expect(rep.performance.rocAuc).toBeGreaterThan(0.6);
    expect(rep.performance.mae).toBeNull();
    expect(rep.prediction.score.drift.verdict).toBe('drift');
  });

  it('still reads a version 1 baseline (no exponential histograms): live exponential histograms are re-binned onto its boundaries', () => {
    const b = JSON.parse(readFileSync(join(dir, 'fraud.baseline.json'), 'utf8'));
    for (const f of Object.values(b.features) as { exponential?: unknown }[]) delete f.exponential;
    writeFileSync(join(dir, 'v1.baseline.json'), JSON.stringify({ ...b, schemaVersion: 1 }));
    const r = otelMl('report', '--baseline', 'v1.baseline.json', '--data', 'shifted.csv', ...COLS, '--format', 'json');
    expect(r.stderr).toBe('');
    const rep = JSON.parse(r.stdout);
    expect(rep.drifted).toEqual(['amount']);
    expect(rep.features.amount.chiSquare.dof).toBe(9);
  });

  it('reports fairness across slice columns', () => {
    const r = otelMl('report', '--baseline', 'fraud.baseline.json', '--data', 'same.csv', ...COLS, '--slice-columns', 'country', '--format', 'json');
    expect(r.stderr).toBe('');
    const rep = JSON.parse(r.stdout);
    expect(rep.fairness).not.toBeNull();
    expect(JSON.stringify(rep.fairness)).toContain('"DE"');
    expect(JSON.stringify(rep.fairness)).toContain('"US"');
  });

  it('finds no drift on data from the reference distribution', () => {
    const r = otelMl('report', '--baseline', 'fraud.baseline.json', '--data', 'same.csv', ...COLS, '--format', 'json', '--fail-on-drift');
    expect(r.status).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep.drifted).toEqual([]);
    expect(rep.features.amount.psi).toBeLessThan(rep.features.amount.psiCritical * 3);
  });

  it('reports insufficient data instead of flagging a tiny window', () => {
    const rep = JSON.parse(otelMl('report', '--baseline', 'fraud.baseline.json', '--data', 'tiny.csv', ...COLS, '--format', 'json').stdout);
    expect(rep.status).toBe('insufficient_data');
    expect(rep.drifted).toEqual([]);
    expect(rep.features.amount.drift.verdict).toBe('insufficient_data');
    expect(rep.features.amount.psiInterval).toHaveLength(2);
  });

  it('renders text sorted by severity and a self-contained HTML file with plots', () => {
    const text = otelMl('report', '--baseline', 'fraud.baseline.json', '--data', 'shifted.csv', ...COLS).stdout;
    const lines = text.split('\n');
    const header = lines.findIndex((l) => l.startsWith('feature'));
    expect(lines[header + 2]).toMatch(/^amount .*DRIFT$/);
    const r = otelMl('report', '--baseline', 'fraud.baseline.json', '--data', 'shifted.csv', ...COLS, '--out', 'report.html', '--fail-on-drift');
    expect(r.status).toBe(1);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|src="http|href="http/);
    expect(html.match(/class="plot overlay"/g)?.length).toBeGreaterThanOrEqual(4);
    expect(html).toContain('class="plot reliability"');
    expect(html).toMatch(/data-feature="amount" data-verdict="drift"/);
  });
});

describe('otel-ml errors', () => {
  const cases: [string, string, RegExp][] = [
    ['ragged.csv', 'id,amount,age,country,score,label\n1,2,3,DE,0.5,1\n2,3,4\n', /^otel-ml: ragged\.csv: row 3: 3 cells but the header has 6 columns\n$/],
    ['text.csv', 'id,amount,age,country,score,label\n1,2,3,DE,0.5,1\n2,lots,4,FR,0.2,0\n', /^otel-ml: text\.csv: row 3, column "amount": "lots" is not a number\n$/],
    ['score.csv', 'id,amount,age,country,score,label\n1,2,3,DE,1.5,1\n', /^otel-ml: score\.csv: row 2, column "score": score 1\.5 is outside \[0, 1\]\n$/],
    ['binary.csv', 'id,amount,age,country,score,label\n1,2,3,D\u0000E,0.5,1\n', /^otel-ml: binary\.csv: row \d+: the file contains binary data/],
    ['empty.csv', '', /^otel-ml: empty\.csv: the file is empty/],
    ['quote.csv', 'id,amount,age,country,score,label\n1,2,3,"DE,0.5,1\n', /^otel-ml: quote\.csv: row \d+: malformed CSV \(a quoted cell is never closed\)\n$/],
  ];
  for (const [file, content, expected] of cases) {
    it(`${file}: one clear line and exit status 2`, () => {
      writeFileSync(join(dir, file), content);
      const r = otelMl('report', '--baseline', 'fraud.baseline.json', '--data', file, ...COLS);
      expect(r.stderr).toMatch(expected);
      expect(r.status).toBe(2);
    });
  }

  it('a file in another encoding is refused, not read with replacement characters', () => {
    writeFileSync(join(dir, 'latin1.csv'), Buffer.from('id,amount,age,country,score,label\n1,2,3,M\xfcnchen,0.5,1\n', 'latin1'));
    const r = otelMl('report', '--baseline', 'fraud.baseline.json', '--data', 'latin1.csv', ...COLS);
    expect(r.stderr).toMatch(/^otel-ml: latin1\.csv: (near row \d+: )?the file is not valid UTF-8 \(Latin-1 or UTF-16\?\); convert it/);
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.status).toBe(2);
  });

  it('a very long line is refused, not buffered', () => {
    writeFileSync(join(dir, 'long.csv'), `id,amount,age,country,score,label\n1,2,3,${'x'.repeat(10 * 1024 * 1024)},0.5,1\n`);
    const r = otelMl('report', '--baseline', 'fraud.baseline.json', '--data', 'long.csv', ...COLS);
    expect(r.stderr).toMatch(/^otel-ml: long\.csv: row 2: malformed CSV \(a record is longer than the 1 MiB limit\)\n$/);
    expect(r.status).toBe(2);
  });

  it('a missing file, a bad baseline and a bad option', () => {
    let r = otelMl('report', '--baseline', 'fraud.baseline.json', '--data', 'nope.csv');
    expect(r.stderr).toBe('otel-ml: nope.csv: cannot read the file (ENOENT)\n');
    expect(r.status).toBe(2);
    writeFileSync(join(dir, 'bad.baseline.json'), JSON.stringify({ schemaVersion: 7 }));
    r = otelMl('report', '--baseline', 'bad.baseline.json', '--data', 'same.csv');
    expect(r.stderr).toMatch(/^otel-ml: bad\.baseline\.json: schemaVersion 7 is not supported/);
    expect(r.status).toBe(2);
    r = otelMl('report', '--baseline', 'fraud.baseline.json', '--data', 'same.csv', '--alpha', '2');
    expect(r.stderr).toMatch(/--alpha must be a number in/);
    expect(r.status).toBe(2);
  });
});
