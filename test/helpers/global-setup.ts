/**
 * Integration tests need RabbitMQ (already running on this machine) and Azurite: start Azurite in
 * memory unless something already serves the development account's ports.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { portOpen, waitForPort } from '../../src/dev/ports.js';

let azurite: ChildProcess | undefined;

export async function setup(): Promise<void> {
  if (!(await portOpen('127.0.0.1', 5672))) {
    throw new Error('RabbitMQ is not reachable on 127.0.0.1:5672: start it with `rabbitmq-server -detached`');
  }
  if (!(await portOpen('127.0.0.1', 10000)) || !(await portOpen('127.0.0.1', 10002))) {
    azurite = spawn(
      'npx',
      ['azurite', '--silent', '--disableTelemetry', '--skipApiVersionCheck', '--inMemoryPersistence', '--blobHost', '127.0.0.1', '--tableHost', '127.0.0.1', '--queuePort', '0'],
      { stdio: 'ignore' },
    );
    await waitForPort('127.0.0.1', 10000, 30_000);
    await waitForPort('127.0.0.1', 10002, 30_000);
  }
}

export async function teardown(): Promise<void> {
  azurite?.kill('SIGTERM');
}
