import { describe, expect, it } from 'vitest';
import { validateJobRequest } from '../contracts/job-request.js';
import { queuedFromHeader, queuedHeader, queuedJobFields } from './queued-event.js';

const job = (input: Record<string, unknown>) => {
  const parsed = validateJobRequest({ jobId: 'j1', jobName: 'n', ...input });
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.job;
};

describe("the job's fields on its Queued event (what the job panel shows)", () => {
  it('carries the description, and the input path and parameters as JSON text', () => {
    expect(queuedJobFields(job({ description: 'd', inputFilePath: 'in/a.csv', processingParameters: { steps: 2 } }))).toEqual({
      description: 'd',
      parameters: '{"inputFilePath":"in/a.csv","processingParameters":{"steps":2}}',
    });
  });

  it('adds nothing for a bare job, and cuts large parameters to 4,000 characters, marked', () => {
    expect(queuedJobFields(job({}))).toEqual({});
    const { parameters } = queuedJobFields(job({ processingParameters: { text: 'x'.repeat(10_000) } }));
    expect(parameters).toHaveLength(4001);
    expect(parameters?.endsWith('…')).toBe(true);
  });
});

describe("the Queued event a message's x-baton-queued header describes", () => {
  it('is the event the publisher stamped, with the fields of the request', () => {
    const request = job({ description: 'd', tenantId: 'acme' });
    const stamped = { jobId: 'j1', eventId: '0000001-abc', timestamp: '2026-12-02T07:00:00.000Z', jobName: 'n', tenantId: 'acme', status: 'Queued' as const, attempt: 0, processorId: 'pub', message: 'Queued (steps) by ops', description: 'd' };
    expect(queuedFromHeader(queuedHeader(stamped), request)).toEqual(stamped);
    expect(queuedFromHeader(Buffer.from(queuedHeader(stamped)), request)).toEqual(stamped);
  });

  it('is nothing for a header that is absent, not JSON, or not of this shape', () => {
    const request = job({});
    expect(queuedFromHeader(undefined, request)).toBeUndefined();
    expect(queuedFromHeader('not json', request)).toBeUndefined();
    expect(queuedFromHeader(JSON.stringify({ id: 'x' }), request)).toBeUndefined();
    expect(queuedFromHeader(JSON.stringify({ id: 'x', at: 'yesterday', by: 'p', message: 'm' }), request)).toBeUndefined();
    expect(queuedFromHeader(42, request)).toBeUndefined();
  });
});
