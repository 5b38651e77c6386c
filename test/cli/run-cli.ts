import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

/** The repository root: where a user runs `npx mandate`. */
export const ROOT = resolve(import.meta.dirname, '../..');

/** The `mandate` command as installed (bin/mandate.js). */
export const BIN = resolve(ROOT, 'bin/mandate.js');

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
      [BIN, ...args],
      { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '', ...env } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}
