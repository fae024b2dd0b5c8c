/**
 * @module The page's static files: the client modules under ./client and the browser builds of preact and
 * htm from node_modules, read once at start-up and served from memory. Only the files found there exist:
 * a URL never becomes a file path, so there is nothing to traverse.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Asset {
  readonly body: Uint8Array;
  readonly contentType: string;
  readonly etag: string;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Browser builds the client imports by bare name, through the page's import map. */
export const VENDOR: Readonly<Record<string, { url: string; file: string }>> = {
  preact: { url: '/assets/vendor/preact.mjs', file: 'preact/dist/preact.mjs' },
  'preact/hooks': { url: '/assets/vendor/preact-hooks.mjs', file: 'preact/hooks/dist/hooks.mjs' },
  htm: { url: '/assets/vendor/htm.mjs', file: 'htm/dist/htm.mjs' },
  uplot: { url: '/assets/vendor/uplot.mjs', file: 'uplot/dist/uPlot.esm.js' },
};

/** Vendor style sheets the page links (not modules, so not in the import map). */
export const VENDOR_STYLES: Readonly<Record<string, { url: string; file: string }>> = {
  uplot: { url: '/assets/vendor/uplot.css', file: 'uplot/dist/uPlot.min.css' },
};

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * The client sources: beside this module when running from src/, and from src/ when running the build in
 * dist/ (tsc compiles TypeScript only; the client is plain browser JavaScript with no build step).
 */
export function findClientDir(): string {
  const candidates = [path.join(here, 'client'), path.resolve(here, '../../src/dashboard/client')];
  const found = candidates.find((dir) => existsSync(path.join(dir, 'main.js')));
  if (!found) throw new Error(`dashboard client files not found (looked in ${candidates.join(', ')})`);
  return found;
}

export function findNodeModules(file: string): string {
  for (let dir = here; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', file);
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`${file} not found in any node_modules above ${here}`);
  }
}

export function asset(file: string): Asset {
  const body = readFileSync(file);
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
  return { body, contentType: TYPES[path.extname(file)] ?? 'application/octet-stream', etag };
}

function walk(dir: string, prefix = ''): Array<[string, string]> {
  const files: Array<[string, string]> = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) files.push(...walk(full, `${prefix}${name}/`));
    else if (TYPES[path.extname(name)]) files.push([`/assets/${prefix}${name}`, full]);
  }
  return files;
}

/** URL path → asset, for every client file and vendor module. */
export function loadAssets(clientDir: string = findClientDir()): ReadonlyMap<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const [url, file] of walk(clientDir)) {
    if (!file.endsWith('.test.js')) assets.set(url, asset(file));
  }
  for (const { url, file } of [...Object.values(VENDOR), ...Object.values(VENDOR_STYLES)]) assets.set(url, asset(findNodeModules(file)));
  return assets;
}
