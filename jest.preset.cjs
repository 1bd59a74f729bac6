// Shared jest settings: ESM mode (run jest with --experimental-vm-modules), SWC with legacy
// decorators and decorator metadata, the same settings tsc uses.
const path = require('node:path');

const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
  },
  module: { type: 'es6' },
  sourceMaps: 'inline',
};

module.exports = {
  testEnvironment: path.join(__dirname, 'tools/jest/node-realm-environment.cjs'),
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['@swc/jest', swc],
    // light-my-request (CJS) requires the ESM-only cookie package
    '/node_modules/cookie/.+\\.js$': ['@swc/jest', {}],
  },
  transformIgnorePatterns: ['/node_modules/(?!(cookie)/)'],
  // only src/ is crawled: test/fixtures holds package.json files jest must not index
  roots: ['<rootDir>/src'],
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  testTimeout: 30000,
  reporters: ['default', path.join(__dirname, 'tools/jest/summary-reporter.cjs')],
};
