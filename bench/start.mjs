// Starts the compiled bench. It is compiled into node_modules/.cache/baton-bench (git-ignored, never
// shipped); Node reads files under node_modules as CommonJS unless a package.json there says otherwise.
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const out = new URL('../node_modules/.cache/baton-bench/', import.meta.url);
writeFileSync(new URL('package.json', out), '{ "type": "module", "private": true }\n');
await import(pathToFileURL(new URL('bench/run.js', out).pathname).href);
