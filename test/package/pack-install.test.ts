import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

// Run by `npm run test:pack` only. What a user gets from `npm install mandate` or
// `npm install @mandate/verifier`: the tarballs `npm pack` makes, installed into empty projects.

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

/** The environment of a fresh shell: nothing of the npm script or jest that runs this test. */
const env = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'NODE_OPTIONS'),
);

async function npm(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('npm', [...args, '--no-audit', '--no-fund'], {
    cwd,
    env,
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

/** An empty ESM project. */
function project(dir: string): string {
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ private: true, type: 'module' }));
  return dir;
}

/** Installed version of one of this repository's packages, so the install hits the cache. */
const versionOf = (name: string) =>
  (
    JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;

interface Packed {
  readonly name: string;
  readonly filename: string;
  readonly files: { path: string }[];
}

let work: string;
let tarballs: Map<string, Packed>;
/** A project with only the verifier installed. */
let verifierOnly: string;
/** A project with the broker, the verifier, the MCP SDK, and what a TypeScript user adds. */
let full: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'mandate-pack-'));
  const packed = JSON.parse(
    await npm(
      ROOT,
      'pack',
      '--workspaces',
      '--include-workspace-root',
      '--json',
      '--pack-destination',
      work,
    ),
  ) as Packed[];
  tarballs = new Map(packed.map((p) => [p.name, p]));
  const tarball = (name: string) => join(work, tarballs.get(name)!.filename);

  verifierOnly = project(join(work, 'verifier-only'));
  full = project(join(work, 'full'));
  await Promise.all([
    npm(verifierOnly, 'install', '--prefer-offline', tarball('@mandate/verifier')),
    npm(
      full,
      'install',
      '--prefer-offline',
      tarball('mandate'),
      tarball('@mandate/verifier'),
      `@types/node@${versionOf('@types/node')}`,
      `@types/express@${versionOf('@types/express')}`,
      `@modelcontextprotocol/sdk@${versionOf('@modelcontextprotocol/sdk')}`,
      `zod@${versionOf('zod')}`,
    ),
  ]);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Imports every entry of an installed package's `exports` (but `skip`) from plain Node ESM. */
async function importEveryExport(
  cwd: string,
  name: string,
  skip: readonly string[] = [],
): Promise<Record<string, string[]>> {
  const script = `
    import { readFileSync } from 'node:fs';
    const { exports } = JSON.parse(readFileSync('node_modules/${name}/package.json', 'utf8'));
    const out = {};
    for (const key of Object.keys(exports).filter((k) => !${JSON.stringify(skip)}.includes(k))) {
      const specifier = '${name}' + key.slice(1);
      out[specifier] = Object.keys(await import(specifier)).sort();
    }
    console.log(JSON.stringify(out));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    cwd,
    env,
  });
  return JSON.parse(stdout) as Record<string, string[]>;
}

describe('the packed packages', () => {
  it('ship compiled JavaScript with types, and no sources or tests', () => {
    for (const { name, files } of tarballs.values()) {
      const paths = files.map((f) => f.path);
      expect({
        name,
        strays: paths.filter((p) => /^(src|test|packages)\/|\.ts$/.test(p) && !p.endsWith('.d.ts')),
      }).toEqual({ name, strays: [] });
      expect(paths).toContain('dist/index.js');
      expect(paths).toContain('dist/index.d.ts');
    }
    const broker = tarballs.get('mandate')!.files.map((f) => f.path);
    expect(broker).toEqual(
      expect.arrayContaining([
        'bin/mandate.js',
        'dist/cli/main.js',
        'openapi.yaml',
        'config/mandate.yaml',
      ]),
    );
  });

  it("ship the Redis store's Lua scripts next to the compiled module that reads them", () => {
    // tsc copies no .lua: `npm run build` does, and the broker reads them when it loads.
    const lua = readdirSync(join(ROOT, 'src/grants/redis/lua')).filter((f) => f.endsWith('.lua'));
    expect(lua).toContain('record-grant.lua');
    const broker = tarballs.get('mandate')!.files.map((f) => f.path);
    expect(broker).toEqual(
      expect.arrayContaining([
        'dist/grants/redis/store-scripts.js',
        ...lua.map((f) => `dist/grants/redis/lua/${f}`),
        'dist/store-epoch/redis-store-epoch.js',
        'dist/store-epoch/lua/ensure-epoch.lua',
      ]),
    );
  });

  it('install the verifier with jose as its only dependency', () => {
    const modules = readdirSync(join(verifierOnly, 'node_modules')).filter(
      (d) => !d.startsWith('.'),
    );
    expect(modules.sort()).toEqual(['@mandate', 'jose']);
    expect(readdirSync(join(verifierOnly, 'node_modules/@mandate'))).toEqual(['verifier']);
  });

  it('load every export of the verifier from plain Node, the Express entry without express', async () => {
    const exported = await importEveryExport(verifierOnly, '@mandate/verifier', ['./mcp']);
    expect(Object.keys(exported).sort()).toEqual([
      '@mandate/verifier',
      '@mandate/verifier/express',
    ]);
    expect(exported['@mandate/verifier']).toEqual(
      expect.arrayContaining([
        'createVerifier',
        'VERIFIER_DEFAULTS',
        'ACCESS_TOKEN_TYP',
        'TRANSACTION_TOKEN_TYP',
      ]),
    );
    expect(exported['@mandate/verifier/express']).toEqual([
      'mandateOf',
      'protectedResourceMetadata',
      'requireMandate',
      'requireTransactionToken',
      'resourceMetadataUrl',
      'serveResourceMetadata',
      'transactionOf',
    ]);
  });

  it('load the MCP entry where the MCP SDK is installed, and name the SDK where it is not', async () => {
    const exported = await importEveryExport(full, '@mandate/verifier');
    expect(exported['@mandate/verifier/mcp']).toEqual(['mcpMandateOf', 'protectMcpServer']);
    const missing = await run(
      process.execPath,
      ['--input-type=module', '-e', "await import('@mandate/verifier/mcp')"],
      { cwd: verifierOnly, env },
    ).then(
      () => '',
      (err: { stderr: string }) => err.stderr,
    );
    expect(missing).toMatch(/Cannot find package '@modelcontextprotocol\/sdk'/);
  });

  it('load every export of the broker from plain Node', async () => {
    const exported = await importEveryExport(full, 'mandate');
    expect(exported).toEqual({
      mandate: [
        'ConfigError',
        'MandateError',
        'buildBroker',
        'loadConfig',
        'parseConfig',
        'startServer',
      ],
    });
  });

  /** Type-checks `source` in the full project as a strict NodeNext user; tsc's report. */
  async function typeCheck(source: string, lib: readonly string[]): Promise<string> {
    writeFileSync(
      join(full, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          lib,
          types: ['node'],
          noEmit: true,
          skipLibCheck: false,
        },
        files: ['use.ts'],
      }),
    );
    writeFileSync(join(full, 'use.ts'), source);
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    return run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: full, env }).then(
      () => '',
      (err: { stdout: string }) => err.stdout,
    );
  }

  it('type-check for a strict NodeNext TypeScript user, declarations included', async () => {
    expect(await typeCheck(USE_TS, ['ES2023'])).toBe('');
  });

  it('type-check the MCP entry for such a user, with the DOM lib the MCP SDK declarations name', async () => {
    // The SDK's own .d.ts files use DOM types (HeadersInit), whatever this package does.
    expect(await typeCheck(USE_MCP_TS, ['ES2023', 'DOM'])).toBe('');
  });

  it('install a working `mandate` command', async () => {
    const { stdout } = await run(join(full, 'node_modules/.bin/mandate'), ['--help'], {
      cwd: full,
      env,
    });
    expect(stdout).toMatch(/^Usage: mandate/);
    expect(stdout).toContain('serve');
  });
});

/** A user's TypeScript: every export in use, and misuses that must not type-check. */
const USE_TS = `
import {
  buildBroker, ConfigError, loadConfig, MandateError, parseConfig, startServer,
  type Broker, type BrokerDeps, type Config, type ConfigEnv, type ErrorCode, type RunningServer,
} from 'mandate';
import {
  ACCESS_TOKEN_TYP, createVerifier, VERIFIER_DEFAULTS,
  type RevocationEntry, type VerifiedToken, type Verifier,
} from '@mandate/verifier';
import { mandateOf, requireMandate, resourceMetadataUrl } from '@mandate/verifier/express';

export async function serve(file: string, env: ConfigEnv, deps: BrokerDeps): Promise<RunningServer> {
  const config: Config = loadConfig(file, env);
  const broker: Broker = await buildBroker(config, deps);
  return startServer(broker, config.server);
}
export const parsed: Config = parseConfig({ issuer: 'https://mandate.example' }, 'inline');
export const isConfigError = (err: unknown): boolean => err instanceof ConfigError;
export const code: ErrorCode = new MandateError('invalid_request', 'no').code;

export const connect = (apiKey: string): Verifier =>
  createVerifier({
    issuer: 'https://mandate.example',
    audience: 'tickets',
    revocation: { mode: 'feed', apiKey, onRevocation: (e: RevocationEntry) => void e.jti },
  });

export const guard = (verifier: Verifier) => requireMandate({ verifier, scopes: ['tickets:read'] });
export const agentOf = (req: Parameters<typeof mandateOf>[0]): string => mandateOf(req).agentId;
export const typ: string = ACCESS_TOKEN_TYP;
export const skew: number = VERIFIER_DEFAULTS.clockToleranceSeconds;
export const kind = (e: RevocationEntry): 'grant' | 'task' | 'agent' | 'epoch' => e.kind;
export const audience = (e: RevocationEntry): string | undefined => e.aud;
export const scopes = (t: VerifiedToken): readonly string[] => t.scopes;

export const challenge = (verifier: Verifier) =>
  requireMandate({ verifier, resourceMetadata: resourceMetadataUrl('https://api.example/v1') });

// @ts-expect-error the verifier's options are typed, not any
export const bad = () => createVerifier({ issuer: 'https://mandate.example', audience: 1 });
// @ts-expect-error the error codes are a closed union
export const wrong: ErrorCode = 'no_such_code';
`;

/** A user's MCP server behind the verifier: the entry's exports in use, and a misuse. */
const USE_MCP_TS = `
import type { Verifier } from '@mandate/verifier';
import { mcpMandateOf, protectMcpServer, type McpToolRules } from '@mandate/verifier/mcp';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';

const tools: McpToolRules = { comment: { scope: 'tickets:write', target: 'ticket_id' } };
export const mcp = (verifier: Verifier) =>
  protectMcpServer({
    verifier,
    resource: 'https://mcp.example/mcp',
    authorizationServers: ['https://mandate.example'],
    server: () => new McpServer({ name: 'tickets', version: '1.0.0' }),
    tools,
  });
export const caller = (extra: Parameters<typeof mcpMandateOf>[0]): string =>
  mcpMandateOf(extra).agentId;
// @ts-expect-error a tool names the scope it needs
export const noScope: McpToolRules = { comment: { target: 'ticket_id' } };
`;
