import type { RevocationEntry } from '@mandate/verifier';
import { throwIfRevoked } from '../../packages/verifier/src/chain-revocation.js';
import type { LineageEntry } from '../../packages/verifier/src/delegation-claims.js';
import { RevocationList } from '../../packages/verifier/src/revocation-list.js';

// The feed-mode rule for delegated tokens, on fixed times: a token is revoked when its own
// grant is, or when any lineage grant would be revoked as a token of its own.
const S = 1_790_000_000;
const entry = (e: Partial<RevocationEntry>): RevocationEntry => ({
  id: `${S * 1000}-0`,
  kind: 'grant',
  agent: 'A',
  at: S * 1000 + 500,
  until: S + 600,
  reason: 'test',
  ...e,
});
const a: LineageEntry = { agentId: 'A', taskId: 'T-a', grantId: 'g-a', issuedAt: S - 100 };
const b: LineageEntry = { agentId: 'B', taskId: 'T-b', grantId: 'g-b', issuedAt: S - 50 };
const c: LineageEntry = { agentId: 'C', taskId: 'T-c', grantId: 'g-c', issuedAt: S + 10 };

/** The refusal message for C's token on A -> B -> C, or 'live'. */
function verdict(...entries: RevocationEntry[]): string {
  const list = new RevocationList({ graceSeconds: 5 });
  for (const e of entries) list.apply(e);
  try {
    throwIfRevoked(list, c, [a, b]);
    return 'live';
  } catch (err) {
    return (err as Error).message;
  }
}

describe('throwIfRevoked: a token and its lineage against the revocation list', () => {
  it('keeps a chain none of whose grants, tasks or agents is revoked', () => {
    expect(
      verdict(entry({ jti: 'g-other' }), entry({ kind: 'task', agent: 'A', task: 'T-b' })),
    ).toBe('live');
  });

  it("names the token's own revocation first", () => {
    expect(verdict(entry({ agent: 'C', jti: 'g-c' }), entry({ jti: 'g-a' }))).toBe(
      "the token's grant was revoked",
    );
  });

  it.each([
    ['grant', entry({ jti: 'g-a' }), 'a grant earlier in its delegation chain was revoked'],
    [
      'task',
      entry({ kind: 'task', agent: 'B', task: 'T-b' }),
      'the task of a grant earlier in its delegation chain was revoked',
    ],
    [
      'agent',
      entry({ kind: 'agent', agent: 'B' }),
      'the agent of a grant earlier in its delegation chain was revoked',
    ],
    [
      'epoch',
      entry({ kind: 'epoch', agent: '*' }),
      'a grant earlier in its delegation chain was issued before the broker lost its state',
    ],
  ])('refuses the chain by a %s entry on an ancestor', (_kind, e, message) => {
    expect(verdict(e)).toBe(message);
  });

  it('compares agent marks with the ancestor grant issue second, as for a token', () => {
    expect(verdict(entry({ kind: 'agent', agent: 'B', at: (b.issuedAt - 1) * 1000 + 999 }))).toBe(
      'live',
    );
    expect(verdict(entry({ kind: 'agent', agent: 'B', at: b.issuedAt * 1000 }))).toBe(
      'the agent of a grant earlier in its delegation chain was revoked',
    );
  });
});
