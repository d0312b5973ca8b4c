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
  const r = otelMl(
    'baseline',
    '--data',
    'train.csv',
    '--model',
    'fraud',
    '--model-version',
    '3',
    '--task',
    'binary_classification',
    ...COLS,
    '--out',
    'fraud.baseline.json',
  );
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
});

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
    const r = otelMl(
      'report',
      '--baseline',
      'fraud.baseline.json',
      '--data',
      'shifted.csv',
      ...COLS,
      '--format',
      'json',
    );
    expect(r.status).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep.drifted).toEqual(['amount']);
    expect(rep.reference).toEqual({
      kind: 'baseline',
      count: 20_000,
      requested: 'baseline',
      fallback: null,
      window: null,
      of: null,
    });
    // offline: data quality against the baseline, no business values in a CSV
    expect(rep.dataQuality.features.country.newCategory.test.verdict).toBe('no_spike');
    expect(rep.business).toBeNull();
    expect(rep.current.count).toBe(3_000);
    const a = rep.features.amount;
    for (const k of [
      'type',
      'count',
      'missingRate',
      'psi',
      'psiCritical',
      'kl',
      'jensenShannon',
      'hellinger',
      'ks',
      'wasserstein',
      'chiSquare',
      'drift',
    ])
      expect(a).toHaveProperty(k);
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
    const r = otelMl(
      'report',
      '--baseline',
      'fraud.baseline.json',
      '--data',
      'same.csv',
      ...COLS,
      '--slice-columns',
      'country',
      '--format',
      'json',
    );
    expect(r.stderr).toBe('');
    const rep = JSON.parse(r.stdout);
    expect(rep.fairness).not.toBeNull();
    expect(JSON.stringify(rep.fairness)).toContain('"DE"');
    expect(JSON.stringify(rep.fairness)).toContain('"US"');
  });

  it('finds no drift on data from the reference distribution', () => {
    const r = otelMl(
      'report',
      '--baseline',
      'fraud.baseline.json',
      '--data',
      'same.csv',
      ...COLS,
      '--format',
      'json',
      '--fail-on-drift',
    );
    expect(r.status).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep.drifted).toEqual([]);
    expect(rep.features.amount.psi).toBeLessThan(rep.features.amount.psiCritical * 3);
  });

  it('reports insufficient data instead of flagging a tiny window', () => {
    const rep = JSON.parse(
      otelMl('report', '--baseline', 'fraud.baseline.json', '--data', 'tiny.csv', ...COLS, '--format', 'json').stdout,
    );
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
    const r = otelMl(
      'report',
      '--baseline',
      'fraud.baseline.json',
      '--data',
      'shifted.csv',
      ...COLS,
      '--out',
      'report.html',
      '--fail-on-drift',
    );
    expect(r.status).toBe(1);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|src="http|href="http/);
    expect(html.match(/class="plot overlay"/g)?.length).toBeGreaterThanOrEqual(4);
    expect(html).toContain('class="plot reliability"');
    expect(html).toMatch(/data-feature="amount" data-verdict="drift"/);
  });
});

/** `rows` of train.csv-like data with the cells of `edits` (row number as in error messages: header = 1) replaced. */
function withCells(
  rows: number,
  seed: number,
  edits: Record<number, Partial<Record<'amount' | 'age' | 'country', string>>>,
): string {
  const lines = toCsv(syntheticRows({ rows, seed })).trimEnd().split('\n');
  const header = lines[0]!.split(',');
  for (const [row, cells] of Object.entries(edits)) {
    const rec = lines[Number(row) - 1]!.split(',');
    for (const [column, cell] of Object.entries(cells)) rec[header.indexOf(column)] = cell;
    lines[Number(row) - 1] = rec.join(',');
  }
  return `${lines.join('\n')}\n`;
}

describe('column types and invalid values', () => {
  const baseline = (file: string, ...more: string[]) =>
    otelMl(
      'baseline',
      '--data',
      file,
      '--model',
      'm',
      '--task',
      'binary_classification',
      ...COLS,
      '--out',
      `${file}.baseline.json`,
      '--no-progress',
      ...more,
    );
  const warning = (file: string, row: number, column: string, cell: string) =>
    `otel-ml: warning: ${file}: row ${row}, column "${column}": "${cell}" is not a number; an invalid value, treated as missing`;

  it('a column of numbers with one bad cell stays numeric; the cell is reported and counted as missing', () => {
    writeFileSync(join(dir, 'one-bad.csv'), withCells(2_000, 21, { 801: { amount: 'abc' } }));
    const r = baseline('one-bad.csv');
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(`${warning('one-bad.csv', 801, 'amount', 'abc')}\n`);
    const lines = r.stdout.split('\n');
    expect(lines).toContain('  numeric:     amount (1 invalid value, treated as missing), age');
    // categorical inference is stated, with the reason
    expect(lines.find((l) => l.startsWith('  categorical: '))).toMatch(
      /^ {2}categorical: country \(no value is a number, e\.g\. row 2 "(DE|FR|US|UK)"\)$/,
    );
    const b = parseBaselineFile(JSON.parse(readFileSync(join(dir, 'one-bad.csv.baseline.json'), 'utf8')));
    const amount = b.features.amount!;
    if (amount.type !== 'numeric') throw new Error('amount should stay numeric');
    writeFileSync(join(dir, 'one-good.csv'), withCells(2_000, 21, {}));
    expect(baseline('one-good.csv').status).toBe(0);
    const clean = parseBaselineFile(JSON.parse(readFileSync(join(dir, 'one-good.csv.baseline.json'), 'utf8')));
    const cleanAmount = clean.features.amount!;
    if (cleanAmount.type !== 'numeric') throw new Error('amount should be numeric');
    expect(amount.histogram.count + amount.missing).toBe(2_000);
    expect(amount.exponential?.count).toBe(amount.histogram.count);
    expect(amount.missing).toBe(cleanAmount.missing + 1);
  });

  it('more invalid values than --max-invalid (default 10) stop the command with exit 2 and one line', () => {
    const edits = Object.fromEntries(
      Array.from({ length: 11 }, (_, i) => [100 + 50 * i, i % 2 ? { age: '?' } : { amount: `n/a ${i}` }]),
    );
    writeFileSync(join(dir, 'eleven-bad.csv'), withCells(2_000, 22, edits));
    const r = baseline('eleven-bad.csv');
    expect(r.stderr).toBe(
      'otel-ml: eleven-bad.csv: 11 cells of numeric columns are not numbers (--max-invalid allows 10; the first: row 100, column "amount": "n/a 0"); ' +
        'correct them or leave them empty, pass --categorical amount,age if these columns are not numeric, or raise --max-invalid\n',
    );
    expect(r.status).toBe(2);
    const more = baseline('eleven-bad.csv', '--max-invalid', '11');
    expect(more.status).toBe(0);
    expect(more.stderr.trimEnd().split('\n')).toEqual(
      Object.entries(edits).map(([row, cells]) => {
        const [column, cell] = Object.entries(cells)[0]!;
        return warning('eleven-bad.csv', Number(row), column, cell!);
      }),
    );
    expect(more.stdout).toContain(
      '  numeric:     amount (6 invalid values, treated as missing), age (5 invalid values, treated as missing)',
    );
    expect(baseline('eleven-bad.csv', '--max-invalid', 'ten').stderr).toMatch(/--max-invalid must be a whole number/);
  });

  it('a column whose values are mostly not numbers is categorical, and the output says why; --categorical says so too', () => {
    // ages as words in 15% of the rows: below the 90% of numbers a numeric column needs
    const edits = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [2 + 5 * i, { age: `about ${i % 7}` }]));
    writeFileSync(join(dir, 'words.csv'), withCells(2_000, 23, edits));
    const r = baseline('words.csv');
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(
      /^ {2}categorical: age \(15% of its values are not numbers, e\.g\. row 2 "about 0"\), country \(no value is a number, e\.g\. row 2 "\w+"\)$/m,
    );
    const forced = baseline('words.csv', '--categorical', 'country');
    expect(forced.stdout).toMatch(/^ {2}categorical: age \(15% .*\), country \(--categorical\)$/m);
  });

  it("otel-ml report counts invalid values the same way, against the baseline's column types", () => {
    writeFileSync(join(dir, 'text.csv'), 'id,amount,age,country,score,label\n1,2,3,DE,0.5,1\n2,lots,4,FR,0.2,0\n');
    const r = otelMl(
      'report',
      '--baseline',
      'fraud.baseline.json',
      '--data',
      'text.csv',
      ...COLS,
      '--out',
      'text.json',
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('no drift (2 rows against 20000, 1 invalid value treated as missing) -> text.json\n');
    expect(r.stderr).toBe(`${warning('text.csv', 3, 'amount', 'lots')}\n`);
    const strict = otelMl(
      'report',
      '--baseline',
      'fraud.baseline.json',
      '--data',
      'text.csv',
      ...COLS,
      '--max-invalid',
      '0',
    );
    expect(strict.stderr).toBe(
      'otel-ml: text.csv: more than 0 cells of numeric columns are not numbers (--max-invalid allows 0; the first: row 3, column "amount": "lots"); ' +
        'correct them or leave them empty, rebuild the baseline with --categorical amount if the column is not numeric, or raise --max-invalid\n',
    );
    expect(strict.stdout).toBe('');
    expect(strict.status).toBe(2);
  });
});

describe('otel-ml errors', () => {
  const cases: [string, string, RegExp][] = [
    [
      'ragged.csv',
      'id,amount,age,country,score,label\n1,2,3,DE,0.5,1\n2,3,4\n',
      /^otel-ml: ragged\.csv: row 3: 3 cells but the header has 6 columns\n$/,
    ],
    [
      'score.csv',
      'id,amount,age,country,score,label\n1,2,3,DE,1.5,1\n',
      /^otel-ml: score\.csv: row 2, column "score": score 1\.5 is outside \[0, 1\]\n$/,
    ],
    [
      'binary.csv',
      'id,amount,age,country,score,label\n1,2,3,D\u0000E,0.5,1\n',
      /^otel-ml: binary\.csv: row \d+: the file contains binary data/,
    ],
    ['empty.csv', '', /^otel-ml: empty\.csv: the file is empty/],
    [
      'quote.csv',
      'id,amount,age,country,score,label\n1,2,3,"DE,0.5,1\n',
      /^otel-ml: quote\.csv: row \d+: malformed CSV \(a quoted cell is never closed\)\n$/,
    ],
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
    writeFileSync(
      join(dir, 'latin1.csv'),
      Buffer.from('id,amount,age,country,score,label\n1,2,3,M\xfcnchen,0.5,1\n', 'latin1'),
    );
    const r = otelMl('report', '--baseline', 'fraud.baseline.json', '--data', 'latin1.csv', ...COLS);
    expect(r.stderr).toMatch(
      /^otel-ml: latin1\.csv: (near row \d+: )?the file is not valid UTF-8 \(Latin-1 or UTF-16\?\); convert it/,
    );
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.status).toBe(2);
  });

  it('a very long line is refused, not buffered', () => {
    writeFileSync(
      join(dir, 'long.csv'),
      `id,amount,age,country,score,label\n1,2,3,${'x'.repeat(10 * 1024 * 1024)},0.5,1\n`,
    );
    const r = otelMl('report', '--baseline', 'fraud.baseline.json', '--data', 'long.csv', ...COLS);
    expect(r.stderr).toMatch(
      /^otel-ml: long\.csv: row 2: malformed CSV \(a record is longer than the 1 MiB limit\)\n$/,
    );
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
