/**
 * `npm test` runs both projects; `npm run test:unit` only the first.
 * - unit: no local stack and no servers (mocked clients, synthesized templates, templates and the
 *   state machine run in-process; the CLI tests start one fake endpoint and the bin entry once).
 * - local: everything else under test/, which brings up the local stack.
 * Faults and browser tests have configs of their own (jest.faults.config.js, jest.browser.config.js).
 */
const UNIT_FOLDERS = ['unit', 'infra', 'api', 'statemachine', 'cli'];

const shared = {
  testEnvironment: 'node',
  testMatch: ['**/*.test.ts'],
  // Type-checking is `npm run typecheck` (tsc --noEmit); jest only transpiles.
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  setupFiles: ['<rootDir>/test/support/jest-env.ts'],
  testTimeout: 30_000,
};

/** @type {import('jest').Config} */
module.exports = {
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  projects: [
    { ...shared, displayName: 'unit', roots: UNIT_FOLDERS.map((folder) => `<rootDir>/test/${folder}`) },
    {
      ...shared,
      displayName: 'local',
      roots: ['<rootDir>/test'],
      testPathIgnorePatterns: [
        '/node_modules/',
        '<rootDir>/test/browser/',
        '<rootDir>/test/faults/',
        ...UNIT_FOLDERS.map((folder) => `<rootDir>/test/${folder}/`),
      ],
    },
  ],
};
