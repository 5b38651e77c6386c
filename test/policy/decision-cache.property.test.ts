import fc from 'fast-check';
import { CedarEngine, type DecisionInput } from '../../src/policy/cedar-engine.js';
import { loadPolicySet, type LoadedPolicySet } from '../../src/policy/load-policy-set.js';
import { EXAMPLE_POLICY_DIR } from '../support/test-broker.js';
import { CATALOGUE, CLAIMS, policySet, requestStream } from './decision-arbitraries.js';

// A cached engine answers exactly as Cedar does: random request streams (with repeats, and
// requests that differ only in values a set may not read) go to an uncached engine, a cached
// one and a cached one so small it evicts all the time, and any difference fails the test.
// A failure prints its seed and path; replay it with FC_SEED=<seed> (and FC_PATH=<path>).

const SEED = process.env.FC_SEED === undefined ? Date.now() ^ 0 : Number(process.env.FC_SEED);
const PATH = process.env.FC_PATH;
const settings = { seed: SEED, ...(PATH === undefined ? {} : { path: PATH }) };

/** The shipped schema with the random sets' claims: the sets need not validate against it. */
const shipped = loadPolicySet(EXAMPLE_POLICY_DIR, CATALOGUE, { claims: CLAIMS });

/** Decides the stream with a fresh uncached engine and each of `engines`; returns the count. */
function sameDecisions(set: LoadedPolicySet, engines: CedarEngine[], stream: DecisionInput[]) {
  const plain = new CedarEngine({ set, claims: CLAIMS });
  let compared = 0;
  for (const input of stream) {
    const expected = plain.decide(input);
    for (const engine of engines) expect(engine.decide(input)).toEqual(expected);
    compared += 1;
  }
  return compared;
}

describe('cached and uncached decisions, side by side', () => {
  beforeAll(() => console.info(`decision cache property: seed ${SEED} (FC_SEED=${SEED})`));

  it('agree on the shipped policies over random request streams', () => {
    const cached = new CedarEngine({ set: shipped, claims: CLAIMS, decisionCacheSize: 1000 });
    const tiny = new CedarEngine({ set: shipped, claims: CLAIMS, decisionCacheSize: 2 });
    let compared = 0;
    fc.assert(
      fc.property(requestStream, (stream) => {
        compared += sameDecisions(shipped, [cached, tiny], stream);
      }),
      { ...settings, numRuns: 150 },
    );
    expect(compared).toBeGreaterThan(1000);
    // The stream repeats itself and keys collide: far fewer entries than requests.
    expect(cached.cachedDecisions).toBeLessThan(compared);
  });

  it('agree on random policy sets over the shipped schema', () => {
    let compared = 0;
    fc.assert(
      fc.property(policySet, requestStream, (policies, stream) => {
        const set: LoadedPolicySet = { policies, schema: shipped.schema, origins: {} };
        const cached = new CedarEngine({ set, claims: CLAIMS, decisionCacheSize: 1000 });
        const tiny = new CedarEngine({ set, claims: CLAIMS, decisionCacheSize: 2 });
        compared += sameDecisions(set, [cached, tiny], stream);
      }),
      { ...settings, numRuns: 150 },
    );
    expect(compared).toBeGreaterThan(1000);
  });
});
