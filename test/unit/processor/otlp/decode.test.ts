import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import {
  DecodeError,
  decodeMetricsJson,
  decodeMetricsProtobuf,
  decodeMetricsProtobufReflection,
  decodeTracesProtobuf,
  decodeTracesProtobufReflection,
  type DecodeResult,
} from '../../../../processor/src/otlp/index.js';
import { ExportMetricsServiceRequest, ExportTraceServiceRequest } from '../../../../processor/src/otlp/schema.js';

const T0 = 1_700_000_000_123_456_789n; // above 2^53: must survive exactly
const T1 = T0 + 60_000_000_000n;

const str = (key: string, v: string) => ({ key, value: { stringValue: v } });

/** One request with every metric kind and every AnyValue kind, in OTLP/JSON form. */
function fullRequest(): Record<string, unknown> {
  return {
    resourceMetrics: [
      {
        resource: {
          attributes: [
            str('service.name', 'scoring'),
            { key: 'i', value: { intValue: '42' } },
            { key: 'big', value: { intValue: '9007199254740993' } },
            { key: 'd', value: { doubleValue: 0.25 } },
            { key: 'b', value: { boolValue: true } },
            { key: 'arr', value: { arrayValue: { values: [{ stringValue: 'x' }, { intValue: 1 }] } } },
            { key: 'kv', value: { kvlistValue: { values: [str('a', 'b')] } } },
            { key: 'bytes', value: { bytesValue: Buffer.from([0xde, 0xad]).toString('base64') } },
            { key: 'empty', value: {} },
          ],
        },
        schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
        scopeMetrics: [
          {
            scope: { name: 'lib', version: '1.2.3', attributes: [str('s', 't')] },
            schemaUrl: 'scope-schema',
            metrics: [
              {
                name: 'g',
                description: 'a gauge',
                unit: '1',
                gauge: {
                  dataPoints: [
                    { attributes: [str('k', 'v')], timeUnixNano: T1.toString(), asDouble: 1.5 },
                    {
                      timeUnixNano: T1.toString(),
                      asInt: '-7',
                      exemplars: [
                        { asDouble: 3, timeUnixNano: '1', traceId: new Uint8Array(16), spanId: new Uint8Array(8) },
                      ],
                    },
                  ],
                },
              },
              {
                name: 'c',
                unit: '{prediction}',
                sum: {
                  aggregationTemporality: 1,
                  isMonotonic: true,
                  dataPoints: [{ startTimeUnixNano: T0.toString(), timeUnixNano: T1.toString(), asInt: 12 }],
                },
              },
              {
                name: 'h',
                unit: 's',
                histogram: {
                  aggregationTemporality: 2,
                  dataPoints: [
                    {
                      attributes: [str('ml.model.name', 'm')],
                      startTimeUnixNano: T0.toString(),
                      timeUnixNano: T1.toString(),
                      count: 6,
                      sum: 2.5,
                      min: 0.1,
                      max: 0.9,
                      bucketCounts: [1, 2, 3],
                      explicitBounds: [0.25, 0.5],
                      flags: 0,
                    },
                    { startTimeUnixNano: T0.toString(), timeUnixNano: T1.toString(), count: 0, flags: 1 },
                  ],
                },
              },
              {
                name: 'e',
                exponentialHistogram: {
                  aggregationTemporality: 1,
                  dataPoints: [
                    {
                      startTimeUnixNano: T0.toString(),
                      timeUnixNano: T1.toString(),
                      count: 10,
                      sum: -1,
                      scale: -3,
                      zeroCount: 1,
                      zeroThreshold: 1e-9,
                      positive: { offset: -2, bucketCounts: [1, 0, 4] },
                      negative: { offset: 5, bucketCounts: [4] },
                      min: -20,
                      max: 3,
                    },
                  ],
                },
              },
              {
                name: 's',
                summary: {
                  dataPoints: [
                    { timeUnixNano: T1.toString(), count: 3, sum: 2, quantileValues: [{ quantile: 0.5, value: 1 }] },
                    {},
                  ],
                },
              },
            ],
          },
        ],
      },
    ],
  };
}

const expectedFull = {
  resourceMetrics: [
    {
      resource: {
        attributes: {
          'service.name': 'scoring',
          i: 42,
          big: 9007199254740993n,
          d: 0.25,
          b: true,
          arr: ['x', 1],
          kv: '{"a":"b"}',
          bytes: 'dead',
          empty: null,
        },
      },
      schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
      scopeMetrics: [
        {
          scope: { name: 'lib', version: '1.2.3', attributes: { s: 't' } },
          schemaUrl: 'scope-schema',
          metrics: [
            {
              name: 'g',
              description: 'a gauge',
              unit: '1',
              data: {
                type: 'gauge',
                points: [
                  { attributes: { k: 'v' }, startTimeUnixNano: 0n, timeUnixNano: T1, flags: 0, value: 1.5 },
                  { attributes: {}, startTimeUnixNano: 0n, timeUnixNano: T1, flags: 0, value: -7 },
                ],
              },
            },
            {
              name: 'c',
              description: '',
              unit: '{prediction}',
              data: {
                type: 'sum',
                temporality: 'delta',
                isMonotonic: true,
                points: [{ attributes: {}, startTimeUnixNano: T0, timeUnixNano: T1, flags: 0, value: 12 }],
              },
            },
            {
              name: 'h',
              description: '',
              unit: 's',
              data: {
                type: 'histogram',
                temporality: 'cumulative',
                points: [
                  {
                    attributes: { 'ml.model.name': 'm' },
                    startTimeUnixNano: T0,
                    timeUnixNano: T1,
                    flags: 0,
                    count: 6,
                    sum: 2.5,
                    min: 0.1,
                    max: 0.9,
                    bucketCounts: [1, 2, 3],
                    explicitBounds: [0.25, 0.5],
                  },
                  {
                    attributes: {},
                    startTimeUnixNano: T0,
                    timeUnixNano: T1,
                    flags: 1,
                    count: 0,
                    bucketCounts: [],
                    explicitBounds: [],
                  },
                ],
              },
            },
            {
              name: 'e',
              description: '',
              unit: '',
              data: {
                type: 'exponential_histogram',
                temporality: 'delta',
                points: [
                  {
                    attributes: {},
                    startTimeUnixNano: T0,
                    timeUnixNano: T1,
                    flags: 0,
                    count: 10,
                    sum: -1,
                    scale: -3,
                    zeroCount: 1,
                    zeroThreshold: 1e-9,
                    positive: { offset: -2, bucketCounts: [1, 0, 4] },
                    negative: { offset: 5, bucketCounts: [4] },
                    min: -20,
                    max: 3,
                  },
                ],
              },
            },
            { name: 's', description: '', unit: '', data: { type: 'summary', pointCount: 2 } },
          ],
        },
      ],
    },
  ],
};

const encode = (req: object): Uint8Array =>
  ExportMetricsServiceRequest.encode(ExportMetricsServiceRequest.fromObject(req)).finish();

/** JSON form: bytes inside exemplars as hex per OTLP/JSON (they are ignored anyway). */
function toJson(req: object): string {
  return JSON.stringify(req, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));
}

function snakeKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(snakeKeys);
  if (v && typeof v === 'object' && !(v instanceof Uint8Array)) {
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), snakeKeys(x)]),
    );
  }
  return v;
}

/** Points of the first metric of a decoded request. */
function firstPoints<P>(r: DecodeResult): P[] {
  const d = r.data.resourceMetrics[0].scopeMetrics[0].metrics[0].data;
  if (d.type === 'summary') throw new Error('expected a metric with points');
  return d.points as unknown as P[];
}

function expectClean(r: DecodeResult): void {
  expect(r.rejectedDataPoints).toBe(0);
  expect(r.rejections).toEqual([]);
  expect(r.errorMessage).toBeUndefined();
}

describe('decoding every metric kind', () => {
  it('protobuf (hand-written reader) gives the exact model', () => {
    const r = decodeMetricsProtobuf(encode(fullRequest()));
    expectClean(r);
    expect(r.data).toStrictEqual(expectedFull);
    expect(r.acceptedDataPoints).toBe(8);
  });

  it('protobuf: exponential bucket counts of one and several varint bytes, as the reflection decoder reads them', () => {
    const counts = [0, 1, 127, 128, 300, 70_000, 2 ** 40, 5];
    const point = {
      startTimeUnixNano: '1',
      timeUnixNano: '2',
      count: counts.reduce((x, y) => x + y, 3),
      scale: 4,
      zeroCount: 3,
      positive: { offset: 7, bucketCounts: counts },
      negative: { offset: -1, bucketCounts: [] },
    };
    const body = encode(histReq([point], 'exponentialHistogram'));
    const a = decodeMetricsProtobuf(body);
    expectClean(a);
    expect(a.data).toStrictEqual(decodeMetricsProtobufReflection(body).data);
    const e = a.data.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.data;
    expect(e.type === 'exponential_histogram' && e.points[0]!.positive.bucketCounts).toEqual(counts);
  });

  it('protobuf via protobufjs reflection gives the same model', () => {
    const r = decodeMetricsProtobufReflection(encode(fullRequest()));
    expectClean(r);
    expect(r.data).toStrictEqual(expectedFull);
  });

  it('OTLP/JSON text, bytes and parsed object give the same model', () => {
    const text = toJson(fullRequest());
    for (const input of [text, Buffer.from(text), JSON.parse(text) as object]) {
      const r = decodeMetricsJson(input);
      expectClean(r);
      expect(r.data).toStrictEqual(expectedFull);
    }
  });

  it('accepts snake_case keys, enum names and int64 as numbers', () => {
    const req = fullRequest();
    const json = JSON.parse(toJson(req)) as any;
    const metrics = json.resourceMetrics[0].scopeMetrics[0].metrics;
    metrics[1].sum.aggregationTemporality = 'AGGREGATION_TEMPORALITY_DELTA';
    metrics[2].histogram.aggregationTemporality = 'AGGREGATION_TEMPORALITY_CUMULATIVE';
    metrics[2].histogram.dataPoints[0].count = '6';
    metrics[2].histogram.dataPoints[0].bucketCounts = ['1', 2, '3'];
    metrics[3].exponentialHistogram.dataPoints[0].zeroCount = '1';
    const r = decodeMetricsJson(snakeKeys(json) as object);
    expectClean(r);
    expect(r.data).toStrictEqual(expectedFull);
  });

  it('keeps nanosecond timestamps exact as bigint from number or string', () => {
    const mk = (t: string | number) => ({
      resourceMetrics: [
        {
          scopeMetrics: [
            {
              metrics: [{ name: 'x', gauge: { dataPoints: [{ timeUnixNano: t, startTimeUnixNano: 5, asDouble: 1 }] } }],
            },
          ],
        },
      ],
    });
    const pick = (r: DecodeResult) => firstPoints<{ timeUnixNano: bigint; startTimeUnixNano: bigint }>(r)[0];
    expect(pick(decodeMetricsJson(mk('1700000000123456789'))).timeUnixNano).toBe(1700000000123456789n);
    expect(pick(decodeMetricsJson(mk(1_700_000_000_000))).timeUnixNano).toBe(1_700_000_000_000n);
    expect(pick(decodeMetricsJson(mk(1_700_000_000_000))).startTimeUnixNano).toBe(5n);
    const max = (2n ** 64n - 1n).toString();
    expect(pick(decodeMetricsProtobuf(encode(mk(max)))).timeUnixNano).toBe(2n ** 64n - 1n);
    expect(pick(decodeMetricsProtobufReflection(encode(mk(max)))).timeUnixNano).toBe(2n ** 64n - 1n);
  });

  it('accepts unpacked repeated scalars and skips unknown fields', () => {
    // Histogram point written by hand: bucket_counts and explicit_bounds unpacked, plus unknown field 99.
    const point = protobuf.Writer.create();
    point.uint32((3 << 3) | 1).fixed64(1000);
    point.uint32((4 << 3) | 1).fixed64(3);
    for (const c of [1, 2]) point.uint32((6 << 3) | 1).fixed64(c);
    point.uint32((7 << 3) | 1).double(0.5);
    point.uint32((99 << 3) | 0).uint32(7);
    const hist = protobuf.Writer.create()
      .uint32((1 << 3) | 2)
      .bytes(point.finish())
      .uint32((2 << 3) | 0)
      .uint32(1);
    const metric = protobuf.Writer.create()
      .uint32((1 << 3) | 2)
      .string('u')
      .uint32((9 << 3) | 2)
      .bytes(hist.finish());
    metric.uint32((12 << 3) | 2).bytes(new Uint8Array(0)); // metadata (not read)
    const sm = protobuf.Writer.create()
      .uint32((2 << 3) | 2)
      .bytes(metric.finish());
    const rm = protobuf.Writer.create()
      .uint32((2 << 3) | 2)
      .bytes(sm.finish());
    const req = protobuf.Writer.create()
      .uint32((1 << 3) | 2)
      .bytes(rm.finish())
      .finish();
    for (const decode of [decodeMetricsProtobuf, decodeMetricsProtobufReflection]) {
      const r = decode(req);
      expectClean(r);
      const data = r.data.resourceMetrics[0].scopeMetrics[0].metrics[0].data;
      expect(data).toMatchObject({
        type: 'histogram',
        temporality: 'delta',
        points: [{ count: 3, bucketCounts: [1, 2], explicitBounds: [0.5], timeUnixNano: 1000n }],
      });
    }
  });

  it('decodes an empty request', () => {
    expect(decodeMetricsProtobuf(new Uint8Array(0)).data).toEqual({ resourceMetrics: [] });
    expect(decodeMetricsJson('{}').data).toEqual({ resourceMetrics: [] });
  });
});

/** A request with one histogram metric holding the given points. */
function histReq(points: object[], type: 'histogram' | 'exponentialHistogram' = 'histogram', name = 'm'): object {
  return {
    resourceMetrics: [
      { scopeMetrics: [{ metrics: [{ name, [type]: { aggregationTemporality: 1, dataPoints: points } }] }] },
    ],
  };
}

const good = { timeUnixNano: '2000', startTimeUnixNano: '1000', count: 3, bucketCounts: [1, 2], explicitBounds: [0.5] };
const goodExp = { timeUnixNano: '2000', count: 3, scale: 0, zeroCount: 1, positive: { offset: 0, bucketCounts: [2] } };

describe('invalid data points are dropped with a reason', () => {
  const cases: [string, object, string, 'histogram' | 'exponentialHistogram'][] = [
    ['bucket count length', { ...good, bucketCounts: [1, 2, 0] }, 'bucket_counts_length_mismatch', 'histogram'],
    ['bounds without buckets', { ...good, count: 0, bucketCounts: [] }, 'bucket_counts_length_mismatch', 'histogram'],
    ['bucket sum', { ...good, count: 4 }, 'bucket_counts_sum_mismatch', 'histogram'],
    ['NaN bound', { ...good, explicitBounds: ['NaN'] }, 'non_finite_bound', 'histogram'],
    ['infinite bound', { ...good, explicitBounds: ['Infinity'] }, 'non_finite_bound', 'histogram'],
    [
      'bounds order',
      { ...good, count: 3, bucketCounts: [1, 1, 1], explicitBounds: [0.5, 0.5] },
      'bounds_not_increasing',
      'histogram',
    ],
    ['min > max', { ...good, min: 2, max: 1 }, 'min_greater_than_max', 'histogram'],
    ['missing time', { ...good, timeUnixNano: '0' }, 'missing_time', 'histogram'],
    ['start after time', { ...good, startTimeUnixNano: '3000' }, 'start_after_time', 'histogram'],
    [
      'count above 2^53',
      { ...good, count: '9007199254740993', bucketCounts: ['9007199254740992', 1] },
      'count_not_exact',
      'histogram',
    ],
    [
      'bucket count at 2^53, count exact',
      { ...good, count: 1, bucketCounts: ['9007199254740992', 1] },
      'count_not_exact',
      'histogram',
    ],
    [
      'bucket counts exact, sum beyond 2^53',
      { ...good, count: '9007199254740991', bucketCounts: ['9007199254740991', 1] },
      'bucket_counts_sum_mismatch',
      'histogram',
    ],
    ['scale too high', { ...goodExp, scale: 21 }, 'scale_out_of_range', 'exponentialHistogram'],
    ['scale too low', { ...goodExp, scale: -11 }, 'scale_out_of_range', 'exponentialHistogram'],
    ['exp sum', { ...goodExp, count: 5 }, 'bucket_counts_sum_mismatch', 'exponentialHistogram'],
    ['zero threshold', { ...goodExp, zeroThreshold: -1 }, 'invalid_zero_threshold', 'exponentialHistogram'],
    [
      'offset overflow',
      { ...goodExp, positive: { offset: 2147483647, bucketCounts: [1, 1] }, count: 3, zeroCount: 1 },
      'offset_out_of_range',
      'exponentialHistogram',
    ],
  ];

  for (const [label, bad, reason, type] of cases) {
    it(`${label} -> ${reason} (protobuf, reflection and JSON agree)`, () => {
      const ok = type === 'histogram' ? good : goodExp;
      const req = histReq([ok, bad, ok], type);
      const results = [
        decodeMetricsProtobuf(encode(req)),
        decodeMetricsProtobufReflection(encode(req)),
        decodeMetricsJson(JSON.stringify(req)),
      ];
      for (const r of results) {
        expect(r.rejectedDataPoints).toBe(1);
        expect(r.acceptedDataPoints).toBe(2);
        expect(r.rejections).toEqual([{ reason, metric: 'm', count: 1 }]);
        expect(r.errorMessage).toContain(reason);
        expect(r.errorMessage).toMatch(/^rejected 1 data point: 1 of metric "m"/);
      }
      expect(results[0].data).toStrictEqual(results[1].data);
      expect(results[0].data).toStrictEqual(results[2].data);
    });
  }

  it('negative counts are only expressible in JSON and are rejected', () => {
    const r = decodeMetricsJson(
      histReq([
        { ...good, count: 1, bucketCounts: [-1, 2] },
        { ...good, count: -1, bucketCounts: [], explicitBounds: [] },
      ]),
    );
    expect(r.rejections).toEqual([{ reason: 'negative_count', metric: 'm', count: 2 }]);
    const r2 = decodeMetricsJson(
      histReq([{ ...goodExp, count: 1, zeroCount: 0, positive: { bucketCounts: [2, -1] } }], 'exponentialHistogram'),
    );
    expect(r2.rejections).toEqual([{ reason: 'negative_count', metric: 'm', count: 1 }]);
  });

  it('number points: missing value, NaN, and a no-recorded-value flag', () => {
    const req = {
      resourceMetrics: [
        {
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'g',
                  gauge: {
                    dataPoints: [
                      { timeUnixNano: '5' },
                      { timeUnixNano: '5', asDouble: 'NaN' },
                      { timeUnixNano: '5', flags: 1 },
                      { timeUnixNano: '5', asDouble: 2 },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    };
    for (const r of [decodeMetricsJson(req), decodeMetricsProtobuf(encode(req))]) {
      expect(r.rejections).toEqual(
        expect.arrayContaining([
          { reason: 'missing_value', metric: 'g', count: 1 },
          { reason: 'non_finite_value', metric: 'g', count: 1 },
        ]),
      );
      expect(r.acceptedDataPoints).toBe(2);
      const points = firstPoints<{ value: number; flags: number }>(r);
      expect(points.map((p) => p.flags)).toEqual([1, 0]);
      expect(points[1].value).toBe(2);
    }
  });

  it('points of an unnamed metric are rejected', () => {
    const req = histReq([good, good], 'histogram', '');
    for (const r of [decodeMetricsJson(req), decodeMetricsProtobuf(encode(req))]) {
      expect(r.rejections).toEqual([{ reason: 'missing_metric_name', metric: '', count: 2 }]);
    }
  });

  it('shares identical explicit bounds between points of one request without mixing different ones', () => {
    const other = { ...good, explicitBounds: [0.75] };
    const r = decodeMetricsProtobuf(encode(histReq([good, good, other, good])));
    const pts = firstPoints<{ explicitBounds: readonly number[] }>(r);
    expect(pts.map((p) => p.explicitBounds)).toEqual([[0.5], [0.5], [0.75], [0.5]]);
    expect(pts[0].explicitBounds).toBe(pts[1].explicitBounds);
    expect(Object.isFrozen(pts[0].explicitBounds)).toBe(true);
  });
});

describe('structurally broken requests throw DecodeError', () => {
  const bad: [string, () => unknown, RegExp][] = [
    ['invalid JSON', () => decodeMetricsJson('{"resourceMetrics": ['), /invalid JSON/],
    ['JSON array root', () => decodeMetricsJson('[]'), /expected an ExportMetricsServiceRequest/],
    [
      'resourceMetrics not an array',
      () => decodeMetricsJson({ resourceMetrics: {} }),
      /^resourceMetrics: expected an array/,
    ],
    [
      'metric name not a string',
      () => decodeMetricsJson({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 5 }] }] }] }),
      /resourceMetrics\[0\]\.scopeMetrics\[0\]\.metrics\[0\]\.name: expected a string/,
    ],
    [
      'timestamp not an integer',
      () => decodeMetricsJson(histReq([{ ...good, timeUnixNano: '12ab' }])),
      /timeUnixNano: expected a 64-bit integer/,
    ],
    [
      'bad enum name',
      () =>
        decodeMetricsJson({
          resourceMetrics: [
            { scopeMetrics: [{ metrics: [{ name: 'x', sum: { aggregationTemporality: 'SOMETIMES' } }] }] },
          ],
        }),
      /aggregationTemporality/,
    ],
    ['truncated protobuf', () => decodeMetricsProtobuf(encode(histReq([good])).subarray(0, 30)), /invalid protobuf/],
    ['garbage protobuf', () => decodeMetricsProtobuf(Buffer.from('{"resourceMetrics":[]}')), /invalid protobuf/],
    [
      'truncated protobuf (reflection)',
      () => decodeMetricsProtobufReflection(encode(histReq([good])).subarray(0, 30)),
      /invalid protobuf/,
    ],
    [
      'wrong wire type',
      () =>
        decodeMetricsProtobuf(
          protobuf.Writer.create()
            .uint32((1 << 3) | 0)
            .uint32(1)
            .finish(),
        ),
      /wrong wire type/,
    ],
  ];
  for (const [label, f, msg] of bad) {
    it(label, () => {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DecodeError);
      expect((err as Error).message).toMatch(msg);
    });
  }
});

describe('decodeTracesProtobuf (hand-written reader)', () => {
  const id = (n: number, len: number) => Buffer.alloc(len, n);
  const kv = (key: string, value: Record<string, unknown>) => ({ key, value });
  const span = (n: number, extra: Record<string, unknown> = {}) => ({
    traceId: id(n, 16),
    spanId: id(n, 8),
    parentSpanId: id(n + 1, 8),
    traceState: 'a=b',
    name: `predict m${n % 2}`,
    kind: 2,
    startTimeUnixNano: 1_700_000_000_000_000_000n.toString(),
    endTimeUnixNano: '1700000000000001234',
    attributes: [
      kv('ml.operation.name', { stringValue: 'predict' }),
      kv('ml.model.name', { stringValue: `m${n % 2}` }),
      kv('ml.prediction.score', { doubleValue: n / 10 }),
      kv('count', { intValue: n }),
      kv('flag', { boolValue: n % 2 === 0 }),
      kv('list', { arrayValue: { values: [{ stringValue: 'x' }, { intValue: 2 }] } }),
      kv('map', { kvlistValue: { values: [kv('k', { stringValue: 'v' })] } }),
      kv('bytes', { bytesValue: Buffer.from([1, 2]) }),
      kv('ml.model.name', { stringValue: 'duplicate key: last wins' }),
    ],
    events: [
      {
        timeUnixNano: '5',
        name: 'ml.features',
        attributes: [kv('ml.feature.input.a', { doubleValue: n }), kv('ml.feature.input.c', { stringValue: 'FR' })],
        droppedAttributesCount: 1,
      },
      { name: 'other' },
    ],
    links: [{ traceId: id(9, 16), spanId: id(9, 8) }],
    status: { code: 1, message: 'ok' },
    ...extra,
  });
  const request = () => ({
    resourceSpans: [
      {
        resource: { attributes: [kv('service.name', { stringValue: 'svc' })] },
        scopeSpans: [
          { scope: { name: 'otel-ml', version: '1' }, spans: [span(1), span(2), span(3)] },
          {
            spans: [
              span(4, { traceId: id(4, 15) }),
              span(5, { spanId: Buffer.alloc(8) }),
              span(6, { traceId: undefined }),
              span(7, { events: [], attributes: [] }),
            ],
          },
        ],
        schemaUrl: 'https://example.com',
      },
      { scopeSpans: [{ spans: [span(8), span(9)] }] },
      {},
    ],
  });
  const encodeTraces = (o: object) =>
    ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject(o)).finish();

  it('gives the reflection decoder’s result, skipping spans with invalid ids', () => {
    const body = encodeTraces(request());
    const lean = decodeTracesProtobuf(body);
    expect(lean).toStrictEqual(decodeTracesProtobufReflection(body));
    expect(lean.rejectedSpans).toBe(3);
    expect(lean.resourceSpans.map((rs) => rs.spans.length)).toEqual([4, 2, 0]);
    const s = lean.resourceSpans[0]!.spans[0]!;
    expect(s.traceId).toBe('01'.repeat(16));
    expect(s.spanId).toBe('01'.repeat(8));
    expect(s.attributes['ml.model.name']).toBe('duplicate key: last wins');
    expect(s.events[0]!.attributes).toEqual({ 'ml.feature.input.a': 1, 'ml.feature.input.c': 'FR' });
  });

  it('rejects truncated or malformed bodies with a DecodeError', () => {
    const body = encodeTraces(request());
    for (const bad of [body.subarray(0, body.length - 3), Uint8Array.from([0x0a, 0x05, 0x12])]) {
      expect(() => decodeTracesProtobuf(bad)).toThrow(DecodeError);
    }
  });
});
