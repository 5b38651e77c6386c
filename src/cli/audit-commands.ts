import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import type { JSONWebKeySet } from 'jose';
import { verifyTrail, type TrailLine } from '../audit/verify-trail.js';
import type { CliOutput } from './policy-commands.js';

/** How `audit verify` runs. */
export interface VerifyCommandOptions {
  /** A JWKS URL (the broker's `/.well-known/jwks.json`) or file, to check checkpoint signatures. */
  readonly jwks?: string;
  /** The first file may begin mid-chain. */
  readonly partial?: boolean;
}

/**
 * `mandate audit verify <file...>`: checks the trail in the files (oldest first, e.g.
 * `audit.jsonl.2 audit.jsonl.1 audit.jsonl`); prints the first problem with its file and line
 * and returns 1, else a summary of each instance's chain and 0.
 *
 * @example
 * process.exitCode = await verifyAuditFiles(['audit.jsonl'], { jwks: 'https://mandate/.well-known/jwks.json' }, io);
 */
export async function verifyAuditFiles(
  files: readonly string[],
  options: VerifyCommandOptions,
  io: CliOutput,
): Promise<number> {
  const jwks = options.jwks !== undefined ? await readJwks(options.jwks) : undefined;
  const report = await verifyTrail(linesOf(files), {
    ...(jwks ? { jwks } : {}),
    ...(options.partial ? { partial: true } : {}),
  });
  if (report.problem) {
    const { file, line, message } = report.problem;
    io.err(`${file}:${line}: ${message}`);
    io.err(`FAILED after ${report.records} good records`);
    return 1;
  }
  io.out(`ok: ${report.records} records`);
  for (const c of report.chains) {
    const signed = jwks
      ? c.signedUpTo > 0
        ? `, signed up to seq ${c.signedUpTo}${c.last > c.signedUpTo ? ` (seq ${c.signedUpTo + 1}-${c.last} not yet covered by a checkpoint)` : ''}`
        : ', no signed checkpoint: nothing vouches for this chain beyond its storage'
      : '';
    io.out(`  ${c.instance}: seq ${c.first}-${c.last}, ${c.checkpoints} checkpoint(s)${signed}`);
  }
  if (!jwks) io.out('checkpoint signatures not checked (give --jwks to check them)');
  return 0;
}

async function* linesOf(files: readonly string[]): AsyncIterable<TrailLine> {
  for (const file of files) {
    let line = 0;
    const reader = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
    for await (const text of reader) {
      line += 1;
      yield { file, line, text };
    }
  }
}

async function readJwks(source: string): Promise<JSONWebKeySet> {
  const text = /^https?:\/\//.test(source)
    ? await fetch(source).then(async (res) => {
        if (!res.ok) throw new Error(`${source}: HTTP ${res.status}`);
        return res.text();
      })
    : await readFile(source, 'utf8');
  const jwks = JSON.parse(text) as JSONWebKeySet;
  if (!Array.isArray(jwks.keys)) throw new Error(`${source}: not a JWK Set`);
  return jwks;
}

/** Adds `audit verify` to the CLI. */
export function addAuditCommands(program: Command): void {
  const io: CliOutput = {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  };
  program
    .command('audit')
    .description('the audit trail')
    .command('verify')
    .description(
      'check an audit trail: hashes, sequence and chain per instance, checkpoint signatures; exit 1 at the first problem',
    )
    .argument('<file...>', 'JSON-lines files, oldest first (rotated files before the current one)')
    .option('--jwks <url|file>', "the broker's JWKS, to check checkpoint signatures")
    .option('--partial', 'the first file may begin mid-chain (older files are gone)')
    .action(async (files: string[], options: VerifyCommandOptions) => {
      process.exitCode = await verifyAuditFiles(files, options, io);
    });
}
