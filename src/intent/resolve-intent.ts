import {
  SCOPE_CLASSES,
  SENSITIVITIES,
  type ScopeClass,
  type Sensitivity,
} from '../config/schema.js';
import { MandateError } from '../errors.js';
import type { Catalogue } from './catalogue.js';
import type { DeclaredIntent, Intent } from './intent.js';

/** Lifetimes the tier and global limits allow. */
export interface TtlPolicy {
  readonly tierTtlSeconds: Readonly<Record<ScopeClass, number>>;
  readonly maxTokenTtlSeconds: number;
}

/** Lowest tier for data of a sensitivity (e.g. restricted data is handled at least at write). */
export type SensitivityFloor = Readonly<Partial<Record<Sensitivity, ScopeClass>>>;

/** An exchange request's intent-bearing parts. */
export interface IntentRequest {
  readonly audience: string;
  readonly scopes: readonly string[];
  readonly intent: DeclaredIntent;
  /** A shorter lifetime the agent asked for; never lengthens what the tier allows. */
  readonly requestedTtlSeconds?: number;
}

/**
 * Resolves audience and scopes against the catalogue, takes the risk tier as the highest class
 * of the scopes (raised to the sensitivity floor of the data), and clamps the lifetime:
 * request -> tier -> global max -> subject token's remaining life.
 *
 * @example
 * resolveIntent(req, { catalogue, ttl, subjectExpiresAt: principal.expiresAt, nowSeconds });
 */
export function resolveIntent(
  request: IntentRequest,
  context: {
    catalogue: Catalogue;
    ttl: TtlPolicy;
    subjectExpiresAt: number;
    nowSeconds: number;
    sensitivityFloor?: SensitivityFloor;
  },
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
  const declared = request.intent.sensitivity;
  const sensitivity =
    declared !== undefined &&
    SENSITIVITIES.indexOf(declared) > SENSITIVITIES.indexOf(resource.sensitivity)
      ? declared
      : resource.sensitivity;
  const floor = context.sensitivityFloor?.[sensitivity] ?? 'read';
  const tier = scopes.map((s) => resource.scopes[s]!).reduce<ScopeClass>(higher, floor);
  const remaining = context.subjectExpiresAt - context.nowSeconds;
  const ttlSeconds = Math.min(
    request.requestedTtlSeconds ?? Infinity,
    context.ttl.tierTtlSeconds[tier],
    context.ttl.maxTokenTtlSeconds,
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

function higher(a: ScopeClass, b: ScopeClass): ScopeClass {
  return SCOPE_CLASSES.indexOf(b) > SCOPE_CLASSES.indexOf(a) ? b : a;
}
