// The borders of the code, enforced in CI by `npm run lint:deps` (dependency-cruiser);
// docs/architecture.md ("Borders") draws the same picture. Type-only imports count too.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-folder-cycle',
      comment: 'The folders of src/ depend on each other in one direction only.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'http-only-parses',
      comment: 'HTTP parses and calls use cases: no store, Redis or Cedar behind its back.',
      severity: 'error',
      from: { path: '^src/http/' },
      to: { path: ['^src/grants/', 'node_modules/ioredis/', 'node_modules/@cedar-policy/'] },
    },
    {
      name: 'exchange-knows-no-http',
      severity: 'error',
      from: { path: '^src/exchange/' },
      to: { path: ['^src/http/', 'node_modules/express/'] },
    },
    {
      name: 'identity-and-policy-know-no-http',
      severity: 'error',
      from: { path: '^src/(identity|policy)/' },
      to: { path: ['^src/http/', 'node_modules/express/'] },
    },
    {
      name: 'config-stands-alone',
      comment: 'The config schema depends on no other folder of src/.',
      severity: 'error',
      from: { path: '^src/config/' },
      to: { path: '^src/', pathNot: '^src/config/' },
    },
    {
      name: 'verifier-jose-and-node-only',
      comment:
        'API owners install @mandate/verifier: jose and Node, express as types only; the MCP SDK (an optional peer) only in the mcp entry.',
      severity: 'error',
      from: { path: '^packages/verifier/src/', pathNot: '^packages/verifier/src/mcp[^/]*[.]ts$' },
      to: {
        pathNot: ['^packages/verifier/src/', 'node_modules/jose/'],
        dependencyTypesNot: ['core', 'type-only'],
      },
    },
    {
      name: 'verifier-mcp-entry-jose-node-and-sdk',
      severity: 'error',
      from: { path: '^packages/verifier/src/mcp[^/]*[.]ts$' },
      to: {
        pathNot: [
          '^packages/verifier/src/',
          'node_modules/jose/',
          // The SDK's `./*` exports name `types` first, which enhanced-resolve cannot follow
          // for `.js` subpaths: its imports stay unresolved, under their own name.
          '^@modelcontextprotocol/sdk/',
        ],
        dependencyTypesNot: ['core', 'type-only'],
      },
    },
    {
      name: 'verifier-types-from-express-only',
      severity: 'error',
      from: { path: '^packages/verifier/src/' },
      to: {
        dependencyTypes: ['type-only'],
        pathNot: [
          '^packages/verifier/src/',
          'node_modules/jose/',
          'node_modules/(@types/)?express/',
          '^@modelcontextprotocol/sdk/',
        ],
      },
    },
  ],
  options: {
    exclude: { path: ['^test/', '^bench/', '^examples/', '^scripts/', 'dist/'] },
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      extensions: ['.ts', '.js'],
      conditionNames: ['import', 'types', 'node', 'default'],
    },
  },
};
