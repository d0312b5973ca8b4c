import { describe, expect, it } from 'vitest';
import { OneLineDiagLogger } from '../../../../processor/src/cli/diag.js';

describe("otel-ml serve's console diagnostics", () => {
  it('print one line per message, errors as their message, without stacks', () => {
    const lines: string[] = [];
    const log = new OneLineDiagLogger((l) => lines.push(l));
    const err = new Error('disk full');
    log.error('evaluation failed', err);
    log.warn('odd value', { message: 'from an object', stack: 'Error: x\n    at y (z.js:1:1)' }, 42);
    log.info('multi\nline');
    expect(lines).toEqual([
      'otel-ml: error: evaluation failed disk full\n',
      'otel-ml: warning: odd value from an object 42\n',
      'otel-ml: info: multi line\n',
    ]);
    expect(lines.join('')).not.toMatch(/\n\s+at |"stack"/);
  });

  it("leave out the SDK's failed-export lines, which the processor words itself", () => {
    const lines: string[] = [];
    const log = new OneLineDiagLogger((l) => lines.push(l));
    log.error(
      'PeriodicExportingMetricReader: metrics export failed (error Error: connect ECONNREFUSED 127.0.0.1:4318)',
      { stack: 'Error: ...' },
    );
    log.info('Export retry time 5000ms exceeds remaining timeout 1999ms, not retrying further.');
    // the SDK's global error handler passes the error serialized as JSON
    log.error(
      JSON.stringify({
        stack: 'Error: PeriodicExportingMetricReader: metrics export failed\n    at x (y.js:1:1)',
        message:
          'PeriodicExportingMetricReader: metrics export failed (error Error: connect ECONNREFUSED 127.0.0.1:4318)',
        name: 'Error',
      }),
    );
    expect(lines).toEqual([]);
    log.error(JSON.stringify({ stack: 'Error: boom\n    at x (y.js:1:1)', message: 'boom', name: 'Error' }));
    expect(lines).toEqual(['otel-ml: error: boom\n']);
  });
});
