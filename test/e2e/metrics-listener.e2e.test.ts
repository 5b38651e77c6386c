import { checkedFetch } from '../support/openapi-contract.js';
import { startTestBroker, type TestBroker } from '../support/test-broker.js';

const LOOPBACK = { host: '127.0.0.1', port: 0 };

/** The status of `GET /metrics` at `base`; a served scrape is checked against openapi.yaml. */
async function metricsStatus(base: string): Promise<number> {
  const res = await fetch(`${base}/metrics`);
  if (res.status !== 200) return res.status;
  return (await checkedFetch(`${base}/metrics`)).status;
}

// Finding: with `admin.listen` set, /metrics stayed on the public listener too.
describe('where /metrics is served', () => {
  const brokers: TestBroker[] = [];
  const start = async (admin?: Record<string, unknown>) => {
    const t = await startTestBroker(admin ? { config: { admin } } : {});
    brokers.push(t);
    return t;
  };
  afterAll(() => Promise.all(brokers.map((t) => t.close())));

  it('follows the operator API to admin.listen', async () => {
    const t = await start({ listen: LOOPBACK });
    expect(await metricsStatus(t.running.adminUrl!)).toBe(200);
    expect(await metricsStatus(t.url)).toBe(404);
  });

  it('stays on the public listener when there is no other', async () => {
    const t = await start();
    expect(await metricsStatus(t.url)).toBe(200);
  });

  it('is served nowhere with admin.metrics: false', async () => {
    const alone = await start({ metrics: false });
    expect(await metricsStatus(alone.url)).toBe(404);
    const withListener = await start({ listen: LOOPBACK, metrics: false });
    expect(await metricsStatus(withListener.running.adminUrl!)).toBe(404);
    expect(await metricsStatus(withListener.url)).toBe(404);
    expect((await fetch(`${withListener.running.adminUrl!}/readyz`)).status).toBe(200);
  });
});
