import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Verifier } from '@mandate/verifier';
import { mandateOf, requireMandate } from '@mandate/verifier/express';
import { eventually } from '../support/eventually.js';
import {
  startFakeRevocationFeed,
  feedVerifierOf,
  type FakeRevocationFeed,
} from '../support/fake-revocation-feed.js';

describe('requireMandate(): RFC 6750 answers from an Express API', () => {
  let broker: FakeRevocationFeed;
  let verifier: Verifier;
  let server: Server;
  let api: string;

  beforeAll(async () => {
    broker = await startFakeRevocationFeed({ heartbeatMs: 50 });
    verifier = await feedVerifierOf(broker);
    const app = express();
    app.get(
      '/tickets/:id',
      requireMandate({ verifier, scopes: ['tickets:read'], realm: 'tickets' }),
      (req, res) => {
        res.json({ ticket: req.params.id, agent: mandateOf(req).agentId });
      },
    );
    app.post(
      '/tickets/:id/comments',
      requireMandate({ verifier, scopes: ['tickets:write'] }),
      (_req, res) => {
        res.status(201).end();
      },
    );
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await verifier.close();
    await broker.close();
  });

  const call = (path: string, token?: string, method = 'GET') =>
    fetch(`${api}${path}`, {
      method,
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    });

  it('lets a live token with the scope through, with its claims on the request', async () => {
    const { token } = await broker.issue();
    const res = await call('/tickets/T-1', token);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      ticket: 'T-1',
      agent: 'spiffe://test.example/agent/triage',
    });
  });

  it('answers a request without a token 401 with a bare challenge', async () => {
    const res = await call('/tickets/T-1');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="tickets"');
  });

  it('answers an expired token 401 invalid_token', async () => {
    const { token } = await broker.issue({ expiresIn: -60 });
    const res = await call('/tickets/T-1', token);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer realm="tickets", error="invalid_token", error_description="the token has expired"',
    );
    expect(await res.json()).toEqual({
      error: 'invalid_token',
      error_description: 'the token has expired',
      code: 'ERR_TOKEN_EXPIRED',
    });
  });

  it('answers a revoked token 401 invalid_token', async () => {
    const issued = await broker.issue();
    broker.revoke({ kind: 'grant', agent: issued.sub, jti: issued.jti });
    await eventually(
      async () => (await call('/tickets/T-1', issued.token)).status === 401,
      'the revoked token is refused',
    );
    const res = await call('/tickets/T-1', issued.token);
    expect(res.headers.get('www-authenticate')).toMatch(
      /^Bearer realm="tickets", error="invalid_token"/,
    );
    expect(((await res.json()) as { code: string }).code).toBe('ERR_TOKEN_REVOKED');
  });

  it('answers a token without the scope 403 insufficient_scope naming the scope', async () => {
    const { token } = await broker.issue({ scope: 'tickets:read' });
    const res = await call('/tickets/T-1/comments', token, 'POST');
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer error="insufficient_scope", error_description="the token lacks the scope tickets:write", scope="tickets:write"',
    );
  });

  it('answers 400 invalid_request to a malformed Bearer header, 401 to garbage in a good one', async () => {
    const bad = await fetch(`${api}/tickets/T-1`, { headers: { authorization: 'Bearer a b' } });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('www-authenticate')).toContain('error="invalid_request"');
    const garbage = await call('/tickets/T-1', 'abc.def.ghi');
    expect(garbage.status).toBe(401);
    expect(garbage.headers.get('www-authenticate')).toContain('error="invalid_token"');
    const basic = await fetch(`${api}/tickets/T-1`, { headers: { authorization: 'Basic eDp5' } });
    expect(basic.status).toBe(401);
    expect(basic.headers.get('www-authenticate')).toBe('Bearer realm="tickets"');
  });

  it('answers 503 with Retry-After while the revocation feed is stale', async () => {
    const { token } = await broker.issue();
    broker.silence();
    await eventually(
      async () => (await call('/tickets/T-1', token)).status === 503,
      'the API fails closed',
    );
    const res = await call('/tickets/T-1', token);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.json()).toMatchObject({
      error: 'temporarily_unavailable',
      code: 'ERR_REVOCATION_STALE',
    });
    broker.unsilence();
    await eventually(async () => (await call('/tickets/T-1', token)).status === 200, 'recovered');
  });
});
