import { resolve } from 'node:path';

/**
 * Node arguments that run the `mandate` command from the TypeScript sources, so tests of the
 * command never depend on a fresh `dist/` (bin/mandate.js runs the build; the package test runs
 * that). Resolves `tsx` from the working directory: run with `cwd` at the repository root.
 */
export const MANDATE_FROM_SOURCE = [
  '--import',
  'tsx',
  resolve(import.meta.dirname, '../../src/cli/main.ts'),
] as const;
