/** @module Commander options generated from SETTINGS, so every flag has its variable and one description. */
import { Command, InvalidArgumentError, Option } from 'commander';
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

/** An integer flag with a range; commander prints the message and exits 1 on a bad value. */
export function intOption(flags: string, description: string, min: number, max: number, env: string): Option {
  return new Option(flags, description).env(env).argParser((raw: string) => {
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`);
    }
    return value;
  });
}

export function textOption(flags: string, description: string, env: string): Option {
  return new Option(flags, description).env(env);
}

/** A duration flag (`90s`, `15m`, `2h`, `3d`), parsed to milliseconds. */
export function durationOption(flags: string, description: string, env: string): Option {
  return new Option(flags, description).env(env).argParser((raw: string) => {
    try {
      return parseDuration(raw);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  });
}
