/**
 * @module The README's configuration table, rendered from SETTINGS so that it cannot drift: a unit test
 * checks README.md holds exactly this table, and `npm run docs:config` rewrites it between the markers.
 */
import { SETTINGS } from '../core/config.js';

export const CONFIG_TABLE_START = '<!-- config-table:start — generated from src/core/config.ts by `npm run docs:config`; edit SETTINGS, not this table -->';
export const CONFIG_TABLE_END = '<!-- config-table:end -->';

interface SettingDoc {
  readonly env: string;
  readonly flag: string;
  readonly description: string;
  readonly defaultText: string;
  readonly accepts: string;
}

/** A Markdown cell: pipes escaped, so a description can never break the table. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** One row per setting, in SETTINGS order. */
export function renderConfigTable(settings: Readonly<Record<string, SettingDoc>> = SETTINGS): string {
  const rows = Object.values(settings).map(
    (setting) => `| \`${setting.env}\` | \`${setting.flag}\` | ${cell(setting.defaultText)} | ${cell(setting.accepts)} | ${cell(setting.description)} |`,
  );
  return ['| variable | flag | default | accepts | meaning |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}

/** The table with its markers, as README.md holds it. */
export function configTableBlock(table = renderConfigTable()): string {
  return `${CONFIG_TABLE_START}\n${table}\n${CONFIG_TABLE_END}`;
}

/** Replaces what lies between the markers (markers included) with a fresh block; throws without markers. */
export function withConfigTable(readme: string, table = renderConfigTable()): string {
  const start = readme.indexOf(CONFIG_TABLE_START);
  const end = readme.indexOf(CONFIG_TABLE_END);
  if (start < 0 || end < start) {
    throw new Error(`README.md has no configuration table markers: put ${CONFIG_TABLE_START} and ${CONFIG_TABLE_END} where the table goes`);
  }
  return `${readme.slice(0, start)}${configTableBlock(table)}${readme.slice(end + CONFIG_TABLE_END.length)}`;
}
