import type { HttpApp } from '../../src/http/create-http-app.js';
import { generateApiKey } from '../../src/operators/api-keys.js';
import { OPERATOR_ROLES, hasRole, type OperatorRole } from '../../src/operators/operator.js';
import { OPERATORS_CONFIG, OPERATOR_KEYS } from '../e2e/redis-broker.js';
import { loadApiContract, type DocumentedOperation } from '../support/openapi-contract.js';
import { startTestBroker, type TestBroker } from '../support/test-broker.js';

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every `METHOD /path` an express app routes, with `:param` written as `{param}`. */
function servedRoutes(stack: Layer[]): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      const path = layer.route.path.replace(/:(\w+)/g, '{$1}');
      return Object.keys(layer.route.methods).map((m) => `${m.toUpperCase()} ${path}`);
    }
    return layer.handle?.stack ? servedRoutes(layer.handle.stack) : [];
  });
}

const routesOf = (app: HttpApp | undefined) =>
  [
    ...new Set([
      ...servedRoutes((app?.express as unknown as { router: { stack: Layer[] } }).router.stack),
      ...(app?.leanRoutes ?? []),
    ]),
  ].sort();

const contract = loadApiContract();
const documented = contract.operations.map((op) => `${op.method} ${op.path}`).sort();

/** What the server answered a request to `op` with this bearer token (or none). */
async function statusOf(url: string, op: DocumentedOperation, bearer?: string): Promise<number> {
  const path = op.path.replace(/\{[^}]+\}/g, 'probe');
  const abort = new AbortController();
  const res = await fetch(`${url}${path}?agent=spiffe%3A%2F%2Ftest.example%2Fagent%2Fnone`, {
    method: op.method,
    headers: bearer === undefined ? {} : { authorization: `Bearer ${bearer}` },
    signal: abort.signal,
  });
  abort.abort(); // the SSE stream never ends; the status is all this test reads
  return res.status;
}

/** The roles of a security requirement on the operator key scheme; undefined if none. */
function operatorRoles(op: DocumentedOperation): string[] | undefined {
  const roles = op.security.flatMap((req) => req.operatorKey ?? []);
  return op.security.some((req) => 'operatorKey' in req) ? roles : undefined;
}

describe('openapi.yaml', () => {
  let t: TestBroker;
  let admin: TestBroker;
  beforeAll(async () => {
    t = await startTestBroker({ config: { operators: OPERATORS_CONFIG } });
    admin = await startTestBroker({
      config: { operators: OPERATORS_CONFIG, admin: { listen: { host: '127.0.0.1', port: 0 } } },
    });
  });
  afterAll(() => Promise.all([t.close(), admin.close()]));

  it('documents exactly the routes and methods the broker serves', () => {
    expect(routesOf(t.broker.app)).toEqual(documented);
    // With admin.listen, the two listeners split the same routes between them.
    const split = new Set([...routesOf(admin.broker.app), ...routesOf(admin.broker.adminApp)]);
    expect([...split].sort()).toEqual(documented);
  });

  it('names operator roles that exist, at least one per operator operation', () => {
    const required = contract.operations.flatMap((op) =>
      op.security.flatMap((req) => Object.entries(req)),
    );
    expect(new Set(required.map(([scheme]) => scheme))).toEqual(
      new Set(['operatorKey', 'agentToken']),
    );
    const perOperation = required.filter(([scheme]) => scheme === 'operatorKey');
    expect(perOperation.filter(([, roles]) => roles.length !== 1)).toEqual([]);
    const roles = perOperation.flatMap(([, names]) => names);
    expect(roles.filter((r) => !(OPERATOR_ROLES as readonly string[]).includes(r))).toEqual([]);
  });

  it('enforces on every operation the security it documents', async () => {
    const unknownKey = generateApiKey().key;
    for (const op of contract.operations) {
      const name = `${op.method} ${op.path}`;
      const roles = operatorRoles(op);
      const anonymous = await statusOf(t.url, op);
      if (op.security.length === 0) {
        expect({ name, refused: [401, 403].includes(anonymous) }).toEqual({ name, refused: false });
        continue;
      }
      expect({ name, anonymous }).toEqual({ name, anonymous: 401 });
      expect({ name, unknown: await statusOf(t.url, op, unknownKey) }).toEqual({
        name,
        unknown: 401,
      });
      if (roles === undefined) {
        // The agent's own token: an operator key, even an admin's, is not one.
        const asAdmin = await statusOf(t.url, op, OPERATOR_KEYS.admin.key);
        expect({ name, asAdmin }).toEqual({ name, asAdmin: 401 });
        continue;
      }
      for (const role of OPERATOR_ROLES) {
        const holder = { name: role, roles: new Set([role]) };
        const allowed = roles.some((needed) => hasRole(holder, needed as OperatorRole));
        const status = await statusOf(t.url, op, OPERATOR_KEYS[role].key);
        const refused = status === 401 || status === 403;
        expect({ name, role, refused }).toEqual({ name, role, refused: !allowed });
      }
    }
  });
});
