/**
 * The auto-instrumented variant of the example service as a user starts it (a child process, so
 * the onnxruntime patch stays out of the test process): predictions and outcomes over HTTP show up
 * as ML metrics at its /metrics.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sendOutcomes, sendPredictions } from '../../examples/service/load.js';
import { REPO, TSX_IMPORT } from '../helpers/tsx.js';
import { freePort, startProcess, tail, waitFor, type Proc } from './servers.js';

let proc: Proc | undefined;
const dir = mkdtempSync(join(tmpdir(), 'otel-ml-e2e-service-'));

afterAll(async () => {
  await proc?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('examples/service/auto.ts', () => {
  it('serves predictions from onnxruntime with no monitoring code at the call site, and exposes the ML metrics', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    proc = startProcess(
      'fraud-api',
      process.execPath,
      [...TSX_IMPORT, join(REPO, 'examples', 'service', 'auto.ts'), '--port', String(port), '--prometheus'],
      join(dir, 'service.log'),
    );
    await waitFor('the service to listen', async () => {
      if (proc!.child.exitCode !== null) throw new Error(`exited: ${tail(proc!.log)}`);
      return (await fetch(`${url}/healthz`)).ok ? true : undefined;
    });
    const labelled = await sendPredictions({ url, rows: 120, seed: 5, missing: { amount: 0.5 } });
    expect(await sendOutcomes(url, labelled)).toBe(120);
    expect(
      (await fetch(`${url}/outcome`, { method: 'POST', body: JSON.stringify({ id: 'nope', label: true }) })).status,
    ).toBe(404);
    expect((await fetch(`${url}/predict`, { method: 'POST', body: '{"instances": 3}' })).status).toBe(400);
    const text = await (await fetch(`${url}/metrics`)).text();
    const value = (re: RegExp) => [...text.matchAll(re)].reduce((s, m) => s + Number(m[1]), 0);
    expect(value(/^ml_predictions_total\{[^}]*ml_model_name="fraud-detector"[^}]*\} (\d+)$/gm)).toBe(120);
    expect(
      value(
        /^ml_inference_duration_count\{[^}]*ml_operation_name="predict"[^}]*ml_model_framework="onnxruntime"[^}]*\} (\d+)$/gm,
      ),
    ).toBe(6); // batches of 20
    expect(value(/^ml_outcomes_total\{[^}]*\} (\d+)$/gm)).toBe(120);
    expect(value(/^ml_feature_value_count\{[^}]*ml_feature_name="amount"[^}]*\} (\d+)$/gm)).toBe(120); // imputed before the tensor: not missing
    expect(text).not.toMatch(/^ml_feature_missing_total/m);
  });
});
