import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const PACKAGE = resolve(import.meta.dirname, '../../packages/verifier');
const DIR = join(PACKAGE, 'src');

/** Every module a file imports at run time (`import type` is erased, so it does not count). */
function runtimeImports(file: string): string[] {
  const text = readFileSync(join(DIR, file), 'utf8');
  return [...text.matchAll(/^(?:import|export)(?! type)[^'"]*?from '([^']+)'/gm)].map((m) => m[1]!);
}

describe('@mandate/verifier dependencies', () => {
  it('loads nothing but jose, Node built-ins and its own files: no express, Redis or Cedar', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.ts'));
    const outside = files.flatMap((f) =>
      runtimeImports(f)
        .filter((m) => !(m === 'jose' || m.startsWith('node:') || /^\.\/[a-z-]+\.js$/.test(m)))
        // The MCP entry loads the application's own MCP SDK (an optional peer), and only it.
        .filter((m) => !(/^mcp[a-z-]*\.ts$/.test(f) && m.startsWith('@modelcontextprotocol/sdk/')))
        .map((m) => `${f} -> ${m}`),
    );
    expect(files).toContain('express.ts');
    expect(outside).toEqual([]);
  });

  it('loads the MCP SDK only from the MCP entry: the other entries never need it', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.ts'));
    const withSdk = files.filter((f) =>
      runtimeImports(f).some((m) => m.startsWith('@modelcontextprotocol/')),
    );
    expect(withSdk.sort()).toEqual(['mcp-guarded-transport.ts', 'mcp.ts']);
    const nonMcp = files.filter((f) => !f.startsWith('mcp'));
    const reachMcp = nonMcp.filter((f) => runtimeImports(f).some((m) => /^\.\/mcp/.test(m)));
    expect(reachMcp).toEqual([]);
  });

  it('declares jose as its only dependency and express only as an optional peer', () => {
    const manifest = JSON.parse(readFileSync(join(PACKAGE, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
      peerDependenciesMeta?: Record<string, { optional?: boolean }>;
    };
    expect(Object.keys(manifest.dependencies ?? {})).toEqual(['jose']);
    for (const peer of Object.keys(manifest.peerDependencies ?? {}))
      expect(manifest.peerDependenciesMeta?.[peer]?.optional).toBe(true);
  });
});
