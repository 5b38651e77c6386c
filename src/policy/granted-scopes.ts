import { MandateError } from '../errors.js';
import type { Decision } from './decision.js';

/**
 * The scopes a token may carry after policy: every requested scope when all are allowed; for
 * a resource with `partial: true`, the allowed ones when there is at least one (RFC 8693: the
 * response's `scope` then says what was granted). Otherwise refuses with `invalid_scope`.
 */
export function grantedScopes(decision: Decision, partial: boolean): readonly string[] {
  if (decision.denied.length === 0 || (partial && decision.allowed.length > 0))
    return decision.allowed;
  const refused = decision.denied.map((d) => d.scope);
  throw new MandateError('invalid_scope', `policy refused scope: ${refused.join(' ')}`, {
    details: { refused_scopes: refused },
  });
}
