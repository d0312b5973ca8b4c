export * from './generated/attributes.js';
export * from './generated/metrics.js';
export * from './generated/signals.js';
export { REGISTRY } from './generated/registry.js';
export type * from './registry-types.js';
export * from './histogram.js';
export * from './baseline.js';
export * from './exponential.js';
export * from './exponential-accumulator.js';
