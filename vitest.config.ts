import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@otel-ml\/conventions\/live-check$/, replacement: src('./conventions/src/live-check.ts') },
      { find: /^@otel-ml\/conventions$/, replacement: src('./conventions/src/index.ts') },
      { find: /^@otel-ml\/instrumentation$/, replacement: src('./instrumentation/src/index.ts') },
      { find: /^@otel-ml\/processor$/, replacement: src('./processor/src/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    // Hang guards, not performance limits (no test asserts on time): far above the slowest test or
    // hook on a busy 2-core machine (kill -9 and serve tests run child processes for minutes
    // there). The README test sets longer ones of its own (its npm install).
    testTimeout: 300_000,
    hookTimeout: 300_000,
    reporters: process.env.OTEL_ML_TEST_JSON
      ? ['default', ['json', { outputFile: process.env.OTEL_ML_TEST_JSON }]]
      : ['default'],
  },
});
