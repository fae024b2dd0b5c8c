/**
 * @module The dashboard page's HTML shell and its Content-Security-Policy. The shell holds no data: the
 * client renders everything from the API as text. The inline import map is the only inline script, allowed
 * by its hash, so the policy needs neither 'unsafe-inline' nor nonces.
 */
import { createHash } from 'node:crypto';
import { VENDOR, VENDOR_STYLES } from './static-assets.js';

const IMPORT_MAP = JSON.stringify({ imports: Object.fromEntries(Object.entries(VENDOR).map(([name, { url }]) => [name, url])) });
const IMPORT_MAP_HASH = `'sha256-${createHash('sha256').update(IMPORT_MAP).digest('base64')}'`;

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `script-src 'self' ${IMPORT_MAP_HASH}`,
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Baton</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
${Object.values(VENDOR_STYLES).map(({ url }) => `<link rel="stylesheet" href="${url}">`).join('\n')}
<link rel="stylesheet" href="/assets/styles.css">
<script type="importmap">${IMPORT_MAP}</script>
<script type="module" src="/assets/main.js"></script>
</head>
<body>
<div id="app"><noscript>The Baton dashboard needs JavaScript. The REST API is at <a href="/api/jobs">/api/jobs</a>.</noscript></div>
</body>
</html>
`;
