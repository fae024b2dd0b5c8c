import { describe, expect, it } from 'vitest';
import { TenantLabels } from './tenant-labels.js';

describe('TenantLabels', () => {
  it('keeps the first tenants, folds the rest into "other", and names jobs with no tenant "none"', () => {
    const labels = new TenantLabels(2);
    expect(labels.label('a')).toBe('a');
    expect(labels.label('b')).toBe('b');
    expect(labels.label('c')).toBe('other');
    expect(labels.label('a')).toBe('a');
    expect(labels.label(undefined)).toBe('none');
    expect(new Set(Array.from({ length: 500 }, (_, i) => labels.label(`t${i}`))).size).toBe(1);
  });
});
