/**
 * The Datadog monitors of the otel-ml alerts, generated from one template: one multi-alert monitor
 * per alert of examples/prometheus/ml-alerts.rules.yml, grouped by model (and feature or class),
 * so every model gets its own alert without a monitor per model. Same semantics as the Prometheus
 * rules: the verdict monitors fire on the processor's per-window verdict (`ml.verdict.flagged`),
 * with the windows it has held as the value, and resolve with the first clean window.
 *
 *   npx tsx examples/datadog/monitors.ts [--status-page http://otel-ml:14318] [--playbooks http://otel-ml:14318/playbooks] [--out examples/datadog/monitors.json]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isMain } from '../service/options.js';

/** A monitor as POST /api/v1/monitor takes it (examples/datadog/monitor.schema.json). */
export interface DatadogMonitor {
  readonly name: string;
  readonly type: 'query alert';
  readonly query: string;
  readonly message: string;
  readonly tags: readonly string[];
  readonly priority: number;
  readonly options: {
    readonly thresholds: { readonly critical: number };
    readonly notify_no_data: boolean;
    readonly require_full_window: boolean;
    readonly include_tags: boolean;
    readonly renotify_interval: number;
    readonly evaluation_delay?: number;
  };
}

export interface Links {
  /** The processor's status page as users reach it (takes ?model=&version=&role=). */
  readonly statusPage: string;
  /** Where docs/playbooks/*.md are published. */
  readonly playbooks: string;
}

export const DEFAULT_LINKS: Links = { statusPage: 'http://otel-ml:14318', playbooks: 'http://otel-ml:14318/playbooks' };

interface VerdictAlert {
  readonly alert: string;
  readonly checks: readonly string[];
  /** Extra grouping tag beyond the model's (feature or class). */
  readonly by?: 'ml.feature.name' | 'ml.prediction.class' | 'ml.business.metric';
  /** Roles the alert applies to (Datadog tag filter). */
  readonly roles: 'not-shadow' | 'primary';
  readonly team: 'ml-engineering' | 'data-engineering' | 'product';
  readonly severity: 'warning' | 'critical';
  readonly playbook: string;
  readonly summary: string;
  readonly action: string;
}

const HANDLE: Readonly<Record<string, string>> = {
  'ml-engineering/warning': '@slack-ml-engineering',
  'ml-engineering/critical': '@pagerduty-ml-engineering',
  'ml-engineering/info': '@slack-ml-engineering',
  'data-engineering/critical': '@pagerduty-data-engineering',
  'data-engineering/warning': '@slack-data-engineering',
  'product/warning': '@slack-product-ml',
  'ml-platform/warning': '@slack-ml-platform',
  'ml-platform/critical': '@pagerduty-ml-platform',
};

// Tag variables in Datadog's syntax for dotted tag keys: {{[ml.model.name].name}}.
const tag = (key: string) => `{{[${key}].name}}`;
const MODEL = `${tag('ml.model.name')} v${tag('ml.model.version')} (${tag('ml.deployment.role')})`;

/** The verdict alerts, as in ml-alerts.rules.yml (test/e2e/example-configs.test.ts keeps them in step). */
export const VERDICT_ALERTS: readonly VerdictAlert[] = [
  {
    alert: 'MLFeatureDrift',
    checks: ['feature_drift'],
    by: 'ml.feature.name',
    roles: 'not-shadow',
    team: 'ml-engineering',
    severity: 'warning',
    playbook: 'feature-drift',
    summary: `Feature ${tag('ml.feature.name')} of ${MODEL} has drifted from its reference`,
    action: 'manual review; pin a new reference if performance held, else retrain and shadow-test',
  },
  {
    alert: 'MLJointDrift',
    checks: ['joint_drift'],
    roles: 'not-shadow',
    team: 'ml-engineering',
    severity: 'warning',
    playbook: 'feature-drift',
    summary: `The joint distribution of the numeric features of ${MODEL} has drifted from its reference`,
    action:
      "manual review of the features' relationships (the drift event names the projections that moved); pin a new reference if performance held, else retrain and shadow-test",
  },
  {
    alert: 'MLScoreDistributionShift',
    checks: ['score_drift', 'class_drift'],
    roles: 'not-shadow',
    team: 'ml-engineering',
    severity: 'warning',
    playbook: 'score-shift',
    summary: `The scores or predicted classes of ${MODEL} have shifted from the reference`,
    action: 'manual review of recent decisions; shadow-test a retrained or recalibrated model',
  },
  {
    alert: 'MLCalibrationDegraded',
    checks: ['calibration'],
    roles: 'not-shadow',
    team: 'ml-engineering',
    severity: 'warning',
    playbook: 'calibration',
    summary: `Calibration of ${MODEL} is worse than the reference's beyond the limit`,
    action: 'recalibrate on recent labelled data (shadow-test first); review decision thresholds',
  },
  {
    alert: 'MLPerformanceBelowBaseline',
    checks: ['accuracy', 'roc_auc'],
    roles: 'not-shadow',
    team: 'ml-engineering',
    severity: 'critical',
    playbook: 'performance',
    summary: `Accuracy or ROC AUC of ${MODEL} is below the reference's beyond the limit`,
    action: 'roll back to the previous model version',
  },
  {
    alert: 'MLFeatureMissingSpike',
    checks: ['missing'],
    by: 'ml.feature.name',
    roles: 'not-shadow',
    team: 'data-engineering',
    severity: 'critical',
    playbook: 'missing-features',
    summary: `${tag('ml.feature.name')} is missing from more of ${MODEL}'s requests than in the reference: an upstream pipeline is likely broken`,
    action: 'fix the feature pipeline',
  },
  {
    alert: 'MLFeatureInvalidValues',
    checks: ['invalid_value'],
    by: 'ml.feature.name',
    roles: 'not-shadow',
    team: 'data-engineering',
    severity: 'warning',
    playbook: 'invalid-values',
    summary: `Values of ${tag('ml.feature.name')} of ${MODEL} arrive with the wrong type more often than in the reference`,
    action: 'find the producer that changed the field; fix the type at the source or parse it before the model',
  },
  {
    alert: 'MLFeatureOutOfRange',
    checks: ['out_of_range'],
    by: 'ml.feature.name',
    roles: 'not-shadow',
    team: 'data-engineering',
    severity: 'warning',
    playbook: 'out-of-range',
    summary: `Values of ${tag('ml.feature.name')} of ${MODEL} lie outside the range the reference saw`,
    action: 'check units and sources of the feature; the model extrapolates on these values',
  },
  {
    alert: 'MLFeatureNewCategory',
    checks: ['new_category'],
    by: 'ml.feature.name',
    roles: 'not-shadow',
    team: 'data-engineering',
    severity: 'warning',
    playbook: 'new-categories',
    summary: `Values of ${tag('ml.feature.name')} of ${MODEL} fall in categories the reference does not know`,
    action: 'map the new values to known ones upstream, or retrain with them',
  },
  {
    alert: 'MLUnknownFeature',
    checks: ['unknown_feature'],
    by: 'ml.feature.name',
    roles: 'not-shadow',
    team: 'data-engineering',
    severity: 'warning',
    playbook: 'unknown-features',
    summary: `${MODEL} receives a feature its reference does not know, ${tag('ml.feature.name')}: the request schema changed`,
    action: 'align the request schema with the model (or declare the feature and rebuild the baseline)',
  },
  {
    alert: 'MLBusinessValueDrop',
    checks: ['business_value'],
    by: 'ml.business.metric',
    roles: 'primary',
    team: 'product',
    severity: 'warning',
    playbook: 'business-impact',
    summary: `${tag('ml.business.metric')} per prediction of ${MODEL} is below the reference's beyond the limit`,
    action: 'decide with ML engineering: roll back the model or the change that costs value',
  },
  {
    alert: 'MLFlaggedShareShift',
    checks: ['predicted_share'],
    by: 'ml.prediction.class',
    roles: 'primary',
    team: 'product',
    severity: 'warning',
    playbook: 'business-impact',
    summary: `The share of ${MODEL}'s requests predicted as class ${tag('ml.prediction.class')} moved away from the reference's`,
    action: 'decide with ML engineering: roll back or accept; size the manual-review queue',
  },
];

const PRIORITY: Readonly<Record<string, number>> = { critical: 1, warning: 3, info: 4 };

function verdictMonitor(a: VerdictAlert, links: Links): DatadogMonitor {
  const role = a.roles === 'primary' ? 'ml.deployment.role:primary' : 'NOT ml.deployment.role:shadow';
  const check =
    a.checks.length === 1 ? `ml.verdict.check:${a.checks[0]}` : `ml.verdict.check IN (${a.checks.join(',')})`;
  // Datadog's boolean tag filter syntax (AND, NOT, IN).
  const filter = `{${check} AND ${role}}`;
  const by = `{${['ml.model.name', 'ml.model.version', 'ml.deployment.role', 'ml.drift.reference', 'ml.verdict.check', ...(a.by ? [a.by] : [])].join(',')}}`;
  // The windows the verdict has held while it flags the window (0 otherwise): >= 1 fires.
  const query = `max(last_1m):max:ml.verdict.windows${filter} by ${by} * max:ml.verdict.flagged${filter} by ${by} >= 1`;
  const status = `${links.statusPage}/?model=${tag('ml.model.name')}&version=${tag('ml.model.version')}&role=${tag('ml.deployment.role')}`;
  const message = [
    `{{#is_alert}}${a.summary} ({{value}} window(s); check ${tag('ml.verdict.check')}).{{/is_alert}}{{#is_recovery}}Resolved: ${a.summary}.{{/is_recovery}}`,
    '',
    `Action: ${a.action}.`,
    `Status page: ${status}`,
    `Playbook: ${links.playbooks}/${a.playbook}.md`,
    'The window, the features by severity and the bins that moved most: the status page, or the ml.drift.detected event of the window.',
    '',
    HANDLE[`${a.team}/${a.severity}`]!,
  ].join('\n');
  return {
    name: `[otel-ml] ${a.alert}`,
    type: 'query alert',
    query,
    message,
    tags: [`team:${a.team}`, `severity:${a.severity}`, `alert:${a.alert}`, 'source:otel-ml'],
    priority: PRIORITY[a.severity]!,
    options: {
      thresholds: { critical: 1 },
      notify_no_data: false,
      require_full_window: false,
      include_tags: true,
      renotify_interval: 0,
    },
  };
}

/** The services' own metrics: no per-window verdict, so a sustained condition as in the Prometheus rules. */
function serviceMonitors(links: Links): DatadogMonitor[] {
  const status = `${links.statusPage}/?model=${tag('ml.model.name')}&version=${tag('ml.model.version')}&role=${tag('ml.deployment.role')}`;
  return [
    {
      name: '[otel-ml] MLInferenceLatencyP99High',
      type: 'query alert',
      query:
        'min(last_10m):p99:ml.inference.duration{ml.operation.name:predict} by {ml.model.name,ml.model.version,ml.deployment.role} > 0.25',
      message: [
        `{{#is_alert}}p99 inference latency of ${MODEL} is {{value}} s (limit 0.25 s) for 10 minutes.{{/is_alert}}{{#is_recovery}}Resolved: p99 inference latency of ${MODEL}.{{/is_recovery}}`,
        '',
        'Action: roll back if a new model version is slower.',
        `Status page: ${status}`,
        `Playbook: ${links.playbooks}/latency.md`,
        '',
        HANDLE['ml-engineering/warning']!,
      ].join('\n'),
      tags: ['team:ml-engineering', 'severity:warning', 'alert:MLInferenceLatencyP99High', 'source:otel-ml'],
      priority: PRIORITY.warning!,
      options: {
        thresholds: { critical: 0.25 },
        notify_no_data: false,
        require_full_window: false,
        include_tags: true,
        renotify_interval: 0,
      },
    },
    {
      name: '[otel-ml] MLShadowDisagreement',
      type: 'query alert',
      query:
        'min(last_15m):sum:ml.shadow.agreement{ml.shadow.result:disagree} by {ml.model.name,ml.model.version}.as_rate() / sum:ml.shadow.agreement{*} by {ml.model.name,ml.model.version}.as_rate() > 0.1',
      message: [
        `{{#is_alert}}The shadow of ${tag('ml.model.name')} v${tag('ml.model.version')} disagrees with the primary on {{value}} of requests (limit 0.1) for 15 minutes.{{/is_alert}}{{#is_recovery}}Resolved: shadow disagreement of ${tag('ml.model.name')}.{{/is_recovery}}`,
        '',
        'Action: hold the rollout; manual review of disagreeing cases.',
        `Status page: ${links.statusPage}/?model=${tag('ml.model.name')}&version=${tag('ml.model.version')}&role=shadow`,
        `Playbook: ${links.playbooks}/shadow.md`,
        '',
        HANDLE['ml-engineering/info']!,
      ].join('\n'),
      tags: ['team:ml-engineering', 'severity:info', 'alert:MLShadowDisagreement', 'source:otel-ml'],
      priority: PRIORITY.info!,
      options: {
        thresholds: { critical: 0.1 },
        notify_no_data: false,
        require_full_window: false,
        include_tags: true,
        renotify_interval: 0,
      },
    },
  ];
}

/**
 * The monitor itself (the otel-ml-self rules), routed to the team that runs the processor. Same
 * conditions as the Prometheus rules; Datadog's `for:` is the `last_Nm` window with min().
 */
function selfMonitors(links: Links): DatadogMonitor[] {
  const monitor = (
    alert: string,
    severity: 'warning' | 'critical',
    query: string,
    threshold: number,
    summary: string,
    resolved: string,
    action: string,
    playbook: string,
  ): DatadogMonitor => ({
    name: `[otel-ml] ${alert}`,
    type: 'query alert',
    query,
    message: [
      `{{#is_alert}}${summary}{{/is_alert}}{{#is_recovery}}Resolved: ${resolved}.{{/is_recovery}}`,
      '',
      `Action: ${action}.`,
      `Playbook: ${links.playbooks}/${playbook}.md`,
      '',
      HANDLE[`ml-platform/${severity}`]!,
    ].join('\n'),
    tags: ['team:ml-platform', `severity:${severity}`, `alert:${alert}`, 'source:otel-ml'],
    priority: PRIORITY[severity]!,
    options: {
      thresholds: { critical: threshold },
      notify_no_data: false,
      require_full_window: false,
      include_tags: true,
      renotify_interval: 0,
    },
  });
  const name = tag('ml.model.name');
  return [
    monitor(
      'MLModelStopped',
      'warning',
      'max(last_5m):min:ml.processor.model.idle{ml.deployment.role:primary} by {ml.model.name} >= 3',
      3,
      `The processor has received no points of ${name} for {{value}} windows (no version of the primary sends).`,
      `points of ${name} arrive again`,
      'check the service is up and serving, then its exporter and the Collector',
      'model-stopped',
    ),
    monitor(
      'MLPointsDropped',
      'warning',
      'min(last_10m):sum:ml.processor.points.dropped{NOT ml.processor.drop.reason IN (not_ml,no_recorded_value)} by {ml.processor.drop.reason}.as_rate() / sum:ml.processor.points.received{*}.as_rate() > 0.01',
      0.01,
      `{{value}} of the points the processor receives are dropped as ${tag('ml.processor.drop.reason')} (limit 0.01) for 10 minutes.`,
      `points dropped as ${tag('ml.processor.drop.reason')}`,
      'act on the reason (the playbook has a table)',
      'points-dropped',
    ),
    monitor(
      'MLExportFailures',
      'critical',
      'min(last_5m):sum:ml.processor.export.failures{*} by {error.type}.as_count() > 0',
      0,
      `Exports of the processor's results fail (${tag('error.type')}): verdicts do not reach the results backend.`,
      `exports of results (${tag('error.type')})`,
      'check OTEL_EXPORTER_OTLP_ENDPOINT and that the Collector (or backend) is up and accepts the processor',
      'export-failures',
    ),
    monitor(
      'MLEvaluationBehind',
      'critical',
      'min(last_5m):max:ml.processor.evaluation.lag{*} > 120',
      120,
      'Evaluation is {{value}} s behind the end of the oldest window due: no verdicts are computed.',
      'evaluation caught up',
      "read the processor log; check the state file's disk and the processor's CPU",
      'evaluation-behind',
    ),
  ];
}

/** Every monitor, with the given link bases. */
export function datadogMonitors(links: Links = DEFAULT_LINKS): DatadogMonitor[] {
  return [...VERDICT_ALERTS.map((a) => verdictMonitor(a, links)), ...serviceMonitors(links), ...selfMonitors(links)];
}

if (isMain(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      'status-page': { type: 'string', default: DEFAULT_LINKS.statusPage },
      playbooks: { type: 'string', default: DEFAULT_LINKS.playbooks },
      out: { type: 'string', default: 'examples/datadog/monitors.json' },
    },
  });
  const monitors = datadogMonitors({
    statusPage: values['status-page'].replace(/\/$/, ''),
    playbooks: values.playbooks.replace(/\/$/, ''),
  });
  writeFileSync(values.out, `${JSON.stringify(monitors, null, 2)}\n`);
  console.log(`${values.out}: ${monitors.length} monitors`);
}
