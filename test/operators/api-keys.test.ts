import { ApiKeys, generateApiKey } from '../../src/operators/api-keys.js';
import { hasRole } from '../../src/operators/operator.js';

describe('operator API keys', () => {
  const alice = generateApiKey();
  const bob = generateApiKey();
  const keys = new ApiKeys([
    { name: 'alice', sha256: alice.sha256, roles: ['admin'] },
    { name: 'bob', sha256: bob.sha256, roles: ['revoker'] },
  ]);

  it('authenticates a key by its configured sha256 and names its holder', () => {
    expect(keys.authenticate(alice.key)?.name).toBe('alice');
    expect(keys.authenticate(bob.key)?.name).toBe('bob');
  });

  it('refuses an unknown key, a key differing by one character, and the sha256 itself', () => {
    expect(keys.authenticate(generateApiKey().key)).toBeUndefined();
    // the last character changed (to one it is not: a random key may end in x)
    const other = alice.key.endsWith('x') ? 'y' : 'x';
    expect(keys.authenticate(`${alice.key.slice(0, -1)}${other}`)).toBeUndefined();
    expect(keys.authenticate(alice.sha256)).toBeUndefined();
  });

  it('generates distinct prefixed keys', () => {
    expect(alice.key).toMatch(/^mdt_[A-Za-z0-9_-]{32}$/);
    expect(alice.key).not.toBe(bob.key);
  });

  it('lets admin act in every role and a revoker view and revoke but not approve', () => {
    const admin = keys.authenticate(alice.key)!;
    const revoker = keys.authenticate(bob.key)!;
    for (const role of ['viewer', 'approver', 'revoker', 'admin', 'resource_server'] as const) {
      expect(hasRole(admin, role)).toBe(true);
    }
    expect(hasRole(revoker, 'viewer')).toBe(true);
    expect(hasRole(revoker, 'revoker')).toBe(true);
    expect(hasRole(revoker, 'approver')).toBe(false);
    expect(hasRole(revoker, 'admin')).toBe(false);
  });
});
