#!/usr/bin/env node
// Entry of the `mandate` command. In a checkout it runs the TypeScript sources through tsx, so
// `npm start` and `npx mandate` work right after `npm install` and never run a stale build;
// a package published without src/ runs the compiled dist/.
import { existsSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

// Cedar's wasm needs this on Node 20 before it first runs (see src/platform/v8-flags.ts).
setFlagsFromString('--no-turbo-inline-js-wasm-calls');

const source = new URL('../src/cli/main.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import(new URL('../dist/src/cli/main.js', import.meta.url).href);
}
