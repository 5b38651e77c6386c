import { createHash } from 'node:crypto';

// AWS's rules for the names the broker sends with AssumeRole (STS API reference):
// RoleSessionName and SourceIdentity are 2-64 of [\w+=,.@-], SourceIdentity never starting with
// `aws:`; a session tag value is at most 256 of [\p{L}\p{Z}\p{N}_.:/=+\-@].

const NAME_CHARS = /[^\w+=,.@-]+/g;
const NAME = /^[\w+=,.@-]{2,64}$/;
const TAG_CHAR = /[\p{L}\p{Z}\p{N}_.:/+\-@]/u;

/** The session tag keys the broker sets on every session (docs/aws.md). */
export const SESSION_TAGS = {
  grant: 'mandate:grant',
  task: 'mandate:task',
  agent: 'mandate:agent',
} as const;

const hash = (value: string, chars: number) =>
  createHash('sha256').update(value).digest('hex').slice(0, chars);

/**
 * The agent's short hash: the same 16 hex digits the grant store keys an agent under, so a
 * session tag and the store's keys name an agent alike.
 */
export function agentHash(agentId: string): string {
  return hash(agentId, 16);
}

/**
 * A name AWS accepts (2-64 of `[\w+=,.@-]`): the value itself when it already is one, else its
 * runs of other characters turned into `-`, cut to fit, and a hash of the whole value appended
 * so two values never share a name.
 *
 * @example
 * awsName('spiffe://prod.example/agents/report-bot') // 'spiffe-prod.example-agents-report-bot-1f…'
 */
export function awsName(value: string): string {
  if (NAME.test(value) && !value.toLowerCase().startsWith('aws')) return value;
  const suffix = `-${hash(value, 12)}`;
  const base = value.replace(NAME_CHARS, '-').replace(/^-+|-+$/g, '');
  const safe = /^aws/i.test(base) ? `id-${base}` : base;
  return `${safe.slice(0, 64 - suffix.length)}${suffix}`.replace(/^-/, 'id-');
}

/** `SourceIdentity` for an agent: its id as an AWS name (CloudTrail shows it on every call). */
export function sourceIdentity(agentId: string): string {
  return awsName(agentId);
}

/** `RoleSessionName` for a grant: `mandate-<grant id>` as an AWS name. */
export function roleSessionName(grantId: string): string {
  return awsName(`mandate-${grantId}`);
}

/**
 * A session tag value: characters AWS refuses (and `=` itself) written as `=XX` (hex), so the
 * value stays one-to-one with what it names; the deny policy conditions use the same encoding.
 */
export function tagValue(value: string): string {
  let out = '';
  for (const char of value) {
    if (char !== '=' && TAG_CHAR.test(char)) out += char;
    else
      for (const byte of Buffer.from(char, 'utf8'))
        out += `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  // Task and grant ids are bounded well below this (128); cut rather than be refused.
  return out.length <= 256 ? out : `${out.slice(0, 243)}=${hash(value, 12)}`;
}
