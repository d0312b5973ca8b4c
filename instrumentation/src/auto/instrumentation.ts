import type { MeterProvider, Tracer } from '@opentelemetry/api';
import type { ModelMonitor } from '../monitor/types.js';
import { InstrumentationBase, InstrumentationNodeModuleDefinition, isWrapped } from '@opentelemetry/instrumentation';
import type { InstrumentationModuleDefinition } from '@opentelemetry/instrumentation';
import { FRAMEWORKS, normalizeConfig } from './config.js';
import type { FrameworkPatcher, InferenceMetricsSink, PatchTarget } from './internal-types.js';
import { InferenceMetrics } from './metrics.js';
import { mljsPatcher } from './mljs.js';
import { onnxruntimePatcher } from './onnxruntime.js';
import type { TelemetryHost } from './telemetry.js';
import { tfjsPatcher } from './tfjs.js';
import type { MlFramework, MlInstrumentationConfig, MlModelConfig } from './types.js';
import { SCOPE_NAME, VERSION } from '../version.js';

/** Identities given with `identify`, shared by every instance (a model object is one model). */
const identities = new WeakMap<object, MlModelConfig | string>();

/**
 * Gives a model object (ONNX session, tfjs model, ml.js model) its identity:
 * a key of the `models` config, or the config itself. Returns the model.
 */
export function identifyModel<T extends object>(model: T, identity: MlModelConfig | string): T {
  identities.set(model, identity);
  return model;
}

function explicitIdentity(model: object): MlModelConfig | string | undefined {
  return identities.get(model);
}

/**
 * OpenTelemetry auto-instrumentation for in-process ML models: onnxruntime
 * (`InferenceSession.run` / `create`), TensorFlow.js (`LayersModel.predict`,
 * `GraphModel.execute`/`executeAsync`) and ml.js (`predict`,
 * `predictProbability`). Each model call becomes a `predict {model}` span and
 * feeds the ML metrics (`ml.inference.duration`, `ml.predictions`,
 * `ml.prediction.score`/`value`, per-feature `ml.feature.value`).
 *
 * CommonJS: create it (or start a NodeSDK with it) before requiring the
 * libraries. ESM: also register the import hook before the app's modules
 * load: `node --import ./telemetry.mjs app.mjs`, where telemetry.mjs calls
 * `module.register('@opentelemetry/instrumentation/hook.mjs', import.meta.url)`
 * and then starts the SDK. Bundled apps: pass the library's exports to
 * {@link MlInstrumentation.manuallyInstrument}.
 */
export class MlInstrumentation extends InstrumentationBase<MlInstrumentationConfig> {
  declare private _metrics: InferenceMetrics | undefined;
  declare private _meterProvider: MeterProvider | undefined;
  declare private _patchers: FrameworkPatcher[] | undefined;
  /** Every function wrapped so far, by owner, so disable/enable covers CJS and ESM copies and manual patches. */
  declare private _wrapped: Map<object, Map<string, { patcher: FrameworkPatcher; target: PatchTarget }>> | undefined;

  constructor(config: MlInstrumentationConfig = {}) {
    super(SCOPE_NAME, VERSION, config);
  }

  override setConfig(config: MlInstrumentationConfig = {}): void {
    super.setConfig(normalizeConfig(config));
  }

  override setMeterProvider(meterProvider: MeterProvider): void {
    this._meterProvider = meterProvider;
    super.setMeterProvider(meterProvider);
  }

  /** (Re)creates the metrics side for the current meter provider; monitors of the previous one are shut down. */
  protected override _updateMetricInstruments(): void {
    const previous = this._metrics;
    this._metrics = new InferenceMetrics(this._meterProvider, () => this.getConfig());
    if (previous !== undefined) void previous.shutdown();
  }

  private get metricsSink(): InferenceMetrics {
    this._metrics ??= new InferenceMetrics(this._meterProvider, () => this.getConfig());
    return this._metrics;
  }

  /**
   * The monitors the auto-instrumentation created (one per model name, version,
   * task and role), for example to record outcomes: `getModelMonitors('fraud')[0]?.recordOutcome(...)`.
   */
  getModelMonitors(modelName?: string): ModelMonitor[] {
    return this.metricsSink.allMonitors().filter((m) => modelName === undefined || m.model.name === modelName);
  }

  /** Gives a model object its identity (see {@link identifyModel}). */
  identify<T extends object>(model: T, identity: MlModelConfig | string): T {
    return identifyModel(model, identity);
  }

  private host(): TelemetryHost {
    const tracer = (): Tracer => this.tracer;
    const sink = (): InferenceMetricsSink => this.metricsSink;
    return {
      get tracer() {
        return tracer();
      },
      getConfig: () => this.getConfig(),
      get metrics() {
        return sink();
      },
    };
  }

  private patchers(): FrameworkPatcher[] {
    if (this._patchers === undefined) {
      const host = this.host();
      this._patchers = [
        onnxruntimePatcher(host, explicitIdentity),
        tfjsPatcher(host, explicitIdentity),
        mljsPatcher(host, explicitIdentity),
      ];
    }
    return this._patchers;
  }

  private wrapped(): Map<object, Map<string, { patcher: FrameworkPatcher; target: PatchTarget }>> {
    this._wrapped ??= new Map();
    return this._wrapped;
  }

  private frameworkDisabled(framework: MlFramework): boolean {
    return (this.getConfig().disabledFrameworks ?? []).includes(framework);
  }

  private applyTarget(patcher: FrameworkPatcher, target: PatchTarget): void {
    const owner = target.owner as Record<string, unknown>;
    this._wrap(owner, target.method, (original) => target.wrap(original as (...args: unknown[]) => unknown));
    let byMethod = this.wrapped().get(target.owner);
    if (byMethod === undefined) this.wrapped().set(target.owner, (byMethod = new Map()));
    byMethod.set(target.method, { patcher, target });
  }

  private patchExports(patcher: FrameworkPatcher, moduleExports: unknown): number {
    if (this.frameworkDisabled(patcher.framework)) {
      this._diag.debug(`${patcher.framework} is disabled; not patching`);
      return 0;
    }
    const targets = patcher.targets(moduleExports);
    for (const t of targets) this.applyTarget(patcher, t);
    return targets.length;
  }

  private unpatchFramework(framework: MlFramework): void {
    for (const [owner, byMethod] of this.wrapped()) {
      for (const [method, { patcher }] of byMethod) {
        const o = owner as Record<string, unknown>;
        if (patcher.framework === framework && isWrapped(o[method])) this._unwrap(o, method);
      }
    }
  }

  protected override init(): InstrumentationModuleDefinition[] {
    const definitions: InstrumentationModuleDefinition[] = [];
    for (const patcher of this.patchers()) {
      for (const mod of patcher.modules) {
        definitions.push(
          new InstrumentationNodeModuleDefinition(
            mod.name,
            [...mod.versions],
            (moduleExports: unknown) => {
              this.patchExports(patcher, moduleExports);
              return moduleExports;
            },
            () => this.unpatchFramework(patcher.framework),
          ),
        );
      }
    }
    return definitions;
  }

  override enable(): void {
    super.enable();
    // Re-apply every patch made before a disable(), not only the last-loaded copy of each module.
    if (this._wrapped === undefined) return;
    for (const byMethod of this._wrapped.values()) {
      for (const { patcher, target } of byMethod.values()) {
        if (!this.frameworkDisabled(patcher.framework)) this.applyTarget(patcher, target);
      }
    }
  }

  override disable(): void {
    super.disable();
    if (this._wrapped === undefined) return;
    for (const framework of FRAMEWORKS) this.unpatchFramework(framework);
  }

  /**
   * Patches a library's exports directly, for bundled apps where no require or
   * import hook sees the library: `onnxruntime-common` / `onnxruntime-node` /
   * `onnxruntime-web` (anything exporting `InferenceSession`), `@tensorflow/tfjs`
   * (or its layers / converter packages), `ml-logistic-regression`,
   * `ml-random-forest`. Returns the frameworks patched.
   */
  manuallyInstrument(...moduleExports: unknown[]): MlFramework[] {
    const patched = new Set<MlFramework>();
    for (const exports of moduleExports) {
      for (const patcher of this.patchers()) {
        if (this.patchExports(patcher, exports) > 0) patched.add(patcher.framework);
      }
    }
    return [...patched];
  }
}
