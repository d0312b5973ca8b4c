import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The repository root. */
export const REPO = join(import.meta.dirname, '..', '..');

/** Node arguments that run a TypeScript entry point through tsx, from any working directory. */
export const TSX_IMPORT: readonly string[] = [
  '--import',
  pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href,
];

/** Runs `otel-ml <args>` from the sources (processor/src/cli.ts through tsx) in `cwd`, as CI does (CI=true: no progress bars). */
export function otelMlIn(cwd: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...TSX_IMPORT, join(REPO, 'processor', 'src', 'cli.ts'), ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
