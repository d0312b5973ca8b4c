/** The attributes every per-window event carries: the model, its role, the reference and the window. */
import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_ML_DEPLOYMENT_ROLE,
  ATTR_ML_DRIFT_REFERENCE,
  ATTR_ML_MODEL_NAME,
  ATTR_ML_MODEL_VERSION,
  ATTR_ML_WINDOW_END,
  ATTR_ML_WINDOW_START,
} from '@otel-ml/conventions';
import type { ModelReport } from '../analysis/report-types.js';

export function windowEventAttributes(r: ModelReport): Attributes {
  const a: Attributes = {
    [ATTR_ML_MODEL_NAME]: r.model.name,
    [ATTR_ML_DEPLOYMENT_ROLE]: r.model.role,
    [ATTR_ML_DRIFT_REFERENCE]: r.reference.kind,
    [ATTR_ML_WINDOW_START]: r.window?.start ?? '',
    [ATTR_ML_WINDOW_END]: r.window?.end ?? '',
  };
  if (r.model.version) a[ATTR_ML_MODEL_VERSION] = r.model.version;
  return a;
}
