/**
 * Streaming CSV input for the offline commands: a header row, then records read one at a time
 * (bounded memory whatever the file size), with a progress bar on a terminal and errors that
 * name the file, the row and the column.
 */
import { createReadStream, statSync } from 'node:fs';
import { parse, CsvError } from 'csv-parse';
import { InputError } from '../model/errors.js';
import { Progress } from './progress.js';

/** Cells that count as missing values. */
const MISSING = new Set(['', 'na', 'nan', 'null', 'none', 'n/a']);

export function isMissingCell(cell: string | undefined): boolean {
  if (cell === undefined || cell.length === 0) return true;
  const c = cell.charCodeAt(0);
  // Fast path: cells starting with a digit, sign or dot are never one of the missing markers.
  if ((c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46) return false;
  return cell.length <= 6 && MISSING.has(cell.trim().toLowerCase());
}

export interface CsvReadOptions {
  /** Called once with the header row. May throw a InputError to stop (e.g. a missing column). */
  readonly onHeader: (columns: readonly string[]) => void;
  /** Called for each record; `row` is the 1-based number of the record in the file (header = 1). */
  readonly onRecord: (record: readonly string[], row: number) => void;
  /** Show a progress bar on stderr when it is a terminal (default true). */
  readonly progress?: boolean;
  /** Label of the progress bar. */
  readonly label?: string;
  /** Sees every chunk of the file's bytes as read (e.g. to hash the file in the same pass). */
  readonly onChunk?: (chunk: Buffer) => void;
  /** Longest record accepted, in characters (default 1 MiB). */
  readonly maxRecordSize?: number;
}

export interface CsvReadResult {
  readonly rows: number;
  readonly bytes: number;
}

/** Reads `file` as CSV; resolves when every record was handed to `onRecord`. */
export async function readCsv(file: string, options: CsvReadOptions): Promise<CsvReadResult> {
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new InputError(`${file}: not a regular file`);
    size = st.size;
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(
      `${file}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  const progress = new Progress(options.label ?? file, size, options.progress ?? true);
  const input = createReadStream(file);
  let bytes = 0;
  let sawBinary = false;
  let notUtf8 = false;
  // Validates the bytes as UTF-8 on the side (streaming, so a character split across chunks is
  // fine): a Latin-1 or UTF-16 file is refused instead of being read with replacement characters.
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  input.on('data', (chunk) => {
    const b = chunk as Buffer;
    bytes += b.length;
    options.onChunk?.(b);
    if (!sawBinary && b.includes(0)) sawBinary = true;
    if (!notUtf8) {
      try {
        utf8.decode(b, { stream: true });
      } catch {
        notUtf8 = true;
      }
    }
    progress.update(bytes);
  });
  let header: string[] | undefined;
  let rows = 0;
  const handle = (rec: string[], line: number): void => {
    if (sawBinary)
      throw new InputError(`${file}: row ${line}: the file contains binary data (NUL bytes); expected UTF-8 CSV text`);
    if (notUtf8)
      throw new InputError(
        `${file}: near row ${line}: the file is not valid UTF-8 (Latin-1 or UTF-16?); convert it, e.g. with \`iconv -f latin1 -t utf-8\``,
      );
    if (!header) {
      header = rec.map((c) => c.trim());
      const seen = new Set<string>();
      for (const [i, c] of header.entries()) {
        if (c === '')
          throw new InputError(
            `${file}: row 1: column ${i + 1} has an empty name; the first row must name every column`,
          );
        if (seen.has(c)) throw new InputError(`${file}: row 1: column "${c}" appears twice in the header`);
        seen.add(c);
      }
      options.onHeader(header);
      return;
    }
    if (rec.length !== header.length) {
      throw new InputError(`${file}: row ${line}: ${rec.length} cells but the header has ${header.length} columns`);
    }
    rows++;
    options.onRecord(rec, line);
    if ((rows & 1023) === 0) progress.rows(rows);
  };
  const parser = parse({
    bom: true,
    max_record_size: options.maxRecordSize ?? 1 << 20,
    relax_quotes: false,
    relax_column_count: true,
    skip_empty_lines: true,
    trim: false,
  });
  input.on('error', (err) => parser.destroy(err));
  input.pipe(parser);
  // Rows are numbered as CSV records (the header is row 1). Records are drained synchronously on
  // 'readable', so there is neither a promise per record nor unbounded buffering.
  let record = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      parser.on('readable', () => {
        let rec: string[] | null;
        try {
          while ((rec = parser.read() as string[] | null) !== null) handle(rec, ++record);
        } catch (err) {
          input.unpipe(parser);
          input.destroy();
          parser.destroy();
          reject(err);
        }
      });
      parser.on('error', reject);
      parser.on('end', resolve);
    });
  } catch (err) {
    progress.stop();
    input.destroy();
    if (err instanceof InputError) throw err;
    if (err instanceof CsvError || (err as { code?: string }).code?.startsWith?.('CSV_')) {
      const e = err as CsvError & { lines?: number };
      throw new InputError(`${file}: row ${record + 1}: malformed CSV (${csvReason(e)})`);
    }
    const code = (err as NodeJS.ErrnoException).code;
    if (code) throw new InputError(`${file}: cannot read the file (${code})`);
    throw err;
  }
  try {
    utf8.decode();
  } catch {
    notUtf8 = true;
  }
  if (notUtf8)
    throw new InputError(
      `${file}: the file is not valid UTF-8 (Latin-1 or UTF-16?); convert it, e.g. with \`iconv -f latin1 -t utf-8\``,
    );
  progress.done(rows);
  if (!header) throw new InputError(`${file}: the file is empty; expected a header row and data rows`);
  return { rows, bytes };
}

function csvReason(e: CsvError): string {
  switch (e.code) {
    case 'CSV_MAX_RECORD_SIZE':
      return 'a record is longer than the 1 MiB limit';
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted cell is never closed';
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return 'unexpected characters after a closing quote';
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
      return 'the number of cells differs from the header';
    default:
      // csv-parse quotes raw input in some messages: keep the line printable and short.
      return e.message
        .replace(/^Invalid [^:]*: /, '')
        .replace(/[^\x20-\x7e]/g, '?')
        .slice(0, 160);
  }
}
