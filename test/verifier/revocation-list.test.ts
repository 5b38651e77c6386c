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
  });
});
