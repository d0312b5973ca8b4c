/**
 * The console diagnostics of `otel-ml serve`: one line per message, `otel-ml: <level>: <text>`.
 * Errors and error-like objects among the arguments show as their message (no stack dumps); the
 * OpenTelemetry SDK's own line for a failed results export is left out, because the processor
 * reports failed exports itself (one warning a minute, and the `ml.processor.export.failures`
 * counter).
 */
import type { DiagLogger } from '@opentelemetry/api';

/** SDK messages the processor words itself. */
const REPORTED_ELSEWHERE = [
  /^PeriodicExportingMetricReader: metrics export failed/,
  /^Export retry time \d+ms exceeds remaining timeout/,
];

function part(arg: unknown): string {
  if (typeof arg === 'string') return arg;
  if (arg instanceof Error) return arg.message;
  if (arg !== null && typeof arg === 'object' && typeof (arg as { message?: unknown }).message === 'string')
    return (arg as { message: string }).message;
  try {
    const s = JSON.stringify(arg);
    return s.length > 300 ? `${s.slice(0, 300)}...` : s;
  } catch {
    return String(arg);
  }
}

/**
 * The SDK's global error handler logs an error as its JSON serialization (stack included):
 * that text becomes the error's message.
 */
function unwrapSerializedError(message: string): string {
  if (!message.startsWith('{')) return message;
  try {
    const parsed: unknown = JSON.parse(message);
    const m = parsed !== null && typeof parsed === 'object' ? (parsed as { message?: unknown }).message : undefined;
    return typeof m === 'string' ? m : message;
  } catch {
    return message;
  }
}

export class OneLineDiagLogger implements DiagLogger {
  constructor(private readonly write: (line: string) => void = (line) => process.stderr.write(line)) {}

  private log(level: string, raw: string, args: unknown[]): void {
    const message = unwrapSerializedError(raw);
    if (REPORTED_ELSEWHERE.some((re) => re.test(message))) return;
    const text = [message, ...args.map(part)].join(' ').replace(/\s*\n\s*/g, ' ');
    this.write(`otel-ml: ${level}: ${text}\n`);
  }

  error = (message: string, ...args: unknown[]): void => this.log('error', message, args);
  warn = (message: string, ...args: unknown[]): void => this.log('warning', message, args);
  info = (message: string, ...args: unknown[]): void => this.log('info', message, args);
  debug = (message: string, ...args: unknown[]): void => this.log('debug', message, args);
  verbose = (message: string, ...args: unknown[]): void => this.log('verbose', message, args);
}
