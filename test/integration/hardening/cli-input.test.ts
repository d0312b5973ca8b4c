/**
 * The CLI on malformed CSV: fuzzed files (byte edits, NUL bytes, stray quotes, ragged rows,
 * truncation, UTF-16, random binary, a 2 MB cell) through `otel-ml baseline` in process. Each run
 * either succeeds (exit 0) or prints exactly one line `otel-ml: <file>: ...` and exits 2; never an
 * "unexpected error" (exit 1) or a stack trace. The subprocess behaviour (one line, exit status)
 * is covered by test/integration/cli/cli.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../processor/src/cli.js';
import { seededUniform } from '../../../processor/src/statistics/random.js';
import { syntheticRows, toCsv } from '../../helpers/synthetic.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'otel-ml-cli-fuzz-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(file: string): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const write = process.stderr.write.bind(process.stderr);
  const out = process.stdout.write.bind(process.stdout);
  process.stderr.write = ((chunk: string | Uint8Array) => (
    (stderr += String(chunk)),
    true
  )) as typeof process.stderr.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    const code = await main([
      'node',
      'otel-ml',
      'baseline',
      '--data',
      file,
      '--model',
      'm',
      '--task',
      'binary_classification',
      '--score-column',
      'score',
      '--label-column',
      'label',
      '--exclude',
      'id',
      '--out',
      join(dir, 'out.json'),
    ]);
    return { code, stderr };
  } finally {
    process.stderr.write = write;
    process.stdout.write = out;
    process.exitCode = undefined;
  }
}

type Mutation = (b: Buffer, rand: () => number) => Buffer;
const at = (b: Buffer, rand: () => number) => Math.floor(rand() * b.length);
const MUTATIONS: Record<string, Mutation> = {
  byte_edits: (b, rand) => {
    const c = Buffer.from(b);
    for (let k = 0; k < 1 + Math.floor(rand() * 5); k++)
      c[at(c, rand)] = [0, 0x22, 0x2c, 0x0a, 0x0d, 0xff, 0xc3, 0x41][Math.floor(rand() * 8)]!;
    return c;
  },
  truncation: (b, rand) => b.subarray(0, at(b, rand)),
  ragged: (b, rand) => {
    const i = b.indexOf(0x0a, at(b, rand));
    return i < 0 ? b : Buffer.concat([b.subarray(0, i), Buffer.from(',extra,cells'), b.subarray(i)]);
  },
  utf16: (b) => Buffer.from(`\ufeff${b.toString('utf8')}`, 'utf16le'),
  random_binary: (_b, rand) => Buffer.from(Array.from({ length: 5000 }, () => Math.floor(rand() * 256))),
  huge_cell: (b, rand) => {
    const i = b.indexOf(0x0a, at(b, rand));
    return i < 0 ? b : Buffer.concat([b.subarray(0, i), Buffer.from(`,${'z'.repeat(2 << 20)}`), b.subarray(i)]);
  },
};

describe('otel-ml baseline on malformed CSV', () => {
  it('exit 0, or one clear line and exit 2; never an unexpected error or a stack trace', async () => {
    const valid = Buffer.from(toCsv(syntheticRows({ rows: 60, seed: 5 })));
    const outcomes: Record<string, number> = {};
    const names = Object.keys(MUTATIONS);
    for (let n = 0; n < 120; n++) {
      const rand = seededUniform(1000 + n);
      const name = names[n % names.length]!;
      const file = join(dir, `case-${n}.csv`);
      writeFileSync(file, MUTATIONS[name]!(valid, rand));
      const { code, stderr } = await run(file);
      outcomes[`${name} exit ${code}`] = (outcomes[`${name} exit ${code}`] ?? 0) + 1;
      const what = `case ${n} (${name}): exit ${code}, stderr ${JSON.stringify(stderr.slice(0, 300))}`;
      expect([0, 2], what).toContain(code);
      if (code === 2) {
        expect(stderr, what).toMatch(
          new RegExp(`^otel-ml: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: [^\\n]+\\n$`),
        );
      }
      expect(stderr, what).not.toMatch(/\n\s+at /);
    }
    // both outcomes seen for the edit-style mutations; binary and UTF-16 always refused
    expect(outcomes['random_binary exit 2']).toBe(20);
    expect(outcomes['utf16 exit 2']).toBe(20);
    expect(outcomes['byte_edits exit 2']).toBeGreaterThan(0);
    expect(outcomes['huge_cell exit 2']).toBe(20);
  });
});
