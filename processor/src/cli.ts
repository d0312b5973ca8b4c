#!/usr/bin/env node
/**
 * The `otel-ml` command: `baseline` and `report` offline, `serve` for the live processor,
 * `demo` for the end-to-end demonstration on embedded defaults.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { MODEL_TASKS, type ModelTask } from '@otel-ml/conventions';
import { CliError, EXIT_STATE_IN_USE, exitStatusOf } from './cli/errors.js';
import { buildBaseline, type ColumnTyping } from './offline/baseline.js';
import { DEFAULT_MAX_INVALID, NUMERIC_SHARE, describeInvalid, type InvalidCell } from './offline/columns.js';
import { runReport, runWindowedReport } from './offline/report.js';
import { renderText } from './render/text.js';
import { renderHtml } from './render/html.js';
import { renderRunHtml, renderRunText, runVerdicts } from './render/run.js';
import { isMultiWindow } from './analysis/run.js';
import type { ModelReport, MultiWindowReport } from './analysis/report-types.js';
import { parseDuration, type ServiceConfig } from './service/config.js';
import {
  DEFAULT_ALPHA,
  DEFAULT_MIN_JENSEN_SHANNON,
  DEFAULT_MIN_PSI,
  DEFAULT_MIN_ROWS,
  DEFAULT_THRESHOLD,
} from './statistics/defaults.js';

const list = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const count =
  (name: string) =>
  (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n))
      throw new InvalidArgumentError(`${name} must be a whole number (0 or more)`);
    return n;
  };

const number =
  (name: string, min: number, max: number) =>
  (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max)
      throw new InvalidArgumentError(`${name} must be a number in [${min}, ${max}]`);
    return n;
  };

function columnOptions(cmd: Command): Command {
  return cmd
    .option('--score-column <name>', 'column with the model score (binary: probability of the positive class)')
    .option('--prediction-column <name>', 'column with the predicted class or value')
    .option('--label-column <name>', 'column with the true label or value')
    .option('--categorical <columns>', 'comma-separated columns to treat as categorical', list)
    .option('--exclude <columns>', 'comma-separated columns to ignore (ids, timestamps)', list)
    .option(
      '--slice-columns <columns>',
      'comma-separated columns that are slices for fairness (ml.slice.<column>), not features',
      list,
    )
    .option(
      '--max-invalid <n>',
      `cells of numeric columns that are not numbers accepted per file, each reported and treated as missing; one more stops with exit status 2 (a column is numeric when ${NUMERIC_SHARE * 100}% of its values are numbers)`,
      count('--max-invalid'),
      DEFAULT_MAX_INVALID,
    )
    .option('--no-progress', 'do not draw a progress bar');
}

/** Invalid values listed one per line on stderr; more than this are counted in one line. */
const MAX_LISTED_INVALID = 20;

/**
 * Collects the invalid values a command accepted, to list them on stderr once it succeeded (a
 * command that stops prints only its one error line).
 */
function invalidValues() {
  const listed: InvalidCell[] = [];
  let count = 0;
  return {
    onInvalid: (c: InvalidCell): void => {
      if (++count <= MAX_LISTED_INVALID) listed.push(c);
    },
    get count(): number {
      return count;
    },
    print(): void {
      for (const c of listed)
        process.stderr.write(`otel-ml: warning: ${describeInvalid(c)}; an invalid value, treated as missing\n`);
      if (count > listed.length)
        process.stderr.write(`otel-ml: warning: ${count - listed.length} more invalid values, not listed\n`);
    },
  };
}

function writeOut(file: string, text: string): void {
  try {
    mkdirSync(dirname(resolve(file)), { recursive: true });
    writeFileSync(file, text);
  } catch (err) {
    throw new CliError(`${file}: cannot write (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

export function renderReport(report: ModelReport | MultiWindowReport, format: 'json' | 'text' | 'html'): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  if (isMultiWindow(report)) return format === 'html' ? renderRunHtml(report) : renderRunText(report);
  if (format === 'html') return renderHtml(report);
  return renderText(report);
}

const duration =
  (name: string) =>
  (v: string): number => {
    let ms: number;
    try {
      ms = parseDuration(v, name);
    } catch {
      throw new InvalidArgumentError(`${name} must be a duration such as 1h, 30m or 1d`);
    }
    if (ms < 1000) throw new InvalidArgumentError(`${name} must be at least 1s`);
    return ms;
  };

export function buildProgram(): Command {
  const program = new Command('otel-ml')
    .description('ML model monitoring for the OpenTelemetry stack: baselines, reports, and the live processor')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  columnOptions(
    program
      .command('baseline')
      .description('build a baseline (reference distributions) from training or validation data')
      .requiredOption('--data <file>', 'CSV file with a header row')
      .requiredOption('--model <name>', 'model name (ml.model.name)')
      .option('--model-version <version>', 'model version (ml.model.version)')
      .addOption(new Option('--task <task>', 'model task (inferred when absent)').choices([...MODEL_TASKS]))
      .option('--out <file>', 'where to write the baseline (default: <model>.baseline.json)'),
  ).action(async (o) => {
    const invalid = invalidValues();
    const { baseline, columns, notes } = await buildBaseline({
      data: o.data,
      model: o.model,
      modelVersion: o.modelVersion,
      task: o.task as ModelTask | undefined,
      scoreColumn: o.scoreColumn,
      predictionColumn: o.predictionColumn,
      labelColumn: o.labelColumn,
      categorical: o.categorical,
      exclude: o.exclude,
      sliceColumns: o.sliceColumns,
      maxInvalid: o.maxInvalid,
      onInvalid: invalid.onInvalid,
      progress: o.progress,
    });
    const out = o.out ?? `${o.model}.baseline.json`;
    writeOut(out, `${JSON.stringify(baseline, null, 2)}\n`);
    const features = Object.entries(baseline.features);
    process.stdout.write(
      `baseline for ${baseline.model.name} (${baseline.model.task}): ${baseline.source.rows} rows, ${features.filter(([, f]) => f.type === 'numeric').length} numeric and ${features.filter(([, f]) => f.type === 'categorical').length} categorical features -> ${out}\n`,
    );
    const numeric = columns.filter((c) => c.type === 'numeric');
    const categorical = columns.filter((c) => c.type === 'categorical');
    if (numeric.length > 0) {
      const why = (c: ColumnTyping) =>
        c.invalid > 0 ? ` (${c.invalid} invalid value${c.invalid > 1 ? 's' : ''}, treated as missing)` : '';
      process.stdout.write(`  numeric:     ${numeric.map((c) => `${c.name}${why(c)}`).join(', ')}\n`);
    }
    if (categorical.length > 0)
      process.stdout.write(`  categorical: ${categorical.map((c) => `${c.name} (${c.reason})`).join(', ')}\n`);
    for (const n of notes) process.stdout.write(`  note: ${n}\n`);
    invalid.print();
  });

  columnOptions(
    program
      .command('report')
      .description('compare a data set with a baseline: drift, calibration and performance')
      .requiredOption('--baseline <file>', 'baseline written by `otel-ml baseline`')
      .requiredOption('--data <file>', 'CSV file with the same feature columns')
      .addOption(
        new Option('--format <format>', 'output format (default: from --out, else text)').choices([
          'json',
          'text',
          'html',
        ]),
      )
      .option('--out <file>', 'write the report to a file instead of standard output')
      .option(
        '--alpha <p>',
        'significance level after Benjamini-Hochberg',
        number('--alpha', 1e-12, 0.5),
        DEFAULT_ALPHA,
      )
      .option(
        '--min-rows <n>',
        'fewer rows than this give "insufficient data"',
        number('--min-rows', 1, 1e12),
        DEFAULT_MIN_ROWS,
      )
      .option('--min-psi <v>', 'minimum PSI for a drift flag', number('--min-psi', 0, 100), DEFAULT_MIN_PSI)
      .option(
        '--min-js <v>',
        'minimum Jensen-Shannon distance for a drift flag',
        number('--min-js', 0, 1),
        DEFAULT_MIN_JENSEN_SHANNON,
      )
      .option(
        '--threshold <t>',
        'decision threshold of binary classifiers',
        number('--threshold', 0, 1),
        DEFAULT_THRESHOLD,
      )
      .option(
        '--time-column <name>',
        "column with each row's time (RFC 3339 or epoch seconds/ms): one report window per --window, the worst in detail",
      )
      .option('--window <duration>', 'window length with --time-column (e.g. 1h, 1d)', duration('--window'))
      .option('--fail-on-drift', 'exit with status 1 when a feature drifted (in any window)'),
  ).action(async (o) => {
    if (o.window !== undefined && o.timeColumn === undefined)
      throw new CliError('--window needs --time-column (the column that says which window a row is in)');
    const invalid = invalidValues();
    const common = {
      baseline: o.baseline,
      data: o.data,
      scoreColumn: o.scoreColumn,
      predictionColumn: o.predictionColumn,
      labelColumn: o.labelColumn,
      categorical: o.categorical,
      exclude: o.exclude,
      sliceColumns: o.sliceColumns,
      maxInvalid: o.maxInvalid,
      onInvalid: invalid.onInvalid,
      progress: o.progress,
      alpha: o.alpha,
      minRows: o.minRows,
      minPsi: o.minPsi,
      minJensenShannon: o.minJs,
      threshold: o.threshold,
    };
    const report: ModelReport | MultiWindowReport =
      o.timeColumn !== undefined
        ? await runWindowedReport({ ...common, timeColumn: o.timeColumn, windowMs: o.window ?? 86_400_000 })
        : await runReport(common);
    const drifted = isMultiWindow(report) ? report.run.driftedWindows.length > 0 : report.drifted.length > 0;
    const format: 'json' | 'text' | 'html' =
      o.format ?? (o.out?.endsWith('.html') ? 'html' : o.out?.endsWith('.json') ? 'json' : 'text');
    const text = renderReport(report, format);
    if (o.out) {
      writeOut(o.out, text);
      const invalidNote =
        invalid.count > 0 ? `${invalid.count} invalid value${invalid.count > 1 ? 's' : ''} treated as missing` : '';
      const summary = isMultiWindow(report)
        ? `${runVerdicts(report.run, report.windows).drift}${invalidNote ? ` (${invalidNote})` : ''}`
        : `${report.drifted.length ? `drift in ${report.drifted.join(', ')}` : 'no drift'} (${report.current.count} rows against ${report.reference.count}${invalidNote ? `, ${invalidNote}` : ''})`;
      process.stdout.write(`${summary} -> ${o.out}\n`);
    } else {
      process.stdout.write(text);
    }
    invalid.print();
    if (o.failOnDrift && drifted) process.exitCode = 1;
  });

  program
    .command('serve')
    .description('run the live processor: OTLP in (HTTP 14318, gRPC 14317 on 127.0.0.1), ML results out')
    .option('--config <file>', 'YAML configuration (defaults apply without one)')
    .action(async (o) => {
      // before the service allocates anything (see service/runtime.ts)
      (await import('./service/runtime.js')).applyServiceV8Flags();
      const { loadConfig } = await import('./service/config.js');
      const { startService } = await import('./service/service.js');
      const { CorruptDatabaseError, DatabaseInUseError } = await import('./streams/index.js');
      const config = loadConfig(o.config);
      // diagnostics (the processor's and the OpenTelemetry SDK's) on the console, at OTEL_LOG_LEVEL (default info)
      const { diag, DiagLogLevel } = await import('@opentelemetry/api');
      const { OneLineDiagLogger } = await import('./cli/diag.js');
      const level = DiagLogLevel[(process.env.OTEL_LOG_LEVEL ?? '').trim().toUpperCase() as keyof typeof DiagLogLevel];
      diag.setLogger(new OneLineDiagLogger(), { logLevel: level ?? DiagLogLevel.INFO });
      const svc = await startService(config).catch((e: unknown) => {
        // expected conditions of a state file: one line saying what to do, not "unexpected error"
        if (e instanceof DatabaseInUseError) {
          const where = `storage.path${o.config ? ` in ${o.config}` : ''}, or OTEL_ML_STORAGE_PATH`;
          throw new CliError(
            `${e.message}. Stop ${e.holder ? `process ${e.holder.pid}` : 'the other processor'} first, or give this one another state file (${where})`,
            EXIT_STATE_IN_USE,
          );
        }
        if (e instanceof CorruptDatabaseError) throw new CliError(e.message);
        throw e;
      });
      const lines = [
        `otel-ml processor ready`,
        svc.httpUrl
          ? `  OTLP/HTTP  ${svc.httpUrl}/v1/metrics${config.statusPage.enabled ? `   status page ${svc.httpUrl}/` : ''}${config.exporters.prometheus.enabled ? `   Prometheus ${svc.httpUrl}/metrics` : ''}`
          : '',
        svc.grpcAddress ? `  OTLP/gRPC  ${svc.grpcAddress}` : '',
        `  state      ${config.storage.path}`,
        `  windows    ${config.windows.lengthMs / 1000}s, at least ${config.windows.minRows} rows; models with baselines: ${
          config.models
            .filter((m) => m.baseline)
            .map((m) => m.name)
            .join(', ') || 'none'
        }`,
        `  results    ${config.exporters.otlp.enabled ? 'OTLP export on' : 'OTLP export off (set OTEL_EXPORTER_OTLP_ENDPOINT)'}`,
        reviewLine(config, svc.httpUrl),
      ];
      process.stdout.write(`${lines.filter(Boolean).join('\n')}\n`);
      await new Promise<void>((done) => {
        const stop = () => {
          process.stdout.write('otel-ml: shutting down (flushing state and exports)\n');
          svc.close().then(done, done);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });

  return program;
}

/** The ready line of the retraining review gate, when some model's recommendations wait for a person. */
function reviewLine(config: ServiceConfig, httpUrl: string | undefined): string {
  const overridden = config.models.filter((m) => m.review !== undefined);
  const required = config.models.filter((m) => m.review === 'required').map((m) => m.name);
  const scope =
    config.retrain?.review === 'required'
      ? `every model${
          overridden.some((m) => m.review === 'none')
            ? ` but ${overridden
                .filter((m) => m.review === 'none')
                .map((m) => m.name)
                .join(', ')}`
            : ''
        }`
      : required.join(', ');
  if (!scope) return '';
  return `  review     retraining waits for approval (${scope}): status page, or POST ${httpUrl ?? ''}/api/retraining/<id>/approve|reject with the token`;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv as string[]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit 0; usage errors were printed by commander
      return err.exitCode === 0 ? 0 : 2;
    }
    const status = exitStatusOf(err);
    if (status !== undefined) {
      process.stderr.write(`otel-ml: ${(err as Error).message}\n`);
      return status;
    }
    const e = err as Error;
    process.stderr.write(
      `otel-ml: unexpected error: ${e.message}${process.env.OTEL_ML_DEBUG ? `\n${e.stack}` : ' (set OTEL_ML_DEBUG=1 for details)'}\n`,
    );
    return 1;
  }
}

const invokedDirectly =
  process.argv[1] !== undefined &&
  import.meta.url ===
    (await import('node:url')).pathToFileURL(await import('node:fs').then((fs) => fs.realpathSync(process.argv[1]!)))
      .href;
if (invokedDirectly) {
  main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
