// jose 6 is ESM-only, so the whole suite runs as native ESM (ts-jest ESM preset) rather than
// transforming node_modules: the code under test is then loaded exactly as in production.
/** @type {import('jest').Config} */
export default {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  setupFiles: ['<rootDir>/test/setup-v8-flags.cjs'],
  testTimeout: 20000,
};
