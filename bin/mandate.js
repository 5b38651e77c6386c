#!/usr/bin/env node
// Entry of the `mandate` command. Runs the compiled CLI when built (npm run build), else the
// TypeScript sources through tsx, so `npx mandate` works right after `npm install`.
import { existsSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

// Cedar's wasm needs this on Node 20 before it first runs (see src/platform/v8-flags.ts).
setFlagsFromString('--no-turbo-inline-js-wasm-calls');

const built = new URL('../dist/src/cli/main.js', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/main.ts', import.meta.url).href);
}
