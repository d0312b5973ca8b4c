/**
 * `node --import @otel-ml/instrumentation/register --import ./telemetry.mjs app.mjs`
 *
 * Registers the import hook (import-in-the-middle, through
 * `@opentelemetry/instrumentation/hook.mjs`, resolved from this package) so
 * that `MlInstrumentation` can patch libraries an ESM app `import`s. Load it
 * before the module that starts the SDK, and both before the app.
 */
import { register } from 'node:module';

register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
