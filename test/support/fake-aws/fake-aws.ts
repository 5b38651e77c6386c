import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignatureError, verifySigV4, type SignedBy } from './sigv4.js';
import { errorXml, resultXml } from './xml.js';

/** The credentials the broker under test signs its STS and IAM calls with. */
export const BROKER_CREDENTIALS = {
  accessKeyId: 'AKIAMANDATETEST00001',
  secretAccessKey: 'broker-secret-for-tests-only-0000000000',
} as const;

/** One request the fake answered (or refused), as AWS would have received it. */
export interface RecordedCall {
  readonly action: string;
  readonly signedBy: SignedBy;
  /** Every Query-protocol parameter, as sent. */
  readonly params: Readonly<Record<string, string>>;
}

/** A session the fake's STS issued. */
export interface IssuedSession {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly roleArn: string;
  readonly sessionName: string;
  readonly expiration: Date;
  readonly tags: Readonly<Record<string, string>>;
}

/** How the next matching calls fail. */
export type Failure =
  'AccessDenied' | 'Throttling' | 'RegionDisabledException' | 'PackedPolicyTooLarge' | 'drop';

const FAILURES: Record<Exclude<Failure, 'drop'>, { status: number; message: string }> = {
  AccessDenied: { status: 403, message: 'User is not authorized to perform: sts:AssumeRole' },
  Throttling: { status: 400, message: 'Rate exceeded' },
  RegionDisabledException: { status: 403, message: 'STS is not activated in this region' },
  PackedPolicyTooLarge: { status: 400, message: 'Packed policy consumes 112% of allotted space' },
};

const STS_ACTIONS = new Set(['AssumeRole', 'GetCallerIdentity']);
const IAM_ACTIONS = new Set(['PutRolePolicy', 'GetRolePolicy', 'DeleteRolePolicy']);
const NAME = /^[\w+=,.@-]{2,64}$/;
const TAG = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/**
 * A loopback STS- and IAM-compatible endpoint for tests: verifies every request's SigV4
 * signature (the broker's key, or a session it issued), checks AssumeRole's parameters as STS
 * does (lengths, patterns, 900-3600 s, the 2,048-character session policy), keeps inline role
 * policies (IAM's 10,240-character role limit enforced), answers in AWS's XML, records every
 * call, and fails on demand.
 */
export class FakeAws {
  readonly calls: RecordedCall[] = [];
  readonly sessions = new Map<string, IssuedSession>();
  /** Role name -> policy name -> document JSON. */
  readonly rolePolicies = new Map<string, Map<string, string>>();
  readonly #failures: { action: string; failure: Failure; times: number }[] = [];
  readonly #server: Server;
  readonly #now: () => number;
  /** Runs before each verified call is answered (a test looks at the broker's state then). */
  beforeAnswer: ((call: RecordedCall) => Promise<void>) | undefined;

  private constructor(now: () => number) {
    this.#now = now;
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  /** Starts on 127.0.0.1, on a free port. `now` is the clock STS expirations are counted from. */
  static async start(options: { now?: () => number } = {}): Promise<FakeAws> {
    const fake = new FakeAws(options.now ?? Date.now);
    await new Promise<void>((done) => fake.#server.listen(0, '127.0.0.1', done));
    return fake;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** The next `times` calls of `action` fail as told. */
  fail(action: string, failure: Failure, times = 1): void {
    this.#failures.push({ action, failure, times });
  }

  /** The recorded calls of one action. */
  callsOf(action: string): RecordedCall[] {
    return this.calls.filter((c) => c.action === action);
  }

  /** The inline policy of a role as a parsed document, if any. */
  policyOf(
    roleName: string,
    policyName: string,
  ): { Statement: Record<string, unknown>[] } | undefined {
    const json = this.rolePolicies.get(roleName)?.get(policyName);
    return json === undefined
      ? undefined
      : (JSON.parse(json) as { Statement: Record<string, unknown>[] });
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((done) => this.#server.close(() => done()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const params = Object.fromEntries(new URLSearchParams(body.toString('utf8')));
    const action = params.Action ?? '';
    const service = STS_ACTIONS.has(action) ? 'sts' : IAM_ACTIONS.has(action) ? 'iam' : undefined;
    if (service === undefined)
      return this.#error(res, 'sts', 400, 'InvalidAction', `unknown action ${action}`);
    let signedBy: SignedBy;
    try {
      signedBy = verifySigV4(
        { method: req.method ?? '', path: req.url ?? '/', headers: req.headers, body },
        (id) => this.#secretFor(id),
        Date.now(),
      );
    } catch (err) {
      if (!(err instanceof SignatureError)) throw err;
      return this.#error(res, service, 403, err.code, err.message);
    }
    if (signedBy.service !== service)
      return this.#error(
        res,
        service,
        403,
        'SignatureDoesNotMatch',
        `signed for ${signedBy.service}, not ${service}`,
      );
    const call = { action, signedBy, params };
    this.calls.push(call);
    await this.beforeAnswer?.(call);
    const failure = this.#takeFailure(action);
    if (failure === 'drop') {
      req.socket.destroy();
      return;
    }
    if (failure) {
      const { status, message } = FAILURES[failure];
      return this.#error(res, service, status, failure, message);
    }
    switch (action) {
      case 'AssumeRole':
        return this.#assumeRole(res, params);
      case 'GetCallerIdentity':
        return this.#callerIdentity(res, signedBy);
      case 'PutRolePolicy':
        return this.#putRolePolicy(res, params);
      case 'GetRolePolicy':
        return this.#getRolePolicy(res, params);
      default:
        return this.#deleteRolePolicy(res, params);
    }
  }

  #secretFor(accessKeyId: string): { secret: string; sessionToken?: string } | undefined {
    if (accessKeyId === BROKER_CREDENTIALS.accessKeyId)
      return { secret: BROKER_CREDENTIALS.secretAccessKey };
    const session = this.sessions.get(accessKeyId);
    if (!session || session.expiration.getTime() <= this.#now()) return undefined;
    return { secret: session.secretAccessKey, sessionToken: session.sessionToken };
  }

  #takeFailure(action: string): Failure | undefined {
    const next = this.#failures.find((f) => f.action === action && f.times > 0);
    if (!next) return undefined;
    next.times -= 1;
    return next.failure;
  }

  #assumeRole(res: ServerResponse, p: Record<string, string>): void {
    const problem = assumeRoleProblem(p);
    if (problem) return this.#error(res, 'sts', 400, 'ValidationError', problem);
    const tags: Record<string, string> = {};
    for (let n = 1; p[`Tags.member.${n}.Key`] !== undefined; n++)
      tags[p[`Tags.member.${n}.Key`]!] = p[`Tags.member.${n}.Value`] ?? '';
    const roleArn = p.RoleArn!;
    const session: IssuedSession = {
      accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(20).toString('base64'),
      sessionToken: randomBytes(48).toString('base64'),
      roleArn,
      sessionName: p.RoleSessionName!,
      expiration: new Date(
        Math.floor(this.#now() / 1000) * 1000 + Number(p.DurationSeconds ?? 3600) * 1000,
      ),
      tags,
    };
    this.sessions.set(session.accessKeyId, session);
    const [, account, roleName] = /^arn:[^:]+:iam::(\d+):role\/(?:.*\/)?([^/]+)$/.exec(roleArn)!;
    res.writeHead(200, { 'Content-Type': 'text/xml' }).end(
      resultXml('sts', 'AssumeRole', {
        ...(p.SourceIdentity ? { SourceIdentity: p.SourceIdentity } : {}),
        AssumedRoleUser: {
          Arn: `arn:aws:sts::${account}:assumed-role/${roleName}/${session.sessionName}`,
          AssumedRoleId: `AROAFAKE${account}:${session.sessionName}`,
        },
        Credentials: {
          AccessKeyId: session.accessKeyId,
          SecretAccessKey: session.secretAccessKey,
          SessionToken: session.sessionToken,
          Expiration: session.expiration.toISOString().replace('.000Z', 'Z'),
        },
        PackedPolicySize: '6',
      }),
    );
  }

  #callerIdentity(res: ServerResponse, signedBy: SignedBy): void {
    const session = this.sessions.get(signedBy.accessKeyId);
    const arn = session
      ? session.roleArn.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/') +
        `/${session.sessionName}`
      : 'arn:aws:iam::123456789012:user/mandate-broker';
    res.writeHead(200, { 'Content-Type': 'text/xml' }).end(
      resultXml('sts', 'GetCallerIdentity', {
        Arn: arn,
        UserId: signedBy.accessKeyId,
        Account: '123456789012',
      }),
    );
  }

  #putRolePolicy(res: ServerResponse, p: Record<string, string>): void {
    const { RoleName: role, PolicyName: name, PolicyDocument: doc } = p;
    if (!role || !name || !doc)
      return this.#error(
        res,
        'iam',
        400,
        'ValidationError',
        'RoleName, PolicyName and PolicyDocument are required',
      );
    try {
      JSON.parse(doc);
    } catch {
      return this.#error(res, 'iam', 400, 'MalformedPolicyDocument', 'not JSON');
    }
    const policies = new Map(this.rolePolicies.get(role) ?? []);
    policies.set(name, doc);
    // IAM counts every inline policy of the role together, whitespace not counted.
    const size = [...policies.values()].reduce((n, d) => n + d.replace(/\s/g, '').length, 0);
    if (size > 10_240)
      return this.#error(
        res,
        'iam',
        409,
        'LimitExceeded',
        `Maximum policy size of 10240 bytes exceeded for role ${role}`,
      );
    this.rolePolicies.set(role, policies);
    res.writeHead(200, { 'Content-Type': 'text/xml' }).end(resultXml('iam', 'PutRolePolicy'));
  }

  #getRolePolicy(res: ServerResponse, p: Record<string, string>): void {
    const doc = this.rolePolicies.get(p.RoleName ?? '')?.get(p.PolicyName ?? '');
    if (doc === undefined)
      return this.#error(
        res,
        'iam',
        404,
        'NoSuchEntity',
        `The role policy with name ${p.PolicyName} cannot be found.`,
      );
    res.writeHead(200, { 'Content-Type': 'text/xml' }).end(
      // IAM returns the document URL-encoded (RFC 3986).
      resultXml('iam', 'GetRolePolicy', {
        RoleName: p.RoleName!,
        PolicyName: p.PolicyName!,
        PolicyDocument: encodeURIComponent(doc),
      }),
    );
  }

  #deleteRolePolicy(res: ServerResponse, p: Record<string, string>): void {
    const policies = this.rolePolicies.get(p.RoleName ?? '');
    if (!policies?.delete(p.PolicyName ?? ''))
      return this.#error(
        res,
        'iam',
        404,
        'NoSuchEntity',
        `The role policy with name ${p.PolicyName} cannot be found.`,
      );
    res.writeHead(200, { 'Content-Type': 'text/xml' }).end(resultXml('iam', 'DeleteRolePolicy'));
  }

  #error(
    res: ServerResponse,
    service: 'sts' | 'iam',
    status: number,
    code: string,
    message: string,
  ): void {
    res
      .writeHead(status, { 'Content-Type': 'text/xml' })
      .end(errorXml(service, code, message, randomUUID()));
  }
}

/** What STS would refuse in an AssumeRole request (the documented constraints). */
function assumeRoleProblem(p: Record<string, string>): string | undefined {
  if (!/^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(p.RoleArn ?? ''))
    return 'RoleArn is not a role ARN';
  if (!NAME.test(p.RoleSessionName ?? '')) return 'RoleSessionName must be 2-64 of [\\w+=,.@-]';
  if (
    p.SourceIdentity !== undefined &&
    (!NAME.test(p.SourceIdentity) || p.SourceIdentity.startsWith('aws:'))
  )
    return 'SourceIdentity must be 2-64 of [\\w+=,.@-], not starting with aws:';
  const duration = Number(p.DurationSeconds ?? 3600);
  if (!Number.isInteger(duration) || duration < 900 || duration > 3600)
    return 'DurationSeconds must be between 900 and the role maximum (3600)';
  if (p.Policy !== undefined) {
    if (p.Policy.length > 2048) return 'Policy exceeds 2048 characters';
    try {
      JSON.parse(p.Policy);
    } catch {
      return 'Policy is not JSON';
    }
  }
  const keys: string[] = [];
  for (let n = 1; p[`Tags.member.${n}.Key`] !== undefined; n++) {
    const key = p[`Tags.member.${n}.Key`]!;
    const value = p[`Tags.member.${n}.Value`] ?? '';
    if (key.length > 128 || !TAG.test(key) || value.length > 256 || !TAG.test(value))
      return `Tags.member.${n} does not satisfy the tag constraints`;
    keys.push(key.toLowerCase());
  }
  if (keys.length > 50) return 'at most 50 session tags';
  for (let n = 1; p[`TransitiveTagKeys.member.${n}`] !== undefined; n++)
    if (!keys.includes(p[`TransitiveTagKeys.member.${n}`]!.toLowerCase()))
      return `TransitiveTagKeys.member.${n} is not a tag of the request`;
  return undefined;
}
