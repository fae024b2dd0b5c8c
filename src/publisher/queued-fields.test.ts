import { describe, expect, it } from 'vitest';
import { validateJobRequest } from '../contracts/job-request.js';
import { queuedJobFields } from './publisher.js';

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
