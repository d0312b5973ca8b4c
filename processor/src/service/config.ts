/**
 * `otel-ml serve` configuration: one YAML file, validated at start (errors name the key and what
 * is allowed), environment overrides, and defaults that run with no file at all.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { InputError } from '../model/errors.js';
import type { AuthSettings } from './auth.js';
import { FAIRNESS_DEFAULTS, type FairnessOptions } from '../statistics/fairness.js';
import { SLICE_DRIFT_DEFAULTS } from '../analysis/slice-drift.js';
import { DEFAULT_LIMITS } from '../streams/processor.js';
import { VERDICT_DEFAULTS, type VerdictLimits } from '../statistics/verdicts.js';
import {
  DEFAULT_ALPHA,
  DEFAULT_MIN_JENSEN_SHANNON,
  DEFAULT_MIN_PSI,
  DEFAULT_THRESHOLD,
} from '../statistics/defaults.js';
import { DEFAULT_WINDOW_OPTIONS } from '../windows/windows.js';
import { DEFAULT_SAMPLE_OPTIONS, type SampleOptions } from '../windows/samples.js';
import { DEFAULT_RETENTION, type Retention } from '../streams/retention.js';

/** Limits of the per-window verdicts that the configuration may set (statistics/verdicts.ts owns the defaults). */
export type LimitsConfig = Partial<Pick<VerdictLimits, (typeof LIMIT_KEYS)[number]>>;

export type ReferenceChoice = 'baseline' | 'pinned' | 'rolling' | 'seasonal';

/** Closed windows a seasonal reference may need to keep per model (period / window length). */
export const MAX_SEASONAL_WINDOWS = 20_000;

export interface ModelConfig {
  readonly name: string;
  /** Applies to every version when absent. */
  readonly version?: string;
  /** Baseline file written by `otel-ml baseline` (path relative to the config file). */
  readonly baseline?: string;
  /** Which reference to compare with (default: baseline when one is configured, else rolling). */
  readonly reference?: ReferenceChoice;
  /**
   * With `reference: pinned`: a time inside the production window to pin (RFC 3339). Without it,
   * the model's first closed window is pinned and later windows are compared with it.
   */
  readonly pin?: string;
  /**
   * With `reference: seasonal`: compare each window with the window one period earlier (ms; a
   * multiple of the window length). Until the history covers a period, the baseline (else the
   * rolling reference) is used, with the reason in the report.
   */
  readonly periodMs?: number;
  /** This model's verdict limits, over the top-level `limits`. */
  readonly limits?: LimitsConfig;
  /** Whether this model's retraining recommendations wait for a person (over `retrain.review`). */
  readonly review?: ReviewMode;
}

/** `required`: a retraining recommendation waits for approval before its webhook is sent; `none`: sent at once. */
export type ReviewMode = 'required' | 'none';

export interface ServiceConfig {
  readonly receivers: {
    readonly http: {
      readonly enabled: boolean;
      readonly host: string;
      readonly port: number;
      readonly maxBodyBytes: number;
      readonly maxDecompressedBytes: number;
      readonly tls?: TlsFiles;
    };
    readonly grpc: { readonly enabled: boolean; readonly host: string; readonly port: number; readonly tls?: TlsFiles };
  };
  /** Bearer-token authentication (off without a token); OTEL_ML_AUTH_TOKEN overrides the token. */
  readonly auth?: AuthSettings;
  /** SQLite file for state; ':memory:' keeps it only for the life of the process. */
  readonly storage: { readonly path: string; readonly durability: 'full' | 'normal' };
  readonly windows: { readonly lengthMs: number; readonly minRows: number; readonly maxExtensions: number };
  readonly references: { readonly rollingWindows: number; readonly rollingRefreshMs: number };
  readonly evaluation: {
    readonly intervalMs: number;
    readonly alpha: number;
    readonly minPsi: number;
    readonly minJensenShannon: number;
    readonly threshold: number;
    /** Rows a slice value needs in the window and the reference for its drift verdicts (default in analysis/slice-drift.ts). */
    readonly sliceMinRows?: number;
  };
  readonly streams: {
    readonly maxStreams: number;
    readonly staleAfterMs: number;
    readonly deltaIntervals: number;
    readonly resourceAttributes: readonly string[];
    /** Values kept per slice key and model, later ones as `__other__` (default in streams/processor.ts). */
    readonly maxSliceValues?: number;
    /** Handoff gap for instances behind a load balancer (`Limits.handoffGapMs`, docs/scale-out.md); 0 = off. */
    readonly handoffGapMs?: number;
  };
  readonly models: readonly ModelConfig[];
  readonly exporters: {
    /** OTLP/HTTP export of results; endpoint and headers from the standard OTEL_EXPORTER_OTLP_* variables unless set here. */
    readonly otlp: { readonly enabled: boolean; readonly endpoint?: string; readonly intervalMs: number };
    /** Prometheus text exposition at GET /metrics on the HTTP receiver's port: on by default (`enabled: false` turns it off). */
    readonly prometheus: { readonly enabled: boolean };
  };
  /** The status page at GET / on the HTTP receiver's port. */
  readonly statusPage: { readonly enabled: boolean };
  /**
   * Trace samples (docs/trace-samples.md): consume OTLP traces and name sampled prediction spans
   * for the bins that moved most. Off by default (trace exports are then read and discarded);
   * reservoir bounds default in windows/samples.ts.
   */
  readonly traces?: { readonly enabled: boolean } & Partial<SampleOptions>;
  /** Retraining triggers (docs/beyond-drift.md); OTEL_ML_RETRAIN_WEBHOOK_SECRET overrides the webhook secret. */
  readonly retrain?: RetrainConfig;
  /** Fairness across slices: rows per slice, significance and limits (statistics/fairness.ts); defaults there. */
  readonly fairness?: FairnessOptions;
  /** Limits of the per-window verdicts for every model (statistics/verdicts.ts; alpha defaults to evaluation.alpha); models[].limits override them. */
  readonly limits?: LimitsConfig;
  /**
   * What the state file keeps (streams/retention.ts owns the defaults). Unset limits are raised to
   * what the configured references need (rolling windows, a seasonal period and two windows);
   * set ones below that are a configuration error.
   */
  readonly retention: RetentionConfig;
}

export type RetentionConfig = Pick<Retention, 'historyMs' | 'maxHistoryWindows' | 'evaluationsMs' | 'maxEvaluations'>;

export interface RetrainConfig {
  /** Consecutive drifted windows that recommend retraining (0 disables). */
  readonly driftWindows: number;
  /** Accuracy (realized, else estimated) below which retraining is recommended. */
  readonly minAccuracy?: number;
  /** Maximum age of a model's baseline (from its createdAt). */
  readonly maxBaselineAgeMs?: number;
  /** POSTed, HMAC-SHA256-signed, when a recommendation starts or its reasons change (with review required: when it is approved). */
  readonly webhook?: { readonly url: string; readonly secret?: string };
  /** Review gate for every model (default none); models[].review overrides it (service/review.ts). */
  readonly review?: ReviewMode;
  /** How long a recommendation may wait for a decision before it expires (default: service/review.ts). */
  readonly reviewExpiryMs?: number;
}

/** PEM files (paths resolved against the config file's directory). */
export interface TlsFiles {
  readonly cert: string;
  readonly key: string;
}

export const DEFAULT_CONFIG: ServiceConfig = {
  receivers: {
    http: { enabled: true, host: '127.0.0.1', port: 14318, maxBodyBytes: 16 << 20, maxDecompressedBytes: 64 << 20 },
    grpc: { enabled: true, host: '127.0.0.1', port: 14317 },
  },
  storage: { path: 'otel-ml-state.db', durability: 'full' },
  windows: DEFAULT_WINDOW_OPTIONS,
  references: { rollingWindows: 12, rollingRefreshMs: 3_600_000 },
  evaluation: {
    intervalMs: 10_000,
    alpha: DEFAULT_ALPHA,
    minPsi: DEFAULT_MIN_PSI,
    minJensenShannon: DEFAULT_MIN_JENSEN_SHANNON,
    threshold: DEFAULT_THRESHOLD,
    sliceMinRows: SLICE_DRIFT_DEFAULTS.minRows,
  },
  streams: {
    maxStreams: 100_000,
    staleAfterMs: 3_600_000,
    deltaIntervals: DEFAULT_LIMITS.deltaIntervals,
    resourceAttributes: ['deployment.environment.name'],
    maxSliceValues: DEFAULT_LIMITS.maxSliceValues,
    handoffGapMs: DEFAULT_LIMITS.handoffGapMs,
  },
  models: [],
  exporters: { otlp: { enabled: false, intervalMs: 15_000 }, prometheus: { enabled: true } },
  statusPage: { enabled: true },
  traces: { enabled: false },
  retention: {
    historyMs: DEFAULT_RETENTION.historyMs,
    maxHistoryWindows: DEFAULT_RETENTION.maxHistoryWindows,
    evaluationsMs: DEFAULT_RETENTION.evaluationsMs,
    maxEvaluations: DEFAULT_RETENTION.maxEvaluations,
  },
};

export class ConfigError extends InputError {}

type Json = unknown;
const isObj = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses durations like `90s`, `5m`, `1h`, `1d`, `250ms`, or a number of milliseconds. */
export function parseDuration(v: Json, key: string): number {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  if (typeof v === 'string') {
    const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(v.trim());
    if (m)
      return (
        Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd']
      );
  }
  throw new ConfigError(`${key}: ${JSON.stringify(v)} is not a duration; use e.g. 250ms, 30s, 5m, 1h or 1d`);
}

class Reader {
  constructor(
    private readonly source: string,
    private readonly path: string,
    private readonly obj: Record<string, Json>,
  ) {}

  static root(source: string, v: Json): Reader {
    if (v === null || v === undefined) return new Reader(source, '', {});
    if (!isObj(v)) throw new ConfigError(`${source}: the top level must be a mapping of keys`);
    return new Reader(source, '', v);
  }

  private key(k: string): string {
    return this.path ? `${this.path}.${k}` : k;
  }

  fail(k: string, msg: string): never {
    throw new ConfigError(`${this.source}: ${this.key(k)}: ${msg}`);
  }

  /** Rejects keys outside `allowed`, naming what is allowed. */
  only(allowed: readonly string[]): void {
    for (const k of Object.keys(this.obj)) {
      if (!allowed.includes(k))
        throw new ConfigError(`${this.source}: ${this.key(k)}: unknown key; allowed here: ${allowed.join(', ')}`);
    }
  }

  section(k: string, allowed: readonly string[]): Reader {
    const v = this.obj[k];
    if (v === undefined || v === null) return new Reader(this.source, this.key(k), {});
    if (!isObj(v)) this.fail(k, 'must be a mapping');
    const r = new Reader(this.source, this.key(k), v);
    r.only(allowed);
    return r;
  }

  bool(k: string, d: boolean): boolean {
    const v = this.obj[k];
    if (v === undefined) return d;
    if (typeof v !== 'boolean') this.fail(k, `must be true or false, got ${JSON.stringify(v)}`);
    return v;
  }

  num(k: string, d: number, min: number, max: number, integer = false): number {
    const v = this.obj[k];
    if (v === undefined) return d;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      this.fail(k, `must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got ${JSON.stringify(v)}`);
    }
    return v;
  }

  str(k: string, d: string): string;
  str(k: string, d: undefined): string | undefined;
  str(k: string, d: string | undefined): string | undefined {
    const v = this.obj[k];
    if (v === undefined) return d;
    if (typeof v !== 'string' || v === '') this.fail(k, `must be a non-empty string, got ${JSON.stringify(v)}`);
    return v;
  }

  oneOf<T extends string>(k: string, d: T, allowed: readonly T[]): T;
  oneOf<T extends string>(k: string, d: T | undefined, allowed: readonly T[]): T | undefined;
  oneOf<T extends string>(k: string, d: T | undefined, allowed: readonly T[]): T | undefined {
    const v = this.obj[k];
    if (v === undefined) return d;
    if (typeof v !== 'string' || !allowed.includes(v as T))
      this.fail(k, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
    return v as T;
  }

  duration(k: string, d: number, min: number, max: number): number {
    const v = this.obj[k];
    if (v === undefined) return d;
    const ms = parseDuration(v, this.key(k));
    if (ms < min || ms > max)
      this.fail(k, `must be between ${min / 1000}s and ${max / 1000}s, got ${JSON.stringify(v)}`);
    return ms;
  }

  strings(k: string, d: readonly string[]): readonly string[] {
    const v = this.obj[k];
    if (v === undefined) return d;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) this.fail(k, 'must be a list of strings');
    return v as string[];
  }

  /** A secret string: errors never show the value. */
  secret(k: string): string | undefined {
    const v = this.obj[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v.trim() === '' || /\s/.test(v))
      this.fail(k, 'must be a non-empty string without whitespace (value not shown)');
    return v;
  }

  list(k: string): Reader[] {
    const v = this.obj[k];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) this.fail(k, 'must be a list');
    return v.map((item, i) => {
      if (!isObj(item)) throw new ConfigError(`${this.source}: ${this.key(k)}[${i}]: must be a mapping`);
      return new Reader(this.source, `${this.key(k)}[${i}]`, item);
    });
  }
}

const PORT: [number, number] = [0, 65535];
const REVIEW_MODES: readonly ReviewMode[] = ['required', 'none'];

const LIMIT_KEYS = [
  'alpha',
  'maxAccuracyDrop',
  'maxRocAucDrop',
  'maxEceIncrease',
  'maxShareRatio',
  'minShareDifference',
  'maxMissingIncrease',
  'maxInvalidIncrease',
  'maxOutOfRangeIncrease',
  'maxNewCategoryIncrease',
  'maxBusinessValueDrop',
] as const;

/** A `limits` section: every key when `withDefaults` (the top level), else only the keys given (a model's overrides). */
function readLimits(r: Reader, withDefaults: boolean): LimitsConfig {
  const out: Record<string, number> = {};
  const range: Record<(typeof LIMIT_KEYS)[number], [number, number]> = {
    alpha: [1e-12, 0.49],
    maxAccuracyDrop: [0, 1],
    maxRocAucDrop: [0, 1],
    maxEceIncrease: [0, 1],
    maxShareRatio: [1, 1e6],
    minShareDifference: [0, 1],
    maxMissingIncrease: [0, 1],
    maxInvalidIncrease: [0, 1],
    maxOutOfRangeIncrease: [0, 1],
    maxNewCategoryIncrease: [0, 1],
    maxBusinessValueDrop: [0, 10],
  };
  for (const k of LIMIT_KEYS) {
    // alpha falls back to evaluation.alpha (in the service), the others to statistics/verdicts.ts
    const v = r.num(k, withDefaults && k !== 'alpha' ? VERDICT_DEFAULTS[k] : -1, ...range[k]);
    if (v !== -1) out[k] = v;
  }
  return out;
}
/** -1 stands for "not configured". */
const unset = (v: number): number | undefined => (v === -1 ? undefined : v);

/** "30d", "7d2h", "90m": a duration as one would configure it. */
function formatDuration(ms: number): string {
  let rest = ms;
  let out = '';
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out || '0s';
}

/**
 * The `retention` section. The references decide a floor: the rolling reference needs its
 * `rollingWindows` windows, a seasonal one the window one period back (a period and two windows,
 * for a late or extended window). An unset limit is raised to the floor; a set one below it is
 * an error naming the model and what to change.
 */
function readRetention(
  r: Reader,
  models: readonly ModelConfig[],
  windowMs: number,
  rollingWindows: number,
  source: string,
): RetentionConfig {
  const d = DEFAULT_CONFIG.retention;
  let needWindows = rollingWindows;
  let needMs = rollingWindows * windowMs;
  let why = `references.rollingWindows (${rollingWindows} windows of ${formatDuration(windowMs)})`;
  for (const [i, m] of models.entries()) {
    if (m.periodMs === undefined) continue;
    const windows = Math.ceil(m.periodMs / windowMs) + 2;
    if (windows * windowMs <= needMs) continue;
    needWindows = Math.max(needWindows, windows);
    needMs = windows * windowMs;
    why = `models[${i}] (${m.name}): its seasonal period ${formatDuration(m.periodMs)} and two windows of ${formatDuration(windowMs)}`;
  }
  const DAY = 86_400_000;
  const historyMs = r.duration('history', -1, 60_000, 3650 * DAY);
  const maxHistoryWindows = r.num('maxHistoryWindows', -1, 1, 1e7, true);
  if (historyMs !== -1 && historyMs < needMs) {
    throw new ConfigError(
      `${source}: retention.history: ${formatDuration(historyMs)} is shorter than ${why} need; set retention.history to at least ${formatDuration(needMs)}, or shorten what needs it`,
    );
  }
  if (maxHistoryWindows !== -1 && maxHistoryWindows < needWindows) {
    throw new ConfigError(
      `${source}: retention.maxHistoryWindows: ${maxHistoryWindows} is fewer than ${why} need; set it to at least ${needWindows}`,
    );
  }
  return {
    historyMs: historyMs === -1 ? Math.max(d.historyMs, needMs) : historyMs,
    maxHistoryWindows: maxHistoryWindows === -1 ? Math.max(d.maxHistoryWindows, needWindows) : maxHistoryWindows,
    evaluationsMs: r.duration('evaluations', d.evaluationsMs, 60_000, 3650 * DAY),
    maxEvaluations: r.num('maxEvaluations', d.maxEvaluations, 1, 1e6, true),
  };
}

/** Validates a parsed configuration document; `baseDir` resolves relative paths. */
export function validateConfig(doc: Json, source = 'config', baseDir = process.cwd()): ServiceConfig {
  const d = DEFAULT_CONFIG;
  const root = Reader.root(source, doc);
  root.only([
    'receivers',
    'storage',
    'windows',
    'references',
    'evaluation',
    'streams',
    'models',
    'exporters',
    'statusPage',
    'traces',
    'auth',
    'retrain',
    'fairness',
    'limits',
    'retention',
  ]);
  const tr = root.section('traces', [
    'enabled',
    'samplesPerBin',
    'maxBinsPerStream',
    'maxStreamsPerModel',
    'maxModels',
  ]);
  const rec = root.section('receivers', ['http', 'grpc']);
  const http = rec.section('http', ['enabled', 'host', 'port', 'maxBodyBytes', 'maxDecompressedBytes', 'tls']);
  const grpc = rec.section('grpc', ['enabled', 'host', 'port', 'tls']);
  const tls = (r: Reader): TlsFiles | undefined => {
    const t = r.section('tls', ['cert', 'key']);
    const cert = t.str('cert', undefined);
    const key = t.str('key', undefined);
    if (cert === undefined && key === undefined) return undefined;
    return {
      cert: resolve(baseDir, cert ?? t.fail('cert', 'is required with tls.key')),
      key: resolve(baseDir, key ?? t.fail('key', 'is required with tls.cert')),
    };
  };
  const authSection = root.section('auth', ['token', 'tokenFile', 'protectStatusPage']);
  const token = authSection.secret('token');
  const tokenFile = authSection.str('tokenFile', undefined);
  const storage = root.section('storage', ['path', 'durability']);
  const windows = root.section('windows', ['length', 'minRows', 'maxExtensions']);
  const refs = root.section('references', ['rollingWindows', 'rollingRefresh']);
  const ev = root.section('evaluation', [
    'interval',
    'alpha',
    'minPsi',
    'minJensenShannon',
    'threshold',
    'sliceMinRows',
  ]);
  const streams = root.section('streams', [
    'maxStreams',
    'staleAfter',
    'deltaIntervals',
    'resourceAttributes',
    'maxSliceValues',
    'handoffGap',
  ]);
  const exporters = root.section('exporters', ['otlp', 'prometheus']);
  const otlp = exporters.section('otlp', ['enabled', 'endpoint', 'interval']);
  const prom = exporters.section('prometheus', ['enabled']);
  const status = root.section('statusPage', ['enabled']);
  const retrain = root.section('retrain', [
    'driftWindows',
    'minAccuracy',
    'maxBaselineAge',
    'webhook',
    'review',
    'reviewExpiry',
  ]);
  const hook = retrain.section('webhook', ['url', 'secret']);
  const fair = root.section('fairness', [
    'minCount',
    'alpha',
    'maxParityDifference',
    'maxOpportunityDifference',
    'minImpactRatio',
  ]);
  const ret = root.section('retention', ['history', 'maxHistoryWindows', 'evaluations', 'maxEvaluations']);
  const hookUrl = hook.str('url', undefined);
  const storagePath = storage.str('path', d.storage.path);
  const models = root.list('models').map((m) => {
    m.only(['name', 'version', 'baseline', 'reference', 'pin', 'period', 'limits', 'review']);
    const pin = m.str('pin', undefined);
    if (pin !== undefined && !Number.isFinite(Date.parse(pin)))
      m.fail('pin', `${JSON.stringify(pin)} is not a time; use RFC 3339, e.g. 2026-11-20T10:00:00Z`);
    const baseline = m.str('baseline', undefined);
    const name = m.str('name', undefined) ?? m.fail('name', 'is required');
    return {
      name,
      version: m.str('version', undefined),
      baseline: baseline === undefined ? undefined : resolve(baseDir, baseline),
      reference: m.oneOf<ReferenceChoice>('reference', undefined, ['baseline', 'pinned', 'rolling', 'seasonal']),
      pin,
      periodMs: unset(m.duration('period', -1, 60_000, 366 * 86_400_000)),
      limits: readLimits(m.section('limits', LIMIT_KEYS), false),
      review: m.oneOf<ReviewMode>('review', undefined, REVIEW_MODES),
    } satisfies ModelConfig;
  });
  const windowMs = windows.duration('length', d.windows.lengthMs, 60_000, 86_400_000);
  for (const [i, m] of models.entries()) {
    const at = `${source}: models[${i}]`;
    if (m.reference === 'baseline' && !m.baseline)
      throw new ConfigError(
        `${at}.reference: "baseline" needs models[${i}].baseline (a file from \`otel-ml baseline\`)`,
      );
    if (m.reference === 'seasonal' && m.periodMs === undefined)
      throw new ConfigError(`${at}.reference: "seasonal" needs models[${i}].period, e.g. 1d or 7d`);
    if (m.periodMs !== undefined && m.reference !== 'seasonal')
      throw new ConfigError(`${at}.period: only applies with reference: seasonal`);
    if (m.periodMs !== undefined && m.periodMs % windowMs !== 0)
      throw new ConfigError(`${at}.period: must be a whole number of windows (windows.length ${windowMs / 1000}s)`);
    if (m.periodMs !== undefined && m.periodMs / windowMs > MAX_SEASONAL_WINDOWS) {
      throw new ConfigError(
        `${at}.period: ${m.periodMs / windowMs} windows of history per model; at most ${MAX_SEASONAL_WINDOWS} are kept: use longer windows or a shorter period`,
      );
    }
  }
  const rollingWindows = refs.num('rollingWindows', d.references.rollingWindows, 1, 10_000, true);
  const retention = readRetention(ret, models, windowMs, rollingWindows, source);
  return {
    retention,
    receivers: {
      http: {
        enabled: http.bool('enabled', d.receivers.http.enabled),
        host: http.str('host', d.receivers.http.host),
        port: http.num('port', d.receivers.http.port, ...PORT, true),
        maxBodyBytes: http.num('maxBodyBytes', d.receivers.http.maxBodyBytes, 1024, 1 << 30, true),
        maxDecompressedBytes: http.num(
          'maxDecompressedBytes',
          d.receivers.http.maxDecompressedBytes,
          1024,
          1 << 30,
          true,
        ),
        tls: tls(http),
      },
      grpc: {
        enabled: grpc.bool('enabled', d.receivers.grpc.enabled),
        host: grpc.str('host', d.receivers.grpc.host),
        port: grpc.num('port', d.receivers.grpc.port, ...PORT, true),
        tls: tls(grpc),
      },
    },
    auth: {
      token,
      tokenFile: tokenFile === undefined ? undefined : resolve(baseDir, tokenFile),
      protectStatusPage: authSection.bool('protectStatusPage', false),
    },
    storage: {
      path: storagePath === ':memory:' ? storagePath : resolve(baseDir, storagePath),
      durability: storage.oneOf('durability', d.storage.durability, ['full', 'normal']),
    },
    windows: {
      lengthMs: windowMs,
      minRows: windows.num('minRows', d.windows.minRows, 1, 1e9, true),
      maxExtensions: windows.num('maxExtensions', d.windows.maxExtensions, 0, 1000, true),
    },
    references: {
      rollingWindows,
      rollingRefreshMs: refs.duration('rollingRefresh', d.references.rollingRefreshMs, 1000, 30 * 86_400_000),
    },
    evaluation: {
      intervalMs: ev.duration('interval', d.evaluation.intervalMs, 100, 3_600_000),
      alpha: ev.num('alpha', d.evaluation.alpha, 1e-12, 0.5),
      minPsi: ev.num('minPsi', d.evaluation.minPsi, 0, 100),
      minJensenShannon: ev.num('minJensenShannon', d.evaluation.minJensenShannon, 0, 1),
      threshold: ev.num('threshold', d.evaluation.threshold, 0, 1),
      sliceMinRows: ev.num('sliceMinRows', d.evaluation.sliceMinRows ?? SLICE_DRIFT_DEFAULTS.minRows, 1, 1e9, true),
    },
    streams: {
      maxStreams: streams.num('maxStreams', d.streams.maxStreams, 1, 1e8, true),
      maxSliceValues: streams.num(
        'maxSliceValues',
        d.streams.maxSliceValues ?? DEFAULT_LIMITS.maxSliceValues,
        1,
        10_000,
        true,
      ),
      staleAfterMs: streams.duration('staleAfter', d.streams.staleAfterMs, 1000, 30 * 86_400_000),
      deltaIntervals: streams.num('deltaIntervals', d.streams.deltaIntervals, 1, 1024, true),
      resourceAttributes: streams.strings('resourceAttributes', d.streams.resourceAttributes),
      handoffGapMs: streams.duration(
        'handoffGap',
        d.streams.handoffGapMs ?? DEFAULT_LIMITS.handoffGapMs,
        0,
        86_400_000,
      ),
    },
    models,
    exporters: {
      otlp: {
        enabled: otlp.bool('enabled', d.exporters.otlp.enabled),
        endpoint: otlp.str('endpoint', undefined),
        intervalMs: otlp.duration('interval', d.exporters.otlp.intervalMs, 100, 3_600_000),
      },
      prometheus: { enabled: prom.bool('enabled', d.exporters.prometheus.enabled) },
    },
    statusPage: { enabled: status.bool('enabled', d.statusPage.enabled) },
    traces: {
      enabled: tr.bool('enabled', false),
      samplesPerBin: tr.num('samplesPerBin', DEFAULT_SAMPLE_OPTIONS.samplesPerBin, 1, 100, true),
      maxBinsPerStream: tr.num('maxBinsPerStream', DEFAULT_SAMPLE_OPTIONS.maxBinsPerStream, 1, 10_000, true),
      maxStreamsPerModel: tr.num('maxStreamsPerModel', DEFAULT_SAMPLE_OPTIONS.maxStreamsPerModel, 1, 10_000, true),
      maxModels: tr.num('maxModels', DEFAULT_SAMPLE_OPTIONS.maxModels, 1, 1e6, true),
    },
    fairness: {
      minCount: fair.num('minCount', FAIRNESS_DEFAULTS.minCount, 1, 1e9, true),
      alpha: fair.num('alpha', FAIRNESS_DEFAULTS.alpha, 1e-12, 0.5),
      maxParityDifference: fair.num('maxParityDifference', FAIRNESS_DEFAULTS.maxParityDifference, 0, 1),
      maxOpportunityDifference: fair.num('maxOpportunityDifference', FAIRNESS_DEFAULTS.maxOpportunityDifference, 0, 1),
      minImpactRatio: fair.num('minImpactRatio', FAIRNESS_DEFAULTS.minImpactRatio, 0, 1),
    },
    limits: readLimits(root.section('limits', LIMIT_KEYS), true),
    retrain: {
      driftWindows: retrain.num('driftWindows', 3, 0, 10_000, true),
      minAccuracy: unset(retrain.num('minAccuracy', -1, 0, 1)),
      maxBaselineAgeMs: unset(retrain.duration('maxBaselineAge', -1, 60_000, 3650 * 86_400_000)),
      webhook:
        hookUrl === undefined
          ? undefined
          : {
              url: /^https?:\/\//.test(hookUrl) ? hookUrl : hook.fail('url', 'must be an http(s) URL'),
              secret: hook.secret('secret'),
            },
      review: retrain.oneOf<ReviewMode>('review', undefined, REVIEW_MODES),
      reviewExpiryMs: unset(retrain.duration('reviewExpiry', -1, 60_000, 366 * 86_400_000)),
    },
  };
}

/**
 * Environment overrides, applied over the file: OTEL_ML_HTTP_PORT, OTEL_ML_GRPC_PORT, OTEL_ML_HOST,
 * OTEL_ML_STORAGE_PATH, OTEL_ML_WINDOW, OTEL_ML_PROMETHEUS (true/false), OTEL_ML_AUTH_TOKEN. The OTLP exporter turns on
 * when OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_METRICS_ENDPOINT is set.
 */
export function applyEnv(c: ServiceConfig, env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const port = (name: string, d: number) => {
    const v = env[name];
    if (v === undefined || v === '') return d;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65535)
      throw new ConfigError(`${name}: ${JSON.stringify(v)} is not a port number (0-65535)`);
    return n;
  };
  const host = env.OTEL_ML_HOST || undefined;
  const bool = (name: string, d: boolean) => {
    const v = env[name];
    if (v === undefined || v === '') return d;
    if (!['true', 'false'].includes(v.toLowerCase()))
      throw new ConfigError(`${name}: ${JSON.stringify(v)} must be true or false`);
    return v.toLowerCase() === 'true';
  };
  const window = env.OTEL_ML_WINDOW ? parseDuration(env.OTEL_ML_WINDOW, 'OTEL_ML_WINDOW') : undefined;
  if (window !== undefined && (window < 60_000 || window > 86_400_000))
    throw new ConfigError('OTEL_ML_WINDOW: must be between 1m and 1d');
  return {
    ...c,
    receivers: {
      http: {
        ...c.receivers.http,
        host: host ?? c.receivers.http.host,
        port: port('OTEL_ML_HTTP_PORT', c.receivers.http.port),
      },
      grpc: {
        ...c.receivers.grpc,
        host: host ?? c.receivers.grpc.host,
        port: port('OTEL_ML_GRPC_PORT', c.receivers.grpc.port),
      },
    },
    storage: { ...c.storage, path: env.OTEL_ML_STORAGE_PATH || c.storage.path },
    retrain:
      c.retrain?.webhook && env.OTEL_ML_RETRAIN_WEBHOOK_SECRET?.trim()
        ? { ...c.retrain, webhook: { ...c.retrain.webhook, secret: env.OTEL_ML_RETRAIN_WEBHOOK_SECRET.trim() } }
        : c.retrain,
    auth: env.OTEL_ML_AUTH_TOKEN?.trim()
      ? { protectStatusPage: false, ...c.auth, token: env.OTEL_ML_AUTH_TOKEN.trim() }
      : c.auth,
    windows: { ...c.windows, lengthMs: window ?? c.windows.lengthMs },
    exporters: {
      otlp: {
        ...c.exporters.otlp,
        enabled:
          c.exporters.otlp.enabled ||
          Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT),
      },
      prometheus: { enabled: bool('OTEL_ML_PROMETHEUS', c.exporters.prometheus.enabled) },
    },
    traces: { ...c.traces, enabled: bool('OTEL_ML_TRACES', c.traces?.enabled ?? false) },
  };
}

/** Reads, validates and applies environment overrides. No file: the defaults. */
export function loadConfig(file?: string, env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  if (!file) return applyEnv(DEFAULT_CONFIG, env);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `${file}: cannot read the configuration (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  let doc: Json;
  try {
    doc = parseYaml(text);
  } catch (err) {
    if (err instanceof YAMLParseError) {
      const at = err.linePos?.[0];
      throw new ConfigError(
        `${file}${at ? `:${at.line}:${at.col}` : ''}: not valid YAML (${err.message.split('\n')[0]})`,
      );
    }
    throw err;
  }
  return applyEnv(validateConfig(doc, file, dirname(resolve(file))), env);
}

/** The configuration of the model a window belongs to: the first entry of its name and (when given) its version. */
export function modelConfigFor(
  config: ServiceConfig,
  snap: { readonly model: { readonly name: string; readonly version: string } },
): ModelConfig | undefined {
  return config.models.find(
    (m) => m.name === snap.model.name && (m.version === undefined || m.version === snap.model.version),
  );
}
