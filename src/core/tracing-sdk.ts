/**
 * @module The OpenTelemetry Node SDK with Baton's instrumentations (amqplib, HTTP, the Azure SDK), imported
 * only by `startTracing` when tracing is asked for. The exporter, protocol, sampler and resource come from
 * the standard OTEL_* variables, read by the SDK itself.
 */
import { AzureSdkInstrumentation } from '@azure/opentelemetry-instrumentation-azure-sdk';
import * as coreTracing from '@azure/core-tracing';
import { AmqplibInstrumentation } from '@opentelemetry/instrumentation-amqplib';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NodeSDK } from '@opentelemetry/sdk-node';

export async function startSdk(serviceName: string | undefined): Promise<() => Promise<void>> {
  const azure = new AzureSdkInstrumentation();
  const sdk = new NodeSDK({
    ...(serviceName ? { serviceName } : {}),
    instrumentations: [new AmqplibInstrumentation(), new HttpInstrumentation(), azure],
  });
  sdk.start();
  // The instrumentation hooks `require`; Baton loads the Azure SDK as ESM, so hand core-tracing its instrumenter here.
  for (const definition of azure.getModuleDefinitions()) definition.patch?.(coreTracing, definition.moduleVersion);
  return () => sdk.shutdown();
}
