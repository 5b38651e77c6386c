import { OAuth2Server } from 'oauth2-mock-server';
import type { Clock } from '../../src/platform/clock.js';
import { startTestBroker, type TestBroker } from '../support/test-broker.js';
import { ALLOW_READ } from '../security/support/security-fixture.js';
import { createSelfSignedCert } from './support/self-signed-cert.js';

// A real, independent OIDC issuer (oauth2-mock-server) on loopback over HTTPS: discovery, JWKS,
// RS256/ES256 tokens, and a key rotation while the broker runs.
describe('OIDC subject tokens from a real issuer', () => {
  let issuer: OAuth2Server;
  let t: TestBroker;
  let skewMs = 0;
  const clock: Clock = { now: () => Date.now() + skewMs };

  beforeAll(async () => {
    const tls = createSelfSignedCert();
    issuer = new OAuth2Server(tls.keyFile, tls.certFile);
    await issuer.issuer.keys.generate('RS256', { kid: 'rs-1' });
    await issuer.start(0, '127.0.0.1');
    issuer.issuer.url = `https://127.0.0.1:${issuer.address().port}`;
    t = await startTestBroker({
      policies: { 'allow-read.cedar': ALLOW_READ },
      deps: { clock },
      config: {
        trust: {
          oidc: [
            {
              issuer: issuer.issuer.url,
              ca_file: tls.certFile,
              audiences: ['mandate'],
              // Kubernetes service-account token claims.
              claims: {
                'kubernetes.io/namespace': 'agents',
                'kubernetes.io/serviceaccount/name': { glob: 'triage-*' },
              },
              agent_id: 'k8s:{kubernetes.io/namespace}/{kubernetes.io/serviceaccount/name}',
            },
          ],
        },
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await issuer.stop();
  });

  const token = (opts: { kid?: string; namespace?: string; sa?: string; aud?: string } = {}) =>
    issuer.issuer.buildToken({
      kid: opts.kid ?? 'rs-1',
      expiresIn: 600,
      scopesOrTransform: (_header, payload) => {
        payload.sub = `system:serviceaccount:${opts.namespace ?? 'agents'}:${opts.sa ?? 'triage-bot'}`;
        payload.aud = opts.aud ?? 'mandate';
        payload['kubernetes.io'] = {
          namespace: opts.namespace ?? 'agents',
          serviceaccount: { name: opts.sa ?? 'triage-bot', uid: 'a6c1-42' },
        };
      },
    });

  it('exchanges an issuer token found through discovery and names the agent by template', async () => {
    const res = await t.exchange({ subject_token: await token(), task_id: 'K-1' });
    expect(res.body.error_description).toBeUndefined();
    expect(res.status).toBe(200);
    const task = await t.broker.store.getTask('k8s:agents/triage-bot', 'K-1');
    expect(task?.status).toBe('active');
  });

  it('refuses a token whose claims miss the issuer conditions', async () => {
    for (const opts of [{ namespace: 'default' }, { sa: 'deployer' }]) {
      const res = await t.exchange({ subject_token: await token(opts) });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
      expect(res.body.error_description).toMatch(/does not meet the issuer's conditions/);
    }
  });

  it('refuses a token for another audience', async () => {
    const res = await t.exchange({ subject_token: await token({ aud: 'kubernetes' }) });
    expect(res.status).toBe(400);
    expect(res.body.error_description).toMatch(/wrong audience/);
  });

  it('follows a key rotation at the issuer, refetching at most once per cooldown', async () => {
    await issuer.issuer.keys.generate('ES256', { kid: 'es-2' });
    const rotated = await token({ kid: 'es-2' });
    // Keys were fetched moments ago: an unknown kid does not trigger another fetch yet.
    const early = await t.exchange({ subject_token: rotated });
    expect(early.status).toBe(400);
    expect(early.body.error_description).toMatch(/no trusted key matches kid/);

    skewMs = 31_000; // past the 30 s cooldown
    const later = await t.exchange({ subject_token: await token({ kid: 'es-2' }) });
    expect(later.body.error_description).toBeUndefined();
    expect(later.status).toBe(200);
    // The old key is still published, so its tokens still verify.
    expect((await t.exchange({ subject_token: await token() })).status).toBe(200);
  });

  it('counts verifications by source and outcome', async () => {
    const text = await t.broker.metrics.registry.metrics();
    expect(text).toMatch(
      /mandate_subject_verifications_total\{source="oidc",outcome="verified"\} [1-9]/,
    );
    expect(text).toMatch(
      /mandate_subject_verifications_total\{source="oidc",outcome="claim_condition_failed"\} 2/,
    );
  });
});
