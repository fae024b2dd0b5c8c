/** @module Schemas of GET /api/processors and GET /api/charts, for validation and /api/openapi.json. */
import { z } from 'zod';
import { apiSchemas } from './schemas.js';

export const chartsQuerySchema = z.object({
  range: z.enum(['1h', '24h'], { error: 'must be 1h or 24h' }).optional().transform((range) => range ?? '1h')
    .meta({ description: 'the window: the last hour (60 minutes) or the last 24 hours (1,440 minutes); default 1h' }),
});

const timestamp = z.iso.datetime();
const series = z.array(z.number());
const percentiles = z.object({ p50: z.array(z.number().nullable()), p95: z.array(z.number().nullable()), p99: z.array(z.number().nullable()) });

export const processorSchema = z.object({
  processorId: z.string(),
  host: z.string(),
  version: z.string(),
  startedAt: timestamp,
  heartbeatAt: timestamp,
  heartbeatSeconds: z.number().meta({ description: 'the period of its heartbeats' }),
  state: z.enum(['live', 'lost', 'stopped']).meta({ description: 'lost: no heartbeat for two periods and a half; stopped: it shut down cleanly' }),
  concurrency: z.number().int(),
  partitions: z.union([z.literal('all'), z.array(z.string())]),
  running: z.array(z.object({ jobId: z.string(), lockKey: z.string(), type: z.string(), attempt: z.number().int(), startedAt: timestamp, leaseExpiresAt: timestamp })),
  runningCount: z.number().int().meta({ description: 'attempts running; `running` may list fewer when there are very many' }),
  jobsPerMinute: z.number().int().meta({ description: 'attempts that ended (completed or failed) in the minute before the heartbeat' }),
}).register(apiSchemas, { id: 'Processor' });

export const chartDataSchema = z.object({
  range: z.enum(['1h', '24h']),
  from: timestamp,
  to: timestamp,
  minutes: series.meta({ description: 'epoch seconds of each minute; every series below is aligned on it' }),
  types: z.array(z.string()),
  completed: z.record(z.string(), series).meta({ description: 'attempts completed per minute, by job type' }),
  failed: z.record(z.string(), series).meta({ description: 'attempts failed per minute, by job type' }),
  wait: percentiles.meta({ description: 'queue wait (publish to Started, first attempts) in ms, null in a minute without one' }),
  run: percentiles.meta({ description: 'run time (Started to end) in ms' }),
  deadLettered: z.object({ hours: series, counts: series }),
}).register(apiSchemas, { id: 'ChartData' });
