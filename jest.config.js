/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  setupFiles: ['<rootDir>/test/setup-env.ts'],
  testTimeout: 60000,
  // Every core: jest's default leaves one for itself (a single worker on the 2-core CI machine), but the
  // parent only schedules and collects. Measured on 2 cores: 457 s with the default, 323 s with this.
  maxWorkers: '100%',
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
  // Suites marked `@slow` first on a machine with no timings yet (test/sequencer.js).
  testSequencer: '<rootDir>/test/sequencer.js',
};
