import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { buildBroker } from '../../src/app/build-broker.js';
import { startServer, type RunningServer } from '../../src/app/start-server.js';
import { parseConfig } from '../../src/config/load-config.js';
import {
  startStaticHttpsServer,
  type StaticHttpsServer,
} from '../identity/support/static-https-server.js';
import { postExchange } from '../support/post-exchange.js';
import {
  EXAMPLE_POLICY_DIR,
  TEST_RESOURCES,
  quietLogger,
  collectLines,
} from '../support/test-broker.js';
import { createTestTrustDomain } from '../support/trust-domain.js';
import { ALLOW_READ } from './support/security-fixture.js';

// An OIDC issuer whose agent_id template is only `{sub}`: the config refuses it
// (test/identity/trust-config.test.ts), so the broker here is built from a config changed after
// validation, the way a template that slipped past the check would run. The rendered id is then
// refused at run time whenever it takes the spiffe: form of a SPIFFE agent.
describe('an OIDC agent cannot take a SPIFFE agent id', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mandate-oidc-id-'));
  let issuer: StaticHttpsServer | undefined;
  let running: RunningServer | undefined;
  let key: { kid: string; privateKey: CryptoKey };

  beforeAll(async () => {
    const td = await createTestTrustDomain('test.example', dir);
    issuer = await startStaticHttpsServer();
    const pair = await generateKeyPair('ES256', { extractable: true });
    const jwk = await exportJWK(pair.publicKey);
    key = { kid: await calculateJwkThumbprint(jwk), privateKey: pair.privateKey };
    issuer.documents.set('/.well-known/openid-configuration', {
      issuer: issuer.url,
      jwks_uri: `${issuer.url}/jwks`,
    });
    issuer.documents.set('/jwks', { keys: [{ ...jwk, kid: key.kid, use: 'sig', alg: 'ES256' }] });
    const policies = join(dir, 'policies');
    cpSync(EXAMPLE_POLICY_DIR, policies, { recursive: true, filter: (f) => !f.endsWith('.cedar') });
    writeFileSync(join(policies, 'allow-read.cedar'), ALLOW_READ);
    const config = parseConfig(
      {
        server: { host: '127.0.0.1', port: 0 },
        issuer: 'http://mandate.test',
        trust: {
          spiffe: [{ trust_domain: td.trustDomain, bundle_file: td.bundleFile }],
          oidc: [{ issuer: issuer.url, ca_file: issuer.caFile, agent_id: 'oidc:{sub}' }],
        },
        resources: TEST_RESOURCES,
        policy: { dir: 'policies' },
      },
      join(dir, 'mandate.yaml'),
    );
    const tampered = {
      ...config,
      trust: {
        ...config.trust,
        oidc: config.trust.oidc.map((o) => ({ ...o, agent_id: '{sub}' })),
      },
    };
    const broker = await buildBroker(tampered, {
      logger: quietLogger,
      auditStdout: collectLines([]),
    });
    running = await startServer(broker, { host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await running?.close();
    await issuer?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const oidcToken = (sub: string) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iss: issuer!.url, sub, aud: 'mandate', iat: now, exp: now + 300 })
      .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'JWT' })
      .sign(key.privateKey);
  };

  it.each([
    'spiffe://test.example/agent/triage',
    'SPIFFE://test.example/agent/triage',
    'Spiffe:test.example',
  ])('refuses the exchange of a token whose sub renders the agent id %s', async (sub) => {
    const res = await postExchange(running!.url, await oidcToken(sub), {
      task_id: `T-${sub.length}-${sub.charCodeAt(0)}`,
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_request' });
    expect(res.body.error_description).toMatch(/agent id would take the spiffe: form/);
    expect(res.body).not.toHaveProperty('access_token');
  });

  it('still exchanges a token whose sub renders any other id', async () => {
    const res = await postExchange(running!.url, await oidcToken('ci-job-7'), { task_id: 'T-ok' });
    expect(res.status).toBe(200);
    expect(res.body).toHaveProperty('access_token');
  });
});
