import { startTicketsApi, type RunningApi } from '../../examples/downstream-api/server.js';
import { eventually } from './eventually.js';

/**
 * A broker the revocation loop runs against: the test double, or real brokers on one Redis.
 * Everything the scenario needs from it is here, so pointing the scenario at another broker is
 * writing one of these.
 */
export interface RevocationLoopTarget {
  /** The broker's `iss`. */
  readonly issuer: string;
  /** Where the broker answers (JWKS, feed, introspection, task completion). */
  readonly brokerUrl: string;
  /** An operator API key with the resource_server role (for the downstream API's verifier). */
  readonly apiKey: string;
  /** Seconds of feed silence before the API fails closed; above the broker's heartbeat period. */
  readonly maxStaleness: number;
  /** A token for a new task, scope tickets:read on https://tickets.example, as an agent gets it. */
  getToken(): Promise<{ token: string; taskId: string; agentId: string }>;
  /** Revokes a task as an operator; resolves once the broker has recorded it. Must also work
   * while {@link stopBroker} is in effect (e.g. through a second broker on the same store). */
  revokeTask(agentId: string, taskId: string): Promise<void>;
  /** Makes the broker unreachable for the API (its feed, JWKS and introspection). */
  stopBroker(): Promise<void>;
  /** Brings it back at the same address, with every revocation recorded meanwhile. */
  startBroker(): Promise<void>;
}

/** How the downstream API learns of revocations, and what it answers while the broker is down. */
const MODES = {
  feed: { downCode: 'ERR_REVOCATION_STALE' },
  introspect: { downCode: 'ERR_BROKER_UNAVAILABLE' },
} as const;

/**
 * Registers the downstream loop: agent call, operator revoke, task completion, refusal, broker
 * outage (the API fails closed), broker back (it catches up on what was revoked meanwhile).
 */
export function describeRevocationLoop(
  name: string,
  setup: () => Promise<RevocationLoopTarget & { close(): Promise<void> }>,
  mode: keyof typeof MODES = 'feed',
): void {
  describe(`revocation loop (${mode} mode): ${name}`, () => {
    let target: RevocationLoopTarget & { close(): Promise<void> };
    let api: RunningApi;
    beforeAll(async () => {
      target = await setup();
      api = await startTicketsApi({
        issuer: target.issuer,
        brokerUrl: target.brokerUrl,
        apiKey: target.apiKey,
        mode,
        maxStaleness: target.maxStaleness,
        // Short, so the scenario does not wait long for a cached "active" to lapse.
        introspectionCacheTtl: 0.1,
      });
    });
    afterAll(async () => {
      await api?.close();
      await target?.close();
    });

    const get = async (token: string) => {
      const res = await fetch(`${api.url}/tickets/T-1`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const body = (await res.json()) as { code?: string };
      return { status: res.status, code: body.code };
    };
    const refused = { status: 401, code: 'ERR_TOKEN_REVOKED' };

    it('an operator revokes the task and the API refuses the next call', async () => {
      const agent = await target.getToken();
      expect(await get(agent.token)).toEqual({ status: 200, code: undefined });

      await target.revokeTask(agent.agentId, agent.taskId);

      await eventually(
        async () => (await get(agent.token)).status === 401,
        'the API refuses the revoked task',
      );
      expect(await get(agent.token)).toEqual(refused);
    });

    it('the agent completes its task and the API refuses its token from then on', async () => {
      const agent = await target.getToken();
      expect((await get(agent.token)).status).toBe(200);

      const done = await fetch(
        `${target.brokerUrl}/v1/tasks/${encodeURIComponent(agent.taskId)}/complete`,
        { method: 'POST', headers: { authorization: `Bearer ${agent.token}` } },
      );
      expect(done.status).toBe(200);
      expect(await done.json()).toMatchObject({ task_id: agent.taskId, status: 'completed' });

      await eventually(
        async () => (await get(agent.token)).status === 401,
        'the API refuses the completed task',
      );
      expect(await get(agent.token)).toEqual(refused);
    });

    it('broker down: the API fails closed; broker back: it catches up and serves again', async () => {
      const live = await target.getToken();
      const doomed = await target.getToken();
      expect((await get(live.token)).status).toBe(200);
      expect((await get(doomed.token)).status).toBe(200);

      await target.stopBroker();
      await eventually(
        async () => (await get(live.token)).status === 503,
        'the API fails closed',
        target.maxStaleness * 1000 + 5_000,
      );
      expect(await get(live.token)).toEqual({ status: 503, code: MODES[mode].downCode });
      await target.revokeTask(doomed.agentId, doomed.taskId);

      await target.startBroker();
      await eventually(
        async () => (await get(live.token)).status === 200,
        'the API accepts live tokens again',
        10_000,
      );
      // In feed mode the verifier counts as fresh only after its catch-up poll, so the entry
      // written while the broker was down is already applied when the live token passes. In
      // introspect mode the doomed token's "active" answer from before the outage may still be
      // cached (introspectionCacheTtl): the broker is asked again once it lapses.
      if (mode === 'introspect')
        await eventually(
          async () => (await get(doomed.token)).status === 401,
          'the API refuses the revoked task once its cached answer lapses',
        );
      expect(await get(doomed.token)).toEqual(refused);
      expect(await get(live.token)).toEqual({ status: 200, code: undefined });
      if (mode === 'feed') {
        // It resumed from the entry written while the broker was down: its cursor is that id.
        const feed = await fetch(`${target.brokerUrl}/v1/revocations`, {
          headers: { authorization: `Bearer ${target.apiKey}` },
        });
        const { revocations } = (await feed.json()) as {
          revocations: { id: string; task?: string }[];
        };
        const entry = revocations.find((e) => e.task === doomed.taskId);
        const ready = await fetch(`${api.url}/readyz`);
        expect(ready.status).toBe(200);
        expect(await ready.json()).toMatchObject({ fresh: true, cursor: entry?.id });
      }
    });
  });
}
