/**
 * The processor as a library: what the `otel-ml` command does, callable from a program.
 *
 * - `startService` runs the live processor (`otel-ml serve`) from a configuration that
 *   `loadConfig` reads from YAML (or `validateConfig` checks from an object).
 * - `buildBaseline` (`otel-ml baseline`) turns a CSV of training rows into a baseline file;
 *   `runReport` and `runWindowedReport` (`otel-ml report`) evaluate a CSV of production rows
 *   against it, and `renderText`, `renderHtml`, `renderRunText`, `renderRunHtml` show the result.
 * - The decision defaults are those of `otel-ml` and of the configuration file.
 *
 * Errors a person can fix are `InputError`s (a `ConfigError` for the configuration); work refused
 * for load is an `OverloadedError`.
 */
export { startService, type RunningService, type ServiceOptions } from './service/service.js';
export {
  ConfigError,
  DEFAULT_CONFIG,
  loadConfig,
  validateConfig,
  type ModelConfig,
  type ReferenceChoice,
  type ServiceConfig,
} from './service/config.js';
export { buildBaseline, type BaselineOptions, type BaselineResult } from './offline/baseline.js';
export {
  loadBaseline,
  runReport,
  runWindowedReport,
  type ReportOptions,
  type WindowedReportOptions,
} from './offline/report.js';
export { renderText } from './render/text.js';
export { renderHtml } from './render/html.js';
export { renderRunHtml, renderRunText } from './render/run.js';
export type { ModelReport, MultiWindowReport, DistributionReport } from './analysis/report-types.js';
export {
  DEFAULT_ALPHA,
  DEFAULT_MIN_JENSEN_SHANNON,
  DEFAULT_MIN_KS,
  DEFAULT_MIN_PSI,
  DEFAULT_MIN_ROWS,
  DEFAULT_THRESHOLD,
} from './statistics/defaults.js';
export { InputError, OverloadedError } from './model/errors.js';
