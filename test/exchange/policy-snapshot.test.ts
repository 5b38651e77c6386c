import { OwnTokenVerifier } from '../../src/revocation/verify-own-token.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApprovalGate } from '../../src/approvals/create-approval-gate.js';
import { MemoryAuditLog } from '../../src/audit/memory-audit-log.js';
import type { MandateError } from '../../src/errors.js';
import type { ExchangeRequest } from '../../src/exchange/exchange-request.js';
import { TokenExchange } from '../../src/exchange/token-exchange.js';
import type { GrantStore } from '../../src/grants/grant-store.js';
import { MemoryGrantStore } from '../../src/grants/memory-grant-store.js';
import { createIdentity } from '../../src/identity/create-identity.js';
import { randomIds } from '../../src/platform/ids.js';
import type { ServingPolicy } from '../../src/policy/policy-snapshot.js';
import { KeyRing } from '../../src/tokens/key-ring.js';
import { catalogue, policyDir, startLivePolicy } from '../policy/policy-fixtures.js';
import { quietLogger } from '../support/test-broker.js';
import { createTestTrustDomain } from '../support/trust-domain.js';

// An exchange decides with the policy set that served when it started. A reload landing
// between its steps (a file change, SIGHUP) serves the next exchange, never half of this one.

const NOW = Date.UTC(2030, 0, 15, 12);
const clock = { now: () => NOW };
const READS = '@id("reads") permit (principal, action in Action::"read", resource);\n';
/** Writes wait for an operator: policy allows them only once approved. */
const WRITE_IF_APPROVED = `${READS}@id("write-if-approved") permit (principal, action == Action::"tickets:write", resource) when { context.approved };`;
/** Writes are never allowed: no operator can help. */
const NO_WRITES = `${READS}@id("no-writes") forbid (principal, action == Action::"tickets:write", resource);`;
/** A task gets one exchange: this set reads context.task. */
const ONE_PER_TASK = `${READS}@id("one-per-task") forbid (principal, action, resource) when { context.task.exchanges >= 1 };`;

/** Research agents get two exchanges a task; this set reads context.task for them alone. */
const RESEARCH_BUDGET = `${READS}@id("research-budget") forbid (principal, action, resource) when { principal.path.contains("research") && context.task.exchanges >= 2 };`;

async function setUp(first: string, decisionCacheSize = 0) {
  const dir = policyDir({ 'p.cedar': first });
  const { live, metrics } = startLivePolicy(dir, false, decisionCacheSize);
  /** Replaces the policy file and reloads, as SIGHUP does. */
  const reloadTo = (text: string) => {
    writeFileSync(join(dir, 'p.cedar'), text);
    expect(live.reload()).toMatchObject({ ok: true });
  };
  const td = await createTestTrustDomain('test.example');
  const identity = await createIdentity({
    brokerIssuer: 'http://mandate.test',
    trust: {
      spiffe: [
        { trust_domain: td.trustDomain, bundle_file: td.bundleFile, audiences: ['mandate'] },
      ],
      oidc: [],
    },
    configDir: dir,
    clockTolerance: 0,
    clock,
    logger: quietLogger,
    metrics,
  });
  const audit = new MemoryAuditLog();
  const approvals = createApprovalGate(
    { prefix: 'unused', ttlSeconds: 900, requiredTiers: new Set(), maxPendingPerAgent: 20 },
    { clock, metrics, audit },
  );
  const store = new MemoryGrantStore({ clock, revocationRetentionMs: 3_600_000 });
  const keyRing = await KeyRing.ephemeral('ES256');
  const build = (policy: ServingPolicy, grants: GrantStore = store) =>
    new TokenExchange({
      issuer: 'http://mandate.test',
      ownTokens: new OwnTokenVerifier({ issuer: 'http://mandate.test', keyRing, clock }),
      maxDelegationDepth: 3,
      verifySubject: identity.verifySubject,
      catalogue,
      rules: {
        tierTtlSeconds: { read: 300, write: 120, destructive: 60 },
        maxTokenTtlSeconds: 3600,
        sensitivityFloor: {},
        maxTaskAgeSeconds: 3600,
      },
      policy,
      store: grants,
      approvals,
      keyRing,
      clock,
      ids: randomIds,
      audit,
      metrics,
    });
  const request = async (
    over: Partial<ExchangeRequest> = {},
    path = '/agent/triage',
  ): Promise<ExchangeRequest> => ({
    subjectToken: await td.svid({ path, now: NOW / 1000 }),
    subjectTokenType: 'urn:ietf:params:oauth:token-type:jwt',
    audience: 'tickets',
    scopes: ['tickets:read'],
    intent: { purpose: 'triage T-1', targets: ['T-1'] },
    ...over,
  });
  const close = () => {
    live.close();
    identity.close();
    void store.close();
  };
  return { live, reloadTo, build, request, store, approvals, close };
}

/** `store` with its task reads going to `getTask`. */
function withGetTask(store: GrantStore, getTask: GrantStore['getTask']): GrantStore {
  return new Proxy(store, {
    get: (target, name) => {
      if (name === 'getTask') return getTask;
      const value = Reflect.get(target, name, target) as unknown;
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
}

/** The error code an exchange was refused with, or 'granted'. */
async function outcome(run: Promise<unknown>): Promise<string> {
  return run.then(
    () => 'granted',
    (err: MandateError) => err.code,
  );
}

describe('an exchange during a policy reload', () => {
  it('asks for approval as the set it started with says, though the reload lands inside its first decision', async () => {
    const t = await setUp(WRITE_IF_APPROVED);
    let reloaded = false;
    // The serving policy as the exchange sees it, with a reload inside its first decision.
    const policy: ServingPolicy = {
      current: () => {
        const snapshot = t.live.current();
        return {
          readsTaskContext: snapshot.readsTaskContext,
          decideWithoutTask: (input) => snapshot.decideWithoutTask(input),
          version: snapshot.version,
          decide: (input) => {
            const decision = snapshot.decide(input);
            if (!reloaded) {
              reloaded = true;
              t.reloadTo(NO_WRITES);
            }
            return decision;
          },
        };
      },
    };
    const exchange = t.build(policy);
    const write = await t.request({ scopes: ['tickets:write'] });

    // Under the first set only an operator stands in the way: the exchange waits for one.
    await expect(outcome(exchange.exchange(write))).resolves.toBe('approval_required');
    expect(reloaded).toBe(true);
    expect(await t.approvals.countPending()).toBe(1);
    // The next exchange starts under the new set, which refuses writes outright.
    await expect(
      outcome(exchange.exchange(await t.request({ scopes: ['tickets:write'] }))),
    ).resolves.toBe('invalid_scope');
    expect(await t.approvals.countPending()).toBe(1);
    t.close();
  });

  it('decides with the set that had it read the task, though the reload lands while reading it', async () => {
    const t = await setUp(ONE_PER_TASK);
    const first = await t.build(t.live).exchange(await t.request());
    let reloaded = false;
    // The store as the exchange sees it, with a reload to a set that allows anything landing
    // while the task is read (the read only the first set asked for).
    const getTask: GrantStore['getTask'] = async (agentId, taskId) => {
      const task = await t.store.getTask(agentId, taskId);
      reloaded = true;
      t.reloadTo(`${READS}@id("anything") permit (principal, action, resource);`);
      return task;
    };
    const exchange = t.build(t.live, withGetTask(t.store, getTask));

    // The first set allows one exchange per task: this second one is refused by it.
    await expect(
      outcome(exchange.exchange(await t.request({ taskId: first.task_id }))),
    ).resolves.toBe('invalid_scope');
    expect(reloaded).toBe(true);
    // The next exchange starts under the new set, which allows it.
    await expect(
      outcome(exchange.exchange(await t.request({ taskId: first.task_id }))),
    ).resolves.toBe('granted');
    t.close();
  });
});

describe('LivePolicy.current', () => {
  it('keeps deciding with its own set after a reload replaced it', async () => {
    const t = await setUp(WRITE_IF_APPROVED);
    const before = t.live.current();
    t.reloadTo(`${READS}@id("writes") permit (principal, action, resource);`);
    const exchange = t.build({ current: () => before });
    // The replaced set still answers, in full: writes wait for an operator under it.
    await expect(
      outcome(exchange.exchange(await t.request({ scopes: ['tickets:write'] }))),
    ).resolves.toBe('approval_required');
    // The serving set is the new one: the same request is granted.
    await expect(
      outcome(t.build(t.live).exchange(await t.request({ scopes: ['tickets:write'] }))),
    ).resolves.toBe('granted');
    t.close();
  });
});

describe('reading the task before deciding', () => {
  /** The exchange of `t`, on its store with each read of a task's state counted. */
  function counted(t: Awaited<ReturnType<typeof setUp>>) {
    let reads = 0;
    const exchange = t.build(
      t.live,
      withGetTask(t.store, (agentId, taskId) => {
        reads += 1;
        return t.store.getTask(agentId, taskId);
      }),
    );
    return { exchange, reads: () => reads };
  }

  it('skips it when no state of the task could change the decision, and reads it when one could', async () => {
    const t = await setUp(RESEARCH_BUDGET, 100);
    const { exchange, reads } = counted(t);
    // A triage agent: the budget never applies to it, whatever the task's count.
    const first = await exchange.exchange(await t.request());
    for (let i = 0; i < 3; i += 1)
      await expect(
        outcome(exchange.exchange(await t.request({ taskId: first.task_id }))),
      ).resolves.toBe('granted');
    expect(reads()).toBe(0);
    // A research agent: its count decides, so each continuing exchange reads the task.
    const research = (over: Partial<ExchangeRequest> = {}) => t.request(over, '/agent/research');
    const started = await exchange.exchange(await research());
    await expect(
      outcome(exchange.exchange(await research({ taskId: started.task_id }))),
    ).resolves.toBe('granted');
    await expect(
      outcome(exchange.exchange(await research({ taskId: started.task_id }))),
    ).resolves.toBe('invalid_scope');
    expect(reads()).toBe(2);
    t.close();
  });

  it('refuses a task that is no longer active without reading it, as the record finds it', async () => {
    const t = await setUp(RESEARCH_BUDGET, 100);
    const { exchange, reads } = counted(t);
    const first = await exchange.exchange(await t.request());
    await t.store.endTask('spiffe://test.example/agent/triage', first.task_id, 'completed', 'done');
    await expect(
      outcome(exchange.exchange(await t.request({ taskId: first.task_id }))),
    ).resolves.toBe('invalid_request');
    expect(reads()).toBe(0);
    t.close();
  });

  it('reads it for every request without a decision cache (probing would cost Cedar calls)', async () => {
    const t = await setUp(RESEARCH_BUDGET);
    const { exchange, reads } = counted(t);
    const first = await exchange.exchange(await t.request());
    await exchange.exchange(await t.request({ taskId: first.task_id }));
    expect(reads()).toBe(1);
    t.close();
  });
});
