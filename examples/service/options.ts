/** Options and command line shared by both variants of the example service. */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

export interface ExampleServiceOptions {
  readonly host?: string;
  /** HTTP port (default 8080; 0 picks a free one). */
  readonly port?: number;
  /** OTLP/HTTP base URL of a Collector or the otel-ml processor (no export when absent). */
  readonly otlpEndpoint?: string;
  /** Also export spans (to a Collector, or to the processor with trace samples on). */
  readonly traces?: boolean;
  /** Put each row's feature values on its prediction span (`captureFeatures`: feature bins get trace samples). */
  readonly captureFeatures?: boolean;
  readonly exportIntervalMs?: number;
  /** Serve the service's own metrics at GET /metrics. */
  readonly prometheus?: boolean;
  readonly serviceName?: string;
}

export interface RunningExample {
  readonly url: string;
  /** Exports pending telemetry now. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** True when `importMetaUrl` is the module node was started with. */
export const isMain = (importMetaUrl: string): boolean =>
  process.argv[1] !== undefined && importMetaUrl === pathToFileURL(process.argv[1]).href;

/** Reads the command line (`--port 8080 --otlp http://127.0.0.1:4318 --prometheus --traces --interval 15s`). */
export function optionsFromArgv(argv: readonly string[] = process.argv.slice(2)): ExampleServiceOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      host: { type: 'string', default: process.env.HOST ?? '127.0.0.1' },
      port: { type: 'string', default: process.env.PORT ?? '8080' },
      otlp: { type: 'string', default: process.env.OTEL_EXPORTER_OTLP_ENDPOINT },
      traces: { type: 'boolean', default: false },
      prometheus: { type: 'boolean', default: false },
      interval: { type: 'string', default: '15' },
    },
  });
  return {
    host: values.host,
    port: Number(values.port),
    otlpEndpoint: values.otlp,
    traces: values.traces,
    prometheus: values.prometheus,
    exportIntervalMs: Number(values.interval) * 1000,
  };
}

/** Runs a variant until SIGINT/SIGTERM. */
export async function runMain(
  start: (o: ExampleServiceOptions) => Promise<RunningExample>,
  name: string,
): Promise<void> {
  const o = optionsFromArgv();
  const svc = await start(o);
  console.log(
    `${name}: POST ${svc.url}/predict, POST ${svc.url}/outcome${o.prometheus ? `, GET ${svc.url}/metrics` : ''}; metrics to ${o.otlpEndpoint ?? '(no OTLP endpoint: pass --otlp)'}`,
  );
  const stop = () => {
    svc.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
