/**
 * Project-written protobufjs reflection schema of the OTLP metrics messages the processor
 * receives and answers with, the trace messages its trace samples read (trace/v1/trace.proto,
 * collector/trace/v1/trace_service.proto), plus the google.rpc types used for error replies.
 *
 * Field numbers follow the OTLP specification (opentelemetry-proto v1.x:
 * common/v1/common.proto, resource/v1/resource.proto, metrics/v1/metrics.proto,
 * collector/metrics/v1/metrics_service.proto) and googleapis google/rpc/status.proto,
 * google/rpc/error_details.proto (RetryInfo). Only the fields the processor reads or writes are
 * declared; everything else (entity refs, metadata, dropped counts we do not track) is skipped
 * as unknown fields by the decoder, which is what the protobuf wire format is designed for.
 *
 * Field names are written in lowerCamelCase, so protobufjs message objects use the same keys
 * as OTLP/JSON.
 */
import protobuf from 'protobufjs';

type Fields = Record<string, { type: string; id: number; rule?: 'repeated'; options?: Record<string, unknown> }>;

const PACKED = { packed: true } as const;

const common = {
  AnyValue: {
    oneofs: {
      value: {
        oneof: ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue'],
      },
    },
    fields: {
      stringValue: { type: 'string', id: 1 },
      boolValue: { type: 'bool', id: 2 },
      intValue: { type: 'int64', id: 3 },
      doubleValue: { type: 'double', id: 4 },
      arrayValue: { type: 'ArrayValue', id: 5 },
      kvlistValue: { type: 'KeyValueList', id: 6 },
      bytesValue: { type: 'bytes', id: 7 },
    } satisfies Fields,
  },
  ArrayValue: { fields: { values: { rule: 'repeated', type: 'AnyValue', id: 1 } } satisfies Fields },
  KeyValueList: { fields: { values: { rule: 'repeated', type: 'KeyValue', id: 1 } } satisfies Fields },
  KeyValue: { fields: { key: { type: 'string', id: 1 }, value: { type: 'AnyValue', id: 2 } } satisfies Fields },
  InstrumentationScope: {
    fields: {
      name: { type: 'string', id: 1 },
      version: { type: 'string', id: 2 },
      attributes: { rule: 'repeated', type: 'KeyValue', id: 3 },
      droppedAttributesCount: { type: 'uint32', id: 4 },
    } satisfies Fields,
  },
};

const resource = {
  Resource: {
    fields: {
      attributes: { rule: 'repeated', type: 'opentelemetry.proto.common.v1.KeyValue', id: 1 },
      droppedAttributesCount: { type: 'uint32', id: 2 },
    } satisfies Fields,
  },
};

const KV = 'opentelemetry.proto.common.v1.KeyValue';

/** Fields shared by the data points: attributes move between field numbers per message. */
const pointTimes = {
  startTimeUnixNano: { type: 'fixed64', id: 2 },
  timeUnixNano: { type: 'fixed64', id: 3 },
} satisfies Fields;

const metrics = {
  MetricsData: { fields: { resourceMetrics: { rule: 'repeated', type: 'ResourceMetrics', id: 1 } } satisfies Fields },
  ResourceMetrics: {
    fields: {
      resource: { type: 'opentelemetry.proto.resource.v1.Resource', id: 1 },
      scopeMetrics: { rule: 'repeated', type: 'ScopeMetrics', id: 2 },
      schemaUrl: { type: 'string', id: 3 },
    } satisfies Fields,
  },
  ScopeMetrics: {
    fields: {
      scope: { type: 'opentelemetry.proto.common.v1.InstrumentationScope', id: 1 },
      metrics: { rule: 'repeated', type: 'Metric', id: 2 },
      schemaUrl: { type: 'string', id: 3 },
    } satisfies Fields,
  },
  Metric: {
    oneofs: { data: { oneof: ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] } },
    fields: {
      name: { type: 'string', id: 1 },
      description: { type: 'string', id: 2 },
      unit: { type: 'string', id: 3 },
      gauge: { type: 'Gauge', id: 5 },
      sum: { type: 'Sum', id: 7 },
      histogram: { type: 'Histogram', id: 9 },
      exponentialHistogram: { type: 'ExponentialHistogram', id: 10 },
      summary: { type: 'Summary', id: 11 },
      metadata: { rule: 'repeated', type: KV, id: 12 },
    } satisfies Fields,
  },
  Gauge: { fields: { dataPoints: { rule: 'repeated', type: 'NumberDataPoint', id: 1 } } satisfies Fields },
  Sum: {
    fields: {
      dataPoints: { rule: 'repeated', type: 'NumberDataPoint', id: 1 },
      aggregationTemporality: { type: 'AggregationTemporality', id: 2 },
      isMonotonic: { type: 'bool', id: 3 },
    } satisfies Fields,
  },
  Histogram: {
    fields: {
      dataPoints: { rule: 'repeated', type: 'HistogramDataPoint', id: 1 },
      aggregationTemporality: { type: 'AggregationTemporality', id: 2 },
    } satisfies Fields,
  },
  ExponentialHistogram: {
    fields: {
      dataPoints: { rule: 'repeated', type: 'ExponentialHistogramDataPoint', id: 1 },
      aggregationTemporality: { type: 'AggregationTemporality', id: 2 },
    } satisfies Fields,
  },
  Summary: { fields: { dataPoints: { rule: 'repeated', type: 'SummaryDataPoint', id: 1 } } satisfies Fields },
  AggregationTemporality: {
    values: {
      AGGREGATION_TEMPORALITY_UNSPECIFIED: 0,
      AGGREGATION_TEMPORALITY_DELTA: 1,
      AGGREGATION_TEMPORALITY_CUMULATIVE: 2,
    },
  },
  DataPointFlags: { values: { DATA_POINT_FLAGS_DO_NOT_USE: 0, DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK: 1 } },
  NumberDataPoint: {
    oneofs: { value: { oneof: ['asDouble', 'asInt'] } },
    fields: {
      attributes: { rule: 'repeated', type: KV, id: 7 },
      ...pointTimes,
      asDouble: { type: 'double', id: 4 },
      asInt: { type: 'sfixed64', id: 6 },
      exemplars: { rule: 'repeated', type: 'Exemplar', id: 5 },
      flags: { type: 'uint32', id: 8 },
    } satisfies Fields,
  },
  HistogramDataPoint: {
    // proto3 `optional` fields are synthetic one-member oneofs: presence is observable.
    oneofs: { _sum: { oneof: ['sum'] }, _min: { oneof: ['min'] }, _max: { oneof: ['max'] } },
    fields: {
      attributes: { rule: 'repeated', type: KV, id: 9 },
      ...pointTimes,
      count: { type: 'fixed64', id: 4 },
      sum: { type: 'double', id: 5 },
      bucketCounts: { rule: 'repeated', type: 'fixed64', id: 6, options: PACKED },
      explicitBounds: { rule: 'repeated', type: 'double', id: 7, options: PACKED },
      exemplars: { rule: 'repeated', type: 'Exemplar', id: 8 },
      flags: { type: 'uint32', id: 10 },
      min: { type: 'double', id: 11 },
      max: { type: 'double', id: 12 },
    } satisfies Fields,
  },
  ExponentialHistogramDataPoint: {
    oneofs: { _sum: { oneof: ['sum'] }, _min: { oneof: ['min'] }, _max: { oneof: ['max'] } },
    fields: {
      attributes: { rule: 'repeated', type: KV, id: 1 },
      ...pointTimes,
      count: { type: 'fixed64', id: 4 },
      sum: { type: 'double', id: 5 },
      scale: { type: 'sint32', id: 6 },
      zeroCount: { type: 'fixed64', id: 7 },
      positive: { type: 'Buckets', id: 8 },
      negative: { type: 'Buckets', id: 9 },
      flags: { type: 'uint32', id: 10 },
      exemplars: { rule: 'repeated', type: 'Exemplar', id: 11 },
      min: { type: 'double', id: 12 },
      max: { type: 'double', id: 13 },
      zeroThreshold: { type: 'double', id: 14 },
    } satisfies Fields,
    nested: {
      Buckets: {
        fields: {
          offset: { type: 'sint32', id: 1 },
          bucketCounts: { rule: 'repeated', type: 'uint64', id: 2, options: PACKED },
        } satisfies Fields,
      },
    },
  },
  SummaryDataPoint: {
    fields: {
      attributes: { rule: 'repeated', type: KV, id: 7 },
      ...pointTimes,
      count: { type: 'fixed64', id: 4 },
      sum: { type: 'double', id: 5 },
      quantileValues: { rule: 'repeated', type: 'ValueAtQuantile', id: 6 },
      flags: { type: 'uint32', id: 8 },
    } satisfies Fields,
    nested: {
      ValueAtQuantile: {
        fields: { quantile: { type: 'double', id: 1 }, value: { type: 'double', id: 2 } } satisfies Fields,
      },
    },
  },
  Exemplar: {
    oneofs: { value: { oneof: ['asDouble', 'asInt'] } },
    fields: {
      filteredAttributes: { rule: 'repeated', type: KV, id: 7 },
      timeUnixNano: { type: 'fixed64', id: 2 },
      asDouble: { type: 'double', id: 3 },
      asInt: { type: 'sfixed64', id: 6 },
      spanId: { type: 'bytes', id: 4 },
      traceId: { type: 'bytes', id: 5 },
    } satisfies Fields,
  },
};

const collectorMetrics = {
  ExportMetricsServiceRequest: {
    fields: {
      resourceMetrics: { rule: 'repeated', type: 'opentelemetry.proto.metrics.v1.ResourceMetrics', id: 1 },
    } satisfies Fields,
  },
  ExportMetricsServiceResponse: {
    fields: { partialSuccess: { type: 'ExportMetricsPartialSuccess', id: 1 } } satisfies Fields,
  },
  ExportMetricsPartialSuccess: {
    fields: { rejectedDataPoints: { type: 'int64', id: 1 }, errorMessage: { type: 'string', id: 2 } } satisfies Fields,
  },
  MetricsService: {
    methods: { Export: { requestType: 'ExportMetricsServiceRequest', responseType: 'ExportMetricsServiceResponse' } },
  },
};

/** trace/v1/trace.proto: only what the trace samples read (ids, name, times, attributes, events). */
const traces = {
  TracesData: { fields: { resourceSpans: { rule: 'repeated', type: 'ResourceSpans', id: 1 } } satisfies Fields },
  ResourceSpans: {
    fields: {
      resource: { type: 'opentelemetry.proto.resource.v1.Resource', id: 1 },
      scopeSpans: { rule: 'repeated', type: 'ScopeSpans', id: 2 },
      schemaUrl: { type: 'string', id: 3 },
    } satisfies Fields,
  },
  ScopeSpans: {
    fields: {
      scope: { type: 'opentelemetry.proto.common.v1.InstrumentationScope', id: 1 },
      spans: { rule: 'repeated', type: 'Span', id: 2 },
      schemaUrl: { type: 'string', id: 3 },
    } satisfies Fields,
  },
  Span: {
    fields: {
      traceId: { type: 'bytes', id: 1 },
      spanId: { type: 'bytes', id: 2 },
      name: { type: 'string', id: 5 },
      startTimeUnixNano: { type: 'fixed64', id: 7 },
      endTimeUnixNano: { type: 'fixed64', id: 8 },
      attributes: { rule: 'repeated', type: KV, id: 9 },
      events: { rule: 'repeated', type: 'Event', id: 11 },
    } satisfies Fields,
    nested: {
      Event: {
        fields: {
          timeUnixNano: { type: 'fixed64', id: 1 },
          name: { type: 'string', id: 2 },
          attributes: { rule: 'repeated', type: KV, id: 3 },
        } satisfies Fields,
      },
    },
  },
};

const collectorTraces = {
  ExportTraceServiceRequest: {
    fields: {
      resourceSpans: { rule: 'repeated', type: 'opentelemetry.proto.trace.v1.ResourceSpans', id: 1 },
    } satisfies Fields,
  },
  ExportTraceServiceResponse: {
    fields: { partialSuccess: { type: 'ExportTracePartialSuccess', id: 1 } } satisfies Fields,
  },
  ExportTracePartialSuccess: {
    fields: { rejectedSpans: { type: 'int64', id: 1 }, errorMessage: { type: 'string', id: 2 } } satisfies Fields,
  },
  TraceService: {
    methods: { Export: { requestType: 'ExportTraceServiceRequest', responseType: 'ExportTraceServiceResponse' } },
  },
};

const googleRpc = {
  Status: {
    fields: {
      code: { type: 'int32', id: 1 },
      message: { type: 'string', id: 2 },
      details: { rule: 'repeated', type: 'google.protobuf.Any', id: 3 },
    } satisfies Fields,
  },
  RetryInfo: { fields: { retryDelay: { type: 'google.protobuf.Duration', id: 1 } } satisfies Fields },
};

const googleProtobuf = {
  Any: { fields: { typeUrl: { type: 'string', id: 1 }, value: { type: 'bytes', id: 2 } } satisfies Fields },
  Duration: { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } satisfies Fields },
};

/** The schema as a protobufjs reflection JSON document (`INamespace`). */
export const OTLP_METRICS_SCHEMA = {
  nested: {
    opentelemetry: {
      nested: {
        proto: {
          nested: {
            common: { nested: { v1: { nested: common } } },
            resource: { nested: { v1: { nested: resource } } },
            metrics: { nested: { v1: { nested: metrics } } },
            trace: { nested: { v1: { nested: traces } } },
            collector: {
              nested: {
                metrics: { nested: { v1: { nested: collectorMetrics } } },
                trace: { nested: { v1: { nested: collectorTraces } } },
              },
            },
          },
        },
      },
    },
    google: { nested: { rpc: { nested: googleRpc }, protobuf: { nested: googleProtobuf } } },
  },
} as const;

// 64-bit integers must decode losslessly: protobufjs only returns Long objects (high/low words)
// when util.Long is present; without it fixed64/uint64 would silently become lossy numbers.
if (!protobuf.util.Long) {
  throw new Error('protobufjs was loaded without long.js support; 64-bit OTLP fields would lose precision');
}

export const otlpRoot: protobuf.Root = protobuf.Root.fromJSON(OTLP_METRICS_SCHEMA as unknown as protobuf.INamespace);

const lookup = (name: string): protobuf.Type => otlpRoot.lookupType(name);

export const ExportMetricsServiceRequest = lookup(
  'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest',
);
export const ExportMetricsServiceResponse = lookup(
  'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse',
);
export const ExportTraceServiceRequest = lookup('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
export const RpcStatus = lookup('google.rpc.Status');
export const RpcRetryInfo = lookup('google.rpc.RetryInfo');

/** Fully qualified gRPC method path of the OTLP metrics Export RPC. */
export const METRICS_EXPORT_GRPC_PATH = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';
/** Fully qualified gRPC method path of the OTLP trace Export RPC. */
export const TRACES_EXPORT_GRPC_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
