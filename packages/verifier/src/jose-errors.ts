import { errors } from 'jose';
import {
  BrokerUnavailable,
  TokenAlgorithmNotAllowed,
  TokenAudienceInvalid,
  TokenExpired,
  TokenIssuerInvalid,
  TokenMalformed,
  TokenNotYetValid,
  TokenSignatureInvalid,
  TokenTypeInvalid,
  type VerifierError,
} from './errors.js';

/**
 * Maps jose's errors to the verifier's codes, `typ` being the type the token should have had;
 * anything unknown means the broker's key set is unusable.
 */
export function fromJose(err: unknown, typ: string): VerifierError {
  if (err instanceof errors.JWTExpired) return new TokenExpired('the token has expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'iss':
        return new TokenIssuerInvalid('the token was not issued by the expected broker');
      case 'aud':
        return new TokenAudienceInvalid('the token is not meant for this API');
      case 'typ':
        return new TokenTypeInvalid(`the token is not of type ${typ}`);
      case 'nbf':
      case 'iat':
        return err.reason === 'missing'
          ? new TokenMalformed(`the token has no "${err.claim}" claim`)
          : new TokenNotYetValid('the token is not valid yet');
      default:
        return new TokenMalformed(`the "${err.claim}" claim is missing or invalid`);
    }
  }
  if (err instanceof errors.JOSEAlgNotAllowed)
    return new TokenAlgorithmNotAllowed('the token is signed with an algorithm not allowed');
  if (
    err instanceof errors.JWSSignatureVerificationFailed ||
    err instanceof errors.JWKSNoMatchingKey ||
    err instanceof errors.JWKSMultipleMatchingKeys
  )
    return new TokenSignatureInvalid('no key of the broker verifies the token');
  if (
    err instanceof errors.JWSInvalid ||
    err instanceof errors.JWTInvalid ||
    err instanceof errors.JOSENotSupported
  )
    return new TokenMalformed('the token is not a valid signed JWT');
  return new BrokerUnavailable('the broker key set could not be fetched', { cause: err });
}
