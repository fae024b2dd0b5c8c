/** @module TCP probes for `baton dev`: is something listening, and waiting until it is. */
import net from 'node:net';

/** True when a TCP connection to host:port succeeds within `timeoutMs`. */
export function portOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Resolves once host:port accepts connections; rejects after `timeoutMs` or when `gaveUp` settles first. */
export async function waitForPort(host: string, port: number, timeoutMs: number, gaveUp?: Promise<unknown>): Promise<void> {
  let over = false;
  void gaveUp?.then(
    () => (over = true),
    () => (over = true),
  );
  const deadline = Date.now() + timeoutMs;
  while (!(await portOpen(host, port))) {
    if (over) throw new Error(`gave up waiting for ${host}:${port}`);
    if (Date.now() > deadline) throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

/** The address to probe for a listening host: a wildcard address is reached through loopback. */
export function probeHost(host: string): string {
  return host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
}

/** A port nothing listens on right now, chosen by the system (a tiny race with other programs is accepted). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once `url` answers 200; rejects after `timeoutMs` or when `gaveUp` settles first. */
export async function waitForHealthy(url: string, timeoutMs: number, gaveUp?: Promise<unknown>): Promise<void> {
  let over = false;
  void gaveUp?.then(
    () => (over = true),
    () => (over = true),
  );
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(url, { signal: AbortSignal.timeout(2000) }).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    if (over) throw new Error(`gave up waiting for ${url}`);
    if (Date.now() > deadline) throw new Error(`${url} not healthy after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
