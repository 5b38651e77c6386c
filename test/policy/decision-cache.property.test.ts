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

const RUNS = 100;

/** Decides the stream with a fresh uncached engine and each of `engines`; counts the scopes. */
function sameDecisions(set: LoadedPolicySet, engines: CedarEngine[], stream: DecisionInput[]) {
  const plain = new CedarEngine({ set, claims: CLAIMS });
  let scopes = 0;
  for (const input of stream) {
    const expected = plain.decide(input);
    for (const engine of engines) expect(engine.decide(input)).toEqual(expected);
    scopes += input.intent.scopes.length;
  }
  return scopes;
}

describe('cached and uncached decisions, side by side', () => {
  beforeAll(() => console.info(`decision cache property: seed ${SEED} (FC_SEED=${SEED})`));

  it('agree on the shipped policies over random request streams', () => {
    // One cached engine for every stream, large enough never to evict: it meets the streams'
    // requests across runs, and what it holds shows how often it was hit.
    const cached = new CedarEngine({ set: shipped, claims: CLAIMS, decisionCacheSize: 100_000 });
    const tiny = new CedarEngine({ set: shipped, claims: CLAIMS, decisionCacheSize: 2 });
    let scopes = 0;
    fc.assert(
      fc.property(requestStream, (stream) => {
        scopes += sameDecisions(shipped, [cached, tiny], stream);
      }),
      { ...settings, numRuns: RUNS },
    );
    expect(scopes).toBeGreaterThan(2000);
    // Each entry is one miss, every other scope decision was a hit: about half are (a quarter
    // at least, or the streams would not test the cache).
    expect(cached.cachedDecisions).toBeLessThan(scopes * 0.75);
  });

  it('agree on random policy sets over the shipped schema', () => {
    let scopes = 0;
    let misses = 0;
    fc.assert(
      fc.property(policySet, requestStream, (policies, stream) => {
        const set: LoadedPolicySet = { policies, schema: shipped.schema, origins: {} };
        const cached = new CedarEngine({ set, claims: CLAIMS, decisionCacheSize: 1000 });
        const tiny = new CedarEngine({ set, claims: CLAIMS, decisionCacheSize: 2 });
        scopes += sameDecisions(set, [cached, tiny], stream);
        misses += cached.cachedDecisions;
      }),
      { ...settings, numRuns: RUNS },
    );
    expect(scopes).toBeGreaterThan(2000);
    expect(misses).toBeLessThan(scopes * 0.75); // about half of the decisions are hits
  });

  it('decide alike for any task state when the engine says the task need not be read', () => {
    const state = fc.record({
      exchanges: fc.integer({ min: 0, max: 25 }),
      ageSeconds: fc.constantFrom(0, 59, 60, 61, 600),
      liveGrants: fc.integer({ min: 0, max: 3 }),
    });
    let unread = 0;
    let checked = 0;
    fc.assert(
      fc.property(
        policySet,
        requestStream,
        fc.array(state, { minLength: 3, maxLength: 3 }),
        (policies, stream, states) => {
          const set: LoadedPolicySet = { policies, schema: shipped.schema, origins: {} };
          const cached = new CedarEngine({ set, claims: CLAIMS, decisionCacheSize: 1000 });
          const plain = new CedarEngine({ set, claims: CLAIMS });
          for (const input of stream) {
            checked += 1;
            const decided = cached.decideWithoutTask(input);
            if (decided === undefined) continue;
            unread += 1;
            const expected = plain.decide(input);
            expect(decided).toEqual(expected);
            for (const s of states)
              expect(plain.decide({ ...input, task: { ...input.task, ...s } })).toEqual(expected);
          }
        },
      ),
      { ...settings, numRuns: RUNS },
    );
    // the random sets read the task often enough, and not always in a way that matters
    expect(unread).toBeGreaterThan(checked * 0.1);
    expect(unread).toBeLessThan(checked);
  });
});
