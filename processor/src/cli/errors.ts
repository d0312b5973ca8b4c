/**
 * Exit statuses of the `otel-ml` command: 0 success; 1 `report --fail-on-drift` found drift, or an
 * unexpected error; 2 bad input (usage, configuration, a CSV or baseline file, a damaged state
 * file); 3 `serve`: the state file is held by another processor (wait for it to stop, or use
 * another state file).
 */
export const EXIT_STATE_IN_USE = 3;

/** An error meant for the person at the terminal: one line, no stack trace, exit status 2. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}
