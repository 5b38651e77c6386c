import { createVerifier, type Verifier, type VerifierOptions } from '@mandate/verifier';
import { eventually, outcome } from '../support/eventually.js';
import {
  FAKE_AUDIENCE,
  startFakeRevocationFeed,
  feedVerifierOf,
  type FakeRevocationFeed,
} from '../support/fake-revocation-feed.js';
import { A, B, C, PERSON, grantOf, issueDelegated, nowSeconds } from './delegation-fixtures.js';

describe('verify() on delegated tokens: the chain, depth and allowed actors', () => {
  let broker: FakeRevocationFeed;
  const verifiers: Verifier[] = [];
  const verifierWith = (extra: Partial<VerifierOptions> = {}) => {
    const verifier = createVerifier({
      issuer: broker.issuer,
      brokerUrl: broker.url,
      audience: FAKE_AUDIENCE,
      revocation: { mode: 'none' },
      ...extra,
    });
    verifiers.push(verifier);
    return verifier;
  };
  beforeAll(async () => {
    broker = await startFakeRevocationFeed();
  });
  afterAll(async () => {
    await Promise.all(verifiers.map((v) => v.close()));
    await broker.close();
  });

  it('reads A -> B -> C: the original subject, the actors current first, depth, may_act and lineage', async () => {
    const a = grantOf(A, 'T-a');
    const b = grantOf(B, 'T-b');
    const { token, jti } = await issueDelegated(broker, {
      subject: A,
      actors: [C, B],
      lineage: [a, b],
      mayAct: ['spiffe://test.example/agent/reviewers/*'],
      task: 'T-c',
    });
    expect(await verifierWith().verify(token)).toMatchObject({
      agentId: C,
      clientId: C,
      subject: A,
      actors: [C, B],
      depth: 2,
      mayAct: ['spiffe://test.example/agent/reviewers/*'],
      lineage: [
        { agentId: A, taskId: 'T-a', grantId: a.jti, issuedAt: a.iat },
        { agentId: B, taskId: 'T-b', grantId: b.jti, issuedAt: b.iat },
      ],
      taskId: 'T-c',
      grantId: jti,
    });
  });

  it('reads an agent acting for a person: the person is the subject, the agent holds the grant', async () => {
    const { token } = await issueDelegated(broker, { subject: PERSON, actors: [B] });
    expect(await verifierWith().verify(token)).toMatchObject({
      agentId: B,
      subject: PERSON,
      actors: [B],
      depth: 1,
      mayAct: undefined,
      lineage: [],
    });
  });

  it('reads a direct token as before: its agent is its subject, with no actors or lineage', async () => {
    const { token } = await broker.issue({ sub: A });
    expect(await verifierWith().verify(token)).toMatchObject({
      agentId: A,
      subject: A,
      actors: [],
      depth: 0,
      mayAct: undefined,
      lineage: [],
    });
  });

  it.each([
    ['"act" that is not an object', { act: 'spiffe://x' }],
    ['an actor without "sub"', { act: { sub: C, act: { client_id: B } } }],
    ['a current actor other than client_id', { client_id: B }],
    ['"lineage" that is not a list', { lineage: { client_id: A } }],
    ['a lineage grant without its jti', { lineage: [{ client_id: A, task: 'T-a', iat: 1 }] }],
    ['a lineage grant with a text iat', { lineage: [{ ...grantOf(A, 'T-a'), iat: 'soon' }] }],
    ['"may_act" without a list of ids', { may_act: { sub: [1] } }],
  ])('refuses a delegated token with %s as malformed', async (_what, claims) => {
    const { token } = await issueDelegated(broker, { subject: A, actors: [C, B], claims });
    expect(await outcome(verifierWith().verify(token))).toBe('ERR_TOKEN_MALFORMED');
  });

  it('refuses a chain deeper than maxDelegationDepth, naming both depths', async () => {
    const verifier = verifierWith({ maxDelegationDepth: 1 });
    const deep = await issueDelegated(broker, { subject: A, actors: [C, B] });
    const err = await verifier.verify(deep.token).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'ERR_DELEGATION_TOO_DEEP',
      status: 401,
      oauthError: 'invalid_token',
      message: 'the token was delegated 2 times; this API accepts at most 1',
    });
    const oneHop = await issueDelegated(broker, { subject: A, actors: [B] });
    expect(await outcome(verifier.verify(oneHop.token))).toBe('ok');
    expect(await outcome(verifier.verify((await broker.issue({ sub: A })).token))).toBe('ok');
  });

  it('accepts direct tokens only with maxDelegationDepth 0, and refuses a depth that is not a whole number', async () => {
    const verifier = verifierWith({ maxDelegationDepth: 0 });
    const oneHop = await issueDelegated(broker, { subject: A, actors: [B] });
    expect(await outcome(verifier.verify(oneHop.token))).toBe('ERR_DELEGATION_TOO_DEEP');
    expect(await outcome(verifier.verify((await broker.issue({ sub: A })).token))).toBe('ok');
    expect(() => verifierWith({ maxDelegationDepth: -1 })).toThrow(/maxDelegationDepth/);
    expect(() => verifierWith({ maxDelegationDepth: 1.5 })).toThrow(/maxDelegationDepth/);
  });

  it('accepts only the current actors allowedActors names, exactly or by a trailing /*', async () => {
    const verifier = verifierWith({
      allowedActors: [B, 'spiffe://test.example/agent/reviewers/*'],
    });
    const viaC = await issueDelegated(broker, { subject: A, actors: [C, B] });
    const viaB = await issueDelegated(broker, { subject: A, actors: [B] });
    expect(await outcome(verifier.verify(viaC.token))).toBe('ok');
    expect(await outcome(verifier.verify(viaB.token))).toBe('ok');

    const rogue = 'spiffe://test.example/agent/rogue';
    // The allowed B earlier in the chain does not make the current actor allowed.
    const viaRogue = await issueDelegated(broker, { subject: A, actors: [rogue, B] });
    expect(await verifier.verify(viaRogue.token).catch((e: unknown) => e)).toMatchObject({
      code: 'ERR_ACTOR_NOT_ALLOWED',
      status: 401,
      message: `the agent ${rogue} may not act on delegated tokens here`,
    });
    // `*` stands for one segment or more, never for none.
    const bare = await issueDelegated(broker, {
      subject: A,
      actors: ['spiffe://test.example/agent/reviewers'],
    });
    expect(await outcome(verifier.verify(bare.token))).toBe('ERR_ACTOR_NOT_ALLOWED');
    // A direct token has no actor: allowedActors leaves it alone.
    expect(await outcome(verifier.verify((await broker.issue({ sub: rogue })).token))).toBe('ok');
  });

  it('refuses at once an allowedActors pattern with a * anywhere but a final path segment', () => {
    for (const bad of ['spiffe://test.example/agent/rev*', 'spiffe://*/agent/x', '*', ''])
      expect(() => verifierWith({ allowedActors: [bad] })).toThrow(/allowedActors/);
  });
});

describe('verify() in feed mode refuses a delegated token once any grant of its chain is revoked', () => {
  let broker: FakeRevocationFeed;
  let verifier: Verifier;
  beforeEach(async () => {
    broker = await startFakeRevocationFeed({ heartbeatMs: 50 });
    verifier = await feedVerifierOf(broker);
  });
  afterEach(async () => {
    await verifier.close();
    await broker.close();
  });

  const refusedWith = (token: string, message: string) => async () => {
    const err = (await verifier.verify(token).catch((e: unknown) => e)) as
      { code?: string; message?: string } | undefined;
    return err?.code === 'ERR_TOKEN_REVOKED' && err.message === message;
  };

  /** C's token on A -> B -> C, and one on another chain that must stay live. */
  async function chains() {
    const a = grantOf(A, 'T-a');
    const b = grantOf(B, 'T-b');
    const c = await issueDelegated(broker, {
      subject: A,
      actors: [C, B],
      lineage: [a, b],
      task: 'T-c',
    });
    const other = await issueDelegated(broker, {
      subject: A,
      actors: [C, B],
      lineage: [grantOf(A, 'T-x'), grantOf(B, 'T-y')],
      task: 'T-z',
    });
    expect(await outcome(verifier.verify(c.token))).toBe('ok');
    return { a, b, c, other };
  }

  it("refuses C's token when A's grant (the root of its lineage) is revoked", async () => {
    const { a, c, other } = await chains();
    broker.revoke({ kind: 'grant', agent: A, jti: a.jti });
    await eventually(
      refusedWith(c.token, 'a grant earlier in its delegation chain was revoked'),
      "the chain from A's revoked grant is refused",
    );
    expect(await outcome(verifier.verify(other.token))).toBe('ok');
  });

  it("refuses C's token when B's task is revoked, not when a task of that id of another agent is", async () => {
    const { c } = await chains();
    broker.revoke({ kind: 'task', agent: A, task: 'T-b' });
    broker.revoke({ kind: 'task', agent: B, task: 'T-b' });
    await eventually(
      refusedWith(c.token, 'the task of a grant earlier in its delegation chain was revoked'),
      "the chain through B's task is refused",
    );
    const elsewhere = await issueDelegated(broker, {
      subject: A,
      actors: [C, B],
      lineage: [grantOf(A, 'T-a'), grantOf(C, 'T-b')],
    });
    // Task T-b of A and of B are revoked; T-b of C is another task.
    expect(await outcome(verifier.verify(elsewhere.token))).toBe('ok');
  });

  it('refuses a chain through an agent blocked after its grant was issued, not one granted later', async () => {
    const { c } = await chains();
    const entry = broker.revoke({ kind: 'agent', agent: B });
    await eventually(
      refusedWith(c.token, 'the agent of a grant earlier in its delegation chain was revoked'),
      'the chain through the blocked agent is refused',
    );
    const later = await issueDelegated(broker, {
      subject: A,
      actors: [C, B],
      lineage: [grantOf(A, 'T-a'), grantOf(B, 'T-b', Math.floor(entry.at / 1000) + 1)],
      iat: Math.floor(entry.at / 1000) + 1,
    });
    expect(await outcome(verifier.verify(later.token))).toBe('ok');
  });

  it('refuses a token whose ancestor was issued before the broker lost its state, though the token came after', async () => {
    const mark = nowSeconds();
    const entry = broker.revoke({ kind: 'epoch', agent: '*' });
    const after = Math.floor(entry.at / 1000) + 1;
    const token = await issueDelegated(broker, {
      subject: A,
      actors: [B],
      lineage: [grantOf(A, 'T-a', mark - 10)],
      iat: after,
    });
    await eventually(
      refusedWith(
        token.token,
        'a grant earlier in its delegation chain was issued before the broker lost its state',
      ),
      'the chain from before the epoch is refused',
    );
    const fresh = await issueDelegated(broker, {
      subject: A,
      actors: [B],
      lineage: [grantOf(A, 'T-a', after)],
      iat: after,
    });
    expect(await outcome(verifier.verify(fresh.token))).toBe('ok');
  });

  it('knows its own grant by client_id: a task revoked under the current actor kills it, under the subject does not', async () => {
    const { c } = await chains();
    broker.revoke({ kind: 'task', agent: A, task: 'T-c' });
    const marker = await broker.issue({ sub: A, task: 'T-c' });
    await eventually(
      async () => (await outcome(verifier.verify(marker.token))) === 'ERR_TOKEN_REVOKED',
      "A's task T-c is heard",
    );
    expect(await outcome(verifier.verify(c.token))).toBe('ok');

    broker.revoke({ kind: 'task', agent: C, task: 'T-c' });
    await eventually(
      refusedWith(c.token, "the token's task was revoked"),
      "C's own task is refused",
    );
  });
});
