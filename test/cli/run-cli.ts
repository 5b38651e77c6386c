import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { MANDATE_FROM_SOURCE } from '../support/mandate-command.js';

/** The repository root: where a user runs `npx mandate`. */
export const ROOT = resolve(import.meta.dirname, '../..');

/**
 * Node arguments of the `mandate` command, run from the sources so these tests never need a
 * fresh build (bin/mandate.js runs `dist/`, which `npm run test:pack` covers). Run with `cwd`
 * at {@link ROOT}, where `tsx` resolves.
 */
export const MANDATE = MANDATE_FROM_SOURCE;

/** What one run of `mandate` printed and how it exited. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `mandate ...args` in the repository root, as a user would, and waits for it to exit. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [...MANDATE, ...args],
      { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '', ...env } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}
