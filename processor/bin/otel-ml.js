#!/usr/bin/env node
// The `otel-ml` command. npm links this file at install time, before the packages are built, so it
// is plain JavaScript that loads the built command (../dist/cli.js) and, while that does not
// exist yet, says what to run.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  const workspace = new URL('../../package.json', import.meta.url);
  const where = existsSync(workspace)
    ? fileURLToPath(new URL('../..', import.meta.url))
    : fileURLToPath(new URL('..', import.meta.url));
  process.stderr.write(
    `otel-ml: the command is not built yet (${fileURLToPath(cli)} is missing); run \`npm run build\` in ${where.replace(/\/$/, '')}, then run it again\n`,
  );
  process.exitCode = 1;
} else {
  const { main } = await import(cli.href);
  process.exitCode = await main(process.argv);
}
