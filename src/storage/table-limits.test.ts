import { describe, expect, it } from 'vitest';
import { fitBytes, fitEntity, fitString, MAX_STRING_CHARS } from './table-limits.js';

describe('table limits', () => {
  it('leaves short strings alone and cuts long ones to the limit, marked', () => {
    expect(fitString('short', 10)).toBe('short');
    const cut = fitString('x'.repeat(50), 10);
    expect(cut).toHaveLength(10);
    expect(cut.endsWith('…')).toBe(true);
    expect(fitString('y'.repeat(40_000))).toHaveLength(MAX_STRING_CHARS);
  });

  it('never splits a surrogate pair', () => {
    const cut = fitString(`${'a'.repeat(8)}😀😀😀`, 10);
    expect(cut.length).toBeLessThanOrEqual(10);
    expect(() => encodeURIComponent(cut)).not.toThrow();
  });

  it('fits UTF-8 bytes on a character boundary', () => {
    const cut = fitBytes('é'.repeat(5000), 4096);
    expect(Buffer.byteLength(cut, 'utf8')).toBeLessThanOrEqual(4096);
    expect(cut.endsWith('é…')).toBe(true);
    expect(fitBytes('ok', 4096)).toBe('ok');
  });

  it('fits every string property of an entity, and only strings', () => {
    const entity = fitEntity({ a: 'z'.repeat(40_000), n: 3, b: 'fine' });
    expect(entity.a).toHaveLength(MAX_STRING_CHARS);
    expect(entity).toMatchObject({ n: 3, b: 'fine' });
  });
});
