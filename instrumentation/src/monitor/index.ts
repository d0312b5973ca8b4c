export { createModelMonitor, createMlMetricProducer } from './monitor.js';
export type * from './types.js';
export type { OutcomeJoinOptions } from './outcome-join.js';
