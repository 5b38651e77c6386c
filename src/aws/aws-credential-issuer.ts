import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import { DEFAULTS } from '../config/defaults.js';
import { MandateError } from '../errors.js';
import type { AwsAccess } from '../intent/aws-access.js';
import type { Intent } from '../intent/intent.js';
import { agentHash, roleSessionName, SESSION_TAGS, sourceIdentity, tagValue } from './aws-names.js';
import type { AwsSessionLedger } from './aws-session-ledger.js';
import { buildSessionPolicy, type SessionPolicy } from './session-policy.js';
import { stsRefusal } from './sts-errors.js';

/** The `requested_token_type` of AWS credentials (docs/aws.md). */
export const AWS_CREDENTIALS_TOKEN_TYPE = 'urn:mandate:token-type:aws-credentials';

/** Credentials in the form AWS SDKs read from a `credential_process` command. */
export interface CredentialProcessOutput {
  readonly Version: 1;
  readonly AccessKeyId: string;
  readonly SecretAccessKey: string;
  readonly SessionToken: string;
  /** ISO 8601. */
  readonly Expiration: string;
}

/** An exchange for a `kind: aws` resource, planned before its grant is recorded. */
export interface AwsSessionPlan {
  readonly access: AwsAccess;
  readonly policy: SessionPolicy;
  /** The intent to record: its lifetime raised to AWS's 900 s floor when shorter. */
  readonly intent: Intent;
  /** The lifetime the grant would have had without AWS's floor, seconds. */
  readonly grantedTtlSeconds: number;
}

/** The grant an AWS session is issued for, as recorded. */
export interface AwsGrant {
  readonly jti: string;
  readonly agentId: string;
  readonly taskId: string;
  readonly expiresAt: number;
}

/** A session STS issued: the credentials and what the audit and the answer say of it. */
export interface IssuedAwsSession {
  readonly credentials: CredentialProcessOutput;
  readonly roleArn: string;
  readonly sessionName: string;
  readonly sourceIdentity: string;
  /** Seconds asked of STS (`DurationSeconds`). */
  readonly durationSeconds: number;
  /** The credentials' expiry, epoch seconds, as STS set it. */
  readonly expiresAt: number;
}

/** Options of {@link AwsCredentialIssuer}. */
export interface AwsCredentialIssuerOptions {
  /** The STS client of a region (built once per region by the composition root). */
  readonly stsFor: (region: string) => STSClient;
  readonly defaultRegion: string;
  readonly sessions: AwsSessionLedger;
}

/**
 * Issues AWS credentials for a grant: `AssumeRole` with the session policy of the granted
 * scopes, session tags naming grant, task and agent, `SourceIdentity` from the agent id,
 * `RoleSessionName` from the grant, at least AWS's 900 s. The session is written to the ledger
 * before STS is called and forgotten if STS refuses.
 *
 * @example
 * const plan = issuer.plan(intent);
 * const issued = await issuer.issue(plan, grant, nowSeconds);
 */
export class AwsCredentialIssuer {
  readonly #o: AwsCredentialIssuerOptions;

  constructor(options: AwsCredentialIssuerOptions) {
    this.#o = options;
  }

  /** The session policy of the intent's scopes and its lifetime raised to AWS's floor. */
  plan(intent: Intent): AwsSessionPlan {
    const access = intent.resource.aws;
    if (!access) throw new Error(`resource ${intent.resource.name} has no aws: section`);
    const policy = buildSessionPolicy(access, intent.scopes, intent.targets);
    const floor = DEFAULTS.aws.minSessionSeconds;
    return {
      access,
      policy,
      intent: intent.ttlSeconds >= floor ? intent : { ...intent, ttlSeconds: floor },
      grantedTtlSeconds: intent.ttlSeconds,
    };
  }

  /** Calls STS for the recorded grant; a refusal is a {@link MandateError} (sts-errors.ts). */
  async issue(
    plan: AwsSessionPlan,
    grant: AwsGrant,
    nowSeconds: number,
  ): Promise<IssuedAwsSession> {
    const { access } = plan;
    // The grant's expiry may have been cut to its task's end: STS still wants 900 s at least.
    const durationSeconds = Math.max(DEFAULTS.aws.minSessionSeconds, grant.expiresAt - nowSeconds);
    const sessionName = roleSessionName(grant.jti);
    const identity = sourceIdentity(grant.agentId);
    await this.#o.sessions.record({
      grantId: grant.jti,
      agentId: grant.agentId,
      taskId: grant.taskId,
      roleArn: access.roleArn,
      sessionName,
      issuedAt: nowSeconds,
      // AWS's clock may run ahead of ours: the revoker keeps a deny a little longer.
      expiresAt: nowSeconds + durationSeconds + DEFAULTS.aws.expiryMarginSeconds,
    });
    const tagKeys = [SESSION_TAGS.grant, SESSION_TAGS.task, SESSION_TAGS.agent];
    let out;
    try {
      out = await this.#o.stsFor(access.region ?? this.#o.defaultRegion).send(
        new AssumeRoleCommand({
          RoleArn: access.roleArn,
          RoleSessionName: sessionName,
          DurationSeconds: durationSeconds,
          Policy: plan.policy.json,
          SourceIdentity: identity,
          Tags: [
            { Key: SESSION_TAGS.grant, Value: tagValue(grant.jti) },
            { Key: SESSION_TAGS.task, Value: tagValue(grant.taskId) },
            { Key: SESSION_TAGS.agent, Value: agentHash(grant.agentId) },
          ],
          ...(access.transitiveTags ? { TransitiveTagKeys: tagKeys } : {}),
          ...(access.externalId ? { ExternalId: access.externalId } : {}),
        }),
      );
    } catch (err) {
      // No session exists: nothing for the revoker to deny. A failure here leaves an entry
      // that only makes a later revocation write a deny for a session that never was.
      await this.#o.sessions.forget(grant.agentId, grant.jti).catch(() => undefined);
      throw stsRefusal(err);
    }
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration)
      throw new MandateError('server_error', 'AWS STS answered without credentials');
    return {
      credentials: {
        Version: 1,
        AccessKeyId: c.AccessKeyId,
        SecretAccessKey: c.SecretAccessKey,
        SessionToken: c.SessionToken,
        Expiration: c.Expiration.toISOString(),
      },
      roleArn: access.roleArn,
      sessionName,
      sourceIdentity: identity,
      durationSeconds,
      expiresAt: Math.floor(c.Expiration.getTime() / 1000),
    };
  }
}
