import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { createMetrics } from '../../src/metrics/metrics.js';
import { eventually } from '../support/eventually.js';
import { ConfigMapVolume } from './config-map-volume.js';
import {
  agent,
  exampleSchema,
  intent,
  noon,
  policyDir,
  startLivePolicy,
  task,
} from './policy-fixtures.js';

const READS = '@id("reads") permit (principal, action in Action::"read", resource);';
const WRITES = '@id("writes") permit (principal, action, resource);';
const input = {
  principal: agent(['a']),
  intent: intent('tickets', ['tickets:write']),
  task,
  now: noon,
};

async function reloads(metrics: ReturnType<typeof createMetrics>, outcome: string) {
  const metric = await metrics.policyReloads.get();
  return metric.values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
}

/** Waits for a reload to be counted (file events are asynchronous). */
async function untilReloaded(metrics: ReturnType<typeof createMetrics>, outcome: string) {
  for (let i = 0; i < 200 && (await reloads(metrics, outcome)) === 0; i += 1)
    await new Promise((r) => setTimeout(r, 25));
}

describe('LivePolicy', () => {
  const start = startLivePolicy;

  it('keeps the working set when a reload finds a broken file, and counts the failure', async () => {
    const dir = policyDir({ 'p.cedar': READS });
    const { live, metrics } = start(dir);
    writeFileSync(join(dir, 'p.cedar'), `${WRITES}\npermit (principal, action, resource) when {`);
    const result = live.reload();
    expect(result).toEqual({ ok: false, problems: [expect.stringMatching(/^p\.cedar:2: /)] });
    expect(live.current().decide(input).allowed).toEqual([]);
    expect(
      live.current().decide({ ...input, intent: intent('tickets', ['tickets:read']) }).allowed,
    ).toEqual(['tickets:read']);
    expect(await reloads(metrics, 'failed')).toBe(1);

    writeFileSync(join(dir, 'p.cedar'), WRITES);
    expect(live.reload()).toEqual({ ok: true, policies: 1 });
    expect(live.current().decide(input).allowed).toEqual(['tickets:write']);
    live.close();
  });

  it('reloads when a policy file changes, and stops watching on close', async () => {
    const dir = policyDir({ 'p.cedar': READS });
    const { live, metrics } = start(dir, true);
    writeFileSync(join(dir, 'p.cedar'), WRITES);
    await untilReloaded(metrics, 'ok');
    expect(live.current().decide(input).allowed).toEqual(['tickets:write']);

    writeFileSync(join(dir, 'p.cedar'), 'permit (');
    await untilReloaded(metrics, 'failed');
    expect(live.current().decide(input).allowed).toEqual(['tickets:write']);

    live.close();
    writeFileSync(join(dir, 'p.cedar'), READS);
    await new Promise((r) => setTimeout(r, 100));
    expect(await reloads(metrics, 'ok')).toBe(1);
    expect(live.current().decide(input).allowed).toEqual(['tickets:write']);
  });

  it('follows a Kubernetes ConfigMap volume: the kubelet swaps the ..data symlink, never the files', async () => {
    const volume = new ConfigMapVolume({ 'schema.cedarschema': exampleSchema, 'p.cedar': READS });
    const { live } = start(volume.dir, true);
    // The hidden ..data and ..<timestamp> folders hold the same files again: read once only.
    expect(Object.keys(live.current().set.policies)).toEqual(['reads']);

    volume.update({ 'schema.cedarschema': exampleSchema, 'p.cedar': WRITES });
    await eventually(
      () => live.current().decide(input).allowed.includes('tickets:write'),
      'the broker to serve the policy of the new ConfigMap version',
    );
    expect(Object.keys(live.current().set.policies)).toEqual(['writes']);

    // A key added to the ConfigMap appears as a new link; a key removed, as a link gone.
    const budget =
      '@id("budget") forbid (principal, action, resource) when { context.task.exchanges >= 3 };';
    volume.update({ 'schema.cedarschema': exampleSchema, 'q.cedar': `${READS}\n${budget}` });
    await eventually(
      () => Object.keys(live.current().set.policies).join() === 'reads,budget',
      'the broker to serve the policies of the third ConfigMap version',
    );
    expect(live.current().readsTaskContext).toBe(true);
    expect(live.current().decide(input).allowed).toEqual([]);
    live.close();
    volume.remove();
  });

  it('says whether the serving set reads the task context, after each reload', () => {
    const dir = policyDir({ 'p.cedar': READS });
    const { live } = start(dir);
    expect(live.current().readsTaskContext).toBe(false);
    const budget =
      '@id("budget") forbid (principal, action, resource) when { context.task.exchanges >= 3 };';
    writeFileSync(join(dir, 'p.cedar'), `${READS}\n${budget}`);
    expect(live.reload()).toMatchObject({ ok: true });
    expect(live.current().readsTaskContext).toBe(true);
    writeFileSync(join(dir, 'p.cedar'), `${READS}\n${budget} permit (`);
    expect(live.reload()).toMatchObject({ ok: false });
    expect(live.current().readsTaskContext).toBe(true);
    writeFileSync(join(dir, 'p.cedar'), READS);
    expect(live.reload()).toMatchObject({ ok: true });
    expect(live.current().readsTaskContext).toBe(false);
    live.close();
  });

  it('refuses to start on a broken set', () => {
    expect(() => start(policyDir({ 'p.cedar': 'permit (' }))).toThrow(/p\.cedar:1: /);
  });
});
