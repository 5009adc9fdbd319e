import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // rebuild dist/ first: the CLI tests run bin/orrery.mjs, which runs the compiled dist/cli.js
    globalSetup: ['tests/helpers/build-dist.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
