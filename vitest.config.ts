import { defineConfig } from 'vitest/config';

// One test command for everything: unit tests beside code (domain/, engine/)
// and integration / end-to-end tests under tests/.
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'domain/**/*.test.ts', 'engine/**/*.test.ts', 'api/**/*.test.ts'],
    exclude: ['node_modules/**', 'data/**', 'dist/**'],
    // Engine and workflow tests start real processes (engine, worker); give them room.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // 2 cores: more parallel forks only contend with the engine and worker processes.
    maxWorkers: 2,
  },
});
