import { TokenIntrospection } from '../../src/introspection/introspect-token.js';
import { AGENT, fixedClock, memoryGrantStore, recordGrant } from '../support/memory-grants.js';
import { ownTokens, type OwnTokens } from '../support/own-tokens.js';

describe('TokenIntrospection (RFC 7662)', () => {
  const clock = fixedClock();
  let tokens: OwnTokens;
  let store: ReturnType<typeof memoryGrantStore>;
  let introspection: TokenIntrospection;
  beforeAll(async () => {
    tokens = await ownTokens(clock);
  });
  beforeEach(() => {
    store = memoryGrantStore(clock);
    introspection = new TokenIntrospection({ verifier: tokens.verifier, store });
  });

  it('answers active with the claims while the grant is live, inactive once revoked', async () => {
    const grant = await recordGrant(store, clock);
    const token = await tokens.mint(grant);
    expect(await introspection.introspect(token)).toMatchObject({
      active: true,
      token_type: 'Bearer',
      sub: AGENT,
      jti: grant.jti,
      task_id: 'T-1',
      scope: 'tickets:read',
    });
    await store.revokeGrant(AGENT, grant.jti, 'test');
    expect(await introspection.introspect(token)).toEqual({ active: false });
  });

  it('answers inactive for a token of another task than its grant, or not ours', async () => {
    const grant = await recordGrant(store, clock);
    expect(await introspection.introspect(await tokens.mint({ ...grant, taskId: 'T-9' }))).toEqual({
      active: false,
    });
    const foreign = await (await ownTokens(clock)).mint(grant);
    expect(await introspection.introspect(foreign)).toEqual({ active: false });
  });

  it('lets a store failure through: unknown is never active', async () => {
    const grant = await recordGrant(store, clock);
    const failing = new TokenIntrospection({
      verifier: tokens.verifier,
      store: { getGrant: () => Promise.reject(new Error('store down')) },
    });
    await expect(failing.introspect(await tokens.mint(grant))).rejects.toThrow('store down');
  });
});
