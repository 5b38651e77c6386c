import { parseConfig } from '../../src/config/load-config.js';
import { planWorkers } from '../../src/cli/worker-count.js';

const BASE = {
  issuer: 'https://mandate.example',
  resources: {
    tickets: { audience: 'https://tickets.example', scopes: { 'tickets:read': 'read' } },
  },
  policy: { dir: 'policies' },
};
const SHARED = {
  ...BASE,
  store: { redis_url: 'redis://127.0.0.1:6379' },
  signing: { keys: [{ file: 'signing.pem' }] },
};
const config = (raw: Record<string, unknown>) => parseConfig(raw, '/etc/mandate/mandate.yaml');

describe('how many workers mandate serve runs', () => {
  it('runs one per core when the state is shared through Redis, or as many as asked', () => {
    expect(planWorkers(undefined, config(SHARED), 8)).toEqual({ workers: 8 });
    expect(planWorkers(3, config(SHARED), 8)).toEqual({ workers: 3 });
    expect(planWorkers(1, config(SHARED), 8)).toEqual({ workers: 1 });
  });

  it('runs one with the memory store by default, saying why', () => {
    const plan = planWorkers(undefined, config({ ...SHARED, store: {} }), 8);
    expect(plan.workers).toBe(1);
    expect(plan.reason).toMatch(/^the memory store: each worker would hold its own grants/);
    expect(planWorkers(1, config({ ...SHARED, store: {} }), 8)).toEqual({ workers: 1 });
  });

  it('refuses more than one where a worker would hold state alone', () => {
    expect(() => planWorkers(2, config({ ...SHARED, store: {} }), 8)).toThrow(
      /^--workers 2 cannot run with the memory store: .*; run --workers 1$/,
    );
    expect(() => planWorkers(4, config({ ...SHARED, signing: undefined }), 8)).toThrow(
      /^--workers 4 cannot run with an ephemeral signing key: .*a token from one would not verify/,
    );
    expect(() =>
      planWorkers(
        2,
        config({ ...SHARED, audit: { sinks: [{ type: 'file', path: 'a.jsonl' }] } }),
        8,
      ),
    ).toThrow(/^--workers 2 cannot run with a file audit sink/);
    expect(planWorkers(undefined, config({ ...SHARED, signing: undefined }), 8).workers).toBe(1);
  });
});
