import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULTS } from '../config/defaults.js';
import type { CacheObserver } from '../platform/cache-observer.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import { BundleEndpointSource } from './bundle-endpoint-source.js';
import { BundleFileSource } from './bundle-file-source.js';
import { compileClaimConditions } from './claim-conditions.js';
import { fetchJson as httpsFetchJson, type FetchJson } from './fetch-json.js';
import { OidcIssuer } from './oidc-issuer.js';
import type { SpiffeBundle } from './spiffe-bundle.js';
import { SpiffeTrust } from './spiffe-trust.js';
import { VerifiedTokenCache } from './verified-token-cache.js';
import { createSubjectVerifier, type SubjectVerifier } from './verify-subject-token.js';
import type { IdentityCounters } from './identity-counters.js';
import type { TrustSettings } from './trust-settings.js';

/** What building the identity layer needs from the composition root. */
export interface IdentityOptions {
  /** The broker's own issuer, refused as a subject-token issuer. */
  readonly brokerIssuer: string;
  readonly trust: TrustSettings;
  /** Folder relative `ca_file` paths are resolved against. */
  readonly configDir: string;
  readonly clockTolerance: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: IdentityCounters;
  /** Told of the verified-token cache's lookups and evictions (not of a clear on a key change). */
  readonly verifiedTokenCacheObserver?: CacheObserver;
  /** Transport for key material; HTTPS by default. */
  readonly fetchJson?: FetchJson;
}

/** The identity layer: the subject verifier and the sources keeping its keys current. */
export interface Identity {
  readonly verifySubject: SubjectVerifier;
  readonly trust: SpiffeTrust;
  /** Configured trust domains with no bundle yet (an endpoint not reached since start). */
  readonly pendingTrustDomains: () => string[];
  /** Stops watching bundle files and refreshing bundle endpoints. */
  close(): void;
}

/**
 * Builds trust from config: loads every bundle (a missing bundle file stops the start; an
 * unreachable bundle endpoint is retried while its domain's SVIDs are refused), starts the
 * sources that keep bundles current, and prepares the OIDC issuers (fetched lazily).
 *
 * @example
 * const identity = await createIdentity({ brokerIssuer, trust: config.trust, ... });
 */
export async function createIdentity(options: IdentityOptions): Promise<Identity> {
  const { logger, metrics } = options;
  const fetchJson = options.fetchJson ?? httpsFetchJson;
  const readCa = (file: string | undefined) =>
    file === undefined ? undefined : readFileSync(resolve(options.configDir, file), 'utf8');
  // One cache for every authority: any change of trusted keys empties it, so no token stays
  // vouched for by a key that was removed.
  const verified = new VerifiedTokenCache(
    DEFAULTS.verifiedSubjectTokens,
    options.verifiedTokenCacheObserver,
  );
  const forgetVerified = () => verified.clear();
  const trust = new SpiffeTrust({ onKeysChanged: forgetVerified });
  const sources: { close(): void }[] = [];
  const failed = (source: string, authority: string) => {
    // Each configured source starts at zero, so an alert sees its first failure.
    metrics.keySetRefreshFailures.inc({ source, authority }, 0);
    return (err: unknown) => {
      metrics.keySetRefreshFailures.inc({ source, authority });
      logger.warn({ err, source, authority }, 'trusted keys not refreshed; keeping the last good');
    };
  };

  try {
    await startBundleSources();
  } catch (err) {
    sources.forEach((s) => s.close());
    throw err;
  }

  async function startBundleSources(): Promise<void> {
    for (const domain of options.trust.spiffe) {
      const onBundle = (bundle: SpiffeBundle) => {
        const previous = trust.get(domain.trust_domain)?.bundle.sequence;
        if (previous !== undefined && (bundle.sequence ?? 0) < previous)
          logger.warn({ trust_domain: domain.trust_domain }, 'bundle sequence went backwards');
        trust.setBundle(bundle, domain.audiences);
        logger.info(
          {
            trust_domain: domain.trust_domain,
            keys: bundle.jwtAuthorities.length,
            sequence: bundle.sequence,
          },
          'trust bundle loaded',
        );
      };
      if (domain.bundle_file !== undefined) {
        const source = new BundleFileSource({
          trustDomain: domain.trust_domain,
          file: domain.bundle_file,
          onBundle,
          onFailure: failed('spiffe_bundle_file', domain.trust_domain),
          pollSeconds: DEFAULTS.bundleFilePollSeconds,
          logger,
        });
        await source.start();
        sources.push(source);
      } else if (domain.bundle_endpoint !== undefined) {
        const source = new BundleEndpointSource({
          trustDomain: domain.trust_domain,
          url: domain.bundle_endpoint.url,
          ca: readCa(domain.bundle_endpoint.ca_file),
          fetchJson,
          timeoutMs: DEFAULTS.keyFetchTimeoutMs,
          maxBytes: DEFAULTS.keyFetchMaxBytes,
          defaultRefreshSeconds: DEFAULTS.bundleRefreshSeconds,
          minRefreshSeconds: DEFAULTS.bundleRefreshMinSeconds,
          maxRefreshSeconds: DEFAULTS.bundleRefreshMaxSeconds,
          retrySeconds: DEFAULTS.bundleRetrySeconds,
          onBundle,
          onFailure: failed('spiffe_bundle_endpoint', domain.trust_domain),
        });
        sources.push(source);
        await source.start();
      }
    }
  }

  const oidcIssuers = new Map<string, OidcIssuer>();
  for (const entry of options.trust.oidc) {
    oidcIssuers.set(
      entry.issuer,
      new OidcIssuer({
        config: {
          issuer: entry.issuer,
          jwksUri: entry.jwks_uri,
          ca: readCa(entry.ca_file),
          audiences: entry.audiences,
          algorithms: entry.algorithms,
          conditions: compileClaimConditions(entry.claims),
          agentIdTemplate: entry.agent_id,
          personIdTemplate: entry.person_id,
        },
        fetchJson,
        clock: options.clock,
        limits: {
          timeoutMs: DEFAULTS.keyFetchTimeoutMs,
          maxBytes: DEFAULTS.keyFetchMaxBytes,
          maxAgeMs: DEFAULTS.jwksMaxAgeSeconds * 1000,
          cooldownMs: DEFAULTS.jwksCooldownSeconds * 1000,
          maxKeys: DEFAULTS.jwksMaxKeys,
        },
        onFailure: failed('oidc_jwks', entry.issuer),
        onKeysChanged: forgetVerified,
      }),
    );
  }

  return {
    trust,
    verifySubject: createSubjectVerifier({
      brokerIssuer: options.brokerIssuer,
      trust,
      oidcIssuers,
      clock: options.clock,
      clockTolerance: options.clockTolerance,
      maxTokenBytes: DEFAULTS.maxSubjectTokenBytes,
      maxLifetimeSeconds: DEFAULTS.maxSubjectLifetimeSeconds,
      verifications: metrics.subjectVerifications,
      cache: verified,
    }),
    pendingTrustDomains: () =>
      options.trust.spiffe.map((d) => d.trust_domain).filter((td) => trust.get(td) === undefined),
    close: () => sources.forEach((s) => s.close()),
  };
}
