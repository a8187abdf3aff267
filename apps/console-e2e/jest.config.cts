// Browser e2e of the console: the built admin API (serving dist/apps/console) and the built
// registry as child processes, an image pushed by skopeo, Debian's chromium driven by
// playwright-core. Serial and slow; never mocked.
module.exports = {
  displayName: 'console-e2e',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
  },
  moduleFileExtensions: ['ts', 'js'],
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  maxWorkers: 1,
  testTimeout: 3 * 60 * 1000,
  slowTestThreshold: 60,
  coverageDirectory: '../../coverage/apps/console-e2e',
};
