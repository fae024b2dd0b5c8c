import { describe, expect, it } from 'vitest';
import { JOB_OPTIONS, wantsConsole } from './console-mode.js';

const terminal = { stdin: true, stdout: true };

describe('wantsConsole', () => {
  it('opens the console on a terminal with no job flags', () => {
    expect(wantsConsole({}, terminal)).toBe(true);
    expect(wantsConsole({ namespace: 'demo' }, terminal)).toBe(true); // settings are not job flags
  });

  it('never prompts when stdin or stdout is not a terminal', () => {
    expect(wantsConsole({}, { stdin: false, stdout: true })).toBe(false);
    expect(wantsConsole({}, { stdin: true, stdout: false })).toBe(false);
  });

  it('publishes from flags when any job flag is given', () => {
    for (const key of JOB_OPTIONS) expect(wantsConsole({ [key]: key === 'json' ? true : '1' }, terminal)).toBe(false);
  });
});
