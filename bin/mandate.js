#!/usr/bin/env node
// Entry of the `mandate` command. It runs the compiled dist/ only: `npm install` builds it in a
// checkout (the `prepare` script), a published package ships it, and `npm run build` refreshes
// it after a change to src/.
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';

// Cedar's wasm needs this on Node 20 before it first runs (see src/platform/v8-flags.ts).
setFlagsFromString('--no-turbo-inline-js-wasm-calls');

const main = new URL('../dist/cli/main.js', import.meta.url);
try {
  await import(main.href);
} catch (err) {
  // Only a missing build gets the hint; any other failure is the command's own and surfaces as is.
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes(fileURLToPath(main)))
    throw err;
  process.stderr.write('mandate: dist/ is not built; run `npm run build` (or `npm install`)\n');
  process.exit(1);
}
