/** @module What makes a recurring job valid, the job each fire publishes, and how a schedule is shown. Pure. */
import { validateJobRequest, type JobRequest } from '../contracts/job-request.js';
import { compileCron, nextRuns } from './cron.js';

export const SCHEDULE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface ScheduleFields {
  readonly name: string;
  readonly cron: string;
  readonly timeZone?: string;
  /** The job request each fire publishes, without its jobId (that is `<name>:<due time>`). */
  readonly job: Record<string, unknown>;
  readonly paused: boolean;
  readonly lastRuns: readonly string[];
}

/** The shape `/api/schedules` and `baton schedules list --json` answer with. */
export interface ScheduleView extends Omit<ScheduleFields, 'lastRuns'> {
  readonly nextRuns: string[];
  readonly lastRuns: readonly string[];
}

/** The job a schedule's fire at `dueMs` publishes; throws RangeError when the template is not a valid job. */
export function firedJob(schedule: Pick<ScheduleFields, 'name' | 'job'>, dueMs: number): JobRequest {
  const due = new Date(dueMs).toISOString();
  const parsed = validateJobRequest({ jobName: schedule.name, ...schedule.job, jobId: `${schedule.name}:${due}` });
  if (!parsed.ok) throw new RangeError(`schedule ${schedule.name}: its job is not valid: ${parsed.reason}`);
  return parsed.job;
}

/** Checks a new schedule: a RangeError (CronError for the expression or zone) naming what is wrong. */
export function checkSchedule(name: string, cron: string, timeZone: string | undefined, job: Record<string, unknown>): void {
  if (!SCHEDULE_NAME_PATTERN.test(name)) throw new RangeError(`schedule name "${name}" must match ${SCHEDULE_NAME_PATTERN}`);
  compileCron(cron, timeZone);
  if ('jobId' in job) throw new RangeError('job: jobId is given by each fire (<name>:<due time>); leave it out');
  firedJob({ name, job }, Date.now());
}

export function scheduleView(schedule: ScheduleFields, nowMs = Date.now()): ScheduleView {
  const next = schedule.paused ? [] : nextRuns(compileCron(schedule.cron, schedule.timeZone), nowMs, 5).map((d) => d.toISOString());
  return {
    name: schedule.name, cron: schedule.cron, ...(schedule.timeZone ? { timeZone: schedule.timeZone } : {}),
    job: schedule.job, paused: schedule.paused, nextRuns: next, lastRuns: schedule.lastRuns,
  };
}
