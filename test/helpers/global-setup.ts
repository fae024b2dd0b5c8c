/**
 * Integration tests need RabbitMQ (already running on this machine) and Azurite: start Azurite in
 * memory unless something already serves the development account's ports.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await portOpen(port))) {
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

let azurite: ChildProcess | undefined;

export async function setup(): Promise<void> {
  if (!(await portOpen(5672))) {
    throw new Error('RabbitMQ is not reachable on 127.0.0.1:5672: start it with `rabbitmq-server -detached`');
  }
  if (!(await portOpen(10000)) || !(await portOpen(10002))) {
    azurite = spawn(
      'npx',
      ['azurite', '--silent', '--disableTelemetry', '--skipApiVersionCheck', '--inMemoryPersistence', '--blobHost', '127.0.0.1', '--tableHost', '127.0.0.1', '--queuePort', '0'],
      { stdio: 'ignore' },
    );
    await waitForPort(10000, 30_000);
    await waitForPort(10002, 30_000);
  }
}

export async function teardown(): Promise<void> {
  azurite?.kill('SIGTERM');
}
