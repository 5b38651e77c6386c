import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTicketsApi, type RunningApi } from '../../examples/downstream-api/server.js';
import { buildBroker } from '../../src/app/build-broker.js';
import { startServer, type RunningServer } from '../../src/app/start-server.js';
import { parseConfig } from '../../src/config/load-config.js';
import { createVerifier } from '@mandate/verifier';
import { eventually, outcome } from '../support/eventually.js';
import { postExchange } from '../support/post-exchange.js';
import {
  EXAMPLE_POLICY_DIR,
  TEST_RESOURCES,
  quietLogger,
  collectLines,
} from '../support/test-broker.js';
import { createTestTrustDomain, type TestTrustDomain } from '../support/trust-domain.js';
import { OPERATORS_CONFIG, OPERATOR_KEYS } from './redis-broker.js';

// With `admin.listen`, the broker serves the operator API, the revocation feed included, only
// on its operator listener; JWKS and introspection stay on the public one. The verifier's
// `feedUrl` points the feed there.
describe('a verifier following the feed of a broker with an operator listener', () => {
  let dir: string;
  let td: TestTrustDomain;
  let running: RunningServer;
  let api: RunningApi;
  const issuer = 'http://mandate.test';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mandate-admin-feed-'));
    td = await createTestTrustDomain('test.example', dir);
    const raw = {
      issuer,
      server: { host: '127.0.0.1', port: 0 },
      admin: { listen: { host: '127.0.0.1', port: 0 } },
      trust: {
        spiffe: [
          { trust_domain: td.trustDomain, bundle_file: td.bundleFile, audiences: ['mandate'] },
        ],
      },
      resources: TEST_RESOURCES,
      policy: { dir: EXAMPLE_POLICY_DIR },
      operators: OPERATORS_CONFIG,
    };
    const broker = await buildBroker(parseConfig(raw, join(dir, 'mandate.yaml')), {
      logger: quietLogger,
      auditStdout: collectLines([]),
    });
    running = await startServer(broker, { host: '127.0.0.1', port: 0 });
    api = await startTicketsApi({
      issuer,
      brokerUrl: running.url,
      feedUrl: running.adminUrl!,
      apiKey: OPERATOR_KEYS.resource_server.key,
    });
  });
  afterAll(async () => {
    await api.close();
    await running.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const exchange = async () => {
    const res = await postExchange(running.url, await td.svid({ path: '/agent/triage' }));
    expect(res.status).toBe(200);
    return res.body as { access_token: string; task_id: string };
  };
  const get = async (token: string) =>
    (await fetch(`${api.url}/tickets/T-1`, { headers: { authorization: `Bearer ${token}` } }))
      .status;

  it('hears a revocation made on the operator listener and refuses the token', async () => {
    const { access_token: token, task_id: task } = await exchange();
    expect(await get(token)).toBe(200);
    const agent = encodeURIComponent(`spiffe://${td.trustDomain}/agent/triage`);
    const revoked = await fetch(`${running.adminUrl!}/v1/tasks/${task}/revoke?agent=${agent}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${OPERATOR_KEYS.revoker.key}` },
    });
    expect(revoked.status).toBe(200);
    await eventually(async () => (await get(token)) === 401, 'the API refuses the task');
  });

  it('without feedUrl the feed is not found on the public listener, so it fails closed', async () => {
    const { access_token: token } = await exchange();
    const verifier = createVerifier({
      issuer,
      brokerUrl: running.url,
      audience: 'https://tickets.example',
      revocation: { mode: 'feed', apiKey: OPERATOR_KEYS.resource_server.key, onError: () => {} },
    });
    try {
      expect(await outcome(verifier.verify(token))).toBe('ERR_REVOCATION_STALE');
    } finally {
      await verifier.close();
    }
  });
});
