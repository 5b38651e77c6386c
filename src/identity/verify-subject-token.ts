import { MandateError } from '../errors.js';
import type { Principal } from './principal.js';
import { refuseSubject, verifySvid, type VerifySvidOptions } from './verify-svid.js';

/** RFC 8693 token type URIs the broker accepts as `subject_token_type`. */
export const SUBJECT_TOKEN_TYPES = {
  jwt: 'urn:ietf:params:oauth:token-type:jwt',
  idToken: 'urn:ietf:params:oauth:token-type:id_token',
  accessToken: 'urn:ietf:params:oauth:token-type:access_token',
} as const;

/** Everything subject-token verification needs. */
export interface SubjectVerifierOptions extends VerifySvidOptions {
  /** Largest subject token accepted, in bytes; checked before any crypto. */
  readonly maxTokenBytes: number;
}

/** Turns a subject token into a verified {@link Principal}, or refuses it. */
export type SubjectVerifier = (token: string, tokenType: string) => Promise<Principal>;

/**
 * Builds the verifier for `subject_token`: size first, then the verifier of its kind.
 *
 * @example
 * const verify = createSubjectVerifier({ trust, clock, clockTolerance: 30, maxTokenBytes: 8192 });
 * const principal = await verify(token, SUBJECT_TOKEN_TYPES.jwt);
 */
export function createSubjectVerifier(options: SubjectVerifierOptions): SubjectVerifier {
  return async (token, tokenType) => {
    if (Buffer.byteLength(token, 'utf8') > options.maxTokenBytes) {
      throw refuseSubject(`larger than ${options.maxTokenBytes} bytes`);
    }
    if (tokenType !== SUBJECT_TOKEN_TYPES.jwt) {
      throw new MandateError(
        'invalid_request',
        `subject_token_type ${tokenType} is not accepted; use ${SUBJECT_TOKEN_TYPES.jwt}`,
      );
    }
    return verifySvid(token, options);
  };
}
