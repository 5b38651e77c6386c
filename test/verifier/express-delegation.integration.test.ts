import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Verifier } from '@mandate/verifier';
import {
  mandateOf,
  requireMandate,
  requireTransactionToken,
  transactionOf,
} from '@mandate/verifier/express';
import { eventually } from '../support/eventually.js';
import {
  startFakeRevocationFeed,
  feedVerifierOf,
  type FakeRevocationFeed,
} from '../support/fake-revocation-feed.js';
import { A, B, C, grantOf, issueDelegated, issueTxn } from './delegation-fixtures.js';

// The edge API of a trust domain reads the delegation chain of the agent's bearer token; the
// ledger service behind it takes only the transaction token passed to it in `Txn-Token`.
describe('Express: delegation chains and the Txn-Token header', () => {
  let broker: FakeRevocationFeed;
  let verifier: Verifier;
  let server: Server;
  let api: string;

  beforeAll(async () => {
    broker = await startFakeRevocationFeed({ heartbeatMs: 50 });
    verifier = await feedVerifierOf(broker, { maxDelegationDepth: 2 });
    const app = express();
    app.get('/tickets/:id', requireMandate({ verifier, scopes: ['tickets:read'] }), (req, res) => {
      const { agentId, subject, actors, depth, lineage } = mandateOf(req);
      res.json({ agentId, subject, actors, depth, lineage: lineage.map((g) => g.grantId) });
    });
    app.post(
      '/ledger/entries',
      requireTransactionToken({ verifier, scopes: ['tickets:read'], realm: 'ledger' }),
      (req, res) => {
        const { txn, subject, purpose, context, requestContext } = transactionOf(req);
        res.status(201).json({ txn, subject, purpose, tctx: context, rctx: requestContext });
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

  const ledger = (txnToken?: string) =>
    fetch(`${api}/ledger/entries`, {
      method: 'POST',
      headers: txnToken === undefined ? {} : { 'txn-token': txnToken },
    });

  it('hands the chain of a delegated token to the handler', async () => {
    const a = grantOf(A, 'T-a');
    const b = grantOf(B, 'T-b');
    const { token } = await issueDelegated(broker, { subject: A, actors: [C, B], lineage: [a, b] });
    const res = await fetch(`${api}/tickets/T-1`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      agentId: C,
      subject: A,
      actors: [C, B],
      depth: 2,
      lineage: [a.jti, b.jti],
    });
  });

  it('answers a chain deeper than the API accepts 401 invalid_token, naming the limit', async () => {
    const { token } = await issueDelegated(broker, {
      subject: A,
      actors: ['spiffe://test.example/agent/d', C, B],
    });
    const res = await fetch(`${api}/tickets/T-1`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer error="invalid_token", error_description="the token was delegated 3 times; this API accepts at most 2"',
    );
    expect(((await res.json()) as { code: string }).code).toBe('ERR_DELEGATION_TOO_DEEP');
  });

  it('lets a live transaction token through, with its tctx and rctx on the request', async () => {
    const { token, txn, tctx } = await issueTxn(broker, {
      grant: grantOf(B, 'T-b'),
      chain: [A, B],
    });
    const res = await ledger(token);
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({
      txn,
      subject: A,
      purpose: 'summarize ticket T-1',
      tctx,
      rctx: { req_ip: '10.0.0.7' },
    });
  });

  it('answers a request without Txn-Token 401 invalid_request', async () => {
    const res = await ledger();
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      'Txn-Token realm="ledger", error="invalid_request", error_description="a Txn-Token header is required"',
    );
    expect(await res.json()).toEqual({
      error: 'invalid_request',
      error_description: 'a Txn-Token header is required',
      code: 'ERR_TXN_TOKEN_MISSING',
    });
  });

  it('answers an access token sent as Txn-Token 401 invalid_token, and a header that is not one JWT 400', async () => {
    const access = await broker.issue({ sub: A });
    const res = await ledger(access.token);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({
      error: 'invalid_token',
      error_description: 'the token is not of type txntoken+jwt',
      code: 'ERR_TOKEN_TYPE',
    });
    const two = await ledger(`${access.token}, ${access.token}`);
    expect(two.status).toBe(400);
    expect(await two.json()).toMatchObject({ code: 'ERR_REQUEST_MALFORMED' });
  });

  it('answers 401 once the grant the transaction token is bound to is revoked', async () => {
    const bound = grantOf(B, 'T-b');
    const { token } = await issueTxn(broker, { grant: bound, chain: [A, B] });
    expect((await ledger(token)).status).toBe(201);
    broker.revoke({ kind: 'grant', agent: B, jti: bound.jti });
    await eventually(async () => (await ledger(token)).status === 401, 'the ledger refuses it');
    expect(await (await ledger(token)).json()).toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
  });
});
