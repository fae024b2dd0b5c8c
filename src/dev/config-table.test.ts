import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../core/config.js';
import { configTableBlock, renderConfigTable, withConfigTable } from './config-table.js';

const README = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../README.md');

describe('the README configuration table', () => {
  it('is exactly the table rendered from SETTINGS (run `npm run docs:config` after changing a setting)', () => {
    expect(readFileSync(README, 'utf8')).toContain(configTableBlock());
  });

  it('has one row per setting, naming its variable, flag, default and accepted values', () => {
    const table = renderConfigTable();
    for (const setting of Object.values(SETTINGS)) {
      const row = table.split('\n').find((line) => line.startsWith(`| \`${setting.env}\` |`));
      expect(row, setting.env).toBeDefined();
      expect(row).toContain(`\`${setting.flag}\``);
    }
    expect(table.split('\n')).toHaveLength(Object.keys(SETTINGS).length + 2);
  });

  it('escapes pipes so a description cannot break a row', () => {
    const table = renderConfigTable({ x: { env: 'X', flag: '--x', description: 'a | b', defaultText: 'none', accepts: 'any' } });
    expect(table).toContain('a \\| b');
  });

  it('rewrites only what lies between its markers', () => {
    const readme = `before\n${configTableBlock('old')}\nafter\n`;
    expect(withConfigTable(readme, 'new')).toBe(`before\n${configTableBlock('new')}\nafter\n`);
    expect(() => withConfigTable('no markers here', 'new')).toThrow(/markers/);
  });
});
