import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createVerifier, type RevocationOptions, type Verifier } from '@mandate/verifier';
import { eventually, outcome } from '../support/eventually.js';
import {
  FAKE_AUDIENCE,
  startFakeRevocationFeed,
  type FakeRevocationFeed,
} from '../support/fake-revocation-feed.js';

/** Heartbeats every 50 ms, so a 300 ms staleness bound is several missed heartbeats. */
const HEARTBEAT_MS = 50;
const MAX_STALENESS_S = 0.3;

describe('verify() in feed mode, against a broker feed over HTTP', () => {
  let broker: FakeRevocationFeed;
  const verifiers: Verifier[] = [];

  async function feedVerifier(extra: Partial<Extract<RevocationOptions, { mode: 'feed' }>> = {}) {
    const verifier = createVerifier({
      issuer: broker.issuer,
      brokerUrl: broker.url,
      audience: FAKE_AUDIENCE,
      revocation: {
        mode: 'feed',
        apiKey: broker.apiKey,
        maxStaleness: MAX_STALENESS_S,
        ...extra,
      },
    });
    verifiers.push(verifier);
    await verifier.ready();
    return verifier;
  }

  beforeEach(async () => {
    broker = await startFakeRevocationFeed({ heartbeatMs: HEARTBEAT_MS });
  });
  afterEach(async () => {
    await Promise.all(verifiers.splice(0).map((v) => v.close()));
    await broker.close();
  });

  const refused =
    (verifier: Verifier, token: string, code = 'ERR_TOKEN_REVOKED') =>
    () =>
      outcome(verifier.verify(token)).then((c) => c === code);

  it('refuses a token once its grant (jti) is revoked, and only that token', async () => {
    const verifier = await feedVerifier();
    const a = await broker.issue({ task: 'T-1' });
    const b = await broker.issue({ task: 'T-1' });
    expect(await outcome(verifier.verify(a.token))).toBe('ok');

    broker.revoke({ kind: 'grant', agent: a.sub, jti: a.jti });

    await eventually(refused(verifier, a.token), 'the revoked grant is refused');
    expect(await outcome(verifier.verify(b.token))).toBe('ok');
  });

  it('refuses every token of a revoked task of that agent, not the same task id of another agent', async () => {
    const verifier = await feedVerifier();
    const one = await broker.issue({ task: 'T-7', scope: 'tickets:read' });
    const two = await broker.issue({ task: 'T-7', scope: 'tickets:write' });
    const other = await broker.issue({ task: 'T-7', sub: 'spiffe://test.example/agent/other' });
    const otherTask = await broker.issue({ task: 'T-8' });

    broker.revoke({ kind: 'task', agent: one.sub, task: 'T-7' });

    await eventually(refused(verifier, one.token), 'the task is refused');
    expect(await outcome(verifier.verify(two.token))).toBe('ERR_TOKEN_REVOKED');
    expect(await outcome(verifier.verify(other.token))).toBe('ok');
    expect(await outcome(verifier.verify(otherTask.token))).toBe('ok');
  });

  it('refuses tokens of a revoked agent issued at or before the revocation, not later ones', async () => {
    const verifier = await feedVerifier();
    const before = await broker.issue({ task: 'T-1' });
    const entry = broker.revoke({ kind: 'agent', agent: before.sub });
    const after = await broker.issue({ task: 'T-2', iat: Math.floor(entry.at / 1000) + 1 });

    await eventually(refused(verifier, before.token), 'the agent is refused');
    expect(await outcome(verifier.verify(after.token))).toBe('ok');
  });

  it('catches up on revocations made before it started', async () => {
    const early = await broker.issue();
    broker.revoke({ kind: 'grant', agent: early.sub, jti: early.jti });
    const verifier = await feedVerifier();
    expect(await outcome(verifier.verify(early.token))).toBe('ERR_TOKEN_REVOKED');
  });

  it('resumes after a broker restart from the last event it saw, catching up on what it missed', async () => {
    const verifier = await feedVerifier();
    const first = await broker.issue();
    const entry = broker.revoke({ kind: 'grant', agent: first.sub, jti: first.jti });
    await eventually(refused(verifier, first.token), 'the first revocation is seen');

    await broker.stop();
    const missed = await broker.issue();
    const missedEntry = broker.revoke({ kind: 'grant', agent: missed.sub, jti: missed.jti });
    await eventually(
      refused(verifier, missed.token, 'ERR_REVOCATION_STALE'),
      'the verifier fails closed while the broker is down',
    );
    await broker.start();

    await eventually(refused(verifier, missed.token), 'the missed revocation is honoured');
    // On the wire: it streamed from the last entry it had, and polled what followed it until a
    // page came back empty.
    await eventually(
      () => broker.pollCursors.at(-1) === missedEntry.id,
      'the catch-up asks for one more page',
    );
    expect(broker.streamResumes.at(-1)).toBe(entry.id);
    expect(broker.pollCursors.slice(-2)).toEqual([entry.id, missedEntry.id]);
    expect(verifier.status().cursor).toBe(missedEntry.id);
    expect(await outcome(verifier.verify((await broker.issue()).token))).toBe('ok');
  });

  it('fails closed once the feed is silent longer than maxStaleness, and recovers when it speaks', async () => {
    const verifier = await feedVerifier();
    const { token } = await broker.issue();
    expect(await outcome(verifier.verify(token))).toBe('ok');

    broker.silence();
    await eventually(refused(verifier, token, 'ERR_REVOCATION_STALE'), 'fail closed');
    expect(verifier.status()).toMatchObject({ mode: 'feed', fresh: false });

    broker.unsilence();
    await eventually(refused(verifier, token, 'ok'), 'accepting again');
  });

  it('falls back to introspection while the feed is silent, if configured', async () => {
    const verifier = await feedVerifier({ onStale: 'introspect', introspectionCacheTtl: 0 });
    const live = await broker.issue();
    const doomed = await broker.issue();

    broker.silence();
    await eventually(() => !verifier.status().fresh, 'the feed is stale');
    broker.revoke({ kind: 'grant', agent: doomed.sub, jti: doomed.jti });

    expect(await outcome(verifier.verify(live.token))).toBe('ok');
    expect(await outcome(verifier.verify(doomed.token))).toBe('ERR_TOKEN_REVOKED');
  });

  it('refuses every token until its first catch-up with the broker', async () => {
    broker.silence();
    const verifier = createVerifier({
      issuer: broker.issuer,
      brokerUrl: broker.url,
      audience: FAKE_AUDIENCE,
      revocation: { mode: 'feed', apiKey: broker.apiKey },
    });
    verifiers.push(verifier);
    const { token } = await broker.issue();
    expect(await outcome(verifier.verify(token))).toBe('ERR_REVOCATION_STALE');

    broker.unsilence();
    await verifier.ready();
    expect(await outcome(verifier.verify(token))).toBe('ok');
  });

  it('never trusts a feed it cannot authenticate to', async () => {
    const verifier = createVerifier({
      issuer: broker.issuer,
      brokerUrl: broker.url,
      audience: FAKE_AUDIENCE,
      revocation: { mode: 'feed', apiKey: 'mdt_wrong', onError: () => undefined },
    });
    verifiers.push(verifier);
    const { token } = await broker.issue();
    expect(await outcome(verifier.verify(token))).toBe('ERR_REVOCATION_STALE');
  });
});

// A broker answering for a key limited to audiences: its first page was emptied by the filter
// (entries of other audiences), yet its cursor moved; the entry for this API comes after it.
describe('catching up on a feed filtered to the key audiences', () => {
  it('asks again while the cursor moves, even after an empty page', async () => {
    const entry = {
      id: '2000-0',
      kind: 'agent',
      agent: 'spiffe://test.example/agent/triage',
      at: 2000,
      until: 4_000_000_000,
      reason: 'revoked by an operator',
    };
    const pages: Record<string, { revocations: unknown[]; cursor: string }> = {
      '': { revocations: [], cursor: '1000-5' },
      '1000-5': { revocations: [entry], cursor: entry.id },
      [entry.id]: { revocations: [], cursor: entry.id },
    };
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/v1/revocations') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(pages[url.searchParams.get('since') ?? '']));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': heartbeat\n\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const verifier = createVerifier({
      issuer: url,
      audience: FAKE_AUDIENCE,
      revocation: { mode: 'feed', apiKey: 'mdt_test', maxStaleness: 30 },
    });
    try {
      await verifier.ready();
      expect(verifier.status()).toMatchObject({ cursor: entry.id, held: 1 });
    } finally {
      await verifier.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
