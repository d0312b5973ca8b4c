import { describe, expect, it } from 'vitest';
import { exportErrorType } from '../../../../processor/src/service/emit.js';

describe('exportErrorType', () => {
  it('names a failed export by HTTP status, timeout or network error code, else _OTHER', () => {
    // the OTLP exporter's error for an HTTP answer carries the status as `code`
    expect(exportErrorType(Object.assign(new Error('Service Unavailable'), { code: 503 }))).toBe('503');
    expect(
      exportErrorType(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })),
    ).toBe('ECONNREFUSED');
    expect(exportErrorType(Object.assign(new Error('x'), { code: 'ETIMEDOUT' }))).toBe('timeout');
    expect(exportErrorType(new Error('Request Timeout'))).toBe('timeout');
    expect(
      exportErrorType(
        new Error('export failed', { cause: Object.assign(new Error('getaddrinfo'), { code: 'ENOTFOUND' }) }),
      ),
    ).toBe('ENOTFOUND');
    // unbounded or unknown values never become attribute values
    expect(exportErrorType(Object.assign(new Error('x'), { code: 'some free text' }))).toBe('_OTHER');
    expect(exportErrorType(Object.assign(new Error('x'), { code: 42 }))).toBe('_OTHER');
    expect(exportErrorType(new Error('something else'))).toBe('_OTHER');
    expect(exportErrorType(undefined)).toBe('_OTHER');
    expect(exportErrorType('text')).toBe('_OTHER');
  });
});
