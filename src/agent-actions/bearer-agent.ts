import { MandateError } from '../errors.js';
import { SUBJECT_TOKEN_TYPES, type SubjectVerifier } from '../identity/verify-subject-token.js';
import type { OwnTokenVerifier } from '../revocation/verify-own-token.js';

/** What {@link agentOfBearer} checks a bearer token with. */
export interface BearerVerifiers {
  /** Tokens this broker minted. */
  readonly verifier: Pick<OwnTokenVerifier, 'verify'>;
  /** The agent's own subject token (JWT-SVID or OIDC ID token). */
  readonly verifySubject: SubjectVerifier;
}

/**
 * The agent a bearer token speaks for about `taskId`: a token minted here speaks only for its
 * own task (another task is `not_found`, as an unknown one); the agent's subject token speaks
 * for all of its tasks. Anything else is `invalid_token`.
 */
export async function agentOfBearer(
  token: string,
  taskId: string,
  verifiers: BearerVerifiers,
): Promise<string> {
  const own = await verifiers.verifier.verify(token);
  if (own) {
    if (own.task_id !== taskId) throw new MandateError('not_found', `no task ${taskId}`);
    return own.client_id;
  }
  for (const type of [SUBJECT_TOKEN_TYPES.jwt, SUBJECT_TOKEN_TYPES.idToken]) {
    try {
      return (await verifiers.verifySubject(token, type)).agentId;
    } catch {
      // try the next kind of subject token
    }
  }
  throw new MandateError('invalid_token', 'the bearer token is not valid');
}
