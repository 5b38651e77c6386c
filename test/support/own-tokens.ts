import type { GrantRecord } from '../../src/grants/grant-store.js';
import type { SubjectVerifier } from '../../src/identity/verify-subject-token.js';
import type { Clock } from '../../src/platform/clock.js';
import { OwnTokenVerifier } from '../../src/revocation/verify-own-token.js';
import { KeyRing } from '../../src/tokens/key-ring.js';
import { mintAccessToken } from '../../src/tokens/mint-token.js';

const ISSUER = 'http://mandate.test';

/** A broker's signing keys in miniature: mint tokens for grants and verify them. */
export interface OwnTokens {
  readonly verifier: OwnTokenVerifier;
  mint(grant: GrantRecord): Promise<string>;
}

/** Ephemeral keys of a broker whose clock is `clock`. */
export async function ownTokens(clock: Clock): Promise<OwnTokens> {
  const keyRing = await KeyRing.ephemeral('ES256');
  return {
    verifier: new OwnTokenVerifier({ issuer: ISSUER, keyRing, clock }),
    mint: (grant) => Promise.resolve(mintAccessToken(grant, { issuer: ISSUER, keyRing })),
  };
}

/**
 * A subject-token verifier that knows exactly one token, standing for `agentId`; every other
 * token is refused as the real verifiers refuse it (they throw).
 */
export function subjectVerifierFor(token: string, agentId: string): SubjectVerifier {
  return (presented) => {
    if (presented !== token) return Promise.reject(new Error('not a subject token'));
    return Promise.resolve({
      agentId,
      source: 'spiffe',
      claims: {},
      expiresAt: 0,
      tokenSha256: '',
    });
  };
}
