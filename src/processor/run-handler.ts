/** @module Runs a handler, but returns as soon as its signal aborts: a handler that ignores the signal is abandoned, not awaited. */
import type { JobRequest } from '../contracts/job-request.js';
import { coerceError } from '../core/errors.js';
import { activeSpan, inSpan } from '../core/tracing.js';
import type { HandlerDefinition, JobContext } from './handlers/registry.js';

export type HandlerResult = { readonly kind: 'succeeded' } | { readonly kind: 'failed'; readonly error: Error } | { readonly kind: 'aborted'; readonly reason: Error };

/** `onRun` receives the handler's own promise, so a caller can tell whether an abandoned handler ever returns. */
export async function runHandler(handler: HandlerDefinition, job: JobRequest, ctx: JobContext, onRun?: (ran: Promise<unknown>) => void): Promise<HandlerResult> {
  const { signal } = ctx;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<HandlerResult>((resolve) => {
    onAbort = () => resolve({ kind: 'aborted', reason: coerceError(signal.reason) });
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  const attemptSpan = activeSpan();
  const ran = (async (): Promise<HandlerResult> => {
    try {
      await inSpan(`handler ${job.type}`, { attributes: { 'baton.job.type': job.type, 'baton.job.attempt': ctx.attempt } }, () => handler.run(job, ctx));
      return { kind: 'succeeded' };
    } catch (error) {
      // A failed attempt's span carries the error (the handler's span has it already).
      attemptSpan.recordError(error);
      return { kind: 'failed', error: coerceError(error) };
    }
  })();
  onRun?.(ran);
  try {
    const result = await Promise.race([ran, aborted]);
    // A handler that "failed" because its signal aborted was stopped, not failed.
    if (result.kind === 'failed' && signal.aborted) return { kind: 'aborted', reason: coerceError(signal.reason) };
    return result;
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}
