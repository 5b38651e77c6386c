import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { startTestBroker, type TestBroker } from '../support/test-broker.js';

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every `METHOD /path` the express app routes, with `:param` written as `{param}`. */
function servedRoutes(stack: Layer[]): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      const path = layer.route.path.replace(/:(\w+)/g, '{$1}');
      return Object.keys(layer.route.methods).map((m) => `${m.toUpperCase()} ${path}`);
    }
    return layer.handle?.stack ? servedRoutes(layer.handle.stack) : [];
  });
}

function documentedRoutes(): string[] {
  const spec = parse(readFileSync(resolve(import.meta.dirname, '../../openapi.yaml'), 'utf8')) as {
    paths: Record<string, Record<string, unknown>>;
  };
  return Object.entries(spec.paths).flatMap(([path, ops]) =>
    Object.keys(ops)
      .filter((k) => ['get', 'post', 'put', 'patch', 'delete'].includes(k))
      .map((m) => `${m.toUpperCase()} ${path}`),
  );
}

describe('openapi.yaml', () => {
  let t: TestBroker;
  beforeAll(async () => {
    t = await startTestBroker();
  });
  afterAll(() => t.close());

  it('documents exactly the routes the broker serves', () => {
    const app = t.broker.app as unknown as { router: { stack: Layer[] } };
    const served = [...new Set(servedRoutes(app.router.stack))].sort();
    expect(served.length).toBeGreaterThan(0);
    expect(documentedRoutes().sort()).toEqual(served);
  });

  it('has every documented GET route without parameters answer on the real server', async () => {
    const gets = documentedRoutes().filter((r) => r.startsWith('GET ') && !r.includes('{'));
    for (const route of gets) {
      const res = await fetch(`${t.url}${route.slice(4)}`);
      expect({ route, found: res.status !== 404 }).toEqual({ route, found: true });
    }
  });
});
