import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  SignJWT,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';
import {
  createVerifier,
  type RevocationEntry,
  type Verifier,
  type VerifierOptions,
} from '@mandate/verifier';

/**
 * A test double of the broker's downstream-facing side, speaking its wire contract over real
 * HTTP: JWKS, RFC 7662 introspection, the revocation poll and SSE stream (Last-Event-ID,
 * heartbeats), task revoke and complete. It signs tokens with its own ES256 key. Tests can
 * silence it (connections stay open, nothing is sent), stop it and start it again on the same
 * port with its revocations kept, as a restarted broker on the same Redis would.
 */
export interface FakeRevocationFeed {
  readonly url: string;
  readonly issuer: string;
  /** The key a resource server authenticates with (role resource_server and revoker). */
  readonly apiKey: string;
  /** Signs a token; options override valid defaults. */
  issue(options?: IssueOptions): Promise<IssuedToken>;
  /** Adds a new signing key, published in the JWKS and used from now on. */
  rotateKey(): Promise<void>;
  revoke(entry: Omit<RevocationEntry, 'id' | 'at' | 'until' | 'reason'>): RevocationEntry;
  /**
   * The feed goes silent: open streams get nothing (no events, no heartbeats) and new poll or
   * stream requests hang, while JWKS and introspection still answer.
   */
  silence(): void;
  /** Sends again, and sends what was held back. */
  unsilence(): void;
  /** Closes the listener and every connection; revocations are kept. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  /** `Last-Event-ID` of every stream request, in order (undefined when absent). */
  readonly streamResumes: (string | undefined)[];
  /** `since` of every poll, in order (undefined when absent). */
  readonly pollCursors: (string | undefined)[];
  close(): Promise<void>;
}

export interface IssueOptions {
  readonly sub?: string;
  readonly task?: string;
  readonly scope?: string;
  readonly aud?: string;
  readonly iss?: string;
  /** Seconds from now (may be negative). */
  readonly expiresIn?: number;
  /** Epoch seconds. */
  readonly iat?: number;
  readonly claims?: JWTPayload;
  readonly header?: Record<string, unknown>;
}

export interface IssuedToken {
  readonly token: string;
  readonly jti: string;
  readonly sub: string;
  readonly task: string;
}

export interface FakeFeedOptions {
  /** Default `http://mandate.test` (the issuer need not be where the double listens). */
  readonly issuer?: string;
  readonly audience?: string;
  /** Heartbeat period, default 2000 ms as the broker's. */
  readonly heartbeatMs?: number;
}

/** The audience tokens are issued for unless told otherwise. */
export const FAKE_AUDIENCE = 'https://tickets.example';
const TOKEN_LIFE_SECONDS = 600;

interface Key {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
}

async function newKey(): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, privateKey, publicKey, jwk: { ...jwk, kid, alg: 'ES256', use: 'sig' } };
}

/** Compares stream ids of the form `<ms>-<seq>`. */
function after(id: string, cursor: string): boolean {
  const [a1, a2] = id.split('-').map(Number) as [number, number];
  const [b1, b2] = cursor.split('-').map(Number) as [number, number];
  return a1 > b1 || (a1 === b1 && a2 > b2);
}

/** Starts the double on 127.0.0.1 on an ephemeral port. */
export async function startFakeRevocationFeed(
  options: FakeFeedOptions = {},
): Promise<FakeRevocationFeed> {
  const issuer = options.issuer ?? 'http://mandate.test';
  const audience = options.audience ?? FAKE_AUDIENCE;
  const heartbeatMs = options.heartbeatMs ?? 2_000;
  const apiKey = `mdt_${randomBytes(18).toString('base64url')}`;
  const keys: Key[] = [await newKey()];
  const entries: RevocationEntry[] = [];
  const streams = new Set<ServerResponse>();
  const streamResumes: (string | undefined)[] = [];
  const pollCursors: (string | undefined)[] = [];
  let silenced = false;
  let held: RevocationEntry[] = [];
  let waiting: (() => void)[] = [];
  let seq = 0;
  let port = 0;
  let server: Server | undefined;

  const send = (res: ServerResponse, e: RevocationEntry) =>
    res.write(`id: ${e.id}\nevent: revocation\ndata: ${JSON.stringify(e)}\n\n`);
  const heartbeat = setInterval(() => {
    if (silenced) return;
    for (const res of streams) res.write(`: heartbeat ${Date.now()}\n\n`);
  }, heartbeatMs);

  function revoke(input: Omit<RevocationEntry, 'id' | 'at' | 'until' | 'reason'>) {
    const at = Date.now();
    const entry: RevocationEntry = {
      ...input,
      id: `${at}-${seq++}`,
      at,
      until: Math.floor(at / 1000) + TOKEN_LIFE_SECONDS,
      reason: `${input.kind} revoked in a test`,
    };
    entries.push(entry);
    if (silenced) held.push(entry);
    else for (const res of streams) send(res, entry);
    return entry;
  }

  async function activeClaims(token: string): Promise<JWTPayload | undefined> {
    try {
      const { payload } = await jwtVerify(
        token,
        (header) => {
          const key = keys.find((k) => k.kid === header.kid);
          if (!key) throw new Error('unknown kid');
          return key.publicKey;
        },
        { issuer, typ: 'at+jwt' },
      );
      const task = (payload.task as { id: string }).id;
      const dead = entries.some(
        (e) =>
          (e.kind === 'grant' && e.jti === payload.jti) ||
          (e.kind === 'task' && e.agent === payload.sub && e.task === task) ||
          (e.kind === 'agent' && e.agent === payload.sub && payload.iat! <= e.at / 1000),
      );
      return dead ? undefined : payload;
    } catch {
      return undefined;
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.method === 'GET' && url.pathname === '/.well-known/jwks.json')
      return void json(200, { keys: keys.map((k) => k.jwk) });
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const complete = /^\/v1\/tasks\/([^/]+)\/complete$/.exec(url.pathname);
    if (req.method === 'POST' && complete) {
      const claims = bearer === undefined ? undefined : await activeClaims(bearer);
      const task = decodeURIComponent(complete[1]!);
      if (!claims || (claims.task as { id: string }).id !== task)
        return void json(401, {
          error: 'invalid_token',
          error_description: 'not a live token of that task',
        });
      revoke({ kind: 'task', agent: claims.sub!, task });
      return void json(200, { task_id: task, status: 'completed', revoked: 1 });
    }
    if (bearer !== apiKey)
      return void json(401, { error: 'invalid_token', error_description: 'bad key' });
    const revokeTask = /^\/v1\/tasks\/([^/]+)\/revoke$/.exec(url.pathname);
    if (req.method === 'POST' && revokeTask) {
      const task = decodeURIComponent(revokeTask[1]!);
      const entry = revoke({ kind: 'task', agent: url.searchParams.get('agent') ?? '', task });
      return void json(200, { task_id: task, status: 'revoked', revocation: entry.id });
    }
    if (req.method === 'POST' && url.pathname === '/introspect') {
      let body = '';
      for await (const chunk of req) body += String(chunk);
      const claims = await activeClaims(new URLSearchParams(body).get('token') ?? '');
      if (!claims) return void json(200, { active: false });
      return void json(200, {
        active: true,
        ...claims,
        task_id: (claims.task as { id: string }).id,
        token_type: 'Bearer',
      });
    }
    if (silenced && url.pathname.startsWith('/v1/revocations'))
      await new Promise<void>((resolve) => waiting.push(resolve));
    if (req.method === 'GET' && url.pathname === '/v1/revocations') {
      const since = url.searchParams.get('since');
      pollCursors.push(since ?? undefined);
      const list = since === null ? entries : entries.filter((e) => after(e.id, since));
      return void json(200, { revocations: list, cursor: list.at(-1)?.id ?? since ?? '' });
    }
    if (req.method === 'GET' && url.pathname === '/v1/revocations/stream') {
      const resume = req.headers['last-event-id'] as string | undefined;
      streamResumes.push(resume);
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      res.write(': connected\n\n');
      if (resume !== undefined) for (const e of entries) if (after(e.id, resume)) send(res, e);
      streams.add(res);
      res.on('close', () => streams.delete(res));
      return;
    }
    json(404, { error: 'not_found', error_description: `no route for ${url.pathname}` });
  }

  async function start(): Promise<void> {
    const s = createServer((req, res) => {
      handle(req, res).catch(() => res.destroy());
    });
    await new Promise<void>((resolve) => s.listen(port, '127.0.0.1', resolve));
    port = (s.address() as AddressInfo).port;
    server = s;
  }

  async function stop(): Promise<void> {
    const s = server;
    server = undefined;
    if (!s) return;
    for (const res of streams) res.destroy();
    streams.clear();
    for (const resolve of waiting) resolve();
    waiting = [];
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }

  await start();
  return {
    url: `http://127.0.0.1:${port}`,
    issuer,
    apiKey,
    streamResumes,
    pollCursors,
    revoke,
    start,
    stop,
    silence: () => {
      silenced = true;
    },
    unsilence: () => {
      silenced = false;
      for (const e of held) for (const res of streams) send(res, e);
      held = [];
      for (const resolve of waiting) resolve();
      waiting = [];
    },
    rotateKey: async () => {
      keys.unshift(await newKey());
    },
    issue: async (o = {}) => {
      const now = Math.floor(Date.now() / 1000);
      const jti = randomBytes(16).toString('base64url');
      const sub = o.sub ?? 'spiffe://test.example/agent/triage';
      const task = o.task ?? `tsk_${randomBytes(6).toString('base64url')}`;
      const iat = o.iat ?? now;
      const key = keys[0]!;
      const token = await new SignJWT({
        client_id: sub,
        scope: o.scope ?? 'tickets:read',
        task: { id: task },
        tier: 'read',
        ...o.claims,
      })
        .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'at+jwt', ...o.header })
        .setIssuer(o.iss ?? issuer)
        .setSubject(sub)
        .setAudience(o.aud ?? audience)
        .setIssuedAt(iat)
        .setNotBefore(iat)
        .setExpirationTime(now + (o.expiresIn ?? 300))
        .setJti(jti)
        .sign(key.privateKey);
      return { token, jti, sub, task };
    },
    close: async () => {
      clearInterval(heartbeat);
      await stop();
    },
  };
}

/**
 * A verifier of `broker`'s tokens for {@link FAKE_AUDIENCE} following its feed (stale after
 * 0.3 s), ready: its first catch-up done. `extra` overrides any option.
 */
export async function feedVerifierOf(
  broker: FakeRevocationFeed,
  extra: Partial<VerifierOptions> = {},
): Promise<Verifier> {
  const verifier = createVerifier({
    issuer: broker.issuer,
    brokerUrl: broker.url,
    audience: FAKE_AUDIENCE,
    revocation: { mode: 'feed', apiKey: broker.apiKey, maxStaleness: 0.3 },
    ...extra,
  });
  await verifier.ready();
  return verifier;
}
