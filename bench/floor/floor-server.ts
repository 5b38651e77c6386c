/**
 * The floor: the least a server doing a token exchange must do, to measure the broker against.
 * node:http; the body read (form or JSON); the JWT-SVID verified (jose, ES256, against the
 * trust domain's bundle key, `aud` and `exp` checked, `sub` in the trust domain); the
 * audience looked up; an ES256 access token signed; the grant recorded by ONE Redis script (HSET + PEXPIRE + ZADD +
 * PEXPIRE, by EVALSHA); a JSON answer. No policy, no catalogue, no loop rules, no audit.
 *
 * Run as its own process (bench/floor.ts does): `node --import tsx bench/floor/floor-server.ts`
 * with FLOOR_CONFIG (JSON of {@link FloorConfig}) in the environment; it prints
 * `{"ready":"<url>"}` once every worker listens. `workers` > 1 forks that many node:cluster
 * workers on one port ("floor x N").
 */
import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  SignJWT,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  type CryptoKey,
  type JWK,
} from 'jose';
import { Redis } from 'ioredis';
import { SVID_AUDIENCE, TICKETS } from './requests.js';

/** What the floor needs to know; every member is set by bench/floor.ts. */
export interface FloorConfig {
  readonly host: string;
  readonly port: number;
  readonly trustDomain: string;
  /** The SPIFFE bundle file (JWKS) the SVIDs are verified against. */
  readonly bundleFile: string;
  /** The `aud` an SVID must carry. */
  readonly svidAudience: string;
  /** The resources it issues for: `audience` parameter -> the token's `aud`. */
  readonly resources: Record<string, string>;
  readonly redisUrl: string;
  /** Keys are `<prefix>:grant:<jti>` and `<prefix>:agent:<spiffe id>`. */
  readonly prefix: string;
  readonly workers: number;
}

/** The floor's config for a trust domain, a port and a Redis prefix; it issues for tickets. */
export function floorConfig(options: {
  readonly td: { readonly trustDomain: string; readonly bundleFile: string };
  readonly port: number;
  readonly redisUrl: string;
  readonly prefix: string;
  readonly workers: number;
}): FloorConfig {
  return {
    host: '127.0.0.1',
    port: options.port,
    trustDomain: options.td.trustDomain,
    bundleFile: options.td.bundleFile,
    svidAudience: SVID_AUDIENCE,
    resources: { [TICKETS.key]: TICKETS.audience },
    redisUrl: options.redisUrl,
    prefix: options.prefix,
    workers: options.workers,
  };
}

/** Lifetime of the floor's access tokens and grant records: the broker's read tier, 5 min. */
const TOKEN_SECONDS = 300;
/** Bodies above this are refused (the broker's own bound on a token request is larger). */
const MAX_BODY_BYTES = 64 * 1024;
/** The one script that records a grant: its record, and its place in the agent's grants. */
const RECORD_GRANT = `
redis.call('HSET', KEYS[1], 'sub', ARGV[1], 'task', ARGV[2], 'aud', ARGV[3], 'scope', ARGV[4], 'exp', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[7])
redis.call('PEXPIRE', KEYS[2], ARGV[6])
return 1`;

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';

/** A running floor (one process, or one worker of several). */
export interface FloorServer {
  readonly url: string;
  /** The public key its tokens are verified with. */
  readonly jwks: { keys: JWK[] };
  close(): Promise<void>;
}

/** Redis with the grant script defined (EVALSHA, loaded again if Redis forgot it). */
type FloorRedis = Redis & {
  recordGrant(grantKey: string, agentKey: string, ...args: (string | number)[]): Promise<unknown>;
};

/** A refusal with its OAuth error, answered as 400 (or `status`). */
class Refusal extends Error {
  constructor(
    readonly error: string,
    readonly status = 400,
  ) {
    super(error);
  }
}

/** The floor's token key: one per floor, shared by all its workers. */
export interface FloorKey {
  /** The private ES256 JWK. */
  readonly private: JWK;
  /** Its public half, as the JWKS shows it. */
  readonly public: JWK;
}

/** A new ES256 token key, `kid` "floor". */
export async function floorKey(): Promise<FloorKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const id = { kid: 'floor', alg: 'ES256' };
  return {
    private: { ...(await exportJWK(privateKey)), ...id },
    public: { ...(await exportJWK(publicKey)), ...id },
  };
}

/** Starts one floor server, signing with `key`. */
export async function startFloorServer(config: FloorConfig, key: FloorKey): Promise<FloorServer> {
  const bundle = JSON.parse(readFileSync(config.bundleFile, 'utf8')) as { keys: JWK[] };
  const bundleKey = (await importJWK(bundle.keys[0]!, 'ES256')) as CryptoKey;
  const signingKey = (await importJWK(key.private, 'ES256')) as CryptoKey;
  const publicJwk = key.public;
  const redis = new Redis(config.redisUrl, {
    lazyConnect: true,
    enableOfflineQueue: false,
  }) as FloorRedis;
  redis.defineCommand('recordGrant', { numberOfKeys: 2, lua: RECORD_GRANT });
  await redis.connect();
  const trustPrefix = `spiffe://${config.trustDomain}/`;
  // Known once listening: the port may be 0 (a test's).
  let issuer = '';

  async function exchange(req: IncomingMessage): Promise<Record<string, unknown>> {
    const params = parseBody(req.headers['content-type'], await readBody(req));
    if (
      params.grant_type !== TOKEN_EXCHANGE ||
      params.subject_token_type !== JWT_TOKEN_TYPE ||
      typeof params.subject_token !== 'string'
    )
      throw new Refusal('invalid_request');
    const svid = await jwtVerify(params.subject_token, bundleKey, {
      algorithms: ['ES256'],
      audience: config.svidAudience,
      requiredClaims: ['sub', 'exp'],
    }).catch(() => {
      throw new Refusal('invalid_grant');
    });
    const sub = svid.payload.sub!;
    if (!sub.startsWith(trustPrefix)) throw new Refusal('invalid_grant');
    const resource = text(params.audience);
    const audience = Object.hasOwn(config.resources, resource)
      ? config.resources[resource]
      : undefined;
    if (audience === undefined) throw new Refusal('invalid_target');
    const scope = text(params.scope);
    const taskId = text(params.task_id);
    const now = Math.floor(Date.now() / 1000);
    const exp = now + TOKEN_SECONDS;
    const jti = randomBytes(16).toString('base64url');
    const token = await new SignJWT({ scope, task_id: taskId })
      .setProtectedHeader({ alg: 'ES256', kid: publicJwk.kid!, typ: 'at+jwt' })
      .setIssuer(issuer)
      .setSubject(sub)
      .setAudience(audience)
      .setIssuedAt(now)
      .setExpirationTime(exp)
      .setJti(jti)
      .sign(signingKey);
    await redis.recordGrant(
      `${config.prefix}:grant:${jti}`,
      `${config.prefix}:agent:${sub}`,
      sub,
      taskId,
      audience,
      scope,
      exp,
      TOKEN_SECONDS * 1000,
      jti,
    );
    return {
      access_token: token,
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      token_type: 'Bearer',
      expires_in: TOKEN_SECONDS,
      scope,
      task_id: taskId,
    };
  }

  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/.well-known/jwks.json')
      return answer(res, 200, { keys: [publicJwk] });
    if (req.method !== 'POST' || req.url !== '/token-exchange')
      return answer(res, 404, { error: 'not_found' });
    exchange(req).then(
      (body) => answer(res, 200, body),
      (err: unknown) =>
        err instanceof Refusal
          ? answer(res, err.status, { error: err.error })
          : answer(res, 503, { error: 'temporarily_unavailable' }),
    );
  });
  issuer = `http://${config.host}:${await listen(server, config)}`;
  return {
    url: issuer,
    jwks: { keys: [publicJwk] },
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      redis.disconnect();
    },
  };
}

/** A body member as text: absent or not a string is empty. */
function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Refusal('invalid_request', 413);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(type: string | undefined, text: string): Record<string, unknown> {
  if (type?.startsWith('application/json')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object') return parsed as Record<string, unknown>;
    } catch {
      // answered below
    }
    throw new Refusal('invalid_request');
  }
  return Object.fromEntries(new URLSearchParams(text));
}

/** Listens on the config's host and port; resolves the port listened on. */
async function listen(server: Server, config: FloorConfig): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  return (server.address() as AddressInfo).port;
}

/** The process entry: one server, or a cluster primary forking `workers` of them. */
async function main(): Promise<void> {
  const config = JSON.parse(process.env.FLOOR_CONFIG ?? '') as FloorConfig;
  if (cluster.isPrimary && config.workers > 1) {
    const key = await floorKey();
    let listening = 0;
    for (let i = 0; i < config.workers; i += 1)
      cluster.fork({ FLOOR_KEY: JSON.stringify(key) }).on('message', (m: unknown) => {
        if (m === 'listening' && ++listening === config.workers)
          console.log(JSON.stringify({ ready: `http://${config.host}:${config.port}` }));
      });
    cluster.on('exit', (_worker, code) => {
      // A worker gone is a broken floor: stop, so the bench sees it and does not measure less.
      console.error(`floor worker exited with ${code}`);
      process.exit(1);
    });
    return;
  }
  const key = process.env.FLOOR_KEY
    ? (JSON.parse(process.env.FLOOR_KEY) as FloorKey)
    : await floorKey();
  const server = await startFloorServer(config, key);
  if (cluster.isWorker) process.send!('listening');
  else console.log(JSON.stringify({ ready: server.url }));
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
