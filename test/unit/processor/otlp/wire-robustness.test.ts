import { describe, expect, it } from 'vitest';
import { buildHistogramRequest, encodeRequest } from '../../../../processor/bench/ingest-payload.js';
import {
  DecodeError,
  decodeMetricsProtobuf,
  decodeMetricsProtobufReflection,
} from '../../../../processor/src/otlp/index.js';
import { seededUniform } from '../../../../processor/src/statistics/random.js';

describe('wire reader', () => {
  it('agrees with protobufjs reflection on a realistic payload (200 buckets, shared bounds)', () => {
    const bytes = encodeRequest(buildHistogramRequest({ points: 60, buckets: 200, pointsPerMetric: 25 }));
    const fast = decodeMetricsProtobuf(bytes);
    const reference = decodeMetricsProtobufReflection(bytes);
    expect(fast.acceptedDataPoints).toBe(60);
    expect(fast.rejectedDataPoints).toBe(0);
    expect(fast.data).toStrictEqual(reference.data);
  });

  it('corrupted input either decodes or throws DecodeError, never anything else', () => {
    const valid = encodeRequest(buildHistogramRequest({ points: 4, buckets: 8, pointsPerMetric: 2 }));
    const rand = seededUniform(7);
    let decoded = 0;
    let refused = 0;
    for (let trial = 0; trial < 3000; trial++) {
      const bytes = Buffer.from(valid);
      const edits = 1 + Math.floor(rand() * 4);
      for (let e = 0; e < edits; e++) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
      const cut = rand() < 0.3 ? Math.floor(rand() * bytes.length) : bytes.length;
      try {
        const r = decodeMetricsProtobuf(bytes.subarray(0, cut));
        expect(r.acceptedDataPoints + r.rejectedDataPoints).toBeGreaterThanOrEqual(0);
        decoded++;
      } catch (err) {
        expect(err).toBeInstanceOf(DecodeError);
        refused++;
      }
    }
    // Both outcomes must have been exercised for the test to mean anything.
    expect(decoded).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(100);
  });
});
