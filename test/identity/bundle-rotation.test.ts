import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestTrustDomain, type TestTrustDomain } from '../support/trust-domain.js';
import { startTestBroker, type TestBroker } from '../support/test-broker.js';
import { startStaticHttpsServer, type StaticHttpsServer } from './support/static-https-server.js';

/** Exchanges SVIDs of `signer` until one is granted, or gives up after `tries`. */
async function untilGranted(t: TestBroker, signer: TestTrustDomain, tries = 200): Promise<number> {
  for (let i = 0; i < tries; i++) {
    const res = await t.exchange({
      subject_token: await signer.svid({ sub: 'spiffe://test.example/agent/triage' }),
    });
    if (res.status === 200) return i;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the new bundle was never picked up');
}

const bundleOf = (td: TestTrustDomain, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ keys: [{ ...td.publicJwk, kid: td.kid, use: 'jwt-svid' }], ...extra });

describe('a trust bundle file rotated under a running broker', () => {
  let t: TestBroker;
  beforeAll(async () => {
    t = await startTestBroker();
  });
  afterAll(() => t.close());

  it('refuses the old key and accepts the new one, without a restart', async () => {
    const next = await createTestTrustDomain('test.example');
    const old = (await t.exchange({ subject_token: await next.svid({ path: '/agent/triage' }) }))
      .status;
    expect(old).toBe(400); // the new key is not trusted yet
    expect((await t.exchange()).status).toBe(200);

    // Written beside and renamed over, as config management and Kubernetes do.
    const staged = join(t.dir, 'bundle.next');
    writeFileSync(staged, bundleOf(next, { spiffe_sequence: 2 }));
    renameSync(staged, t.td.bundleFile);
    await untilGranted(t, next);

    const stale = await t.exchange({ subject_token: await t.td.svid({ path: '/agent/triage' }) });
    expect(stale.status).toBe(400);
    expect(stale.body.error_description).toMatch(/no trusted key matches kid/);
  });

  it('refuses an SVID it granted before once its key leaves the bundle (verified tokens are forgotten)', async () => {
    const current = await createTestTrustDomain('test.example');
    writeFileSync(t.td.bundleFile, bundleOf(current));
    await untilGranted(t, current);
    // The same token twice: the second use is served from the verified-token cache.
    const svid = await current.svid({ path: '/agent/triage' });
    expect((await t.exchange({ subject_token: svid })).status).toBe(200);
    expect((await t.exchange({ subject_token: svid })).status).toBe(200);

    const next = await createTestTrustDomain('test.example');
    writeFileSync(t.td.bundleFile, bundleOf(next, { spiffe_sequence: 3 }));
    await untilGranted(t, next);
    const again = await t.exchange({ subject_token: svid });
    expect(again.status).toBe(400);
    expect(again.body.error_description).toMatch(/no trusted key matches kid/);
  });

  it('keeps the last good bundle when the file is rewritten broken', async () => {
    const current = await createTestTrustDomain('test.example');
    writeFileSync(t.td.bundleFile, bundleOf(current));
    await untilGranted(t, current);
    const failuresBefore = await failures(t);
    writeFileSync(t.td.bundleFile, '{"keys": [ half written');
    // Until the broken file has been seen, and after: the last good bundle holds.
    for (let i = 0; i < 200 && (await failures(t)) === failuresBefore; i++)
      await new Promise((r) => setTimeout(r, 25));
    expect(await failures(t)).toBeGreaterThan(failuresBefore);
    const res = await t.exchange({ subject_token: await current.svid({ path: '/agent/triage' }) });
    expect(res.status).toBe(200);
  });
});

async function failures(t: TestBroker): Promise<number> {
  const m = await t.broker.metrics.keySetRefreshFailures.get();
  return m.values.reduce((sum, v) => sum + v.value, 0);
}

describe('a trust bundle served by a SPIFFE bundle endpoint', () => {
  let endpoint: StaticHttpsServer;
  let t: TestBroker;
  let td: TestTrustDomain;
  beforeAll(async () => {
    endpoint = await startStaticHttpsServer();
    td = await createTestTrustDomain('edge.example');
    endpoint.documents.set('/bundle', bundleOf(td, { spiffe_sequence: 1, spiffe_refresh_hint: 1 }));
    t = await startTestBroker({
      config: {
        trust: {
          spiffe: [
            {
              trust_domain: 'edge.example',
              bundle_endpoint: { url: `${endpoint.url}/bundle`, ca_file: endpoint.caFile },
              audiences: ['mandate'],
            },
          ],
        },
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await endpoint.close();
  });

  const svid = (signer: TestTrustDomain) =>
    signer.svid({ sub: 'spiffe://edge.example/agent/triage' });

  it('accepts SVIDs signed by a key the endpoint serves, and is ready', async () => {
    expect((await t.exchange({ subject_token: await svid(td) })).status).toBe(200);
    expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
  });

  it('keeps the last good bundle while the endpoint fails or answers too much', async () => {
    const before = await failures(t);
    endpoint.documents.set('/bundle', JSON.stringify({ keys: [], pad: 'x'.repeat(100 * 1024) }));
    for (let i = 0; i < 200 && (await failures(t)) === before; i++)
      await new Promise((r) => setTimeout(r, 25));
    expect(await failures(t)).toBeGreaterThan(before);
    expect((await t.exchange({ subject_token: await svid(td) })).status).toBe(200);
  });

  it('picks up a rotated bundle at the refresh hint', async () => {
    const next = await createTestTrustDomain('edge.example');
    endpoint.documents.set(
      '/bundle',
      bundleOf(next, { spiffe_sequence: 2, spiffe_refresh_hint: 1 }),
    );
    for (let i = 0; i < 200; i++) {
      if ((await t.exchange({ subject_token: await svid(next) })).status === 200) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await t.exchange({ subject_token: await svid(next) })).status).toBe(200);
    expect((await t.exchange({ subject_token: await svid(td) })).status).toBe(400);
  });
});

describe('a bundle endpoint not reached since start', () => {
  it('keeps the broker not ready, naming the trust domain, and refuses its SVIDs', async () => {
    const endpoint = await startStaticHttpsServer(); // serves nothing at /bundle yet: 404
    const td = await createTestTrustDomain('late.example');
    const t = await startTestBroker({
      config: {
        trust: {
          spiffe: [
            {
              trust_domain: 'late.example',
              bundle_endpoint: { url: `${endpoint.url}/bundle`, ca_file: endpoint.caFile },
              audiences: ['mandate'],
            },
          ],
        },
      },
    });
    try {
      const ready = await fetch(`${t.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({
        status: 'unavailable',
        reason: 'no trust bundle yet for late.example',
      });
      const res = await t.exchange({
        subject_token: await td.svid({ sub: 'spiffe://late.example/agent/triage' }),
      });
      expect({ status: res.status, error: res.body.error }).toEqual({
        status: 400,
        error: 'invalid_request',
      });
    } finally {
      await t.close();
      await endpoint.close();
    }
  });
});
