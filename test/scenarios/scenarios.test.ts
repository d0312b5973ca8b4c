/**
 * Every row of the scenario table (table.ts) against the real processor: each window's verdict of
 * every signal the row checks is the one it expects. The windows to detection and the false
 * verdicts of each row are in `npm run bench:scenarios` (more seeds).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { cleanUp, describeOutcome, runScenario } from './harness.js';
import { SCENARIOS } from './table.js';

afterAll(() => cleanUp());

describe('scenario table', () => {
  for (const s of SCENARIOS) {
    it(
      s.name,
      async () => {
        const o = await runScenario(s);
        expect(o.passed, `\n${describeOutcome(o)}`).toBe(true);
      },
      120_000,
    );
  }
});
