// jose 6 is ESM-only, so the whole suite runs as native ESM (ts-jest ESM preset) rather than
// transforming node_modules: the code under test is then loaded exactly as in production.
// Two projects: `unit` (no Redis, no server, no socket: test/support/no-network.ts refuses
// them) and `e2e` (real Redis on 127.0.0.1:6379, real servers on ephemeral ports).
// `npm test` runs both; `npm run test:unit` / `npm run test:e2e` select one.

/**
 * Test files that need Redis or a server, by path. Everything else is a unit test; one that
 * opens a socket fails in the unit project with a message pointing here.
 */
const E2E = [
  '**/*.e2e.test.ts',
  '**/*.integration.test.ts',
  '**/test/e2e/**/*.test.ts',
  '**/test/approvals/redis-*.test.ts',
  '**/test/grants/redis-*.test.ts',
  '**/test/http/openapi.test.ts',
  '**/test/identity/bundle-rotation.test.ts',
  '**/test/security/**/*.test.ts',
  '**/test/verifier/broker-tokens.test.ts',
  '**/test/verifier/express-middleware.test.ts',
  '**/test/verifier/feed-revocation.test.ts',
  '**/test/verifier/introspect-mode.test.ts',
  '**/test/verifier/revocation-loop.test.ts',
  '**/test/verifier/verify-token.test.ts',
];

/** The package test (`npm run test:pack`, jest.pack.config.js): slow, so in neither project. */
export const PACK = '**/test/package/pack-install.test.ts';

/** Settings every project shares. */
export const shared = {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    // The workspace package from its TypeScript sources, so tests never need a build.
    '^@mandate/verifier$': '<rootDir>/packages/verifier/src/index.ts',
    '^@mandate/verifier/express$': '<rootDir>/packages/verifier/src/express.ts',
    '^@mandate/verifier/mcp$': '<rootDir>/packages/verifier/src/mcp.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  setupFiles: ['<rootDir>/test/setup-v8-flags.cjs'],
};

/** @type {import('jest').Config} */
export default {
  testTimeout: 20000,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['**/test/**/*.test.ts', ...[...E2E, PACK].map((glob) => `!${glob}`)],
      setupFilesAfterEnv: ['<rootDir>/test/support/no-network.ts'],
    },
    { ...shared, displayName: 'e2e', testMatch: E2E },
  ],
};
