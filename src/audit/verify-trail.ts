import type { JSONWebKeySet } from 'jose';
import { AUDIT_MARK, recordHash } from './audit-record.js';
import { verifyCheckpoint } from './checkpoint.js';

/** One line of a trail and where it is. */
export interface TrailLine {
  readonly file: string;
  /** 1-based line number in `file`. */
  readonly line: number;
  readonly text: string;
}

/** How to verify a trail. */
export interface VerifyOptions {
  /** Keys to check checkpoint signatures with; absent: checkpoints are checked for consistency only. */
  readonly jwks?: JSONWebKeySet;
  /** The trail may begin mid-chain (older files rotated away): a chain need not start at seq 1. */
  readonly partial?: boolean;
}

/** Where one instance's chain stands after verification. */
export interface ChainSummary {
  readonly instance: string;
  readonly first: number;
  readonly last: number;
  /** Checkpoints found (signature checked when a JWKS was given). */
  readonly checkpoints: number;
  /** The last seq covered by a verified signature; 0 when none. */
  readonly signedUpTo: number;
}

/** The outcome: the first problem with its position, or none. */
export interface VerifyReport {
  readonly records: number;
  readonly chains: readonly ChainSummary[];
  readonly problem?: { readonly file: string; readonly line: number; readonly message: string };
}

interface ChainState {
  first: number;
  last: number;
  lastHash: string;
  lastAt: string;
  checkpoints: number;
  signedUpTo: number;
  /** seq -> hash, for checking checkpoints against the records they name. */
  readonly hashes: Map<number, string>;
}

/**
 * Checks an audit trail line by line: each record's hash over its content (an edit), each
 * instance's `seq` one more than the last and `prev` the last record's hash (a gap, a deletion,
 * a reordering, an insertion), each checkpoint naming a record of its chain and, with `jwks`,
 * signed by the broker. Stops at the first problem and says where it is.
 *
 * @example
 * const report = await verifyTrail(linesOf(['audit.jsonl']), { jwks });
 * if (report.problem) console.error(`${report.problem.file}:${report.problem.line}: ${report.problem.message}`);
 */
export async function verifyTrail(
  lines: AsyncIterable<TrailLine> | Iterable<TrailLine>,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const chains = new Map<string, ChainState>();
  let records = 0;
  const summary = () =>
    [...chains].map(([instance, c]) => ({
      instance,
      first: c.first,
      last: c.last,
      checkpoints: c.checkpoints,
      signedUpTo: c.signedUpTo,
    }));
  for await (const at of lines) {
    if (at.text.trim() === '') continue;
    const message = await check(at, chains, options);
    if (message !== undefined)
      return { records, chains: summary(), problem: { file: at.file, line: at.line, message } };
    records += 1;
  }
  return { records, chains: summary() };
}

/** The problem with one line, or undefined when it continues its chain. */
async function check(
  at: TrailLine,
  chains: Map<string, ChainState>,
  options: VerifyOptions,
): Promise<string | undefined> {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(at.text) as Record<string, unknown>;
  } catch {
    return 'not a JSON line (cut short or altered)';
  }
  const { instance, seq, prev, hash } = record;
  if (
    record[AUDIT_MARK] !== 1 ||
    typeof instance !== 'string' ||
    typeof seq !== 'number' ||
    typeof hash !== 'string'
  )
    return 'not an audit record';
  if (recordHash(record) !== hash)
    return `seq ${seq} of ${instance} was altered: its hash does not match its content`;
  const chain = chains.get(instance);
  if (!chain) {
    if (!options.partial && (seq !== 1 || prev !== null))
      return `${instance} begins at seq ${seq}: the records before it are missing (rotated files: list them oldest first, or --partial)`;
    chains.set(instance, newChain(seq, hash, at));
  } else {
    const problem = continues(chain, seq, prev, instance);
    if (problem) return problem;
    chain.last = seq;
    chain.lastHash = hash;
    chain.lastAt = `${at.file}:${at.line}`;
    chain.hashes.set(seq, hash);
  }
  if (record.event === 'audit_checkpoint')
    return checkCheckpoint(record, chains.get(instance)!, instance, options);
  return undefined;
}

function newChain(seq: number, hash: string, at: TrailLine): ChainState {
  return {
    first: seq,
    last: seq,
    lastHash: hash,
    lastAt: `${at.file}:${at.line}`,
    checkpoints: 0,
    signedUpTo: 0,
    hashes: new Map([[seq, hash]]),
  };
}

/** Why `seq`/`prev` do not follow the chain's last record, or undefined when they do. */
function continues(
  chain: ChainState,
  seq: number,
  prev: unknown,
  instance: string,
): string | undefined {
  if (seq <= chain.last)
    return `${instance} seq ${seq} comes after seq ${chain.last} (${chain.lastAt}): records reordered or repeated`;
  if (seq > chain.last + 1)
    return `${instance} seq ${seq} follows seq ${chain.last} (${chain.lastAt}): ${seq - chain.last - 1} record(s) missing`;
  if (prev !== chain.lastHash)
    return `${instance} seq ${seq} does not chain to seq ${chain.last} (${chain.lastAt}): a record was replaced or inserted`;
  return undefined;
}

async function checkCheckpoint(
  record: Record<string, unknown>,
  chain: ChainState,
  instance: string,
  options: VerifyOptions,
): Promise<string | undefined> {
  const head = record.head as { seq?: unknown; hash?: unknown } | undefined;
  const seq = typeof head?.seq === 'number' ? head.seq : -1;
  if (chain.hashes.get(seq) !== head?.hash)
    return `checkpoint names seq ${String(head?.seq)} of ${instance}, which is not in this trail as signed`;
  chain.checkpoints += 1;
  if (!options.jwks) return undefined;
  try {
    const claims = await verifyCheckpoint(String(record.jws), options.jwks);
    if (claims.instance !== instance || claims.seq !== seq || claims.hash !== head?.hash)
      return `checkpoint's signed head (seq ${claims.seq}) is not the head it names: forged`;
  } catch (err) {
    return `checkpoint signature does not verify with the keys given: forged (${(err as Error).message})`;
  }
  chain.signedUpTo = seq;
  // Hashes up to a signed head are settled; keep memory bounded on long trails.
  for (const s of chain.hashes.keys()) if (s < seq) chain.hashes.delete(s);
  return undefined;
}
