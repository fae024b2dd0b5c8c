import { afterEach, describe, expect, it, vi } from 'vitest';
import { progressLine, publishProgress } from './console-progress.js';

describe('progressLine', () => {
  it('draws the share done, the count, the rate and the time left', () => {
    expect(progressLine(100, 400, 0.5)).toBe(`publishing [${'█'.repeat(8)}${'░'.repeat(22)}] 100/400 jobs | 200 jobs/s | eta 2 s`);
    expect(progressLine(400, 400, 2)).toBe(`publishing [${'█'.repeat(30)}] 400/400 jobs | 200 jobs/s | eta 0 s`);
  });

  it('shows the count and rate alone when the total is unknown (jobs read from stdin)', () => {
    expect(progressLine(50, undefined, 1)).toBe('publishing 50 jobs | 50 jobs/s');
  });

  it('does not divide by zero at the start', () => {
    expect(progressLine(0, 10, 0)).toContain('0/10 jobs | 0 jobs/s | eta …');
  });
});

describe('publishProgress', () => {
  afterEach(() => vi.useRealTimers());

  /** A terminal-like stderr that keeps what was drawn. */
  function terminal() {
    const written: string[] = [];
    const stream = { isTTY: true, columns: 200, write: (text: string) => (written.push(text), true) } as unknown as NodeJS.WriteStream;
    return { stream, last: () => written.filter((text) => text.includes('publishing')).at(-1) ?? '' };
  }

  it('times the rate from the first job handed over, as the final "published N jobs in S s" line does', () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    const err = terminal();
    const progress = publishProgress({ total: 100, err: err.stream, out: { isTTY: false } as NodeJS.WriteStream });
    vi.advanceTimersByTime(5000); // connecting to RabbitMQ and storage: not publishing yet
    progress.submitted(1);
    vi.advanceTimersByTime(1000);
    progress.published(100);
    progress.stop();
    // 100 jobs in the 1 s since the first submission; timed from the bar's creation it would say 17 jobs/s.
    expect(err.last()).toContain('100/100 jobs | 100 jobs/s');
  });
});
