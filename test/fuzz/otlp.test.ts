/**
 * Short CI variant of the OTLP receiver fuzzing (`npm run bench:fuzz` runs >= 100,000 inputs):
 * a few thousand seeded inputs through the request handling into a real StreamProcessor, and a
 * few hundred over HTTP (protobuf, JSON) and gRPC sockets. See test/fuzz/otlp-fuzz.ts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { StreamProcessor } from '../../processor/src/streams/processor.js';
import { CountingConsumer, runFuzz, runTransportFuzz } from './otlp-fuzz.js';

const processor = StreamProcessor.open({
  path: ':memory:',
  durability: 'normal',
  limits: { maxStreams: 2_000, staleAfterMs: 3_600_000 },
});
afterAll(() => processor.close());

describe('OTLP receivers under fuzzed input', () => {
  it('every input is answered ok/partial or 400; broken points rejected exactly, valid points kept', async () => {
    const f = await runFuzz({
      seed: 20261125,
      count: 2_500,
      consumer: new CountingConsumer((exp) => processor.ingest(exp)),
    });
    expect(f.crashSamples).toEqual([]);
    expect(f.wrongSamples).toEqual([]);
    expect(f.crashes).toBe(0);
    // all outcomes and all mutation families were exercised (inputs built from the same valid
    // requests repeat their streams' points, which are answered as partial successes: duplicate)
    expect(f.outcomes.accepted).toBeGreaterThan(25);
    expect(f.outcomes.partial).toBeGreaterThan(500);
    expect(f.outcomes.invalid).toBeGreaterThan(500);
    expect(Object.keys(f.byKind).length).toBeGreaterThanOrEqual(12);
    expect(processor.stats().receivedPoints).toBeGreaterThan(1_000);
  });

  it('over sockets: HTTP 200/400, gRPC OK/INVALID_ARGUMENT, and still serving afterwards', async () => {
    const t = await runTransportFuzz({
      seed: 7,
      count: 300,
      consumer: new CountingConsumer((exp) => processor.ingest(exp)),
    });
    expect(t.samples).toEqual([]);
    expect(t.aliveAfter).toBe(true);
    for (const key of [
      'http/protobuf 200',
      'http/protobuf 400',
      'http/json 200',
      'http/json 400',
      'grpc OK',
      'grpc INVALID_ARGUMENT',
    ])
      expect(t.answers[key]).toBeGreaterThan(5);
  });
});
