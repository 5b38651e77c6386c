import { createVerifier, type Verifier } from '@mandate/verifier';
import { outcome } from '../support/eventually.js';
import { startTestBroker, type TestBroker } from '../support/test-broker.js';

// Tokens minted by the real broker, checked by the verifier against the broker's served JWKS.
// Revocation is 'none' here: the broker's feed is exercised through the revocation loop.
describe('verify() on tokens from the real broker', () => {
  let t: TestBroker;
  let verifier: Verifier;
  beforeAll(async () => {
    t = await startTestBroker();
    verifier = createVerifier({
      issuer: 'http://mandate.test',
      brokerUrl: t.url,
      audience: 'https://tickets.example',
      revocation: { mode: 'none' },
    });
  });
  afterAll(async () => {
    await verifier.close();
    await t.close();
  });

  it('accepts an exchanged token and reads its agent, task, scopes, tier and targets', async () => {
    const res = await t.exchange({ scope: 'tickets:read tickets:write', task_id: 'T-42' });
    expect(res.status).toBe(200);
    const token = await verifier.verify(res.body.access_token as string, {
      scopes: ['tickets:write'],
    });
    expect(token).toMatchObject({
      agentId: 'spiffe://test.example/agent/triage',
      taskId: 'T-42',
      grantId: res.body.grant_id,
      scopes: ['tickets:read', 'tickets:write'],
      tier: 'write',
      targets: ['T-1'],
    });
  });

  it('refuses an SVID offered as an access token, and a broker token for another API', async () => {
    const svid = await t.td.svid({ path: '/agent/triage' });
    expect(await outcome(verifier.verify(svid))).toBe('ERR_TOKEN_SIGNATURE');
    const elsewhere = createVerifier({
      issuer: 'http://mandate.test',
      brokerUrl: t.url,
      audience: 'https://payroll.example',
      revocation: { mode: 'none' },
    });
    const res = await t.exchange();
    expect(await outcome(elsewhere.verify(res.body.access_token as string))).toBe(
      'ERR_TOKEN_AUDIENCE',
    );
    await elsewhere.close();
  });
});
