/** Instrumentation scope name of everything this package emits. */
export const SCOPE_NAME = '@otel-ml/instrumentation';
/** Package version (instrumentation scope version). */
export const VERSION = '0.1.0';
