/** Machine-readable form of the conventions registry, as generated into `generated/registry.ts`. */

export type RequirementLevel = 'required' | 'conditionally_required' | 'recommended' | 'opt_in';
export type InstrumentKind = 'counter' | 'updowncounter' | 'gauge' | 'histogram';

export interface RegistryAttribute {
  /** `string`, `int`, `double`, `boolean`, an array form such as `string[]`, or `enum`. */
  readonly type: string;
  /** A template attribute (`ml.slice.<key>`): any name with this prefix. */
  readonly template: boolean;
  /** Allowed values of an enum attribute. */
  readonly values?: readonly (string | number)[];
  /** An open enum accepts values beyond `values`. */
  readonly openEnum?: boolean;
  /** Whether the attribute may be used on metrics (bounded values only). */
  readonly onMetrics: boolean;
  /** Defined by OpenTelemetry's own conventions and reused here. */
  readonly external?: boolean;
}

export interface RegistryAttributeRef {
  readonly id: string;
  readonly requirement: RequirementLevel;
}

export interface RegistryMetric {
  readonly instrument: InstrumentKind;
  readonly unit: string;
  readonly attributes: readonly RegistryAttributeRef[];
  readonly buckets?: readonly number[];
  /** Aggregated as a base-2 exponential histogram by default (at most `maxSize` buckets per sign, scale from `maxScale`). */
  readonly exponential?: { readonly maxSize: number; readonly maxScale: number };
}

export interface RegistrySpan {
  readonly id: string;
  readonly kind: string;
  readonly attributes: readonly RegistryAttributeRef[];
}

export interface RegistryEvent {
  readonly attributes: readonly RegistryAttributeRef[];
}

export interface Registry {
  readonly schemaUrl: string;
  readonly version: string;
  readonly attributes: Readonly<Record<string, RegistryAttribute>>;
  readonly metrics: Readonly<Record<string, RegistryMetric>>;
  readonly spans: readonly RegistrySpan[];
  readonly events: Readonly<Record<string, RegistryEvent>>;
}
