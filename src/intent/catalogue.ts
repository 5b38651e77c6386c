import { awsAccess, type AwsAccess, type AwsAccessConfig } from './aws-access.js';
import type { ScopeClass, Sensitivity } from './tiers.js';

/** A downstream API the broker mints tokens for, as the operator described it. */
export interface Resource {
  readonly name: string;
  /** The `aud` of tokens minted for it. */
  readonly audience: string;
  readonly kind: string;
  readonly sensitivity: Sensitivity;
  /** Scope name -> operation class. */
  readonly scopes: Readonly<Record<string, ScopeClass>>;
  /** Grant the allowed subset of the requested scopes instead of refusing them all. */
  readonly partial?: boolean | undefined;
  /** `kind: aws`: the role the broker assumes and what each scope allows there. */
  readonly aws?: AwsAccess | undefined;
}

/** A resource as the config's `resources:` section holds it. */
export type ResourceConfig = Omit<Resource, 'name' | 'aws'> & { readonly aws?: AwsAccessConfig };

/** The resource catalogue: looks resources up by name or by audience URI. */
export class Catalogue {
  readonly #byKey = new Map<string, Resource>();
  readonly #byAudience = new Map<string, Resource>();
  readonly resources: readonly Resource[];

  constructor(resources: readonly Resource[]) {
    this.resources = resources;
    for (const resource of resources) {
      this.#byKey.set(resource.name, resource);
      this.#byKey.set(resource.audience, resource);
      this.#byAudience.set(resource.audience, resource);
    }
  }

  /** Builds the catalogue from the `resources:` section of the config. */
  static fromConfig(resources: Record<string, ResourceConfig>): Catalogue {
    return new Catalogue(
      Object.entries(resources).map(([name, { aws, ...r }]) => ({
        name,
        ...r,
        ...(aws ? { aws: awsAccess(aws) } : {}),
      })),
    );
  }

  /** The resource named by `audience` (its name or its audience URI), if any. */
  find(audience: string): Resource | undefined {
    return this.#byKey.get(audience);
  }

  /** The resource whose audience URI is `uri` exactly (RFC 8707 `resource`, RFC 9396 `locations`). */
  findByAudience(uri: string): Resource | undefined {
    return this.#byAudience.get(uri);
  }
}
