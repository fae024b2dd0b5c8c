/**
 * @module GET /api/docs: the interactive API reference, Swagger UI (swagger-ui-dist, served from
 * node_modules: no CDN) rendering /api/openapi.json. Its own Content-Security-Policy: Swagger UI sets
 * inline style attributes, so styles may be inline here; scripts still come only from this server.
 */
import type { Hono } from 'hono';
import { asset, findNodeModules, type Asset } from '../static-assets.js';
import { HttpError } from '../http-error.js';

const FILES: Record<string, string> = {
  'swagger-ui-bundle.js': 'swagger-ui-dist/swagger-ui-bundle.js',
  'swagger-ui.css': 'swagger-ui-dist/swagger-ui.css',
};

export const DOCS_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Baton API reference</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/api/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"><noscript>The API reference needs JavaScript; the document itself is at <a href="/api/openapi.json">/api/openapi.json</a>.</noscript></div>
<script src="/api/docs/swagger-ui-bundle.js"></script>
<script src="/assets/docs-init.js"></script>
</body>
</html>
`;

export function mountDocsRoutes(app: Hono): void {
  // Read on first use: most dashboards never serve the reference, and the bundle is over a megabyte.
  const files = new Map<string, Asset>();
  app.get('/api/docs', (c) => c.html(PAGE, 200, { 'content-security-policy': DOCS_POLICY, 'cache-control': 'no-cache' }));
  app.get('/api/docs/:file', (c) => {
    const name = c.req.param('file');
    const file = FILES[name];
    if (!file) throw new HttpError(404, 'not_found', 'not found');
    let found = files.get(name);
    if (!found) {
      found = asset(findNodeModules(file));
      files.set(name, found);
    }
    const headers = { 'content-type': found.contentType, etag: found.etag, 'cache-control': 'no-cache' };
    if (c.req.header('if-none-match') === found.etag) return c.body(null, 304, headers);
    return c.body(found.body as Uint8Array<ArrayBuffer>, 200, headers);
  });
}
