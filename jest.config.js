/** @type {import('jest').Config} */
module.exports = {
  rootDir: '.',
  moduleFileExtensions: ['js', 'json', 'ts'],
  testRegex: '(libs|apps|test)/.*\\.(spec|e2e-spec)\\.ts$',
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/test/package/fixtures/'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  // In-repo suites test the library's source; the package test (test/package) tests the packed tarball.
  moduleNameMapper: {
    '^nest-scoped-throttle$': '<rootDir>/libs/throttle/src/index.ts',
    '^nest-scoped-throttle/testing$': '<rootDir>/libs/throttle/src/testing/index.ts',
  },
  modulePathIgnorePatterns: ['<rootDir>/libs/throttle/dist', '<rootDir>/dist'],
  testEnvironment: 'node',
  testTimeout: 30000,
};
