/**
 * The shipped alert rules pass `promtool check rules` and their unit tests
 * (examples/prometheus/ml-alerts.test.yml: the processor's names, a Collector's default
 * translation, both paths at once), and every alert of the rules file is exercised there.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { REPO } from '../helpers/tsx.js';
import { requireBinaries } from './servers.js';

const PROMTOOL = '/usr/bin/promtool';
const DIR = join(REPO, 'examples', 'prometheus');

describe('examples/prometheus rules', () => {
  it('pass promtool check rules and promtool test rules', () => {
    requireBinaries([PROMTOOL]);
    const check = spawnSync(PROMTOOL, ['check', 'rules', 'ml-alerts.rules.yml'], {
      cwd: DIR,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    for (const file of ['ml-alerts.test.yml', 'ml-alerts-self.test.yml']) {
      const unit = spawnSync(PROMTOOL, ['test', 'rules', file], { cwd: DIR, encoding: 'utf8', timeout: 60_000 });
      expect(unit.stdout + unit.stderr).toMatch(/SUCCESS/);
      expect(unit.status, unit.stdout + unit.stderr).toBe(0);
    }
  });

  it('every verdict alert has a unit test in which it fires, and one in which it does not', () => {
    const rules = (
      parseYaml(readFileSync(join(DIR, 'ml-alerts.rules.yml'), 'utf8')) as {
        groups: { rules: { alert?: string; expr: string }[] }[];
      }
    ).groups.flatMap((g) => g.rules);
    const tests = (
      parseYaml(readFileSync(join(DIR, 'ml-alerts.test.yml'), 'utf8')) as {
        tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
      }
    ).tests.flatMap((t) => t.alert_rule_test ?? []);
    const verdictAlerts = rules.filter((r) => r.alert && r.expr.includes('ml_verdict_flagged')).map((r) => r.alert!);
    expect(verdictAlerts.sort()).toEqual([
      'MLBusinessValueDrop',
      'MLCalibrationDegraded',
      'MLFeatureDrift',
      'MLFeatureInvalidValues',
      'MLFeatureMissingSpike',
      'MLFeatureNewCategory',
      'MLFeatureOutOfRange',
      'MLFlaggedShareShift',
      'MLJointDrift',
      'MLPerformanceBelowBaseline',
      'MLScoreDistributionShift',
      'MLUnknownFeature',
    ]);
    const fires = new Set(tests.filter((t) => t.exp_alerts.length > 0).map((t) => t.alertname));
    const silent = new Set(tests.filter((t) => t.exp_alerts.length === 0).map((t) => t.alertname));
    // MLScoreDistributionShift shares its expression with the others (checked by the end-to-end suite).
    for (const a of verdictAlerts.filter((a) => a !== 'MLScoreDistributionShift'))
      expect(fires.has(a), `${a} never fires in ml-alerts.test.yml`).toBe(true);
    for (const a of [
      'MLFeatureDrift',
      'MLPerformanceBelowBaseline',
      'MLFeatureInvalidValues',
      'MLUnknownFeature',
      'MLBusinessValueDrop',
      'MLJointDrift',
    ])
      expect(silent.has(a), `${a} is never silent in ml-alerts.test.yml`).toBe(true);
  });

  it('every alert of the otel-ml-self group has a unit test in which it fires, and one in which it does not, under both namings', () => {
    const groups = (
      parseYaml(readFileSync(join(DIR, 'ml-alerts.rules.yml'), 'utf8')) as {
        groups: { name: string; rules: { alert?: string; labels?: Record<string, string> }[] }[];
      }
    ).groups;
    const self = groups.find((g) => g.name === 'otel-ml-self')!;
    expect(groups[groups.length - 1]).toBe(self);
    expect(self.rules.map((r) => r.alert)).toEqual([
      'MLModelStopped',
      'MLPointsDropped',
      'MLExportFailures',
      'MLEvaluationBehind',
    ]);
    for (const r of self.rules) expect(r.labels?.team, r.alert).toBe('ml-platform');
    const text = readFileSync(join(DIR, 'ml-alerts-self.test.yml'), 'utf8');
    const tests = (
      parseYaml(text) as { tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[] }
    ).tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const r of self.rules) {
      expect(
        tests.some((t) => t.alertname === r.alert && t.exp_alerts.length > 0),
        `${r.alert} never fires`,
      ).toBe(true);
      expect(
        tests.some((t) => t.alertname === r.alert && t.exp_alerts.length === 0),
        `${r.alert} is never silent`,
      ).toBe(true);
    }
    // both namings: counters with and without _total, the lag with and without _seconds
    for (const name of [
      'ml_processor_points_dropped_total{',
      'ml_processor_points_dropped{',
      'ml_processor_export_failures_total{',
      'ml_processor_export_failures{',
      'ml_processor_evaluation_lag{',
      'ml_processor_evaluation_lag_seconds{',
    ]) {
      expect(text, name).toContain(name);
    }
  });

  it('every playbook a rule links to exists in docs/playbooks', () => {
    const text = readFileSync(join(DIR, 'ml-alerts.rules.yml'), 'utf8');
    const pages = [...text.matchAll(/\}\}\/([a-z-]+\.md)'/g)].map((m) => m[1]!);
    expect(pages.length).toBe(18);
    for (const p of pages) expect(existsSync(join(REPO, 'docs', 'playbooks', p)), p).toBe(true);
  });
});
