/**
 * The `ml.retrain.review` event of a retraining recommendation under review: one OTLP log record
 * per transition (pending, approved, rejected, expired, sent, failed; `review.ts`). Pure.
 */
import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_ML_DEPLOYMENT_ROLE,
  ATTR_ML_MODEL_NAME,
  ATTR_ML_MODEL_VERSION,
  ATTR_ML_RETRAIN_REASONS,
  ATTR_ML_RETRAIN_RECOMMENDATION_ID,
  ATTR_ML_RETRAIN_REVIEW_STATE,
  ATTR_ML_WINDOW_END,
  ATTR_ML_WINDOW_START,
} from '@otel-ml/conventions';
import type { RetrainingRecord } from '../store/retraining.js';

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

/** Attributes, body and severity of the event for the state `r` has just entered. */
export function reviewEvent(r: RetrainingRecord): {
  attributes: Attributes;
  body: string;
  severityText: string;
  severityNumber: number;
} {
  const attributes: Attributes = {
    [ATTR_ML_MODEL_NAME]: r.model.name,
    [ATTR_ML_DEPLOYMENT_ROLE]: r.model.role,
    [ATTR_ML_WINDOW_START]: r.window.start,
    [ATTR_ML_WINDOW_END]: r.window.end,
    [ATTR_ML_RETRAIN_RECOMMENDATION_ID]: r.id,
    [ATTR_ML_RETRAIN_REVIEW_STATE]: r.state,
    [ATTR_ML_RETRAIN_REASONS]: [...r.reasons],
  };
  if (r.model.version) attributes[ATTR_ML_MODEL_VERSION] = r.model.version;
  const body = JSON.stringify({
    id: r.id,
    state: r.state,
    reasons: r.reasons,
    recommendedAt: iso(r.createdAt),
    expiresAt: iso(r.expiresAt),
    decision: r.decision
      ? { at: iso(r.decision.at), reviewer: r.decision.reviewer, comment: r.decision.comment }
      : null,
    delivery: r.delivery ? { at: iso(r.delivery.at), detail: r.delivery.detail } : null,
  });
  // a person is asked to act (pending), or the gate ended without a retraining (expired, failed)
  const warn = r.state === 'pending' || r.state === 'expired' || r.state === 'failed';
  return { attributes, body, severityText: warn ? 'WARN' : 'INFO', severityNumber: warn ? 13 : 9 };
}
