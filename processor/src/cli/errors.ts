import { InputError } from '../model/errors.js';

/**
 * Exit statuses of the `otel-ml` command: 0 success; 1 `report --fail-on-drift` found drift, or an
 * unexpected error; 2 bad input (usage, configuration, a CSV or baseline file, a damaged state
 * file: an {@link InputError}); 3 `serve`: the state file is held by another processor (wait for
 * it to stop, or use another state file).
 */
export const EXIT_BAD_INPUT = 2;
export const EXIT_STATE_IN_USE = 3;

/** An error meant for the person at the terminal with its own exit status: one line, no stack trace. */
export class CliError extends InputError {
  readonly exitCode: number;
  constructor(message: string, exitCode = EXIT_BAD_INPUT) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** The exit status of an error meant for the person at the terminal, else undefined. */
export const exitStatusOf = (err: unknown): number | undefined =>
  err instanceof CliError ? err.exitCode : err instanceof InputError ? EXIT_BAD_INPUT : undefined;
