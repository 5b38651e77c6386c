import { jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { TokenMalformed, TokenNotYetValid } from './errors.js';
import { fromJose } from './jose-errors.js';

/** What a broker-signed token is checked against. */
export interface TokenCheck {
  readonly keys: JWTVerifyGetKey;
  readonly issuer: string;
  readonly audience: string | readonly string[];
  readonly algorithms: readonly string[];
  /** Seconds of clock skew allowed on `exp`, `nbf` and `iat`. */
  readonly clockTolerance: number;
  readonly maxTokenBytes: number;
  readonly now: Date;
}

/**
 * Checks size, signature by the broker's keys, header `typ`, issuer, audience, times and the
 * presence of `requiredClaims` with jose; resolves to the payload as signed.
 */
export async function verifyBrokerJwt(
  token: string,
  check: TokenCheck,
  typ: string,
  requiredClaims: readonly string[],
): Promise<JWTPayload> {
  if (token.length > check.maxTokenBytes)
    throw new TokenMalformed(`the token is longer than ${check.maxTokenBytes} bytes`);
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, check.keys, {
      issuer: check.issuer,
      audience: [...(typeof check.audience === 'string' ? [check.audience] : check.audience)],
      typ,
      algorithms: [...check.algorithms],
      clockTolerance: check.clockTolerance,
      requiredClaims: [...requiredClaims],
      currentDate: check.now,
    }));
  } catch (err) {
    throw fromJose(err, typ);
  }
  // jose does not look at `iat` without maxTokenAge; a token from the future is not yet valid.
  const nowSeconds = Math.floor(check.now.getTime() / 1000);
  if (payload.iat! > nowSeconds + check.clockTolerance)
    throw new TokenNotYetValid('the token was issued in the future');
  return payload;
}
