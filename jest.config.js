/** @type {import('jest').Config} */
module.exports = {
  rootDir: '.',
  moduleFileExtensions: ['js', 'json', 'ts'],
  testRegex: '(libs|apps|test)/.*\\.(spec|e2e-spec)\\.ts$',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  moduleNameMapper: {
    '^@app/throttle$': '<rootDir>/libs/throttle/src',
    '^@app/throttle/(.*)$': '<rootDir>/libs/throttle/src/$1',
  },
  testEnvironment: 'node',
  testTimeout: 30000,
};
