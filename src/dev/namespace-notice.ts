/**
 * @module What `baton dev` says at start-up about its namespace before it starts anything there: another
 * stack (or processor) already consuming it, and jobs waiting from an earlier run, with how to clear them.
 */
import { describeCounts, type QueueCounts } from '../queues/namespace-queues.js';

export interface NamespaceState {
  readonly namespace: string;
  readonly counts: QueueCounts;
  /** Consumers of `<ns>.jobs` now: processors of another stack, or started by hand. */
  readonly consumers: number;
  readonly inMemory: boolean;
}

export function namespaceNotices(state: NamespaceState): string[] {
  const { namespace, counts, consumers } = state;
  const notices: string[] = [];
  if (consumers > 0) {
    notices.push(
      `baton dev: another stack is already running in namespace ${namespace} (${consumers} consumer${consumers === 1 ? '' : 's'} ` +
        `of ${namespace}.jobs: another \`npm start\`, or processors started by hand). Its processors and these share the jobs; ` +
        'for a separate stack, stop this one and set BATON_NAMESPACE (--namespace).',
    );
  }
  if (counts.total > 0) {
    notices.push(
      `baton dev: ${describeCounts(counts)} wait in namespace ${namespace} from an earlier run; the processors start on them now` +
        (state.inMemory ? " (with --in-memory, against a store that never saw their Queued events)" : '') +
        '. To clear them: Ctrl-C, then `node dist/cli.js jobs purge` (or the dashboard\'s "Clear queues…" button).',
    );
  }
  return notices;
}
