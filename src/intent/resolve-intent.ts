import { SCOPE_CLASSES, SENSITIVITIES, type ScopeClass } from '../config/schema.js';
import { MandateError } from '../errors.js';
import type { Catalogue } from './catalogue.js';
import type { DeclaredIntent, Intent } from './intent.js';

/** Lifetimes the tier and global limits allow. */
export interface TtlPolicy {
  readonly tierTtlSeconds: Readonly<Record<ScopeClass, number>>;
  readonly maxTokenTtlSeconds: number;
}

/** An exchange request's intent-bearing parts. */
export interface IntentRequest {
  readonly audience: string;
  readonly scopes: readonly string[];
  readonly intent: DeclaredIntent;
}

/**
 * Resolves audience and scopes against the catalogue, takes the risk tier as the highest class
 * of the scopes, and clamps the lifetime: tier -> global max -> subject token's remaining life.
 *
 * @example
 * resolveIntent(req, { catalogue, ttl, subjectExpiresAt: principal.expiresAt, nowSeconds });
 */
export function resolveIntent(
  request: IntentRequest,
  context: { catalogue: Catalogue; ttl: TtlPolicy; subjectExpiresAt: number; nowSeconds: number },
): Intent {
  const resource = context.catalogue.find(request.audience);
  if (!resource) {
    throw new MandateError(
      'invalid_target',
      `audience "${request.audience}" is not served by this broker`,
    );
  }
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
  const tier = scopes
    .map((s) => resource.scopes[s]!)
    .reduce<ScopeClass>(
      (max, c) => (SCOPE_CLASSES.indexOf(c) > SCOPE_CLASSES.indexOf(max) ? c : max),
      'read',
    );
  const remaining = context.subjectExpiresAt - context.nowSeconds;
  const ttlSeconds = Math.min(
    context.ttl.tierTtlSeconds[tier],
    context.ttl.maxTokenTtlSeconds,
    remaining,
  );
  if (ttlSeconds <= 0) throw new MandateError('invalid_request', 'subject_token rejected: expired');
  const declared = request.intent.sensitivity;
  const sensitivity =
    declared !== undefined &&
    SENSITIVITIES.indexOf(declared) > SENSITIVITIES.indexOf(resource.sensitivity)
      ? declared
      : resource.sensitivity;
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
