import type { RevocationEntry } from '@mandate/verifier';
import {
  parseRevocationEntry,
  RevocationList,
} from '../../packages/verifier/src/revocation-list.js';

const AT = 1_732_500_000_500;
const entry = (e: Partial<RevocationEntry>): RevocationEntry => ({
  id: `${AT}-0`,
  kind: 'grant',
  agent: 'agent-a',
  at: AT,
  until: 1_732_500_600,
  reason: 'test',
  ...e,
});
const token = { jti: 'g1', sub: 'agent-a', taskId: 'T-1', iat: 1_732_499_000 };

describe('RevocationList', () => {
  it('revokes by grant, by task of that agent, and by agent for tokens issued up to the revocation', () => {
    const list = new RevocationList({ graceSeconds: 5 });
    list.apply(entry({ kind: 'grant', jti: 'g1' }));
    list.apply(entry({ kind: 'task', agent: 'agent-b', task: 'T-1' }));
    list.apply(entry({ kind: 'agent', agent: 'agent-c' }));

    expect(list.revokedBy(token)).toBe('grant');
    expect(list.revokedBy({ ...token, jti: 'g2' })).toBeUndefined();
    expect(list.revokedBy({ ...token, jti: 'g2', sub: 'agent-b' })).toBe('task');
    expect(list.revokedBy({ ...token, jti: 'g2', sub: 'agent-b', taskId: 'T-2' })).toBeUndefined();
    const c = { ...token, jti: 'g3', sub: 'agent-c' };
    expect(list.revokedBy({ ...c, iat: Math.floor(AT / 1000) })).toBe('agent');
    expect(list.revokedBy({ ...c, iat: Math.floor(AT / 1000) + 1 })).toBeUndefined();
  });

  describe.each(['agent', 'epoch'] as const)('a %s mark compares whole seconds', (kind) => {
    const S = 1_732_500_000;
    // An epoch mark is store-wide (agent `*`): it revokes tokens of any agent.
    const mark = (at: number) => entry({ kind, agent: kind === 'epoch' ? '*' : 'agent-a', at });
    const revoked = (at: number, iat: number) => {
      const list = new RevocationList({ graceSeconds: 0 });
      list.apply(mark(at));
      return list.revokedBy({ ...token, jti: 'other', iat });
    };

    it('revokes a token issued in the mark second or before it, never one after', () => {
      for (const at of [S * 1000, S * 1000 + 1, S * 1000 + 500, S * 1000 + 999]) {
        expect(revoked(at, S - 1)).toBe(kind);
        expect(revoked(at, S)).toBe(kind);
        expect(revoked(at, S + 1)).toBeUndefined();
      }
    });

    it('takes the mark second as floor(at / 1000): the ms just before a second belongs to the one before', () => {
      expect(revoked(S * 1000 - 1, S - 1)).toBe(kind);
      expect(revoked(S * 1000 - 1, S)).toBeUndefined();
    });

    it('compares the issue second of an iat written with a fraction', () => {
      expect(revoked(S * 1000 + 200, S + 0.9)).toBe(kind);
      expect(revoked(S * 1000 + 200, S + 1.1)).toBeUndefined();
    });
  });

  it('revokes every agent before an epoch and is dropped once its tokens expired', () => {
    const list = new RevocationList({ graceSeconds: 5 });
    list.apply(entry({ kind: 'epoch', agent: '*', until: 1000 }));
    for (const sub of ['agent-a', 'agent-z', 'spiffe://x/y'])
      expect(list.revokedBy({ ...token, jti: 'x', sub })).toBe('epoch');
    expect(list.size).toBe(1);
    list.prune(1006);
    expect(list.size).toBe(0);
    expect(list.revokedBy(token)).toBeUndefined();
  });

  it('keeps the latest agent revocation when several arrive in any order', () => {
    const list = new RevocationList({ graceSeconds: 0 });
    list.apply(entry({ kind: 'agent', at: AT + 60_000 }));
    list.apply(entry({ kind: 'agent', at: AT }));
    expect(list.revokedBy({ ...token, jti: 'x', iat: Math.floor(AT / 1000) + 30 })).toBe('agent');
  });

  it('drops entries only after their tokens expired and the clock tolerance passed', () => {
    const list = new RevocationList({ graceSeconds: 5 });
    list.apply(entry({ kind: 'grant', jti: 'g1', until: 1000 }));
    list.apply(entry({ kind: 'task', task: 'T-9', until: 2000 }));
    list.prune(1005);
    expect(list.size).toBe(2);
    list.prune(1006);
    expect(list.size).toBe(1);
    expect(list.revokedBy(token)).toBeUndefined();
  });

  it('accepts only well-formed entries', () => {
    expect(parseRevocationEntry(entry({ kind: 'grant', jti: 'g1' }))).toBeDefined();
    expect(parseRevocationEntry({ ...entry({}), jti: undefined })).toBeUndefined();
    expect(parseRevocationEntry({ ...entry({ kind: 'task' }) })).toBeUndefined();
    expect(parseRevocationEntry({ ...entry({ kind: 'agent' }), until: '1' })).toBeUndefined();
    expect(parseRevocationEntry({ ...entry({}), kind: 'everything' })).toBeUndefined();
    expect(parseRevocationEntry(null)).toBeUndefined();
    expect(parseRevocationEntry(entry({ kind: 'epoch', agent: '*' }))).toMatchObject({
      kind: 'epoch',
    });
    expect(
      parseRevocationEntry(entry({ kind: 'grant', jti: 'g1', aud: 'https://tickets.example' })),
    ).toMatchObject({ aud: 'https://tickets.example' });
  });
});
