/**
 * Public API of the processor's stream state: the `StreamProcessor` facade (ingest, windows,
 * references, durable store) and the plain data it hands to the evaluator.
 */
export { StreamProcessor, DEFAULT_LIMITS, parseModelKey } from './processor.js';
export type { Limits, ProcessorStats, StreamProcessorOptions } from './processor.js';
export { GroupCommit } from './group-commit.js';
export type { BatchIngest, GroupCommitOptions } from './group-commit.js';
export { DROP_REASONS, REJECTING_REASONS } from './reasons.js';
export type { DropCounts, DropReason } from './reasons.js';
export { SIGNALS, modelKeyOf } from '../model/signals.js';
export type { ModelIdentity, Signal, SignalSpec } from '../model/signals.js';
export { streamKeyOf } from './identity.js';
export { CorruptDatabaseError, DatabaseInUseError } from '../store/sqlite.js';
export { CommitFailedError } from '../model/errors.js';
export type { ResultStorage, StreamStorage } from './storage.js';
export type { Durability } from '../store/sqlite.js';
export { DEFAULT_WINDOW_OPTIONS, MAX_WINDOW_MS, MIN_WINDOW_MS } from '../windows/windows.js';
export type { WindowOptions } from '../windows/windows.js';
export { DEFAULT_REFERENCE_OPTIONS } from '../windows/references.js';
export type { ReferenceKind, ReferenceOptions } from '../windows/references.js';
export { baselineSnapshot, mergeSnapshots } from '../windows/snapshot.js';
export type { FeatureWindow, WindowSnapshot } from '../windows/snapshot.js';
