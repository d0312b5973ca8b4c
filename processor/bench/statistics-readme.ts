/**
 * Writes a generated section of processor/src/statistics/README.md: the text between
 * `<!-- NAME:begin ... -->` and `<!-- NAME:end -->`, for the statistics benches' `--write`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const STATISTICS_README = fileURLToPath(new URL('../src/statistics/README.md', import.meta.url));

/** Replaces the section `name` (markers kept, `begin` as the full begin marker) with `body`. */
export function writeReadmeSection(begin: string, end: string, body: string): void {
  const readme = readFileSync(STATISTICS_README, 'utf8');
  const a = readme.indexOf(begin);
  const b = readme.indexOf(end);
  if (a < 0 || b < a) throw new Error(`${STATISTICS_README}: markers ${begin} ... ${end} not found`);
  writeFileSync(STATISTICS_README, `${readme.slice(0, a)}${begin}\n\n${body}\n\n${end}${readme.slice(b + end.length)}`);
  console.log(`wrote ${STATISTICS_README}`);
}
