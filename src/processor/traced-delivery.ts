/**
 * @module A delivery inside its span: the attempt's span when the job runs (its lease, audit and handler
 * calls are its children), continuing the trace its message carries (W3C traceparent in the headers, kept
 * through delays, retries and deferrals). With tracing off this is handleDelivery and nothing more.
 */
import { inSpan } from '../core/tracing.js';
import { messagingAttributes } from '../core/trace-attributes.js';
import type { DeliveryOutcome } from './admission/verdict.js';
import type { Delivery } from './delivery.js';
import type { DeliveryDeps } from './delivery-deps.js';
import { handleDelivery } from './handle-delivery.js';

/** Outcomes where the attempt failed; the handler's error is already on the span. */
const FAILED: ReadonlySet<DeliveryOutcome> = new Set(['retrying', 'dead-lettered', 'lease-lost']);

export function handleTracedDelivery(delivery: Delivery, deps: DeliveryDeps, queue: string): Promise<DeliveryOutcome> {
  const attributes = {
    ...messagingAttributes(queue),
    'messaging.operation.type': 'process',
    'messaging.operation.name': 'process',
    'baton.delivery.redelivered': delivery.redelivered,
    'baton.delivery.hops': delivery.hops,
  };
  return inSpan(`process ${queue}`, { kind: 'consumer', parentHeaders: delivery.headers, attributes }, async (span) => {
    const outcome = await handleDelivery(delivery, deps);
    span.setAttributes({ 'baton.outcome': outcome });
    if (FAILED.has(outcome)) span.markFailed(`attempt ended: ${outcome}`);
    return outcome;
  });
}
