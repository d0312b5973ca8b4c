/**
 * The reproduction of the Collector's Prometheus translation (collector-translation.ts) against
 * the expectations of opentelemetry-collector-contrib's own tests
 * (pkg/translator/prometheus/normalize_name_test.go), and the names otel-ml's metrics get.
 */
import { describe, expect, it } from 'vitest';
import { COLLECTOR_DEFAULTS, labelName, metricName, samples } from './collector-translation.js';
import { decodeMetricsJson } from '../../processor/src/otlp/index.js';

const on = { addMetricSuffixes: true };
const off = { addMetricSuffixes: false };

describe('Collector name translation (contrib v0.147.0)', () => {
  it.each([
    ['system.filesystem.usage', 'By', 'gauge', 'system_filesystem_usage_bytes'],
    ['system.io', 'By', 'counter', 'system_io_bytes_total'],
    ['network_transmitted_bytes_total', 'By', 'counter', 'network_transmitted_bytes_total'],
    ['system.network.dropped', '{packets}', 'gauge', 'system_network_dropped'],
    ['system.network.dropped', '{packets}', 'counter', 'system_network_dropped_total'],
    ['system.network.packets.dropped', 'packets', 'gauge', 'system_network_packets_dropped'],
    ['hw.gpu.memory.utilization', '1', 'gauge', 'hw_gpu_memory_utilization_ratio'],
    ['hw.fan.speed_ratio', '1', 'gauge', 'hw_fan_speed_ratio'],
    ['objects', '1', 'counter', 'objects_total'],
    ['astro.light.speed_limit', 'm/s', 'gauge', 'astro_light_speed_limit_meters_per_second'],
    ['broken.metric.success_ratio', '%', 'gauge', 'broken_metric_success_ratio_percent'],
    [
      'active_directory.ds.replication.object.rate',
      '{objects}/s',
      'gauge',
      'active_directory_ds_replication_object_rate_per_second',
    ],
    ['system.disk.operation_time', 's', 'counter', 'system_disk_operation_time_seconds_total'],
    ['system.cpu.load_average.15m', '1', 'gauge', 'system_cpu_load_average_15m_ratio'],
    ['mongodbatlas.process.oplog.rate', 'GiBy/h', 'gauge', 'mongodbatlas_process_oplog_rate_gibibytes_per_hour'],
    ['test.metric.no_unit', '', 'gauge', 'test_metric_no_unit'],
  ] as const)('%s [%s] %s -> %s (normalize_name_test.go)', (name, unit, kind, expected) => {
    expect(metricName(name, unit, kind, on)).toBe(expected);
  });

  it('without suffixes only replaces invalid characters (BuildCompliantName without normalization)', () => {
    expect(metricName('system.io', 'By', 'counter', off)).toBe('system_io');
    expect(metricName('3.14 digits', 'By', 'gauge', off)).toBe('_3_14_digits');
  });

  it.each([
    // otel-ml's results (processor gauges) and the services' metrics
    ['ml.verdict.flagged', '1', 'gauge', 'ml_verdict_flagged_ratio', 'ml_verdict_flagged'],
    ['ml.verdict.windows', '{window}', 'gauge', 'ml_verdict_windows', 'ml_verdict_windows'],
    ['ml.verdict.duration', 's', 'gauge', 'ml_verdict_duration_seconds', 'ml_verdict_duration'],
    ['ml.feature.missing.ratio', '1', 'gauge', 'ml_feature_missing_ratio', 'ml_feature_missing_ratio'],
    ['ml.drift.psi', '1', 'gauge', 'ml_drift_psi_ratio', 'ml_drift_psi'],
    ['ml.window.count', '{row}', 'gauge', 'ml_window_count', 'ml_window_count'],
    ['ml.inference.duration', 's', 'histogram', 'ml_inference_duration_seconds', 'ml_inference_duration'],
    ['ml.predictions', '{prediction}', 'counter', 'ml_predictions_total', 'ml_predictions'],
  ] as const)('otel-ml: %s [%s] %s -> %s with suffixes, %s without', (name, unit, kind, suffixed, bare) => {
    expect(metricName(name, unit, kind, on)).toBe(suffixed);
    expect(metricName(name, unit, kind, off)).toBe(bare);
  });

  it('labels: sanitized attributes, scope, job/instance from the resource, target_info; resource attributes only when converted', () => {
    const exp = decodeMetricsJson({
      resourceMetrics: [
        {
          resource: {
            attributes: [
              { key: 'service.name', value: { stringValue: 'otel-ml-processor' } },
              { key: 'service.instance.id', value: { stringValue: 'a1' } },
              { key: 'service.version', value: { stringValue: '0.1.0' } },
            ],
          },
          scopeMetrics: [
            {
              scope: { name: '@otel-ml/processor', version: '0.1.0' },
              metrics: [
                {
                  name: 'ml.drift.psi',
                  unit: '1',
                  gauge: {
                    dataPoints: [
                      {
                        asDouble: 0.5,
                        timeUnixNano: '1767258000000000000',
                        attributes: [{ key: 'ml.model.name', value: { stringValue: 'fraud' } }],
                      },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    }).data;
    const [psi, info] = samples(exp, COLLECTOR_DEFAULTS);
    expect(psi).toEqual({
      labels: {
        ml_model_name: 'fraud',
        otel_scope_name: '@otel-ml/processor',
        otel_scope_version: '0.1.0',
        job: 'otel-ml-processor',
        instance: 'a1',
        __name__: 'ml_drift_psi_ratio',
      },
      value: 0.5,
      timestampMs: 1767258000000,
    });
    expect(info!.labels).toEqual({
      job: 'otel-ml-processor',
      instance: 'a1',
      service_version: '0.1.0',
      __name__: 'target_info',
    });
    expect(samples(exp, { addMetricSuffixes: false, resourceToTelemetry: true })[0]!.labels).toMatchObject({
      service_name: 'otel-ml-processor',
      service_version: '0.1.0',
      __name__: 'ml_drift_psi',
    });
    expect(labelName('ml.model.name')).toBe('ml_model_name');
  });
});
