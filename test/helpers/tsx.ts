import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The repository root. */
export const REPO = join(import.meta.dirname, '..', '..');

/** Node arguments that run a TypeScript entry point through tsx, from any working directory. */
export const TSX_IMPORT: readonly string[] = ['--import', pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href];
