// Black-box e2e tests: they spawn the built registry (dist/apps/registry/main.js) and drive it
// with real clients (skopeo, podman, docker) and raw HTTP. Serial, slow, never mocked.
module.exports = {
  displayName: 'registry-e2e',
  preset: '../../jest.preset.js',
  // Prints the tail of every registry/dockerd log when a test or hook fails.
  testEnvironment: '<rootDir>/src/support/environment.ts',
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }]
  },
  moduleFileExtensions: ['ts', 'js', 'html'],
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  // One registry process per spec file; clients are heavy (vfs storage): never run files in parallel.
  maxWorkers: 1,
  testTimeout: 5 * 60 * 1000,
  slowTestThreshold: 60,
  verbose: true,
  coverageDirectory: '../../coverage/apps/registry-e2e'
};
