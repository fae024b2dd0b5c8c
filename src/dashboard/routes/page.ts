/** @module GET / (the page shell) and /assets/* (client modules, styles, vendor builds), with ETags. */
import type { Hono } from 'hono';
import type { DashboardDeps } from '../deps.js';
import { HttpError } from '../http-error.js';
import { PAGE_HTML } from '../page.js';

export function mountPageRoutes(app: Hono, deps: DashboardDeps): void {
  app.get('/', (c) => c.html(PAGE_HTML, 200, { 'cache-control': 'no-cache' }));

  app.get('/assets/*', (c) => {
    const asset = deps.assets.get(c.req.path);
    if (!asset) throw new HttpError(404, 'not_found', 'not found');
    // no-cache: revalidate every time (a 304 is cheap), so a new build is never mixed with old modules.
    const headers = { 'content-type': asset.contentType, etag: asset.etag, 'cache-control': 'no-cache' };
    if (c.req.header('if-none-match') === asset.etag) return c.body(null, 304, headers);
    return c.body(asset.body as Uint8Array<ArrayBuffer>, 200, headers);
  });
}
