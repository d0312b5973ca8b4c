import { describe, expect, it } from 'vitest';
import { SERVICE_V8_FLAGS, applyServiceV8Flags } from '../../../../processor/src/service/runtime.js';

describe('service V8 flags', () => {
  it('applies the service flags, or OTEL_ML_V8_FLAGS instead (empty: none)', () => {
    expect(applyServiceV8Flags({})).toEqual([SERVICE_V8_FLAGS]);
    expect(
      applyServiceV8Flags({ OTEL_ML_V8_FLAGS: '  --allocation-site-pretenuring   --no-allocation-site-pretenuring ' }),
    ).toEqual(['--allocation-site-pretenuring', '--no-allocation-site-pretenuring']);
    expect(applyServiceV8Flags({ OTEL_ML_V8_FLAGS: '' })).toEqual([]);
    // back to the service's value for the rest of this worker
    applyServiceV8Flags({});
  });
});
