import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { parseDuration } from '../config/duration.js';

const AWS_CREDENTIALS = 'urn:mandate:token-type:aws-credentials';
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const JWT = 'urn:ietf:params:oauth:token-type:jwt';

/** What `credential_process` prints: the form every AWS SDK reads. */
interface ProcessCredentials {
  readonly Version: 1;
  readonly AccessKeyId: string;
  readonly SecretAccessKey: string;
  readonly SessionToken: string;
  readonly Expiration: string;
}

/** The options of `mandate aws credential-process`. */
interface CredentialProcessOptions {
  readonly broker?: string;
  readonly audience: string;
  readonly scope: string;
  readonly purpose: string;
  readonly target: string[];
  readonly taskId?: string;
  readonly svidFile?: string;
  readonly cache: boolean;
  readonly cacheDir?: string;
  readonly refreshBefore: number;
}

function seconds(value: string): number {
  const parsed = parseDuration(value);
  if (parsed === undefined) throw new InvalidArgumentError('use a duration such as 30s, 10m or 1h');
  return parsed;
}

/** The agent's SVID: `--svid-file` or `MANDATE_SVID_FILE` (spiffe-helper writes it), else `MANDATE_SVID`. */
function readSvid(options: CredentialProcessOptions): string {
  const file = options.svidFile ?? process.env.MANDATE_SVID_FILE;
  if (file) return readFileSync(file, 'utf8').trim();
  const inline = process.env.MANDATE_SVID;
  if (inline) return inline.trim();
  throw new Error('no SVID: give --svid-file, or set MANDATE_SVID_FILE or MANDATE_SVID');
}

/** Where credentials are cached: `--cache-dir`, else `$XDG_CACHE_HOME/mandate/aws`, else ~/.cache. */
function cacheDir(options: CredentialProcessOptions): string {
  return (
    options.cacheDir ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'mandate', 'aws')
  );
}

/** One cache entry per broker, agent (the SVID's subject), intent and task. */
function cacheFile(options: CredentialProcessOptions, svid: string, broker: string): string {
  const [, payload = ''] = svid.split('.');
  let subject: string;
  try {
    subject = String(
      (JSON.parse(Buffer.from(payload, 'base64url').toString()) as { sub?: unknown }).sub,
    );
  } catch {
    subject = svid;
  }
  const key = JSON.stringify([
    broker,
    subject,
    options.audience,
    options.scope,
    options.purpose,
    options.target,
    options.taskId ?? null,
  ]);
  return join(
    cacheDir(options),
    `${createHash('sha256').update(key).digest('hex').slice(0, 32)}.json`,
  );
}

/** Cached credentials still good for longer than `refreshBefore` seconds, if any. */
function fromCache(file: string, refreshBefore: number): ProcessCredentials | undefined {
  try {
    const cached = JSON.parse(readFileSync(file, 'utf8')) as ProcessCredentials;
    return Date.parse(cached.Expiration) - Date.now() > refreshBefore * 1000 ? cached : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the cache readable by its owner only: it holds a secret, as the AWS CLI's cache does. */
function toCache(file: string, credentials: ProcessCredentials): void {
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(credentials), { mode: 0o600 });
  renameSync(temp, file);
}

/** Exchanges the SVID for AWS credentials at the broker. */
async function exchange(
  broker: string,
  svid: string,
  options: CredentialProcessOptions,
): Promise<ProcessCredentials> {
  const res = await fetch(new URL('/token-exchange', broker), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: TOKEN_EXCHANGE,
      subject_token: svid,
      subject_token_type: JWT,
      requested_token_type: AWS_CREDENTIALS,
      audience: options.audience,
      scope: options.scope,
      ...(options.taskId ? { task_id: options.taskId } : {}),
      intent: { purpose: options.purpose, targets: options.target },
    }),
  });
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (res.status !== 200 || body.issued_token_type !== AWS_CREDENTIALS) {
    const why =
      typeof body.error === 'string'
        ? `${body.error}: ${String(body.error_description)}`
        : `HTTP ${res.status}`;
    throw new Error(`the broker refused the exchange (${why})`);
  }
  const notice = body.lifetime_notice;
  if (typeof notice === 'string') process.stderr.write(`mandate: ${notice}\n`);
  return JSON.parse(body.access_token as string) as ProcessCredentials;
}

async function credentialProcess(options: CredentialProcessOptions): Promise<void> {
  const broker = options.broker ?? process.env.MANDATE_URL;
  if (!broker) throw new Error('no broker: give --broker or set MANDATE_URL');
  const svid = readSvid(options);
  const file = options.cache ? cacheFile(options, svid, broker) : undefined;
  const cached = file ? fromCache(file, options.refreshBefore) : undefined;
  const credentials = cached ?? (await exchange(broker, svid, options));
  if (file && !cached) toCache(file, credentials);
  process.stdout.write(`${JSON.stringify(credentials)}\n`);
}

/**
 * Adds `mandate aws credential-process`: what an AWS profile's `credential_process` runs to get
 * credentials for one task from the broker (docs/aws.md).
 *
 * @example
 * addAwsCommands(program);
 */
export function addAwsCommands(program: Command): void {
  program
    .command('aws')
    .description('AWS helpers (docs/aws.md)')
    .command('credential-process')
    .description(
      "print AWS credentials for an AWS profile's credential_process: exchanges the agent's SVID at the broker for one task, cached until shortly before they expire",
    )
    .option('-b, --broker <url>', 'the broker (default: $MANDATE_URL)')
    .requiredOption('-a, --audience <resource>', 'the kind: aws resource, by name or audience')
    .requiredOption('-s, --scope <scopes>', 'space-separated scopes of that resource')
    .requiredOption('-p, --purpose <text>', 'what the task is about to do')
    .option('-t, --target <target...>', 'the intent targets (expand ${target} in ARNs)', [])
    .option('--task-id <id>', 'continue this task (default: each exchange starts one)')
    .option(
      '--svid-file <file>',
      'the JWT-SVID file spiffe-helper writes (default: $MANDATE_SVID_FILE, else $MANDATE_SVID)',
    )
    .option('--no-cache', 'exchange every time instead of reusing cached credentials')
    .option('--cache-dir <dir>', 'where to cache (default: $XDG_CACHE_HOME/mandate/aws)')
    .addOption(
      new Option(
        '--refresh-before <duration>',
        'exchange again when cached credentials expire within this (AWS SDKs refresh 5 min early)',
      )
        .argParser(seconds)
        .default(360, '6m'),
    )
    .action(credentialProcess);
}
