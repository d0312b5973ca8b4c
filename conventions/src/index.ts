export * from './histogram.js';
export * from './baseline.js';
