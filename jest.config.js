/**
 * `npm test` runs both projects; `npm run test:unit` only the first.
 * - unit: no local stack and no servers (mocked clients, synthesized templates, templates and the
 *   state machine run in-process; the CLI tests start one fake endpoint and the bin entry once).
 * - local: everything else under test/, which brings up the local stack.
 * Faults and browser tests have configs of their own (jest.faults.config.js, jest.browser.config.js).
 */
const UNIT_FOLDERS = ['unit', 'infra', 'api', 'statemachine', 'cli'];

/**
 * The property-based suites (test/support/property-runs.ts). The fault suite runs the same properties
 * with many more cases; CI runs both, so there (APPROVAL_PROPERTIES_IN_FAULT_SUITE=1, set by .ci/run)
 * `npm test` leaves them to the fault suite and each property runs once, at its larger size.
 */
const PROPERTY_SUITES = process.env.APPROVAL_PROPERTIES_IN_FAULT_SUITE === '1' ? ['/properties-[^/]*\\.test\\.ts$'] : [];

const shared = {
  testEnvironment: 'node',
  testMatch: ['**/*.test.ts'],
  // Type-checking is `npm run typecheck` (tsc --noEmit); jest only transpiles.
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  setupFiles: ['<rootDir>/test/support/jest-env.ts'],
};

/** @type {import('jest').Config} */
module.exports = {
  // Twice as many workers as cores: most local suites spend more of their time waiting on the
  // stacks' clocks and on child processes than computing (a run takes about 190 s of CPU against
  // 350 s of suite time), so extra workers fill the waits: on two cores, 3 workers took 120 s and
  // 4 take 111-115 s. Suites that bind ports take free ones (port 0)
  // and write only into temp folders of their own, so they cannot collide. (A number: jest reads a
  // percentage over 100% as a count, '200%' as 200 workers.)
  maxWorkers: require('node:os').availableParallelism() * 2,
  // Here, not in the projects: jest reads testTimeout from the run's configuration only, and a
  // project's own would leave every hook and test at jest's 5 s default.
  testTimeout: 30_000,
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  projects: [
    {
      ...shared,
      displayName: 'unit',
      roots: UNIT_FOLDERS.map((folder) => `<rootDir>/test/${folder}`),
      testPathIgnorePatterns: ['/node_modules/', ...PROPERTY_SUITES],
    },
    {
      ...shared,
      displayName: 'local',
      roots: ['<rootDir>/test'],
      testPathIgnorePatterns: [
        '/node_modules/',
        '<rootDir>/test/browser/',
        '<rootDir>/test/faults/',
        ...UNIT_FOLDERS.map((folder) => `<rootDir>/test/${folder}/`),
        ...PROPERTY_SUITES,
      ],
    },
  ],
};
