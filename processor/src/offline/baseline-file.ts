import { BaselineFormatError, parseBaselineFile, type BaselineFile } from '@otel-ml/conventions';
import { InputError } from '../model/errors.js';

/** Parses and checks a baseline file's text; errors name the file and the field. */
export function parseBaseline(text: string, file: string): BaselineFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InputError(
      `${file}: not valid JSON (${(err as Error).message}); expected a file written by \`otel-ml baseline\``,
    );
  }
  try {
    return parseBaselineFile(json, file);
  } catch (err) {
    if (err instanceof BaselineFormatError) throw new InputError(err.message);
    throw err;
  }
}
