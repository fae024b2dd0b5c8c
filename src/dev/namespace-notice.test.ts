import { describe, expect, it } from 'vitest';
import { namespaceNotices } from './namespace-notice.js';

const none = { jobs: 0, delayed: 0, dead: 0, total: 0 };

describe("baton dev's start-up notices about its namespace", () => {
  it('says nothing for a namespace nobody uses', () => {
    expect(namespaceNotices({ namespace: 'baton', counts: none, consumers: 0, inMemory: false })).toEqual([]);
  });

  it('says another stack runs there, and how to keep apart', () => {
    const [notice] = namespaceNotices({ namespace: 'baton', counts: none, consumers: 2, inMemory: false });
    expect(notice).toMatch(/another stack is already running in namespace baton \(2 consumers of baton\.jobs/);
    expect(notice).toContain('BATON_NAMESPACE');
  });

  it('counts the jobs waiting from an earlier run and says how to clear them', () => {
    const notices = namespaceNotices({ namespace: 'baton', counts: { jobs: 30, delayed: 5, dead: 2, total: 37 }, consumers: 0, inMemory: true });
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain('37 messages (30 waiting, 5 delayed, 2 dead letters) wait in namespace baton from an earlier run');
    expect(notices[0]).toContain('never saw their Queued events');
    expect(notices[0]).toContain('jobs purge');
  });
});
