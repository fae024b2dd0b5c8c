/**
 * The dashboard under hostile requests, over the real Azurite store: generated methods, paths, query strings,
 * headers and bodies never get a 5xx; a job's history holds only that job's events whatever the id looks like
 * (neighbours differing by case, a suffix or a separator; OData text); raw malformed HTTP leaves the server up;
 * and in headless Chromium no markup from any field the page shows (name, message, processor, lock key, error,
 * the URL's #job= fragment) becomes an element or runs.
 */
import { existsSync } from 'node:fs';
import net from 'node:net';
import fc from 'fast-check';
import type { Hono } from 'hono';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateJobRequest, type JobRequest } from '../../src/contracts/job-request.js';
import { AZURITE_CONNECTION_STRING } from '../../src/core/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { createApp } from '../../src/dashboard/app.js';
import { openDashboard, type DashboardServices } from '../../src/dashboard/dashboard-services.js';
import { startServer, type RunningServer } from '../../src/dashboard/server.js';
import { BROKER_URL } from '../chaos/cluster.js';
import { freshNamespace } from '../helpers/namespace.js';

const CHROMIUM = '/usr/bin/chromium';
const namespace = freshNamespace('dh');
let services: DashboardServices;
let app: Hono;
let server: RunningServer;

/** Markup that would leave a trace (an element with a `pwned-` id, or window.__pwned) if it were ever parsed. */
const PAYLOADS = [
  '<img id="pwned-1" src=x onerror="window.__pwned=1">',
  '<script>window.__pwned=2</script>',
  '"><svg id="pwned-3" onload="window.__pwned=3">',
  "'><iframe id=\"pwned-4\" srcdoc=\"<script>parent.__pwned=4</script>\"></iframe>",
  '<a id="pwned-5" href="javascript:window.__pwned=5">click</a>',
  '<b id="pwned-6">bold</b><style id="pwned-7">body{display:none}</style>',
  '{{constructor.constructor("window.__pwned=8")()}} ${window.__pwned=9} &lt;i&gt;entity&lt;/i&gt;',
];

/** Ids that differ from each other by case, a suffix or a separator: a loose query would mix their events. */
const NEIGHBOURS = ['job', 'Job', 'JOB', 'job.', 'job-1', 'job1', 'job:1', 'job_1', 'jo', 'job.1', 'x.job'].map((id) => `${namespace}-${id}`);

function job(jobId: string, jobName: string, lockKey?: string): JobRequest {
  const parsed = validateJobRequest({ jobId, jobName, ...(lockKey ? { lockKey } : {}) });
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.job;
}

/** A job that failed once with `payload` as its error, then completed, everything in it carrying the payload. */
async function writeHostileJob(jobId: string, payload: string): Promise<void> {
  const { audit } = services.storage;
  const request = job(jobId, payload, `lock ${payload}`);
  await audit.append({ jobId, jobName: payload, status: 'Queued', message: payload, processorId: payload, attempt: 0 });
  const first = await audit.startAttempt(request, payload, { firstDelivery: true });
  if (first.kind !== 'started') throw new Error('expected an attempt');
  await first.attempt.write(
    [
      { jobId, jobName: payload, status: 'Step', message: payload, processorId: payload, attempt: 1, step: 1, totalSteps: 2 },
      { jobId, jobName: payload, status: 'Failed', message: payload, processorId: payload, attempt: 1 },
      { jobId, jobName: payload, status: 'Retrying', message: payload, processorId: payload, attempt: 1 },
    ],
    { status: 'Retrying', failures: 1, lastError: payload },
  );
  await audit.append({ jobId, jobName: payload, status: 'Deferred', message: payload, processorId: payload, attempt: 0 });
  const second = await audit.startAttempt(request, payload, { firstDelivery: false });
  if (second.kind !== 'started') throw new Error('expected a second attempt');
  await second.attempt.write([{ jobId, jobName: payload, status: 'Completed', message: payload, processorId: payload, attempt: 2 }], { status: 'Completed', completedAt: new Date().toISOString() });
}

beforeAll(async () => {
  services = await openDashboard({ storageConnectionString: AZURITE_CONNECTION_STRING, amqpUrl: BROKER_URL, namespace, token: undefined, logger: silentLogger(), feed: { pollMs: 200 } });
  app = createApp(services.deps);
  server = await startServer(app, { host: '127.0.0.1', port: 0 });
  for (const jobId of NEIGHBOURS) {
    for (const status of ['Queued', 'Deferred', 'Duplicate'] as const) {
      await services.storage.audit.append({ jobId, jobName: `name of ${jobId}`, status, message: `${status} of ${jobId}`, processorId: 'p', attempt: 0 });
    }
  }
  // Last, so that the recent-events table on the page shows the hostile ones.
  for (const [i, payload] of PAYLOADS.entries()) await writeHostileJob(`${namespace}-hostile-${i}`, payload);
  await services.storage.index.flush();
});

afterAll(async () => {
  await server?.close();
  await services?.close();
  const { clients } = services.storage;
  for (const table of [`${namespace}audit`, `${namespace}recent`]) await clients.table(table).deleteTable().catch(() => undefined);
  await clients.blobService.getContainerClient(`${namespace}-locks`).deleteIfExists().catch(() => undefined);
});

/** Percent-encodes what a client must, keeping the rest (including raw `%`, `..` and `;`) as sent. */
const segment = fc.oneof(
  fc.constantFrom('api', 'jobs', 'summary', 'health', 'metrics', 'assets', 'stats', 'info', 'openapi.json', 'demo-jobs', '..', '.', '', '%00', '%2e%2e', '%2F', '%ZZ', '%E0%A4%A', '%C0%AF', ';', '*'),
  fc.constantFrom(...NEIGHBOURS, `${namespace}-hostile-0`),
  fc.string({ unit: 'grapheme', maxLength: 20 }).map((s) => s.replace(/[?#]/g, '')),
  fc.string({ unit: 'binary', maxLength: 20 }).map((s) => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, ''))),
  fc.constant("x' or PartitionKey ne '"),
  fc.constant('<script>alert(1)</script>'),
);
const pathArb = fc.oneof(
  fc.array(segment, { minLength: 1, maxLength: 5 }).map((parts) => `/${parts.join('/')}`),
  fc.tuple(fc.constantFrom('/api/jobs/', '/api/jobs/', '/assets/'), segment, fc.constantFrom('', '/summary', '/', '//summary', '/x')).map(([a, b, c]) => `${a}${b}${c}`),
).filter((path) => !path.startsWith('/api/stream'));
const queryArb = fc.array(
  fc.tuple(fc.constantFrom('limit', 'minutes', 'jobId', '', 'limit[]', '__proto__', 'x'), fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('-1', '0', '1e3', '0x10', '1001', '99999999999999999999', 'NaN', ' 5', '%', '%ZZ'))),
  { maxLength: 4 },
).map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${k}=${v.replace(/[#\s]/g, '')}`).join('&')}`));
const headerArb = fc.dictionary(
  fc.constantFrom('accept', 'accept-encoding', 'authorization', 'content-type', 'cookie', 'if-none-match', 'last-event-id', 'origin', 'range', 'x-forwarded-for', 'x-http-method-override'),
  fc.string({ maxLength: 60 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
  { maxKeys: 4 },
);

describe('generated requests', () => {
  it('never get a 5xx, and API errors are JSON', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'GET', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'), pathArb, queryArb, headerArb, fc.string({ maxLength: 200 }), async (method, path, query, headers, body) => {
        const withBody = method !== 'GET' && method !== 'HEAD';
        const response = await app.request(`${path}${query}`, { method, headers, ...(withBody ? { body } : {}) });
        await response.arrayBuffer().catch(() => undefined);
        expect(response.status, `${method} ${path}${query}`).toBeLessThan(500);
        if (path.startsWith('/api/') && response.status >= 400) expect(response.headers.get('content-type')).toContain('application/json');
      }),
      { numRuns: 1000 },
    );
  }, 120_000);

  it("answer a job's history with that job's events only, whatever its neighbours look like", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...NEIGHBOURS), async (jobId) => {
        const response = await app.request(`/api/jobs/${encodeURIComponent(jobId)}`);
        expect(response.status).toBe(200);
        const events = (await response.json()) as Array<{ jobId: string; message: string }>;
        expect(events.map((e) => e.message)).toEqual([`Queued of ${jobId}`, `Deferred of ${jobId}`, `Duplicate of ${jobId}`]);
        expect(events.every((e) => e.jobId === jobId)).toBe(true);
        const summary = await app.request(`/api/jobs/${encodeURIComponent(jobId)}/summary`);
        const view = (await summary.json()) as { timeline: Array<{ event?: { jobId: string } }> };
        expect(view.timeline.every((item) => item.event?.jobId === jobId)).toBe(true);
      }),
      { numRuns: 40 },
    );
    // Ids that are not any job's, though close to one, or an OData expression, find nothing.
    for (const jobId of [`${namespace}-jo`.slice(0, -1), `${namespace}-JOB1`, `${namespace}-job `, `${namespace}-job' or '1' eq '1`, `${namespace}-job%27`]) {
      expect([400, 404]).toContain((await app.request(`/api/jobs/${encodeURIComponent(jobId)}`)).status);
    }
  });

  it('survive malformed raw HTTP and stay up', async () => {
    const raw = (text: string) =>
      new Promise<string>((resolve) => {
        const socket = net.connect(server.port, '127.0.0.1', () => socket.end(text));
        let answer = '';
        socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
        socket.on('close', () => resolve(answer));
        socket.on('error', () => resolve(answer));
        socket.setTimeout(5000, () => socket.destroy());
      });
    const requests = [
      'GET /api/jobs/%ZZ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      'GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      'GET http://evil.example/api/jobs HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      `GET /api/jobs HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\nConnection: close\r\n\r\n`,
      'POST /api/demo-jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\nConnection: close\r\n\r\n{',
      'GET /api/jobs?limit=5 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\nConnection: close\r\n\r\n0\r\n\r\n',
      'BREW /coffee HTCPCP/1.0\r\n\r\n',
      '\u0000\u0001\u0002 garbage\r\n\r\n',
    ];
    for (const request of requests) {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(await raw(request))?.[1] ?? 0);
      expect(status < 500, `${JSON.stringify(request.slice(0, 60))} → ${status}`).toBe(true);
    }
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });
});

describe('the page in Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('shows markup from every field as text and runs none of it', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.addInitScript(() => {
      (window as unknown as { __violations: string[] }).__violations = [];
      document.addEventListener('securitypolicyviolation', (event) => (window as unknown as { __violations: string[] }).__violations.push(event.violatedDirective));
    });
    const traces = () =>
      page.evaluate(() => ({
        pwned: (window as unknown as { __pwned?: unknown }).__pwned,
        elements: [...document.querySelectorAll('[id^="pwned-"], iframe, [onerror], [onload], a[href^="javascript:"], body style, script:not([type="importmap"]):not([src="/assets/main.js"])')].map((e) => e.outerHTML.slice(0, 80)),
        violations: (window as unknown as { __violations: string[] }).__violations,
      }));
    await page.goto(`${server.url}/#job=${encodeURIComponent('<img id="pwned-h" src=x onerror="window.__pwned=1">')}`);
    await page.getByTestId('events').waitFor();
    for (const [i, payload] of PAYLOADS.entries()) {
      await page.goto(`${server.url}/#job=${encodeURIComponent(`${namespace}-hostile-${i}`)}`);
      await expect.poll(() => page.getByTestId('job-panel').locator('.panel-title').textContent(), { timeout: 10_000 }).toBe(payload);
      await page.getByTestId('job-panel').locator('.timeline').waitFor();
      const panel = (await page.getByTestId('job-panel').textContent()) ?? '';
      // Every occurrence shown as the text it is: the name, the lock key, the error, the processor, the messages.
      expect(panel).toContain(payload);
      expect(panel).toContain(`lock ${payload}`);
      if (i >= PAYLOADS.length - 2) expect((await page.getByTestId('events').textContent()) ?? '').toContain(payload);
      expect(await traces()).toEqual({ pwned: undefined, elements: [], violations: [] });
    }
    expect(dialogs).toEqual([]);
    // The detector itself: the same markup parsed as HTML does leave a trace.
    await page.evaluate((html) => document.body.insertAdjacentHTML('beforeend', html), PAYLOADS.join(''));
    expect((await traces()).elements.length).toBeGreaterThan(3);
    await page.close();
  }, 60_000);
});
