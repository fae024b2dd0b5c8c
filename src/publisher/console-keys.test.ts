import { describe, expect, it } from 'vitest';
import { actionForKey, BURST_SIZE, splitKeys } from './console-keys.js';

describe('splitKeys', () => {
  it('counts every character of a chunk as a key press', () => {
    expect(splitKeys('lfd')).toEqual(['l', 'f', 'd']);
  });

  it('keeps an escape sequence (an arrow key) together as one key', () => {
    expect(splitKeys('a\u001b[Ab')).toEqual(['a', '\u001b[A', 'b']);
    expect(splitKeys('\u001bOP')).toEqual(['\u001bOP']);
  });

  it('splits by code point, not UTF-16 unit', () => {
    expect(splitKeys('é😀')).toEqual(['é', '😀']);
  });
});

describe('actionForKey', () => {
  it('quits on q, Q, Ctrl-C and Ctrl-D', () => {
    for (const key of ['q', 'Q', '\u0003', '\u0004']) expect(actionForKey(key).kind).toBe('quit');
  });

  it('publishes one plain job for any other key, arrows and Enter included', () => {
    for (const key of ['x', ' ', '\r', '\u001b[A', '7']) {
      expect(actionForKey(key)).toEqual({ kind: 'publish', label: '', jobs: [{}] });
    }
  });

  it('b is a burst, f fails once, d fails until dead-lettered, l shares one lock key between two jobs', () => {
    const burst = actionForKey('b');
    expect(burst.kind === 'publish' && burst.jobs).toHaveLength(BURST_SIZE);
    expect(actionForKey('f')).toMatchObject({ kind: 'publish', jobs: [{ failTimes: 1 }] });
    const dead = actionForKey('d');
    expect(dead.kind === 'publish' && dead.jobs[0]!.failTimes! >= dead.jobs[0]!.maxAttempts!).toBe(true);
    expect(actionForKey('l', () => 'abc')).toEqual({
      kind: 'publish',
      label: 'lock key demo-lock-abc',
      jobs: [{ lockKey: 'demo-lock-abc' }, { lockKey: 'demo-lock-abc' }],
    });
  });

  it('h and ? show the help', () => {
    expect(actionForKey('h').kind).toBe('help');
    expect(actionForKey('?').kind).toBe('help');
  });
});
