import type { ClaimConditionInput } from './claim-conditions.js';

/** One trusted SPIFFE trust domain, as the config file states it. */
export interface SpiffeTrustSettings {
  readonly trust_domain: string;
  readonly bundle_file?: string | undefined;
  readonly bundle_endpoint?:
    { readonly url: string; readonly ca_file?: string | undefined } | undefined;
  readonly audiences: readonly string[];
}

/** One trusted OIDC issuer, as the config file states it. */
export interface OidcTrustSettings {
  readonly issuer: string;
  readonly jwks_uri?: string | undefined;
  readonly ca_file?: string | undefined;
  readonly audiences: readonly string[];
  readonly algorithms: readonly string[];
  readonly claims: Readonly<Record<string, ClaimConditionInput | readonly ClaimConditionInput[]>>;
  readonly agent_id: string;
  readonly person_id?: string | undefined;
}

/**
 * What identity trusts, in the config file's words; owned here so identity reads no config
 * types (the composition root passes `config.trust`, which has this shape).
 */
export interface TrustSettings {
  readonly spiffe: readonly SpiffeTrustSettings[];
  readonly oidc: readonly OidcTrustSettings[];
}
