import { basename, extname } from 'node:path';
import { createHash } from 'node:crypto';
import { diag } from '@opentelemetry/api';
import type { ResolvedModel } from './internal-types.js';
import type { MlFramework, MlInstrumentationConfig, MlModelCallInfo, MlModelConfig } from './types.js';

export const FRAMEWORKS: readonly MlFramework[] = ['onnxruntime', 'tensorflowjs', 'mljs'];

const DEFAULT_MAX_RECORDED_ROWS = 10_000;

function parseBoolean(raw: string | undefined, name: string): boolean | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const v = raw.trim().toLowerCase();
  if (v === 'true' || v === '1' || v === 'yes' || v === 'on') return true;
  if (v === 'false' || v === '0' || v === 'no' || v === 'off') return false;
  diag.warn(`${name}: ignoring unrecognised value "${raw}" (expected true or false)`);
  return undefined;
}

function parseFrameworks(raw: string | undefined, name: string): MlFramework[] | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const out: MlFramework[] = [];
  for (const part of raw.split(',')) {
    const v = part.trim().toLowerCase();
    if (v === '') continue;
    if ((FRAMEWORKS as readonly string[]).includes(v)) out.push(v as MlFramework);
    else diag.warn(`${name}: ignoring unknown framework "${part.trim()}" (known: ${FRAMEWORKS.join(', ')})`);
  }
  return out;
}

/**
 * The configuration in force: defaults, then the caller's config, then the
 * environment (`OTEL_ML_CAPTURE_FEATURES`, `OTEL_ML_DISABLED_FRAMEWORKS`),
 * which wins so operators can change behaviour without a code change.
 */
export function normalizeConfig(
  config: MlInstrumentationConfig,
  env: Readonly<Record<string, string | undefined>> = process.env,
): MlInstrumentationConfig {
  const captureFeatures =
    parseBoolean(env.OTEL_ML_CAPTURE_FEATURES, 'OTEL_ML_CAPTURE_FEATURES') ?? config.captureFeatures ?? false;
  const disabledFrameworks =
    parseFrameworks(env.OTEL_ML_DISABLED_FRAMEWORKS, 'OTEL_ML_DISABLED_FRAMEWORKS') ?? config.disabledFrameworks ?? [];
  const maxRecordedRows =
    config.maxRecordedRows !== undefined && Number.isFinite(config.maxRecordedRows) && config.maxRecordedRows >= 0
      ? Math.floor(config.maxRecordedRows)
      : DEFAULT_MAX_RECORDED_ROWS;
  return {
    ...config,
    captureFeatures,
    disabledFrameworks,
    maxRecordedRows,
    deploymentRole: config.deploymentRole ?? 'primary',
    metricsExportMode: config.metricsExportMode ?? 'producer',
    captureLoadSpans: config.captureLoadSpans ?? true,
    requireParentSpan: config.requireParentSpan ?? false,
  };
}

const MODEL_FILE_EXTENSIONS = new Set(['.onnx', '.ort', '.json', '.pb']);

/**
 * A model name from a path or URL: `/models/fraud-v2.onnx` -> `fraud-v2`;
 * a tfjs `.../fraud/model.json` -> `fraud` (the folder, as the file name says nothing).
 * Names without a model-file extension are returned unchanged.
 */
export function modelNameFromPath(path: string): string {
  const clean = path.replace(/[?#].*$/, '').replace(/[/\\]+$/, '');
  const base = basename(clean);
  if (base === 'model.json') {
    const parent = basename(clean.slice(0, clean.length - base.length).replace(/[/\\]+$/, ''));
    if (parent !== '' && parent !== '.') return parent;
  }
  const ext = extname(base);
  return MODEL_FILE_EXTENSIONS.has(ext.toLowerCase()) && ext.length < base.length
    ? base.slice(0, base.length - ext.length)
    : base;
}

/**
 * A stable key for a model given as bytes: `onnx-` and the first 12 hex digits
 * of SHA-256 over the byte length and at most the first 1 MiB (cheap even for
 * large models, stable across restarts, distinct for distinct small models).
 */
export function keyFromBytes(prefix: string, bytes: Uint8Array): string {
  const h = createHash('sha256');
  h.update(String(bytes.byteLength));
  h.update(bytes.subarray(0, Math.min(bytes.byteLength, 1 << 20)));
  return `${prefix}-${h.digest('hex').slice(0, 12)}`;
}

/** Keys under which a model call's config is looked up, most specific first. */
function lookupKeys(info: MlModelCallInfo): string[] {
  const keys: string[] = [];
  if (info.modelPath !== undefined) {
    keys.push(info.modelPath, basename(info.modelPath), modelNameFromPath(info.modelPath));
  }
  keys.push(info.modelKey);
  return keys;
}

/**
 * Resolves identity from (in order) an explicit identity, the `models` map and
 * defaults. Returns undefined when the model is to be ignored.
 */
export function resolveModel(
  config: MlInstrumentationConfig,
  info: MlModelCallInfo,
  explicit?: MlModelConfig | string,
): ResolvedModel | undefined {
  const models = config.models ?? {};
  let found: MlModelConfig | undefined;
  let foundKey: string | undefined;
  if (typeof explicit === 'string') {
    found = models[explicit];
    foundKey = explicit;
  } else if (explicit !== undefined) {
    found = explicit;
  }
  if (found === undefined) {
    for (const key of lookupKeys(info)) {
      if (Object.prototype.hasOwnProperty.call(models, key)) {
        found = models[key];
        foundKey = key;
        break;
      }
    }
  }
  const cfg: MlModelConfig = found ?? {};
  if (cfg.ignore) return undefined;
  const defaultName =
    foundKey !== undefined && foundKey !== info.modelPath
      ? modelNameFromPath(foundKey)
      : info.modelPath !== undefined
        ? modelNameFromPath(info.modelPath)
        : info.modelKey;
  return {
    name: cfg.name ?? (typeof explicit === 'string' ? explicit : defaultName),
    version: cfg.version ?? 'unknown',
    task: cfg.task,
    role: cfg.role ?? config.deploymentRole ?? 'primary',
    framework: info.framework,
    features: cfg.features,
    classes: cfg.classes,
    scoreOutput: cfg.scoreOutput,
    remote: cfg.remote ?? false,
    ...(cfg.baseline !== undefined ? { baseline: cfg.baseline } : {}),
    ...(cfg.threshold !== undefined ? { threshold: cfg.threshold } : {}),
  };
}
