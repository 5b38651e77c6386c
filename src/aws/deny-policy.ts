import { createHash } from 'node:crypto';
import type { PolicyDocument, PolicyStatement } from './session-policy.js';

// The inline policy the broker keeps on a role to end its sessions early (docs/aws.md). Every
// statement it writes denies everything; its Sid carries the time after which every session it
// reaches has expired anyway, so it can be pruned then:
//   Mandate<until>T<hash>  sessions whose tags are the condition's (a grant, a task, an agent)
//   Mandate<until>B        every session issued before a time (AWS's documented way to revoke
//                          a role's sessions), the fallback when tag statements no longer fit
// Statements with other Sids are someone else's and kept as they are.

const OURS = /^Mandate(\d{1,12})(T[0-9a-f]{12}|B)$/;
const ISSUE_TIME = 'aws:TokenIssueTime';

/** One revocation to write on a role. */
export interface Deny {
  /** Session tag key -> value; every one must match (a grant; an agent and its task; an agent). */
  readonly tags: Readonly<Record<string, string>>;
  /** Only sessions issued before this (epoch seconds); absent: whenever issued. */
  readonly issuedBefore?: number;
  /** Epoch seconds after which every session it reaches has expired. */
  readonly until: number;
}

/** What writing a deny did to the policy. */
export interface DenyChange {
  readonly document: PolicyDocument;
  /** `tag`: a statement for the tags; `issued_before`: folded into "issued before T". */
  readonly statement: 'tag' | 'issued_before';
  /** Expired statements dropped on the way. */
  readonly pruned: number;
}

const sizeOf = (document: PolicyDocument) => JSON.stringify(document).length;
const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');

/**
 * The role's policy with `deny` written in and expired statements pruned; when the result would
 * be over `limitChars` (IAM counts a role's inline policies without whitespace), every tag
 * statement is folded into one "deny sessions issued before now" kept until the latest of them.
 *
 * @example
 * const { document } = withDeny(current, { tags: { 'mandate:grant': 'g1' }, until }, now, 10_240);
 */
export function withDeny(
  current: PolicyDocument | undefined,
  deny: Deny,
  nowSeconds: number,
  limitChars: number,
): DenyChange {
  const { kept, pruned } = prune(current, nowSeconds);
  const statement = tagStatement(deny);
  const existing = kept.find((s) => hashOf(s) === hashOf(statement));
  const untilOfExisting = existing ? (untilOf(existing) ?? 0) : 0;
  const next = [
    ...kept.filter((s) => s !== existing),
    withUntil(statement, Math.max(deny.until, untilOfExisting)),
  ];
  const document = policy(next);
  if (sizeOf(document) <= limitChars) return { document, statement: 'tag', pruned };
  return { document: folded(next, nowSeconds), statement: 'issued_before', pruned };
}

/**
 * The same policy folded: every tag statement replaced by one statement denying the sessions
 * issued before now, until the latest `until` among them.
 */
export function folded(statements: readonly PolicyStatement[], nowSeconds: number): PolicyDocument {
  const ours = statements.filter((s) => untilOf(s) !== undefined);
  const others = statements.filter((s) => untilOf(s) === undefined);
  const until = Math.max(...ours.map((s) => untilOf(s)!));
  const before = Math.max(
    nowSeconds + 1,
    ...ours.filter((s) => OURS.exec(s.Sid ?? '')?.[2] === 'B').map(issuedBeforeOf),
  );
  return policy([
    ...others,
    {
      Sid: `Mandate${until}B`,
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { DateLessThan: { [ISSUE_TIME]: iso(before) } },
    },
  ]);
}

/** The policy without statements past their `until`; undefined when nothing is left. */
export function pruned(
  current: PolicyDocument | undefined,
  nowSeconds: number,
): { document: PolicyDocument | undefined; pruned: number } {
  const { kept, pruned: count } = prune(current, nowSeconds);
  return { document: kept.length === 0 ? undefined : policy(kept), pruned: count };
}

function prune(current: PolicyDocument | undefined, nowSeconds: number) {
  const all = statementsOf(current);
  const kept = all.filter((s) => {
    const until = untilOf(s);
    return until === undefined || until > nowSeconds;
  });
  return { kept, pruned: all.length - kept.length };
}

/** The statements of a document (IAM allows a single statement object as well). */
function statementsOf(current: PolicyDocument | undefined): PolicyStatement[] {
  if (!current) return [];
  const raw = current.Statement as PolicyStatement[] | PolicyStatement;
  return Array.isArray(raw) ? [...raw] : [raw];
}

function policy(statements: readonly PolicyStatement[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: statements };
}

function tagStatement(deny: Deny): PolicyStatement {
  const tags = Object.fromEntries(
    Object.entries(deny.tags)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, value]) => [`aws:PrincipalTag/${key}`, value]),
  );
  return {
    Sid: '',
    Effect: 'Deny',
    Action: '*',
    Resource: '*',
    Condition: {
      StringEquals: tags,
      ...(deny.issuedBefore !== undefined
        ? { DateLessThan: { [ISSUE_TIME]: iso(deny.issuedBefore) } }
        : {}),
    },
  };
}

/** The statement's condition hash: one statement per set of tags (and issue time). */
function hashOf(statement: PolicyStatement): string {
  if (!statement.Condition?.StringEquals) return '';
  return createHash('sha256')
    .update(JSON.stringify(statement.Condition))
    .digest('hex')
    .slice(0, 12);
}

function withUntil(statement: PolicyStatement, until: number): PolicyStatement {
  return { ...statement, Sid: `Mandate${until}T${hashOf(statement)}` };
}

/** The `until` of one of the broker's statements; undefined for anyone else's. */
export function untilOf(statement: PolicyStatement): number | undefined {
  const match = OURS.exec(statement.Sid ?? '');
  return match ? Number(match[1]) : undefined;
}

function issuedBeforeOf(statement: PolicyStatement): number {
  const value = statement.Condition?.DateLessThan?.[ISSUE_TIME];
  return typeof value === 'string' ? Math.floor(Date.parse(value) / 1000) : 0;
}
