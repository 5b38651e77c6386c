import { startTicketsApi, type RunningApi } from '../../examples/downstream-api/server.js';
import { eventually } from './eventually.js';

/**
 * A broker the revocation loop runs against: the test double today, the real broker once its
 * feed exists. Everything the scenario needs from it is here, so pointing the scenario at
 * another broker is writing one of these.
 */
export interface RevocationLoopTarget {
  /** The broker's `iss`. */
  readonly issuer: string;
  /** Where the broker answers. */
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

/** Registers the downstream loop: agent call, operator revoke, refusal, broker outage, catch-up. */
export function describeRevocationLoop(
  name: string,
  setup: () => Promise<RevocationLoopTarget & { close(): Promise<void> }>,
): void {
  describe(`revocation loop: ${name}`, () => {
    let target: RevocationLoopTarget & { close(): Promise<void> };
    let api: RunningApi;
    beforeAll(async () => {
      target = await setup();
      api = await startTicketsApi({
        issuer: target.issuer,
        brokerUrl: target.brokerUrl,
        apiKey: target.apiKey,
        maxStaleness: target.maxStaleness,
      });
    });
    afterAll(async () => {
      await api.close();
      await target.close();
    });

    const get = async (token: string) => {
      const res = await fetch(`${api.url}/tickets/T-1`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const body = (await res.json()) as { code?: string };
      return { status: res.status, code: body.code };
    };

    it('an operator revokes the task and the API refuses the next call', async () => {
      const agent = await target.getToken();
      expect(await get(agent.token)).toEqual({ status: 200, code: undefined });

      await target.revokeTask(agent.agentId, agent.taskId);

      await eventually(
        async () => (await get(agent.token)).status === 401,
        'the API refuses the revoked task',
      );
      expect(await get(agent.token)).toEqual({ status: 401, code: 'ERR_TOKEN_REVOKED' });
    });

    it('broker down: the API fails closed after maxStaleness; broker back: it catches up', async () => {
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
      expect(await get(live.token)).toEqual({ status: 503, code: 'ERR_REVOCATION_STALE' });
      await target.revokeTask(doomed.agentId, doomed.taskId);

      await target.startBroker();
      await eventually(
        async () => (await get(live.token)).status === 200,
        'the API accepts live tokens again',
      );
      expect(await get(doomed.token)).toEqual({ status: 401, code: 'ERR_TOKEN_REVOKED' });
    });
  });
}
