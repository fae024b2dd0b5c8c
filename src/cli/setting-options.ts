/** @module Commander options generated from SETTINGS, so every flag has its variable and one description. */
import { Command, Option } from 'commander';
import { ConfigError } from '../core/errors.js';
import { loadConfig, SETTINGS, type Config, type SettingKey } from '../core/config.js';
import { parseDuration } from '../core/duration.js';

function flagAttribute(flag: string): string {
  return flag.replace(/^--/, '').replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** Adds `--flag <value>` options (with their variables shown in --help) for the given settings. */
export function addSettingOptions(command: Command, keys: readonly SettingKey[]): Command {
  for (const key of keys) {
    const spec = SETTINGS[key];
    const option = new Option(`${spec.flag} <value>`, `${spec.description} [${spec.env}; default: ${spec.defaultText}]`);
    command.addOption(option);
  }
  return command;
}

/** Resolves the command's settings: flags, then the environment, then defaults; ConfigError on a bad value. */
export function configFrom(command: Command, keys: readonly SettingKey[]): Config {
  const opts = command.opts<Record<string, string | undefined>>();
  const flags: Partial<Record<SettingKey, string>> = {};
  for (const key of keys) {
    const value = opts[flagAttribute(SETTINGS[key].flag)];
    if (value !== undefined) flags[key] = value;
  }
  return loadConfig({ flags });
}

/**
 * An integer flag with a range. A bad value is a ConfigError in the format of every other setting
 * (`BATON_X (--x) must be …; got "…"`, exit 2), from the flag or from its variable alike.
 */
export function intOption(flags: string, description: string, min: number, max: number, env: string): Option {
  return new Option(flags, description).env(env).argParser((raw: string) => {
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
      throw refused(flags, env, `an integer from ${min} to ${max}`, raw);
    }
    return value;
  });
}

/** A flag whose value is a JSON object (e.g. `--params '{"width": 200}'`). */
export function jsonObjectOption(flags: string, description: string, env: string): Option {
  return new Option(flags, description).env(env).argParser((raw: string) => {
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      throw refused(flags, env, 'a JSON object', raw);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw refused(flags, env, 'a JSON object', raw);
    return value;
  });
}

export function textOption(flags: string, description: string, env: string): Option {
  return new Option(flags, description).env(env);
}

function refused(flags: string, env: string, accepts: string, raw: string): ConfigError {
  const flag = flags.split(/[ ,]/)[0];
  const shown = raw.length > 80 ? `${raw.slice(0, 80)}…` : raw;
  return new ConfigError(`${env} (${flag}) must be ${accepts}; got ${JSON.stringify(shown)}`);
}

/** A duration flag (`90s`, `15m`, `2h`, `3d`), parsed to milliseconds. */
export function durationOption(flags: string, description: string, env: string): Option {
  return new Option(flags, description).env(env).argParser((raw: string) => {
    try {
      return parseDuration(raw);
    } catch {
      throw refused(flags, env, 'a duration like 90s, 15m, 2h, 3d or 1h30m', raw);
    }
  });
}
