/** @module What the dashboard app is made of: every collaborator passed in, so tests build it over real storage. */
import type { JobSummary } from '../contracts/api.js';
import type { AuditEvent } from '../contracts/audit-event.js';
import type { Names } from '../contracts/names.js';
import type { Logger } from '../core/logger.js';
import type { ScheduleStore } from '../storage/schedule-store.js';
import type { DashboardMetrics } from './dashboard-metrics.js';
import type { DemoActions } from './demo-actions.js';
import type { EventFeed, IndexReader } from './event-feed.js';
import type { Health } from './schemas.js';
import type { Snapshots } from './snapshot.js';
import type { Asset } from './static-assets.js';

export interface DashboardDeps {
  readonly names: Names;
  readonly logger: Logger;
  readonly audit: {
    history(jobId: string): Promise<AuditEvent[]>;
    summary(jobId: string): Promise<JobSummary | undefined>;
  };
  readonly index: IndexReader & { recent(limit: number): Promise<AuditEvent[]> };
  readonly feed: EventFeed;
  readonly snapshots: Snapshots;
  readonly metrics: DashboardMetrics;
  readonly health: () => Promise<Health>;
  readonly assets: ReadonlyMap<string, Asset>;
  /** Recurring jobs (`/api/schedules`). */
  readonly schedules?: ScheduleStore;
  /** Present only when BATON_DASHBOARD_TOKEN is set. */
  readonly actions: DemoActions | undefined;
  /** Aborts when the dashboard stops: open event streams end so that the server can close. */
  readonly shutdown: AbortSignal;
  /** Comment lines keep idle streams open through proxies; 15 s unless a test wants it sooner. */
  readonly heartbeatMs?: number;
}
