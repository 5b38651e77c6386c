import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { buildBroker } from '../../src/app/build-broker.js';
import { startServer, type RunningServer } from '../../src/app/start-server.js';
import { parseConfig } from '../../src/config/load-config.js';
import { connectRedis, deleteKeys, uniquePrefix } from '../grants/redis-support.js';
import { exchangeOrThrow } from '../support/post-exchange.js';
import type { RevocationLoopTarget } from '../support/revocation-loop.js';
import { quietLogger, collectLines } from '../support/test-broker.js';
import { createTestTrustDomain, type TestTrustDomain } from '../support/trust-domain.js';
import { OPERATOR_KEYS, redisBrokerConfig, sharedSigningKey } from './redis-broker.js';

/** The agent of the downstream scenarios; the triage policy lets it read tickets. */
export const LOOP_AGENT_PATH = '/agent/triage';

/**
 * Two real brokers on one Redis prefix with one signing key and one trust domain: A serves the
 * downstream API (JWKS, feed, introspection) and can be stopped and started again on the same
 * port, as a restarted replica; B stays up, so operators can revoke while A is down.
 */
export interface BrokerPair extends RevocationLoopTarget {
  readonly td: TestTrustDomain;
  readonly urlB: string;
  /** Keys under the prefix, to check the cleanup. */
  readonly redis: Redis;
  readonly prefix: string;
  close(): Promise<void>;
}

/** Starts brokers A and B on the real Redis under a fresh prefix. */
export async function startBrokerPair(options: { maxStaleness: number }): Promise<BrokerPair> {
  const dir = mkdtempSync(join(tmpdir(), 'mandate-loop-'));
  const prefix = uniquePrefix();
  const redis = await connectRedis();
  const td = await createTestTrustDomain('test.example', dir);
  const signing = { keys: [{ file: await sharedSigningKey() }] };
  const issuer = 'http://mandate.test';

  const start = async (port: number): Promise<RunningServer> => {
    const raw = {
      server: { host: '127.0.0.1', port },
      issuer,
      ...redisBrokerConfig(td, prefix),
      signing,
    };
    const broker = await buildBroker(parseConfig(raw, join(dir, 'mandate.yaml')), {
      logger: quietLogger,
      auditStdout: collectLines([]),
    });
    return startServer(broker, { host: '127.0.0.1', port });
  };

  let a: RunningServer | undefined = await start(0);
  const b = await start(0);
  const portA = Number(new URL(a.url).port);

  return {
    issuer,
    brokerUrl: a.url,
    urlB: b.url,
    apiKey: OPERATOR_KEYS.resource_server.key,
    maxStaleness: options.maxStaleness,
    td,
    redis,
    prefix,
    getToken: async () => {
      // The agent talks to A; B would do as well (same store, same key).
      const { token, taskId } = await exchangeOrThrow(
        a?.url ?? b.url,
        await td.svid({ path: LOOP_AGENT_PATH }),
      );
      return { token, taskId, agentId: `spiffe://${td.trustDomain}${LOOP_AGENT_PATH}` };
    },
    // Always through B: it is the broker that stays up while A is stopped.
    revokeTask: async (agentId, taskId) => {
      const res = await fetch(
        `${b.url}/v1/tasks/${encodeURIComponent(taskId)}/revoke?agent=${encodeURIComponent(agentId)}`,
        { method: 'POST', headers: { authorization: `Bearer ${OPERATOR_KEYS.revoker.key}` } },
      );
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`revoke answered ${res.status}`);
    },
    stopBroker: async () => {
      await a?.close();
      a = undefined;
    },
    startBroker: async () => {
      a = await start(portA);
    },
    close: async () => {
      await Promise.all([a?.close(), b.close()]);
      await deleteKeys(redis, prefix);
      redis.disconnect();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
