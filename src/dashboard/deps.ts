/** @module What the dashboard app is made of: every collaborator passed in, so tests build it over real storage. */
import type { JobSummary } from '../contracts/api.js';
import type { AuditEvent } from '../contracts/audit-event.js';
import type { Names } from '../contracts/names.js';
import type { Logger } from '../core/logger.js';
import type { ScheduleStore } from '../storage/schedule-store.js';
import type { IdempotencyStore } from '../storage/idempotency-store.js';
import type { StateIndex } from '../storage/state-index.js';
import type { AccessControl } from './access.js';
import type { DashboardMetrics } from './dashboard-metrics.js';
import type { DemoActions } from './demo-actions.js';
import type { EventFeed, IndexReader } from './event-feed.js';
import type { LazyPublisher } from './lazy-publisher.js';
import type { z } from 'zod';
import type { Health } from './schemas.js';
import type { Snapshots } from './snapshot.js';
import type { Asset } from './static-assets.js';
import type { BatonStorage } from '../storage/baton-storage.js';
import type { TenantDefaults } from '../tenants/tenant-view.js';
import type { Charts } from './charts.js';
import type { FleetView } from './fleet-view.js';

export interface DashboardDeps {
  readonly names: Names;
  readonly logger: Logger;
  readonly audit: {
    history(jobId: string): Promise<AuditEvent[]>;
    summary(jobId: string): Promise<JobSummary | undefined>;
  };
  readonly index: IndexReader & { recent(limit: number): Promise<AuditEvent[]> };
  /** Jobs by current status (the job-state index). */
  readonly states: Pick<StateIndex, 'list'>;
  readonly feed: EventFeed;
  readonly snapshots: Snapshots;
  /** The processors' heartbeats (`GET /api/processors`). */
  readonly fleet: FleetView;
  /** The per-minute roll-up as chart series (`GET /api/charts`). */
  readonly charts: Charts;
  readonly metrics: DashboardMetrics;
  readonly health: () => Promise<Health>;
  readonly assets: ReadonlyMap<string, Asset>;
  /** Recurring jobs (`/api/schedules`). */
  readonly schedules?: ScheduleStore;
  /** Present only when an operator token is configured. */
  readonly actions: DemoActions | undefined;
  /** Tenant limits and use (`/api/tenants`); absent in tests that do not need them. */
  readonly tenants?: { readonly storage: BatonStorage; readonly defaults: TenantDefaults };
  /** Tokens and roles: the guard every request passes, and who a request's token names. */
  readonly access: AccessControl;
  /** The dashboard's Publisher, opened on first use. */
  readonly publisher: LazyPublisher;
  readonly idempotency: IdempotencyStore;
  /** The `processingParameters` schema of a job type whose handler this dashboard knows (steps, BATON_HANDLERS). */
  readonly paramsFor: (type: string) => z.ZodType | undefined;
  /** Aborts when the dashboard stops: open event streams end so that the server can close. */
  readonly shutdown: AbortSignal;
  /** Comment lines keep idle streams open through proxies; 15 s unless a test wants it sooner. */
  readonly heartbeatMs?: number;
}
