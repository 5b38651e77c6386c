import { MandateError } from '../errors.js';
import type { Catalogue } from './catalogue.js';
import type { DeclaredIntent, Intent } from './intent.js';
import type { IssuanceRules } from './issuance-rules.js';
import { selectResource, type ResourceNames } from './select-resource.js';
import { higherTier, moreSensitive } from './tiers.js';

/** An exchange request's intent-bearing parts. */
export interface IntentRequest extends ResourceNames {
  readonly scopes: readonly string[];
  readonly intent: DeclaredIntent;
  /** A shorter lifetime the agent asked for; never lengthens what the tier allows. */
  readonly requestedTtlSeconds?: number;
}

/**
 * Resolves the resource (intent/select-resource) and scopes against the catalogue, takes the risk tier as the highest class
 * of the scopes (raised to the sensitivity floor of the data), and clamps the lifetime:
 * request -> tier -> global max -> subject token's remaining life.
 *
 * @example
 * resolveIntent(req, { catalogue, rules, subjectExpiresAt: principal.expiresAt, nowSeconds });
 */
export function resolveIntent(
  request: IntentRequest,
  context: {
    catalogue: Catalogue;
    rules: Pick<IssuanceRules, 'tierTtlSeconds' | 'maxTokenTtlSeconds' | 'sensitivityFloor'>;
    subjectExpiresAt: number;
    nowSeconds: number;
  },
): Intent {
  const resource = selectResource(request, context.catalogue);
  const scopes = [...new Set(request.scopes)];
  const unknown = scopes.filter((s) => !Object.hasOwn(resource.scopes, s));
  if (unknown.length > 0) {
    throw new MandateError(
      'invalid_scope',
      `unknown scope for ${resource.name}: ${unknown.join(' ')}`,
      {
        details: { refused_scopes: unknown },
      },
    );
  }
  const declared = request.intent.sensitivity;
  const sensitivity =
    declared === undefined ? resource.sensitivity : moreSensitive(resource.sensitivity, declared);
  const { rules } = context;
  const floor = rules.sensitivityFloor[sensitivity] ?? 'read';
  const tier = scopes.map((s) => resource.scopes[s]!).reduce(higherTier, floor);
  const remaining = context.subjectExpiresAt - context.nowSeconds;
  const ttlSeconds = Math.min(
    request.requestedTtlSeconds ?? Infinity,
    rules.tierTtlSeconds[tier],
    rules.maxTokenTtlSeconds,
    remaining,
  );
  if (ttlSeconds <= 0) throw new MandateError('invalid_request', 'subject_token rejected: expired');
  return {
    resource,
    scopes,
    tier,
    ttlSeconds,
    purpose: request.intent.purpose,
    targets: request.intent.targets,
    sensitivity,
  };
}
