import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

// One test command for everything: unit tests beside code (domain/, engine/)
// and integration / end-to-end tests under tests/.
export default defineConfig({
  // Node loads graphql's CommonJS entry for the libraries (Pothos, Yoga); Vite would pick its
  // .mjs build for our own imports, and two graphql instances cannot share a schema.
  resolve: { alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }] },
  test: {
    include: ['tests/**/*.test.ts', 'domain/**/*.test.ts', 'engine/**/*.test.ts', 'api/**/*.test.ts'],
    exclude: ['node_modules/**', 'data/**', 'dist/**'],
    // Engine and workflow tests start real processes (engine, worker); give them room.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Every workflow history the tests produce is replayed at the end (tests/support/replay-all.ts).
    globalSetup: ['tests/support/replay-all.ts'],
    // 2 cores: more parallel forks only contend with the engine and worker processes.
    maxWorkers: 2,
  },
});
