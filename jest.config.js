// Three tiers (CONVENTIONS 13): unit beside the code, medium on a real Postgres with a fresh
// database per file, end-to-end against the built services started as processes.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  },
];

const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: {
    '^@sharedcare/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/.data/'],
};

export default {
  // Jest reads the timeout from the top level only; end-to-end tests start services as processes.
  testTimeout: 90_000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/{apps,libs,docker}/**/*.spec.ts'],
      testPathIgnorePatterns: ['\\.medium\\.spec\\.ts$'],
    },
    {
      ...common,
      displayName: 'medium',
      testMatch: ['<rootDir>/{apps,libs,test}/**/*.medium.spec.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
    },
    {
      // The web client in Debian's Chromium (playwright-core), against the services as processes.
      ...common,
      displayName: 'browser',
      testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'],
    },
  ],
};
