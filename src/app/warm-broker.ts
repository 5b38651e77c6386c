import { evaluateCase, evaluationCaseSchema } from '../policy/evaluation-case.js';
import { OwnTokenVerifier } from '../revocation/verify-own-token.js';
import { mintAccessToken } from '../tokens/mint-token.js';
import type { Broker } from './build-broker.js';

/** The agent a warm-up decides and signs for: a name no trust domain issues. */
const WARM_AGENT = 'spiffe://warm-up.invalid/mandate/warm-up';

/**
 * Runs the exchange's hot path once, before the broker takes traffic: one policy decision
 * with the serving set (Cedar's wasm and its pre-parsed set) and one sign and verify with the
 * key ring (jose's key import), so the first agent does not pay for them. Nothing is
 * recorded, audited or counted as an exchange; its one scope is a lookup of the decision cache
 * like any other (a miss in `mandate_cache_lookups_total`). A decision the catalogue refuses
 * (e.g. its first resource needs targets) still warmed everything but Cedar, and is not an
 * error; a token that does not verify with the broker's own keys is.
 *
 * @example
 * await warmBroker(broker);
 */
export async function warmBroker(broker: Broker): Promise<void> {
  const { config, keyRing } = broker;
  const context = broker.evaluationContext();
  const resource = context.catalogue.resources[0];
  const scope = resource ? Object.keys(resource.scopes)[0] : undefined;
  if (resource && scope) {
    try {
      evaluateCase(
        evaluationCaseSchema.parse({
          principal: { spiffe_id: WARM_AGENT },
          request: { audience: resource.name, scope },
        }),
        context,
      );
    } catch (err) {
      broker.logger.debug({ err: (err as Error).message }, 'warm-up decision refused');
    }
  }
  const now = Math.floor(context.now / 1000);
  const token = mintAccessToken(
    {
      jti: 'warm-up',
      agentId: WARM_AGENT,
      taskId: 'warm-up',
      audience: resource?.audience ?? config.issuer,
      scopes: scope ? [scope] : [],
      tier: 'read',
      targets: [],
      issuedAt: now,
      expiresAt: now + 60,
    },
    { issuer: config.issuer, keyRing },
  );
  const verifier = new OwnTokenVerifier({
    issuer: config.issuer,
    keyRing,
    clock: { now: () => context.now },
  });
  if ((await verifier.verify(token)) === null)
    throw new Error(
      'warm-up: a token signed with the active key does not verify with the key ring',
    );
}
