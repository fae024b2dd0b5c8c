import { describe, expect, it } from 'vitest';
import { stepsParamsSchema } from '../processor/handlers/steps.js';
import { generatedId, parseSubmission } from './job-submission.js';

const paramsFor = (type: string) => (type === 'steps' ? stepsParamsSchema : undefined);

describe('parseSubmission', () => {
  it('takes one object or an array, giving ids to jobs without one', () => {
    const one = parseSubmission({ jobName: 'a' }, { paramsFor });
    expect(one.ok && one.many).toBe(false);
    expect(one.ok && one.jobs[0]!.jobId).toMatch(/^[0-9a-f-]{36}$/);
    const many = parseSubmission([{ jobName: 'a', jobId: 'given' }, { jobName: 'b' }], { paramsFor });
    expect(many.ok && many.jobs.map((job) => job.jobId)[0]).toBe('given');
  });

  it('names every bad field by its path', () => {
    const result = parseSubmission([{ jobName: '' }, { jobName: 'x', processingParameters: { steps: 1.5 } }], { paramsFor });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues.map((issue) => issue.path)).toEqual(['[0].jobName', '[1].processingParameters.steps']);
    const single = parseSubmission({ jobName: 'x', maxAttempts: 0 }, { paramsFor });
    expect(!single.ok && single.issues.map((issue) => issue.path)).toEqual(['maxAttempts']);
  });

  it('leaves the parameters of types it has no handler for to their processors', () => {
    expect(parseSubmission({ jobName: 'x', type: 'other', processingParameters: { steps: 'many' } }, { paramsFor }).ok).toBe(true);
  });

  it('derives the same ids from the same Idempotency-Key, and different ones per key, tenant and position', () => {
    const a = parseSubmission([{ jobName: 'a' }, { jobName: 'b' }], { paramsFor, idempotencyKey: 'k1' });
    const again = parseSubmission([{ jobName: 'a' }, { jobName: 'b' }], { paramsFor, idempotencyKey: 'k1' });
    expect(a.ok && a.jobs.map((job) => job.jobId)).toEqual(again.ok && again.jobs.map((job) => job.jobId));
    const ids = new Set([generatedId('k1', '', 0), generatedId('k1', '', 1), generatedId('k2', '', 0), generatedId('k1', 't', 0)]);
    expect(ids.size).toBe(4);
    expect(generatedId('k1', '', 0)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
