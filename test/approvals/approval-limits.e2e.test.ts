import { randomBytes } from 'node:crypto';
import { generateApiKey } from '../../src/operators/api-keys.js';
import { REDIS_URL } from '../grants/redis-support.js';
import { expectDocumented } from '../support/openapi-contract.js';
import { startTestBroker, TEST_RESOURCES, type TestBroker } from '../support/test-broker.js';

const viewer = generateApiKey();
const DEPLOY = {
  audience: 'https://deploy.example',
  sensitivity: 'confidential',
  scopes: { 'deploy:read': 'read', 'deploy:destroy-env': 'destructive' },
};
const POLICIES = {
  'deploy.cedar': `
@id("deploy-agents")
permit (principal, action, resource == Resource::"deploy");
@id("destructive-needs-approval")
forbid (principal, action in Action::"destructive", resource)
unless { context.approved };
`,
};

const STORES: [string, Record<string, unknown>][] = [
  ['memory', {}],
  [
    'redis',
    { store: { redis_url: REDIS_URL, prefix: `mandate-test-${randomBytes(6).toString('hex')}` } },
  ],
];

describe.each(STORES)(
  'approvals per agent are bounded, re-asks idempotent, listings paged (%s store)',
  (_store, storeConfig) => {
    let t: TestBroker;
    const base = Date.now();
    let offsetMs = 0;
    const clock = { now: () => base + offsetMs };
    const destroy = async (
      target: string,
      fields: Record<string, unknown> = {},
      agent = 'deploy',
    ) => {
      const answer = await t.exchange({
        subject_token: await t.td.svid({
          path: `/agent/${agent}`,
          now: Math.floor(clock.now() / 1000),
        }),
        audience: 'deploy',
        scope: 'deploy:destroy-env',
        intent: { purpose: 'remove preview env', targets: [target] },
        ...fields,
      });
      expectDocumented('POST', '/token-exchange', answer);
      return answer;
    };
    const list = async (query: string) => {
      const res = await fetch(`${t.url}/v1/approvals${query}`, {
        headers: { authorization: `Bearer ${viewer.key}` },
      });
      const answer = { status: res.status, headers: res.headers, body: await res.json() };
      expectDocumented('GET', '/v1/approvals', answer);
      return answer as { status: number; body: Record<string, unknown> };
    };

    beforeAll(async () => {
      t = await startTestBroker({
        config: {
          resources: { ...TEST_RESOURCES, deploy: DEPLOY },
          ...storeConfig,
          approvals: { ttl: '15m', max_pending_per_agent: 3 },
          operators: { api_keys: [{ name: 'victor', sha256: viewer.sha256, roles: ['viewer'] }] },
        },
        policies: POLICIES,
        deps: { clock },
      });
    });
    afterAll(() => t.close());

    it('names the approval already pending when the same request is asked again', async () => {
      const first = await destroy('preview-1');
      expect(first.body.error).toBe('approval_required');
      offsetMs = 60_000;
      const again = await destroy('preview-1', { task_id: first.body.task_id });
      expect(again.status).toBe(403);
      expect(again.body).toMatchObject({
        error: 'approval_required',
        approval_id: first.body.approval_id,
        task_id: first.body.task_id,
        expires_in: 840,
      });
      // Any bound field that differs is another request, another approval.
      const other = await destroy('preview-2', { task_id: first.body.task_id });
      expect(other.body.approval_id).not.toBe(first.body.approval_id);
    });

    it("refuses one more than an agent's pending bound with 429, until the oldest expires", async () => {
      // deploy has two pending from the test above (created at +0 s and +60 s).
      offsetMs = 120_000;
      const third = await destroy('preview-3');
      expect(third.body.error).toBe('approval_required');
      const over = await destroy('preview-4');
      expect(over.status).toBe(429);
      expect(over.body.error).toBe('rate_limited');
      expect(over.body.error_description).toContain('approvals.max_pending_per_agent');
      expect(over.body.error_description).toContain('3 approvals pending');
      // The oldest was asked at +0 s and expires at +900 s.
      expect(over.headers.get('retry-after')).toBe('780');
      // An identical re-ask still names its approval; another agent is not held up.
      const reAsk = await destroy('preview-3', { task_id: third.body.task_id });
      expect(reAsk.status).toBe(403);
      expect(reAsk.body.approval_id).toBe(third.body.approval_id);
      const pending = await list('?state=pending&limit=200');
      const ids = (pending.body.approvals as { approval_id: string }[]).map((a) => a.approval_id);
      expect(ids).toHaveLength(3);
      expect((await destroy('preview-1', {}, 'deploy-2')).body.error).toBe('approval_required');
      offsetMs = 900_000;
      expect((await destroy('preview-4')).body.error).toBe('approval_required');
    });

    it('pages GET /v1/approvals with a cursor until there is no next_cursor', async () => {
      const all = await list('?limit=200');
      const everything = (all.body.approvals as { approval_id: string }[]).map(
        (a) => a.approval_id,
      );
      expect(everything.length).toBeGreaterThanOrEqual(5);
      expect(all.body.next_cursor).toBeUndefined();
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await list(`?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        expect(page.status).toBe(200);
        const approvals = page.body.approvals as { approval_id: string }[];
        expect(approvals.length).toBeLessThanOrEqual(2);
        seen.push(...approvals.map((a) => a.approval_id));
        cursor = page.body.next_cursor as string | undefined;
        pages++;
      } while (cursor !== undefined && pages < 50);
      expect(pages).toBe(Math.ceil(everything.length / 2));
      expect(seen).toEqual(everything);
      expect((await list('')).body.approvals).toHaveLength(Math.min(50, everything.length));
    });

    it('refuses a page over the maximum and a cursor it did not give, naming the parameter', async () => {
      const big = await list('?limit=201');
      expect(big.status).toBe(400);
      expect(big.body).toMatchObject({ error: 'invalid_request' });
      expect(big.body.error_description).toContain('limit is at most 200');
      const forged = await list('?cursor=bm90LWEtY3Vyc29y');
      expect(forged.status).toBe(400);
      expect(forged.body.error_description).toContain('cursor');
    });
  },
);
