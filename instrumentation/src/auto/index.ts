export { MlInstrumentation, identifyModel } from './instrumentation.js';
export type {
  MlDeploymentRole,
  MlFramework,
  MlInstrumentationConfig,
  MlModelCallInfo,
  MlModelConfig,
  MlModelTask,
} from './types.js';
