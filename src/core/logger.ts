/** @module Winston logging: structured, scoped child loggers, secrets redacted on every line. */
import winston from 'winston';
import { redactDeep } from './redact.js';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type LogFormat = 'pretty' | 'json';
export type Logger = winston.Logger;

const redactFormat = winston.format((info) => {
  for (const key of Object.keys(info)) {
    (info as Record<string, unknown>)[key] = redactDeep((info as Record<string, unknown>)[key]);
  }
  return info;
});

const SCOPE_KEYS = ['component', 'processorId', 'jobId', 'attempt'] as const;

const prettyLine = winston.format.printf((info) => {
  const scope = SCOPE_KEYS.filter((key) => info[key] !== undefined)
    .map((key) => `${key}=${String(info[key])}`)
    .join(' ');
  const rest = Object.entries(info)
    .filter(([key]) => !['level', 'message', 'timestamp', ...SCOPE_KEYS].includes(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  return `${String(info.timestamp)} ${info.level} ${scope ? `[${scope}] ` : ''}${String(info.message)}${rest ? ` ${rest}` : ''}`;
});

export function createLogger(options: { level: LogLevel; format: LogFormat }): Logger {
  const format =
    options.format === 'json'
      ? winston.format.combine(redactFormat(), winston.format.timestamp(), winston.format.json())
      : winston.format.combine(
          redactFormat(),
          winston.format.timestamp({ format: 'HH:mm:ss.SSS' }),
          winston.format.colorize(),
          prettyLine,
        );
  // Logs go to stderr: stdout belongs to command output (jobIds from `baton publish`).
  return winston.createLogger({
    level: options.level,
    format,
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] })],
  });
}

/** A logger for code paths that must not print (tests, library use). */
export function silentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console()] });
}
